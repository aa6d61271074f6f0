// GanView (data-view "gan"), after GAN Lab: real samples and generated samples in the
// plane over the discriminator/critic's field D(x) (its output on a grid), arrows showing
// where the generator's next step pushes each generated sample (-∂L_G/∂x, from the engine),
// the mode coverage, both players' losses over steps, and buttons that step D, G or both.
// Input: `{samples, critic_field, coverage?, metrics?}` (the gan snapshots by name, core/session/
// gan_runner.cpp; metrics: training rows with d_loss/g_loss, or feed them with pushMetrics).
// Buttons call `onStep('discriminator' | 'generator' | 'both')`, or dispatch a bubbling
// `gradlab-gan-step` event with that string. gradlabData: {real, generated, arrows, field: {nx,
// ny, x_range, y_range, value_range, probability}, coverage, losses: {step, d, g}, drawn: {d, g:
// {step, loss, dots}}} (drawn: each player's line as the chart got it; dots: its points are marked).
//
//   const v = new GanView(host, {onStep: (p) => client.stepPlayer(p)});
//   v.update({samples, critic_field, coverage});
//   v.pushMetrics(metricsRows);

import { LineChart } from '../../viz/line-chart';
import { CLASS_COLORS, formatNumber, mix, type Rgb } from '../../viz/scales';
import { ScatterPlot, type ScatterData } from '../../viz/scatter-plot';
import { ganLossLines, ganLossSeries, ganModel, type GanInput } from './models';
import { button, el, emit, labelled, setGradlabData, viewRoot } from './view';

export type GanPlayer = 'discriminator' | 'generator' | 'both';

export interface GanOptions {
  onStep?: (player: GanPlayer) => void;
  maxMetrics?: number; // loss rows kept (default 5000)
}

export class GanView {
  readonly root: HTMLDivElement;
  private readonly plot: ScatterPlot;
  private readonly chart: LineChart;
  private readonly coverage: HTMLParagraphElement;
  private readonly show: Record<'field' | 'real' | 'generated' | 'arrows', HTMLInputElement>;
  private input: GanInput = {};
  private metrics: Array<Record<string, unknown>> = [];

  constructor(host: HTMLElement, private readonly options: GanOptions = {}) {
    this.root = viewRoot(
      host,
      'gan',
      'Blue: real data. Orange: the generator’s samples. Background: the discriminator / critic D(x), darker = “looks real” to it. Arrows: where the generator’s next step moves each sample — up the critic’s slope.',
    ).root;
    const buttons = el('div', 'gl-row');
    const step = (p: GanPlayer): void => emit(this.root, 'gan-step', p, this.options.onStep);
    buttons.append(
      button('Step D (critic)', () => step('discriminator'), 'gan-step-d'),
      button('Step G (generator)', () => step('generator'), 'gan-step-g'),
      button('Step both', () => step('both'), 'gan-step-both'),
    );
    const toggles = el('div', 'gl-row');
    const box = (label: string): HTMLInputElement => {
      const b = el('input');
      b.type = 'checkbox';
      b.checked = true;
      b.addEventListener('change', () => this.draw());
      toggles.appendChild(labelled(label, b));
      return b;
    };
    this.show = { field: box('critic field'), real: box('real'), generated: box('generated'), arrows: box('gradient arrows') };
    this.root.append(buttons, toggles);
    const cols = el('div', 'gl-cols');
    const left = el('div');
    const right = el('div');
    cols.append(left, right);
    this.root.appendChild(cols);
    this.plot = new ScatterPlot(left, { xLabel: 'x₁', yLabel: 'x₂', label: 'real and generated samples', maxHeight: 420 });
    this.chart = new LineChart(right, { xLabel: 'training step', yLabel: 'loss', height: 220, title: 'Losses of the two players' });
    this.coverage = el('p', 'gl-readout');
    right.appendChild(this.coverage);
    setGradlabData(this.root, {});
  }

  update(data: GanInput & { metrics?: Array<Record<string, unknown>> }): void {
    this.input = { ...this.input, ...data };
    if (data.metrics) this.metrics = data.metrics.slice(-(this.options.maxMetrics ?? 5000));
    this.draw();
  }

  /** Appends training metrics rows (d_loss, g_loss per step) to the loss chart. */
  pushMetrics(rows: Array<Record<string, unknown>>): void {
    for (const r of rows) this.metrics.push(r);
    const max = this.options.maxMetrics ?? 5000;
    if (this.metrics.length > max) this.metrics.splice(0, this.metrics.length - max);
    // metrics arrive with every training chunk: only the loss chart follows them, and at
    // most every ~150 ms (the field and samples redraw with their snapshots)
    if (this.lossTimer === null) {
      this.lossTimer = setTimeout(() => {
        this.lossTimer = null;
        this.drawLosses();
        this.publish();
      }, 150);
    }
  }

  private lossTimer: ReturnType<typeof setTimeout> | null = null;
  private lastData: Record<string, unknown> = {};

  private drawLosses(): ReturnType<typeof ganLossSeries> {
    const losses = ganLossSeries(this.metrics);
    const lines = ganLossLines(losses);
    // a few points (steps by hand) are marked, so that one press shows
    const dots = (n: number): boolean => n <= DOTS_UP_TO;
    this.chart.update([
      { name: 'critic / discriminator loss', x: lines.d.step, y: lines.d.loss, color: CLASS_COLORS[0], points: dots(lines.d.step.length) },
      { name: 'generator loss', x: lines.g.step, y: lines.g.loss, color: CLASS_COLORS[1], points: dots(lines.g.step.length) },
    ]);
    const drawn = {
      d: { ...lines.d, dots: dots(lines.d.step.length) },
      g: { ...lines.g, dots: dots(lines.g.step.length) },
    };
    this.lastData = { ...this.lastData, losses, drawn };
    return losses;
  }

  private publish(): void {
    setGradlabData(this.root, this.lastData);
  }

  dispose(): void {
    if (this.lossTimer !== null) clearTimeout(this.lossTimer);
    this.plot.dispose();
    this.chart.dispose();
    this.root.remove();
  }

  private draw(): void {
    const m = ganModel(this.input);
    const data: ScatterData = { layers: [] };
    if (m.field && this.show.field.checked) {
      const [lo, hi] = m.valueRange;
      // greys, so the blue and orange points stay visible on any part of the field
      const color = (v: number): Rgb => mix([248, 248, 248], [95, 95, 95], (v - lo) / (hi - lo || 1));
      data.background = {
        nx: m.field.nx,
        ny: m.field.ny,
        values: m.field.values,
        xRange: m.field.xRange,
        yRange: m.field.yRange,
        color,
        name: m.probability ? 'D(x) = p(real)' : 'critic score D(x)',
        legend: { lo, hi, at: color },
      };
    } else if (m.field) {
      data.xRange = m.field.xRange;
      data.yRange = m.field.yRange;
    }
    if (this.show.real.checked) data.layers.push({ name: 'real', xy: m.real, color: CLASS_COLORS[0]!, radius: 2, stroke: true });
    if (this.show.generated.checked) data.layers.push({ name: 'generated', xy: m.generated, color: CLASS_COLORS[1]!, radius: 2.5, stroke: true });
    if (m.modes) data.layers.push({ name: 'modes (targets)', xy: m.modes, color: '#555', radius: 5, symbol: 'cross' });
    if (m.arrows && this.show.arrows.checked) {
      // at most ~80 arrows (evenly picked), or they hide the points
      const n = m.arrows.origins.length / 2;
      const k = Math.max(1, Math.ceil(n / 80));
      const pick = (a: number[]): number[] => a.filter((_, i) => (i >> 1) % k === 0);
      data.arrows = [{ name: 'generator’s push −∂L_G/∂x (scaled)', origins: pick(m.arrows.origins), vectors: pick(m.arrows.vectors), color: '#1a1a1a' }];
    }
    this.plot.update(data);
    const losses = this.drawLosses();
    const c = m.coverage;
    this.coverage.textContent = c
      ? `Modes covered: ${c.modes_covered} of ${c.num_modes}; ${formatNumber(100 * c.high_quality_fraction)}% of generated samples lie close to a mode.`
      : '';
    this.lastData = {
      real: m.real.length / 2,
      generated: m.generated.length / 2,
      arrows: m.arrows ? m.arrows.origins.length / 2 : 0,
      field: m.field
        ? { nx: m.field.nx, ny: m.field.ny, x_range: m.field.xRange, y_range: m.field.yRange, value_range: m.valueRange, probability: m.probability }
        : null,
      coverage: c,
      losses,
      drawn: this.lastData['drawn'],
    };
    this.publish();
  }
}

/** the loss lines mark their points while they have at most this many */
const DOTS_UP_TO = 60;
