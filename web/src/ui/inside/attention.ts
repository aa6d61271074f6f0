// AttentionView (data-view "attention"): the attention weights of one translated example as
// a [target x source] heatmap, target tokens down the side (what the decoder was writing),
// source tokens along the bottom (what it could look at), each row's sum beside it (a
// softmax row sums to 1) with its effective number of sources exp(entropy) (1: one-hot, k:
// even over k tokens), the most-attended source token outlined, and a line that reads the
// weight under the pointer in words. Input: the `attention` snapshot (attention_map.h).
// gradlabData (contract): {weights: number[][], source_tokens, target_tokens, row_sums, spread}.
//
//   const v = new AttentionView(host);
//   v.update(await client.snapshot('attention'));

import { Heatmap, type HeatmapData } from '../../viz/heatmap';
import { formatNumber } from '../../viz/scales';
import { attentionModel, type AttentionModel, type AttentionSnapshot } from './models';
import { el, setGradlabData, viewRoot } from './view';

export class AttentionView {
  readonly root: HTMLDivElement;
  private readonly map: Heatmap;
  private readonly readout: HTMLParagraphElement;
  private model: AttentionModel | null = null;

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'attention',
      'Where the decoder looked: row = the output token it was producing, column = an input token; each row is a softmax over the input (it sums to 1). Outlined: the input token with the most weight.',
    ).root;
    this.readout = el('p', 'gl-readout', 'Point at a cell to read its weight.');
    this.map = new Heatmap(this.root, {
      scale: 'sequential',
      domain: [0, 1],
      xLabel: 'source (input) token',
      yLabel: 'target (output) token',
      notesLabel: 'sum · sources',
      valueName: 'attention weight',
      label: 'attention weights',
      onHover: (cell) => {
        const m = this.model;
        if (!m || !cell) {
          this.readout.textContent = 'Point at a cell to read its weight.';
          return;
        }
        this.readout.textContent = `While writing “${m.target_tokens[cell.row]}” (output ${cell.row}), the decoder gave weight ${formatNumber(cell.value, 3)} to “${m.source_tokens[cell.col]}” (input ${cell.col}).`;
      },
    });
    this.root.appendChild(this.readout);
    setGradlabData(this.root, { weights: [], source_tokens: [], target_tokens: [], row_sums: [], spread: [] });
  }

  update(snapshot: AttentionSnapshot): void {
    const m = attentionModel(snapshot);
    this.model = m;
    this.map.update(attentionHeatmap(m));
    setGradlabData(this.root, { weights: m.weights, source_tokens: m.source_tokens, target_tokens: m.target_tokens, row_sums: m.row_sums, spread: m.spread });
  }

  dispose(): void {
    this.map.dispose();
    this.root.remove();
  }
}

/** One attention map as a heatmap: tokens on both axes, each row's sum beside it, its argmax outlined. */
export function attentionHeatmap(m: AttentionModel): HeatmapData {
  return {
    rows: m.weights.length,
    cols: m.source_tokens.length,
    values: m.weights.flat(),
    rowLabels: m.target_tokens.map(visible),
    colLabels: m.source_tokens.map(visible),
    rowNotes: m.row_sums.map((s, r) => `${formatNumber(s)} · ${formatNumber(m.spread[r] ?? 0, 2)}`),
    marks: m.argmax.map((c, r) => [r, c] as [number, number]),
  };
}

/** Whitespace tokens drawn visibly (a space would be an empty label). */
export function visible(token: string): string {
  if (token === ' ') return '␣';
  if (token === '\n') return '↵';
  if (token === '\t') return '⇥';
  return token;
}
