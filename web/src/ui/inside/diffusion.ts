// DiffusionView (data-view "diffusion"): the variational bound's terms as bars over t
// (L_1 ... L_{T-1}, L_T; L_0, a log density, in the readout beside them) with their sum, and
// generated points against the data with the modes covered. Input: `{elbo,
// diffusion_samples}` (the diffusion snapshots by name, core/session/diffusion_runner.cpp).
// gradlabData: {terms, l0, lT, klSum, bound, sumGap, real, generated, coverage}.
//
//   const v = new DiffusionView(host);
//   v.update({elbo, diffusion_samples});

import { Histogram } from '../../viz/histogram';
import { CLASS_COLORS, formatNumber } from '../../viz/scales';
import { ScatterPlot, type ScatterData } from '../../viz/scatter-plot';
import { diffusionModel, type DiffusionInput } from './diffusion-model';
import { el, setGradlabData, viewRoot } from './view';

export class DiffusionView {
  readonly root: HTMLDivElement;
  private readonly bars: Histogram;
  private readonly plot: ScatterPlot;
  private readonly readout: HTMLParagraphElement;
  private input: DiffusionInput = {};

  constructor(host: HTMLElement) {
    this.root = viewRoot(
      host,
      'diffusion',
      'Left: the bound on −log p(x₀), term by term (nats per test point): bar t is L_{t−1} = KL(q(x_{t−1}|x_t,x₀) ‖ p_θ(x_{t−1}|x_t)), the last bar L_T. Right: blue, the data; orange, points sampled by running the reverse process from noise.',
    ).root;
    const cols = el('div', 'gl-cols');
    const left = el('div');
    const right = el('div');
    cols.append(left, right);
    this.root.appendChild(cols);
    this.bars = new Histogram(left, {
      xLabel: 'step t (bar t: L_{t−1}; last: L_T)',
      yLabel: 'nats',
      height: 220,
      label: 'terms of the variational bound',
      describe: (v) => `${formatNumber(v)} nats`,
    });
    this.readout = el('p', 'gl-readout');
    left.appendChild(this.readout);
    this.plot = new ScatterPlot(right, { xLabel: 'x₁', yLabel: 'x₂', label: 'data and generated samples', maxHeight: 360 });
    setGradlabData(this.root, {});
  }

  update(data: DiffusionInput): void {
    this.input = { ...this.input, ...data };
    const m = diffusionModel(this.input);
    if (m.bars) this.bars.update({ edges: m.bars.edges, counts: m.bars.heights });
    const scatter: ScatterData = {
      layers: [
        { name: 'data', xy: m.real, color: CLASS_COLORS[0]!, radius: 2, stroke: true },
        { name: 'generated', xy: m.generated, color: CLASS_COLORS[1]!, radius: 2.5, stroke: true },
      ],
    };
    if (m.modes) scatter.layers.push({ name: 'modes', xy: m.modes, color: '#555', radius: 5, symbol: 'cross' });
    this.plot.update(scatter);
    const parts: string[] = [];
    if (m.bound !== null && m.l0 !== null && m.klSum !== null && m.lT !== null)
      parts.push(
        `L₀ = ${formatNumber(m.l0)}, L₁ + … + L_{T−1} = ${formatNumber(m.klSum)}, L_T = ${formatNumber(m.lT)} (no parameter: constant); bound = ${formatNumber(m.bound)} nats.`,
      );
    if (m.coverage) parts.push(`Modes covered: ${m.coverage.modes_covered} of ${m.coverage.num_modes}.`);
    this.readout.textContent = parts.join(' ');
    setGradlabData(this.root, {
      terms: m.bars ? m.bars.heights.length + 1 : 0,
      l0: m.l0,
      lT: m.lT,
      klSum: m.klSum,
      bound: m.bound,
      sumGap: m.sumGap,
      real: m.real.length / 2,
      generated: m.generated.length / 2,
      coverage: m.coverage,
    });
  }

  dispose(): void {
    this.bars.dispose();
    this.plot.dispose();
    this.root.remove();
  }
}
