// SelfAttentionView (data-view "self-attention"): every head of every self-attention layer
// (multihead_attention, or the one inside transformer_encoder_layer) as a [T x T] heatmap for
// one example, its tokens on both axes: row i = query step i, column j = key step j, each row
// a softmax (its sum beside it, with its effective number of sources exp(entropy)), the
// most-attended step outlined. Input: the `self_attention` snapshot. gradlabData
// (contract): {tokens, layers: [{name, causal, heads: [{weights, row_sums, spread}]}]}.
//
//   const v = new SelfAttentionView(host);
//   v.update(await client.snapshot('self_attention'));

import { Heatmap } from '../../viz/heatmap';
import { formatNumber } from '../../viz/scales';
import { attentionHeatmap } from './attention';
import { selfAttentionModel, type SelfAttentionModel, type SelfAttentionSnapshot } from './models';
import { el, setGradlabData, viewRoot } from './view';

export class SelfAttentionView {
  readonly root: HTMLDivElement;
  private readonly grid: HTMLDivElement;
  private readonly readout: HTMLParagraphElement;
  private maps: Heatmap[] = [];
  private model: SelfAttentionModel | null = null;

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'self-attention',
      'Each head of each self-attention layer for one example: row = the step that is attending (query), column = the step it reads (key); each row is a softmax over the steps (it sums to 1). Beside each row: its sum and its effective number of sources, exp(entropy): 1 for a one-hot row, k for a row spread evenly over k steps. Outlined: the step with the most weight. Without positions, permuting the steps would only permute rows and columns.',
    ).root;
    this.grid = el('div', 'gl-head-grid');
    this.readout = el('p', 'gl-readout', 'Point at a cell to read its weight.');
    this.root.append(this.grid, this.readout);
    setGradlabData(this.root, { tokens: [], layers: [] });
  }

  update(snapshot: SelfAttentionSnapshot): void {
    const m = selfAttentionModel(snapshot);
    this.model = m;
    const heads = m.layers.flatMap((l, li) => l.heads.map((h, hi) => ({ li, hi, h })));
    if (heads.length !== this.maps.length) this.rebuild(heads.map(({ li, hi }) => this.title(li, hi)));
    heads.forEach(({ h }, k) => this.maps[k]!.update(attentionHeatmap(h)));
    setGradlabData(this.root, {
      tokens: m.tokens,
      layers: m.layers.map((l) => ({ name: l.name, causal: l.causal, heads: l.heads.map((h) => ({ weights: h.weights, row_sums: h.row_sums, spread: h.spread })) })),
    });
  }

  private title(layer: number, head: number): string {
    const l = this.model!.layers[layer]!;
    return `${l.name}, head ${head}${l.causal ? ' (causal)' : ''}`;
  }

  private rebuild(titles: string[]): void {
    for (const map of this.maps) map.dispose();
    this.grid.replaceChildren();
    this.maps = titles.map((title) => {
      const cell = el('figure', 'gl-head');
      cell.appendChild(el('figcaption', undefined, title));
      this.grid.appendChild(cell);
      return new Heatmap(cell, {
        scale: 'sequential',
        domain: [0, 1],
        xLabel: 'key step',
        yLabel: 'query step',
        notesLabel: 'sum · sources',
        valueName: 'attention weight',
        label: `attention weights, ${title}`,
        onHover: (hover) => {
          const m = this.model;
          if (!m || !hover) {
            this.readout.textContent = 'Point at a cell to read its weight.';
            return;
          }
          this.readout.textContent = `${title}: step ${hover.row} (“${m.tokens[hover.row]}”) gives weight ${formatNumber(hover.value ?? 0, 3)} to step ${hover.col} (“${m.tokens[hover.col]}”).`;
        },
      });
    });
  }

  dispose(): void {
    for (const map of this.maps) map.dispose();
    this.root.remove();
  }
}
