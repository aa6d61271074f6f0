// The "Compare variants" card: pick a field of the current experiment (learning rate, L1
// weight, batch size, ... or any JSON pointer) and a few values; each variant trains in its
// own engine worker (engine/compare.ts), so they run in parallel on a machine's cores. The
// loss curves are overlaid, one colour per variant, and a table gives each variant's final
// figures and how long it took. About four times a run and when a variant ends, its worker
// is asked for the `layers` and `recurrent` snapshots its model offers, and the per-layer
// gradient norms and ‖dL/dh_t‖ are overlaid too, in the same colours. gradlabData on the
// root: {run, state, pointer, layers: {labels, series}, gradTime: series} (series as
// engine/compare.ts OverlaySeries); `run` counts the runs started (0: none), and is set as
// the Run button is clicked, so a reader can tell this run's state from the last one's.
import {
  CompareRun,
  compareFields,
  gradTimeOverlay,
  layerOverlay,
  parseVariants,
  surfaceOverlay,
  recentMean,
  suggestValues,
  type ClientFactory,
  type CompareState,
  type OverlaySeries,
} from '../engine/compare';
import { LineChart } from '../viz/line-chart';
import { LossSurfaceView } from './inside/loss-surface';
import { classColor } from '../viz/scales';
import { formatNumber, formatPercent, formatSeconds } from '../viz/format';
import { Column } from './curves-view';
import { h, InlineError } from './dom';

const OTHER = '__other__';

export class ComparePanel {
  readonly root: HTMLElement & { gradlabData?: unknown };
  private readonly field: HTMLSelectElement;
  private readonly pointer: HTMLInputElement;
  private readonly values: HTMLInputElement;
  private readonly steps: HTMLInputElement;
  private readonly parallel: HTMLInputElement;
  private readonly runButton: HTMLButtonElement;
  private readonly status: HTMLParagraphElement;
  private readonly error: InlineError;
  private readonly table: HTMLTableSectionElement;
  private chart: LineChart | null = null;
  private readonly chartHost: HTMLDivElement;
  /** the overlaid per-layer gradients and ‖dL/dh_t‖, made when a variant brings their snapshot */
  private layerChart: LineChart | null = null;
  private timeChart: LineChart | null = null;
  private surfaceView: LossSurfaceView | null = null;
  private layerLabels: string[] = [];
  private readonly overlayHost: HTMLDivElement;
  private run: CompareRun | null = null;
  /** runs started so far */
  private runs = 0;
  private frame = 0;

  constructor(host: HTMLElement, private readonly spec: () => Record<string, unknown>, private readonly factory: ClientFactory) {
    this.root = h('div', { class: 'compare', 'data-view': 'compare' });
    const fields = compareFields(spec());
    this.field = h('select', { id: 'compare-field', 'aria-label': 'field to vary' });
    for (const f of fields) this.field.append(h('option', { value: f.pointer, text: `${f.label} (${f.pointer})` }));
    this.field.append(h('option', { value: OTHER, text: 'another field (JSON pointer)…' }));
    this.pointer = h('input', { id: 'compare-pointer', type: 'text', placeholder: '/model/layers/1/out', 'aria-label': 'JSON pointer of the field', spellcheck: 'false' });
    this.pointer.hidden = true;
    this.values = h('input', { id: 'compare-values', type: 'text', 'aria-label': 'values, separated by commas', spellcheck: 'false' });
    const planned = Number((spec().training as Record<string, unknown> | undefined)?.steps);
    this.steps = h('input', { id: 'compare-steps', type: 'number', min: '1', max: '100000', value: String(Number.isFinite(planned) && planned > 0 ? Math.min(planned, 2000) : 300), 'aria-label': 'training steps per variant' });
    this.parallel = h('input', { id: 'compare-parallel', type: 'checkbox', checked: true });
    this.runButton = h('button', { id: 'compare-run', type: 'button', text: 'Run side by side' });
    this.status = h('p', { class: 'muted small', role: 'status' });
    this.chartHost = h('div');
    this.overlayHost = h('div', { class: 'compare-overlays' });
    const table = h('table', { class: 'gl-table compare-table' });
    const head = h('tr');
    for (const t of ['variant', 'steps', 'train loss (last 10 steps)', 'test loss', 'test accuracy', 'time', 'status']) head.append(h('th', { text: t }));
    table.append(h('thead', {}, head));
    this.table = h('tbody');
    table.append(this.table);
    const form = h(
      'div',
      { class: 'compare-form' },
      h('label', { for: 'compare-field', text: 'Vary ' }),
      this.field,
      this.pointer,
      h('label', { for: 'compare-values', text: ' values ' }),
      this.values,
      h('label', { for: 'compare-steps', text: ' steps ' }),
      this.steps,
      h('label', { class: 'gl-check', for: 'compare-parallel' }, this.parallel, ' one worker each'),
      this.runButton,
    );
    this.root.append(
      h('p', { class: 'muted small', text: 'Train copies of this experiment that differ in one field, on the same data and seed, and overlay their losses. Each variant runs in its own worker, so they share the cores of this machine.' }),
      form,
    );
    this.error = new InlineError(this.root);
    this.root.append(this.status, this.chartHost, this.overlayHost, table);
    host.append(this.root);

    this.field.addEventListener('change', () => this.fieldChanged());
    this.pointer.addEventListener('change', () => this.fieldChanged());
    this.runButton.addEventListener('click', () => (this.run?.state.running ? this.stop() : void this.start()));
    this.fieldChanged();
    this.root.gradlabData = { run: 0, state: null, pointer: this.currentPointer() };
  }

  private currentPointer(): string {
    return this.field.value === OTHER ? this.pointer.value.trim() : this.field.value;
  }

  private fieldChanged(): void {
    this.pointer.hidden = this.field.value !== OTHER;
    const pointer = this.currentPointer();
    const f = compareFields(this.spec()).find((x) => x.pointer === pointer);
    this.values.value = suggestValues(pointer, f?.current);
  }

  private async start(): Promise<void> {
    this.error.show('');
    const pointer = this.currentPointer();
    const steps = Math.round(Number(this.steps.value));
    if (!Number.isFinite(steps) || steps < 1 || steps > 100000) {
      this.error.show(`steps: give a whole number from 1 to 100000, found "${this.steps.value}"`);
      return;
    }
    const parsed = parseVariants(this.spec(), pointer, this.values.value);
    if ('error' in parsed) {
      this.error.show(parsed.error);
      return;
    }
    const run = new CompareRun(this.factory, parsed.variants, steps, (s) => this.schedule(s), { parallel: this.parallel.checked });
    this.run = run;
    this.runs++;
    this.runButton.textContent = 'Stop';
    const done = run.start(); // marks the state running, synchronously
    this.draw(run.state);
    const state = await done;
    this.draw(state);
    this.runButton.textContent = 'Run side by side';
  }

  private stop(): void {
    this.run?.stop();
    this.runButton.textContent = 'Run side by side';
  }

  /** At most one redraw per animation frame, however many chunks arrive. */
  private schedule(state: CompareState): void {
    if (this.frame) return;
    const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (f: FrameRequestCallback) => setTimeout(() => f(0), 16);
    this.frame = raf(() => {
      this.frame = 0;
      this.draw(state);
    }) as unknown as number;
  }

  private draw(state: CompareState): void {
    this.chart ??= new LineChart(this.chartHost, { xLabel: 'step', yLabel: 'training loss', yScale: 'log', logToggle: true, height: 190, title: 'Loss, one colour per variant' });
    const series = state.variants.map((v, i) => {
      const col = new Column();
      for (const r of v.rows) col.push(Number(r.step ?? 0), r.loss);
      return { name: v.label, x: col.x, y: col.smooth, color: classColor(i) };
    });
    this.chart.update(series);
    const layers = layerOverlay(state);
    this.layerLabels = layers.labels;
    if (layers.series.length > 0) {
      this.layerChart ??= new LineChart(this.overlayHost, {
        xLabel: 'layer (input → output)',
        yLabel: 'gradient norm',
        yScale: 'log',
        height: 190,
        title: 'Per-layer gradients, each variant’s latest snapshot: ‖∂L/∂W‖ solid, ‖∂L/∂a‖ dashed',
        xFormat: (p) => `layer ${this.layerLabels[Math.round(p)] ?? p}`,
      });
      this.layerChart.root.dataset.overlay = 'layer-gradients';
      this.layerChart.update(layers.series.map(overlayLine));
    }
    if (this.layerChart) this.layerChart.root.hidden = layers.series.length === 0; // a new run: until its variants end
    const time = gradTimeOverlay(state);
    if (time.length > 0) {
      this.timeChart ??= new LineChart(this.overlayHost, {
        xLabel: 'time step t',
        yLabel: '‖∂L/∂hₜ‖₂',
        yScale: 'log',
        logToggle: true,
        height: 190,
        title: 'Gradient through time, each variant’s latest snapshot, ‖∂L/∂hₜ‖',
        xFormat: (t) => `t = ${t}`,
      });
      this.timeChart.root.dataset.overlay = 'grad-through-time';
      this.timeChart.update(time.map(overlayLine));
    }
    if (this.timeChart) this.timeChart.root.hidden = time.length === 0;
    const surface = surfaceOverlay(state);
    if (surface) {
      this.surfaceView ??= new LossSurfaceView(this.overlayHost, { height: 300 });
      this.surfaceView.root.dataset.overlay = 'loss-surface';
      this.surfaceView.update({
        loss_surface: surface.snapshot,
        main: { label: surface.main.label, color: classColor(surface.main.variant) },
        variants: surface.others.map((o) => ({ label: o.label, path: o.path, color: classColor(o.variant) })),
      });
    }
    if (this.surfaceView) this.surfaceView.root.hidden = surface === null;
    const f = (x: number | null) => (x === null ? '—' : formatNumber(x));
    this.table.replaceChildren(
      ...state.variants.map((v, i) => {
        const swatch = h('span', { class: 'gl-swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = classColor(i); // CSSOM, not a style attribute: a strict CSP allows it
        const testLoss = v.test && typeof v.test.loss === 'number' ? v.test.loss : null;
        const testAcc = v.test && typeof v.test.accuracy === 'number' ? v.test.accuracy : null;
        const status = v.status === 'diverged' ? `diverged at step ${v.divergedAt}` : v.status === 'failed' ? `failed: ${v.message}` : v.status;
        return h(
          'tr',
          { 'data-variant': v.label, 'data-status': v.status },
          h('td', {}, swatch, ' ', v.label),
          h('td', { class: 'gl-num', text: String(v.steps) }),
          h('td', { class: 'gl-num', text: f(recentMean(v.rows, 'loss')) }),
          h('td', { class: 'gl-num', text: f(testLoss) }),
          h('td', { class: 'gl-num', text: testAcc === null ? '—' : formatPercent(testAcc) }),
          h('td', { class: 'gl-num', text: v.seconds > 0 ? formatSeconds(v.seconds) : '' }),
          h('td', { class: v.status === 'failed' || v.status === 'diverged' ? 'gl-danger' : '', text: status }),
        );
      }),
    );
    const done = state.variants.filter((v) => v.status !== 'waiting' && v.status !== 'starting' && v.status !== 'running').length;
    const summed = state.variants.reduce((a, v) => a + v.seconds, 0);
    this.status.textContent = state.running
      ? `Training ${state.variants.length} variants ${state.parallel ? 'in parallel, one worker each' : 'one after another'}: ${done} of ${state.variants.length} finished.`
      : `${state.variants.length} variants, ${state.steps} steps each, took ${formatSeconds(state.seconds)} ${state.parallel ? `in parallel (the variants' own times add up to ${formatSeconds(summed)})` : 'one after another'}.`;
    this.root.gradlabData = { run: this.runs, state, pointer: this.currentPointer(), layers, gradTime: time, surface };
  }

  dispose(): void {
    this.run?.stop();
    this.chart?.dispose();
    this.layerChart?.dispose();
    this.timeChart?.dispose();
    this.surfaceView?.dispose();
    this.root.remove();
  }
}

/** An overlaid line in its variant's colour (the loss curves' colour), dashed for a second quantity. */
function overlayLine(s: OverlaySeries): { name: string; x: number[]; y: (number | null)[]; color: string; dash?: number[]; points: boolean } {
  return { name: s.name, x: s.x, y: s.y, color: classColor(s.variant), ...(s.dashed ? { dash: [6, 4] } : {}), points: s.x.length <= 30 };
}
