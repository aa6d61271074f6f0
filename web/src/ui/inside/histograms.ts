// HistogramsView (data-view "histograms"): per parameter, histograms of its values and of its
// gradient with the numbers behind them (norm, mean, std, non-finite count), and a chart of
// every parameter's gradient norm (and value norm) across updates, on a log axis, so
// vanishing or exploding layers stand out. Input: the `params` snapshot (an array of
// ParameterStats, core/inspect/params.h); pass `{params, step}` to put the history on training
// steps (the workspace does: the worker knows each snapshot's step).
// A parameter picked in another view (a bubbling `gradlab-select-parameter` event with
// {name}, e.g. a click in the network diagram) is outlined and scrolled to.
// gradlabData: {parameters: [{name, shape, value_norm, grad_norm|null, ...}], history: NormHistory, selected: name | null}.
//
//   const v = new HistogramsView(host);
//   v.update(await client.snapshot('params'));            // or v.update({params, step: 120})

import { Histogram } from '../../viz/histogram';
import { LineChart } from '../../viz/line-chart';
import { classColor, formatNumber } from '../../viz/scales';
import { emptyNormHistory, histogramEdges, pushNorms, type NormHistory, type ParameterStatsJson } from './models';
import { el, labelled, onSelectParameter, setGradlabData, viewRoot } from './view';

interface Card {
  root: HTMLDivElement;
  title: HTMLDivElement;
  valueStats: HTMLDivElement;
  gradStats: HTMLDivElement;
  value: Histogram;
  grad: Histogram;
}

export class HistogramsView {
  readonly root: HTMLDivElement;
  private readonly chart: LineChart;
  private readonly which: HTMLSelectElement;
  private readonly grid: HTMLDivElement;
  private cards: Card[] = [];
  private history: NormHistory = emptyNormHistory();
  private updates = 0;
  private xLabel = 'training step';
  private selected: string | null = null;
  private readonly stopFollowing: () => void;

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'histograms',
      'Each parameter’s values and gradient (∂L/∂W from the latest backward pass) as histograms, and how their sizes ‖·‖₂ change as training goes on.',
    ).root;
    this.which = el('select');
    this.which.append(new Option('gradient norm ‖∂L/∂W‖', 'grad'), new Option('weight norm ‖W‖', 'value'));
    this.which.addEventListener('change', () => this.drawHistory());
    const row = el('div', 'gl-row');
    row.append(labelled('Plot over time', this.which));
    this.root.appendChild(row);
    this.chart = new LineChart(this.root, { xLabel: 'training step', yLabel: '‖∂L/∂W‖₂', yScale: 'log', logToggle: true, height: 190 });
    this.grid = el('div', 'gl-grid');
    this.root.appendChild(this.grid);
    setGradlabData(this.root, { parameters: [], history: this.history, selected: null });
    this.stopFollowing = onSelectParameter(this.root, (s) => this.highlight(s?.name ?? null));
  }

  private highlight(name: string | null): void {
    this.selected = name;
    const card = this.cards.find((c) => c.root.dataset['param'] === name);
    for (const c of this.cards) c.root.classList.toggle('gl-selected', c === card);
    card?.root.scrollIntoView({ block: 'nearest' });
    const data = (this.root as HTMLElement & { gradlabData?: Record<string, unknown> }).gradlabData;
    if (data) data['selected'] = card ? name : null;
  }

  update(data: ParameterStatsJson[] | { params: ParameterStatsJson[]; step?: number }): void {
    const params = Array.isArray(data) ? data : data.params;
    // without a step the x axis counts snapshots, and says so
    const stepped = !Array.isArray(data) && typeof data.step === 'number';
    const step = stepped ? data.step! : this.updates;
    this.updates++;
    this.xLabel = stepped ? 'training step' : 'snapshot';
    this.history = pushNorms(this.history, step, params);
    this.syncCards(params);
    params.forEach((p, i) => {
      const c = this.cards[i]!;
      c.title.textContent = `${p.name} [${p.shape.join('×')}]`;
      c.value.update({ edges: histogramEdges(p.value.histogram), counts: p.value.histogram.counts, below: p.value.histogram.below, above: p.value.histogram.above });
      // the share of near-zero weights (L1 drives weights there); left out while there are none
      const small = typeof p.small_fraction === 'number' && p.small_fraction > 0 ? `, ${formatNumber(100 * p.small_fraction)}% with |w| < ${formatNumber(p.small_eps ?? 1e-3)}` : '';
      c.valueStats.textContent = `values: ‖W‖ ${formatNumber(p.value.norm)}, mean ${formatNumber(p.value.mean)}, std ${formatNumber(p.value.std)}${small}${p.value.non_finite ? `, ${p.value.non_finite} NaN/∞` : ''}`;
      if (p.has_grad) {
        c.grad.update({ edges: histogramEdges(p.grad.histogram), counts: p.grad.histogram.counts, below: p.grad.histogram.below, above: p.grad.histogram.above });
        c.gradStats.textContent = `gradient: ‖∂L/∂W‖ ${formatNumber(p.grad.norm)}, mean ${formatNumber(p.grad.mean)}, std ${formatNumber(p.grad.std)}${p.grad.non_finite ? `, ${p.grad.non_finite} NaN/∞` : ''}`;
        c.gradStats.classList.toggle('gl-danger', p.grad.non_finite > 0);
      } else {
        // the snapshot runs its own backward pass on a batch: no gradient means it does not reach this parameter
        c.grad.update({ edges: [], counts: [] });
        c.gradStats.textContent = 'gradient: none (the backward pass from the loss does not reach this parameter)';
        c.gradStats.classList.remove('gl-danger');
      }
    });
    this.drawHistory();
    setGradlabData(this.root, {
      parameters: params.map((p) => ({
        name: p.name,
        shape: p.shape,
        value_norm: p.value.norm,
        grad_norm: p.has_grad ? p.grad.norm : null,
        value_mean: p.value.mean,
        value_std: p.value.std,
        non_finite: p.value.non_finite + (p.has_grad ? p.grad.non_finite : 0),
        small_fraction: p.small_fraction ?? null,
        // the bars drawn: counts per bin (null: no gradient histogram drawn)
        value_counts: p.value.histogram.counts,
        grad_counts: p.has_grad ? p.grad.histogram.counts : null,
      })),
      history: this.history,
      selected: this.cards.some((c) => c.root.dataset['param'] === this.selected) ? this.selected : null,
    });
  }

  dispose(): void {
    this.stopFollowing();
    this.chart.dispose();
    for (const c of this.cards) {
      c.value.dispose();
      c.grad.dispose();
    }
    this.root.remove();
  }

  private drawHistory(): void {
    const grad = this.which.value === 'grad';
    const h = this.history;
    this.chart.update(
      h.names.map((name, i) => ({
        name,
        x: h.x,
        y: grad ? h.grad[i]! : h.value[i]!,
        color: classColor(i),
        dash: name.endsWith('bias') ? [5, 3] : undefined,
        points: h.x.length < 30,
      })),
    );
    this.chart.setLabels(this.xLabel, grad ? '‖∂L/∂W‖₂' : '‖W‖₂');
  }

  private syncCards(params: ParameterStatsJson[]): void {
    if (this.cards.length === params.length && this.cards.every((c, i) => c.root.dataset['param'] === params[i]!.name)) return;
    for (const c of this.cards) {
      c.value.dispose();
      c.grad.dispose();
      c.root.remove();
    }
    this.cards = params.map((p, i) => {
      const root = el('div', 'gl-card');
      root.dataset['param'] = p.name;
      root.classList.toggle('gl-selected', p.name === this.selected);
      const title = el('div', 'gl-card-title');
      const valueStats = el('div', 'gl-stats');
      const gradStats = el('div', 'gl-stats');
      root.append(title);
      this.grid.appendChild(root);
      const value = new Histogram(root, { xLabel: 'weight value', color: classColor(i), height: 110, label: `${p.name} values` });
      root.appendChild(valueStats);
      const grad = new Histogram(root, { xLabel: 'gradient value', color: 'var(--muted)', height: 110, label: `${p.name} gradient` });
      root.appendChild(gradStats);
      return { root, title, valueStats, gradStats, value, grad };
    });
  }
}
