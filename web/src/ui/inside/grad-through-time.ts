// GradThroughTime (data-view "grad-through-time"): ||dL/dh_t|| across the time steps t, one
// line per layer and direction, on a log axis (vanishing gradients are straight lines down,
// exploding ones up); for an LSTM also ||dL/dc_t|| along the cell path, dashed. Input: the
// `recurrent` snapshot (core/inspect/recurrent_probe.h).
// gradlabData: {norms, labels, ratio, cellNorms, cellRatio, forgetMean}.
//
//   const v = new GradThroughTime(host);
//   v.update(await client.snapshot('recurrent'));

import { LineChart } from '../../viz/line-chart';
import { formatNumber } from '../../viz/scales';
import { gradNormSeries, type RecurrentSnapshot } from './models';
import { el, setGradlabData, viewRoot } from './view';

export class GradThroughTime {
  readonly root: HTMLDivElement;
  private readonly chart: LineChart;
  private readonly readout: HTMLUListElement;

  constructor(host: HTMLElement, options: { height?: number } = {}) {
    this.root = viewRoot(
      host,
      'grad-through-time',
      'How much of the loss’s gradient reaches the hidden state at each time step t. On this log scale, a steady slope down towards t = 0 is a vanishing gradient: early inputs barely change the loss.',
    ).root;
    this.chart = new LineChart(this.root, {
      xLabel: 'time step t',
      yLabel: '‖∂L/∂hₜ‖₂',
      yScale: 'log',
      logToggle: true,
      height: options.height ?? 220,
      xFormat: (t) => `t = ${t}`,
    });
    this.readout = el('ul', 'gl-readout-list');
    this.root.appendChild(this.readout);
    setGradlabData(this.root, { norms: [] });
  }

  update(snapshot: RecurrentSnapshot): void {
    const m = gradNormSeries(snapshot);
    const cells = m.cellNorms.flatMap((row, i) =>
      row.length === 0
        ? []
        : [{ name: `${m.labels[i]!} · ‖∂L/∂cₜ‖ (cell)`, x: row.map((_, t) => t), y: row.map((v) => (v > 0 ? v : null)), points: row.length <= 30, dash: [5, 3] }],
    );
    this.chart.update([
      ...m.norms.map((row, i) => ({
        name: cells.length > 0 ? `${m.labels[i]!} · ‖∂L/∂hₜ‖` : m.labels[i]!,
        x: row.map((_, t) => t),
        y: row.map((v) => (v > 0 ? v : null)),
        points: row.length <= 30,
      })),
      ...cells,
    ]);
    this.readout.replaceChildren(
      ...m.ratio.map((r, i) => {
        const row = m.norms[i]!;
        const zeros = row.map((v, t) => (v === 0 ? t : -1)).filter((t) => t >= 0);
        let text = !m.hasGrad[i]
          ? `${m.labels[i]}: no gradient has reached this layer yet`
          : `${m.labels[i]}: ‖∂L/∂h₀‖ / ‖∂L/∂h${subscript(m.T - 1)}‖ = ${formatNumber(r)}`;
        if (m.hasGrad[i] && zeros.length > 0)
          text += zeros.length === row.length - 1
            ? ` — the gradient is exactly 0 except at t = ${row.findIndex((v) => v > 0)} (no later output reads these steps)`
            : ` — exactly 0 at ${zeros.length} step(s), not drawn on the log axis`;
        if (m.hasGrad[i] && m.cellRatio[i] !== null)
          text += `; along the cell ‖∂L/∂c₀‖ / ‖∂L/∂c${subscript(m.T - 1)}‖ = ${formatNumber(m.cellRatio[i]!)}`;
        if (m.forgetMean[i] !== null) text += `; mean forget gate ${formatNumber(m.forgetMean[i]!)}`;
        return el('li', undefined, text);
      }),
    );
    setGradlabData(this.root, {
      norms: m.norms,
      labels: m.labels,
      ratio: m.ratio,
      cellNorms: m.cellNorms,
      cellRatio: m.cellRatio,
      forgetMean: m.forgetMean,
      kind: m.kind,
      T: m.T,
    });
  }

  dispose(): void {
    this.chart.dispose();
    this.root.remove();
  }
}

export { GradThroughTime as GradThroughTimeView };

function subscript(n: number): string {
  return String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}
