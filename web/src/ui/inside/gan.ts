// GanView (data-view "gan"), after GAN Lab: real samples and generated samples in the
// plane over the discriminator/critic's field D(x) (its output on a grid), arrows showing
// where the generator's next step pushes each generated sample (-∂L_G/∂x, from the engine),
// the mode coverage, both players' losses over steps, and buttons that step D, G or both.
// Input: `{samples, critic_field, coverage?, metrics?}` (the gan snapshots by name, core/session/
// gan_runner.cpp; metrics: training rows with d_loss/g_loss, or feed them with pushMetrics).
// Buttons call `onStep('discriminator' | 'generator' | 'both')`, or dispatch a bubbling
// `gradlab-gan-step` event with that string; a counter shows the critic's updates and the
// generator's steps. The background is on a fixed scale: [0, 1] for a discriminator's
// probability, and for a critic's unbounded score a rounded range that only ever widens, so a
// shade means the same thing from frame to frame. Each player has one colour in the plane and in
// the losses chart (PLAYER_COLORS). gradlabData: {real, generated, arrows, field: {nx, ny,
// x_range, y_range, value_range, probability}, scale: {kind, lo, hi, text}, counter: {critic_updates,
// generator_steps}, colors, order (point layers, bottom to top), coverage, losses: {step, d, g},
// drawn: {d, g: {step, loss, dots, color}}} (drawn: each player's line as the chart got it; dots:
// its points are marked).
//
//   const v = new GanView(host, {onStep: (p) => client.stepPlayer(p)});
//   v.update({samples, critic_field, coverage});
//   v.pushMetrics(metricsRows);

import { LineChart } from '../../viz/line-chart';
import { CLASS_COLORS, formatNumber, mix, pow10, type Rgb } from '../../viz/scales';
import { ScatterPlot, type ScatterData } from '../../viz/scatter-plot';
import { ganLossLines, ganLossSeries, ganModel, type GanInput } from './models';
import { button, el, emit, labelled, setGradlabData, viewRoot } from './view';

export type GanPlayer = 'discriminator' | 'generator' | 'both';

/** Each player's colour, the same in the plane and in the losses chart: the generator is its
 * samples' orange, the critic the grey of its field. Real data (no player) is blue. */
export const PLAYER_COLORS = { generator: CLASS_COLORS[1]!, critic: '#7a7a7a' } as const;
const REAL_COLOR = CLASS_COLORS[0]!;

/** Losses whose discriminator outputs a probability (a sigmoid); the others score without bounds. */
const PROBABILITY_LOSSES = new Set(['non_saturating', 'minimax']);

export interface GanOptions {
  onStep?: (player: GanPlayer) => void;
  /** the spec's model.loss (non_saturating, minimax, least_squares, wgan, wgan_gp): names the background before the first snapshot */
  loss?: () => string | undefined;
  maxMetrics?: number; // loss rows kept (default 5000)
}

export class GanView {
  readonly root: HTMLDivElement;
  private readonly plot: ScatterPlot;
  private readonly chart: LineChart;
  private readonly coverage: HTMLParagraphElement;
  private readonly counter: HTMLParagraphElement;
  private readonly scaleNote: HTMLParagraphElement;
  /** the critic score's colour range so far (it only widens) */
  private scoreRange: [number, number] | null = null;
  private readonly show: Record<'field' | 'real' | 'generated' | 'arrows', HTMLInputElement>;
  private input: GanInput = {};
  private metrics: Array<Record<string, unknown>> = [];

  constructor(host: HTMLElement, private readonly options: GanOptions = {}) {
    this.root = viewRoot(
      host,
      'gan',
      'Blue: real data. Orange: the generator — its samples, and its loss in the chart. Grey: the discriminator / critic — its output D(x) as the background (darker = “looks real” to it), and its loss in the chart. Arrows: where the generator’s next step moves each sample — up the critic’s slope.',
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
    this.counter = el('p', 'gl-stats');
    this.counter.id = 'gan-counter';
    this.counter.setAttribute('aria-live', 'polite');
    this.scaleNote = el('p', 'gl-stats');
    this.root.append(buttons, this.counter, toggles, this.scaleNote);
    this.showCounter();
    this.showScale(null);
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
        this.showCounter();
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
      { name: 'critic / discriminator loss', x: lines.d.step, y: lines.d.loss, color: PLAYER_COLORS.critic, points: dots(lines.d.step.length) },
      { name: 'generator loss', x: lines.g.step, y: lines.g.loss, color: PLAYER_COLORS.generator, points: dots(lines.g.step.length) },
    ]);
    const drawn = {
      d: { ...lines.d, dots: dots(lines.d.step.length), color: PLAYER_COLORS.critic },
      g: { ...lines.g, dots: dots(lines.g.step.length), color: PLAYER_COLORS.generator },
    };
    this.lastData = { ...this.lastData, losses, drawn };
    return losses;
  }

  private publish(): void {
    setGradlabData(this.root, this.lastData);
  }

  /** The critic's updates and the generator's steps, from the latest metrics row (Step D moves the first). */
  private showCounter(): void {
    let critic = 0;
    let generator = 0;
    for (let i = this.metrics.length - 1; i >= 0; i--) {
      const r = this.metrics[i]!;
      if (typeof r['critic_updates'] === 'number' || typeof r['step'] === 'number') {
        critic = typeof r['critic_updates'] === 'number' ? (r['critic_updates'] as number) : 0;
        generator = typeof r['step'] === 'number' ? (r['step'] as number) : 0;
        break;
      }
    }
    const text = `Critic updates: ${critic} · generator steps: ${generator}`;
    if (this.counter.textContent !== text) this.counter.textContent = text;
    this.lastData = { ...this.lastData, counter: { critic_updates: critic, generator_steps: generator } };
  }

  /** Probability or score: the spec's loss says, else the values (all in [0, 1]). */
  private scaleKind(m: ReturnType<typeof ganModel> | null): 'probability' | 'score' {
    const loss = this.options.loss?.();
    if (typeof loss === 'string') return PROBABILITY_LOSSES.has(loss) ? 'probability' : 'score';
    return !m || m.probability ? 'probability' : 'score';
  }

  /** The background's fixed colour range and the sentence that says what it is. */
  private showScale(m: ReturnType<typeof ganModel> | null): { kind: 'probability' | 'score'; lo: number; hi: number; text: string } {
    const kind = this.scaleKind(m);
    let lo = 0;
    let hi = 1;
    let text: string;
    if (kind === 'probability') {
      text = 'Background: the discriminator’s D(x) = p(real) on a fixed scale from 0 (white: “generated”) to 1 (dark: “real”); 0.5 means it cannot tell.';
    } else {
      if (m?.field) {
        const [a, b] = outward(m.valueRange);
        this.scoreRange = this.scoreRange ? [Math.min(this.scoreRange[0], a), Math.max(this.scoreRange[1], b)] : [a, b];
      }
      [lo, hi] = this.scoreRange ?? [0, 1];
      text = this.scoreRange
        ? `Background: the critic’s score f(x), unbounded, on a scale from ${formatNumber(lo)} (white) to ${formatNumber(hi)} (dark: scored as real) that only widens as training goes on, so a shade keeps its meaning.`
        : 'Background: the critic’s score f(x), unbounded (darker: scored as real); its scale is set by the first field and only widens.';
    }
    if (this.scaleNote.textContent !== text) this.scaleNote.textContent = text;
    return { kind, lo, hi, text };
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
    const scale = this.showScale(m);
    if (m.field && this.show.field.checked) {
      const { lo, hi } = scale;
      // greys, so the blue and orange points stay visible on any part of the field
      const color = (v: number): Rgb => mix([248, 248, 248], [95, 95, 95], (v - lo) / (hi - lo || 1));
      data.background = {
        nx: m.field.nx,
        ny: m.field.ny,
        values: m.field.values,
        xRange: m.field.xRange,
        yRange: m.field.yRange,
        color,
        name: scale.kind === 'probability' ? 'D(x) = p(real)' : 'critic score f(x)',
        legend: { lo, hi, at: color },
      };
    } else if (m.field) {
      data.xRange = m.field.xRange;
      data.yRange = m.field.yRange;
    }
    // bottom to top: the target modes' markers, then the real points over them, then the generated
    if (m.modes) data.layers.push({ name: 'modes (targets)', xy: m.modes, color: '#555', radius: 5, symbol: 'cross' });
    if (this.show.real.checked) data.layers.push({ name: 'real', xy: m.real, color: REAL_COLOR, radius: 3 }); // no outline: it would hide the dense clusters' fill
    if (this.show.generated.checked) data.layers.push({ name: 'generated', xy: m.generated, color: PLAYER_COLORS.generator, radius: 2.5, stroke: true });
    if (m.arrows && this.show.arrows.checked) {
      // at most ~80 arrows (evenly picked), or they hide the points
      const n = m.arrows.origins.length / 2;
      const k = Math.max(1, Math.ceil(n / 80));
      const pick = (a: number[]): number[] => a.filter((_, i) => (i >> 1) % k === 0);
      // in the theme's text colour over a halo: visible on the field and off it, in both themes
      data.arrows = [{ name: 'generator’s push −∂L_G/∂x (scaled)', origins: pick(m.arrows.origins), vectors: pick(m.arrows.vectors), color: 'fg' }];
    }
    this.plot.update(data);
    const losses = this.drawLosses();
    this.showCounter();
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
      scale,
      counter: this.lastData['counter'],
      colors: { real: REAL_COLOR, generated: PLAYER_COLORS.generator, critic: PLAYER_COLORS.critic, arrows: 'fg' },
      order: data.layers.map((l) => l.name),
      coverage: c,
      losses,
      drawn: this.lastData['drawn'],
    };
    this.publish();
  }
}

/** the loss lines mark their points while they have at most this many */
const DOTS_UP_TO = 60;

/** [lo, hi] rounded outwards to one significant digit of its larger end: [-1.23, 0.4] -> [-2, 1]. */
function outward([lo, hi]: [number, number]): [number, number] {
  const unit = pow10(Math.floor(Math.log10(Math.max(Math.abs(lo), Math.abs(hi), 1e-6))));
  const a = Math.floor(lo / unit) * unit;
  const b = Math.ceil(hi / unit) * unit;
  return a < b ? [a, b] : [a, a + unit];
}
