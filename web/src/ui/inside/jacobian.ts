// JacobianView (data-view "jacobian"): the singular values of the step Jacobian
// dh_t/dh_{t-1} at every time step (LSTM: of the full state Jacobian d[h,c]_t/d[h,c]_{t-1}),
// log scale, with the line σ = 1: above it a step can stretch a gradient, below it every
// direction shrinks. Input: the `jacobian` snapshot (an array of StepJacobian, recurrent_probe.h).
// gradlabData: {t, sigma_max, singular_values: number[][] ([k][t]), bound_from_end}.
//
//   const v = new JacobianView(host);
//   v.update(await client.snapshot('jacobian'));

import { LineChart, type Series } from '../../viz/line-chart';
import { formatNumber } from '../../viz/scales';
import { jacobianModel, type StepJacobianJson } from './models';
import { el, setGradlabData, viewRoot } from './view';

export class JacobianView {
  readonly root: HTMLDivElement;
  private readonly chart: LineChart;
  private readonly readout: HTMLParagraphElement;
  private readonly caption: HTMLParagraphElement;

  constructor(host: HTMLElement, options: { height?: number } = {}) {
    const v = viewRoot(host, 'jacobian', ' ');
    this.root = v.root;
    this.caption = v.caption;
    this.chart = new LineChart(this.root, {
      xLabel: 'time step t',
      yLabel: 'singular value σ',
      yScale: 'log',
      logToggle: true,
      height: options.height ?? 220,
      xFormat: (t) => `t = ${t}`,
    });
    this.readout = el('p', 'gl-readout');
    this.root.appendChild(this.readout);
    setGradlabData(this.root, { t: [], sigma_max: [], singular_values: [] });
  }

  update(entries: StepJacobianJson[]): void {
    const m = jacobianModel(entries);
    const lstm = m.full !== null;
    const sv = m.full ?? m.hh;
    this.caption.textContent = lstm
      ? 'How one LSTM step stretches or shrinks a gradient: singular values of ∂[hₜ, cₜ]/∂[hₜ₋₁, cₜ₋₁] (the full state, cell path included), largest first. Above the dashed line σ = 1 a step can keep or grow a gradient.'
      : 'How one step stretches or shrinks a gradient: singular values of ∂hₜ/∂hₜ₋₁, largest first. If even the largest stays below the dashed line σ = 1, gradients must vanish over many steps.';
    const series: Series[] = sv.map((row, k) => ({
      name: k === 0 ? 'σ_max (largest)' : k === sv.length - 1 ? `σ_${k + 1} (${k + 1}th largest)` : `σ_${k + 1}`,
      legend: k === 0 || k === sv.length - 1,
      x: m.t,
      y: row,
      color: k === 0 ? undefined : `rgba(120,120,120,${Math.max(0.25, 0.8 - k * 0.08)})`,
      width: k === 0 ? 2.25 : 1,
    }));
    series.push({ name: 'σ = 1', x: [m.t[0] ?? 0, m.t[m.t.length - 1] ?? 1], y: [1, 1], color: '#888', dash: [4, 4], width: 1 });
    this.chart.update(series);
    const top = sv[0] ?? [];
    const mean = top.length ? Math.exp(top.reduce((a, v) => a + Math.log(v), 0) / top.length) : NaN;
    this.readout.textContent =
      top.length > 1
        ? `Typical σ_max per step (geometric mean): ${formatNumber(mean)}. Over ${top.length - 1} steps a gradient can grow at most ×${formatNumber(m.boundFromEnd[0]!)} (the product of σ_max).`
        : '';
    setGradlabData(this.root, { t: m.t, sigma_max: top, singular_values: sv, bound_from_end: m.boundFromEnd, full_state: lstm });
  }

  dispose(): void {
    this.chart.dispose();
    this.root.remove();
  }
}
