// Variants side by side: K copies of one spec that differ in one field (a JSON pointer and
// K values), each trained in its own engine worker so that a machine's cores share the
// work, on the same data and seed. The page draws their curves overlaid and a table of
// final figures (ui/compare-panel.ts). Each variant's worker is also asked for the `layers`
// and `recurrent` snapshots its model offers (about four times a run and after its last
// step), which layerOverlay() and gradTimeOverlay() turn into one line per variant. This
// file is the logic, with the workers behind a factory so a test can hand in fakes.
//
//   const parsed = parseVariants(spec, '/optimizer/lr', '0.01, 0.1, 1');
//   const run = new CompareRun(() => EngineClient.start(base), parsed.variants, 300, (s) => draw(s));
//   await run.start();   // resolves when every variant is done, failed or stopped
import { describeError, type Commands, type CommandName } from './protocol';
import { engineErrorOf } from './client';
import type { Metrics } from './types';
import { getPointer, setPointer } from '../state/pointer';
import { layerGradientModel, valueAt, type LayersSnapshot } from '../ui/inside/layer-gradients-model';
import { gradNormSeries, type RecurrentSnapshot } from '../ui/inside/models';
import type { LossSurfaceSnapshot } from '../ui/inside/loss-surface-model';

/** What CompareRun needs of an engine client (EngineClient has it). */
export interface VariantClient {
  call<K extends CommandName>(cmd: K, params: Commands[K]['params']): Promise<Commands[K]['result']>;
  terminate(): void;
}
export type ClientFactory = () => Promise<VariantClient>;

export const MAX_VARIANTS = 8;

export interface Variant {
  label: string;
  value: unknown;
  spec: Record<string, unknown>;
}

export type VariantStatus = 'waiting' | 'starting' | 'running' | 'done' | 'diverged' | 'failed' | 'stopped';

export interface VariantState {
  label: string;
  status: VariantStatus;
  /** training rows, oldest first (step, loss, ...) */
  rows: Metrics[];
  steps: number;
  /** the held-out evaluation after the last step (null without a test split) */
  test: Metrics | null;
  /** why it failed or stopped early (a spec error names its JSON pointer) */
  message: string;
  /** the step whose loss or gradient stopped being finite (0: never) */
  divergedAt: number;
  /** seconds from this variant's start to its end */
  seconds: number;
  /** the overlaid views' snapshots, asked of the variant's worker every `snapshotEvery` steps and after its last step (null: not offered, or none yet) */
  layers: LayersSnapshot | null;
  recurrent: RecurrentSnapshot | null;
  /** two-parameter models: the loss over the plane of the two and this variant's path through it */
  lossSurface: LossSurfaceSnapshot | null;
  /** the training step the snapshots were taken at */
  snapshotStep: number;
}

/** The snapshots CompareRun asks each variant for at the end of its run, when its model offers them. */
export const OVERLAY_SNAPSHOTS = ['layers', 'recurrent', 'loss_surface'] as const;

export interface CompareState {
  variants: VariantState[];
  steps: number;
  /** all variants at once (one worker each) or one after another */
  parallel: boolean;
  /** seconds from start until every variant ended (0 while running) */
  seconds: number;
  running: boolean;
}

/**
 * "0.01, 0.1, 1" at /optimizer/lr -> one variant per value, in order. Values are JSON
 * (numbers, true/false, "quoted strings", [arrays]) or bare words taken as strings. Errors
 * say what was wrong: a pointer that is not one, a field the spec has no parent for, no
 * value, too many, a repeated one.
 */
export function parseVariants(base: Record<string, unknown>, pointer: string, text: string): { variants: Variant[] } | { error: string } {
  if (!pointer.startsWith('/')) return { error: `the field must be a JSON pointer such as /optimizer/lr, found "${pointer}"` };
  const parent = pointer.slice(0, pointer.lastIndexOf('/'));
  const container = getPointer(base, parent);
  if (typeof container !== 'object' || container === null) return { error: `${pointer}: the spec has nothing at ${parent || '/'} to put this field in` };
  const parts = splitValues(text);
  if (parts.length === 0) return { error: 'give at least one value, separated by commas (e.g. 0.01, 0.1, 1)' };
  if (parts.length > MAX_VARIANTS) return { error: `${parts.length} values: at most ${MAX_VARIANTS} variants run side by side` };
  const seen = new Set<string>();
  const variants: Variant[] = [];
  for (const part of parts) {
    let value: unknown;
    try {
      value = JSON.parse(part);
    } catch {
      value = part;
    }
    const label = typeof value === 'string' ? value : JSON.stringify(value);
    if (seen.has(label)) return { error: `the value ${label} is given twice` };
    seen.add(label);
    variants.push({ label, value, spec: setPointer(base, pointer, value) });
  }
  return { variants };
}

/** Splits at commas outside brackets and quotes ("[1, 2], 3" is two values). */
function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && (ch === '[' || ch === '{')) depth++;
    if (!quoted && (ch === ']' || ch === '}')) depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** What a variant's waits reject with once its run is stopped. */
const STOPPED = new Error('stopped');

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class CompareRun {
  readonly state: CompareState;
  private readonly clients: VariantClient[] = [];
  private stopped = false;
  /** rejects when stop() is called: every wait of a variant races it, so a stop ends start() even if a worker never answers */
  private readonly halted: Promise<never>;
  private halt: () => void = () => {};

  constructor(
    private readonly factory: ClientFactory,
    private readonly variants: Variant[],
    steps: number,
    private readonly onUpdate: (s: CompareState) => void,
    options: { parallel?: boolean; chunk?: number; snapshotEvery?: number } = {},
  ) {
    this.halted = new Promise<never>((_, reject) => {
      this.halt = () => reject(STOPPED);
    });
    this.halted.catch(() => {}); // a run that is never stopped leaves it pending; one that is, handles it in runOne
    this.chunk = Math.max(1, options.chunk ?? 25);
    // by default the overlaid views refresh about four times a run (0: only at the end)
    this.snapshotEvery = options.snapshotEvery ?? Math.max(this.chunk, Math.ceil(steps / 4));
    this.state = {
      variants: variants.map((v) => ({
        label: v.label,
        status: 'waiting',
        rows: [],
        steps: 0,
        test: null,
        message: '',
        divergedAt: 0,
        seconds: 0,
        layers: null,
        recurrent: null,
        lossSurface: null,
        snapshotStep: 0,
      })),
      steps,
      parallel: options.parallel ?? true,
      seconds: 0,
      running: false,
    };
  }
  private readonly chunk: number;
  private readonly snapshotEvery: number;

  /** Trains every variant; resolves when all have ended (never rejects). */
  async start(): Promise<CompareState> {
    const t0 = now();
    this.state.running = true;
    this.onUpdate(this.state);
    if (this.state.parallel) await Promise.all(this.variants.map((v, i) => this.runOne(v, i)));
    else for (let i = 0; i < this.variants.length; i++) await this.runOne(this.variants[i]!, i);
    this.state.seconds = (now() - t0) / 1000;
    this.state.running = false;
    this.onUpdate(this.state);
    return this.state;
  }

  /** Stops every variant where it is (their rows so far stay) and frees the workers. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.halt();
    for (const c of this.clients) c.terminate();
    this.clients.length = 0;
    for (const v of this.state.variants)
      if (v.status === 'waiting' || v.status === 'starting' || v.status === 'running') {
        v.status = 'stopped';
        v.message = `stopped after ${v.steps} steps`;
      }
    this.onUpdate(this.state);
  }

  /** `p`, or a rejection with STOPPED as soon as the run is stopped. */
  private until<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.halted]);
  }

  /** The views that overlay variants: the snapshots the model offers (one forward/backward on a batch each). */
  private async snapshots(client: VariantClient, offered: string[], s: VariantState): Promise<void> {
    for (const name of OVERLAY_SNAPSHOTS) {
      if (!offered.includes(name) || this.stopped) continue;
      const snap = await this.until(client.call('snapshot', { name }));
      if (name === 'layers') s.layers = snap as unknown as LayersSnapshot;
      else if (name === 'recurrent') s.recurrent = snap as unknown as RecurrentSnapshot;
      else s.lossSurface = snap as unknown as LossSurfaceSnapshot;
      s.snapshotStep = s.steps;
    }
  }

  private async runOne(variant: Variant, index: number): Promise<void> {
    const s = this.state.variants[index]!;
    if (this.stopped) return;
    const t0 = now();
    s.status = 'starting';
    this.onUpdate(this.state);
    let client: VariantClient | null = null;
    try {
      const starting = this.factory();
      // a worker that starts after the stop is freed as soon as it is there
      starting.then((c) => this.stopped && c.terminate(), () => {});
      client = await this.until(starting);
      this.clients.push(client);
      const info = await this.until(client.call('create', { spec: JSON.stringify(variant.spec) }));
      s.status = 'running';
      while (!this.stopped && s.steps < this.state.steps) {
        const n = Math.min(this.chunk, this.state.steps - s.steps);
        let rows: Metrics[];
        try {
          rows = await this.until(client.call('step', { n }));
        } catch (e) {
          const err = engineErrorOf(e);
          if (this.stopped) return;
          if (err.name === 'NonFiniteError') {
            s.status = 'diverged';
            s.divergedAt = err.step ?? s.steps + 1;
            s.message = describeError(err);
            break;
          }
          throw e;
        }
        s.rows.push(...rows);
        s.steps += rows.length;
        if (this.snapshotEvery > 0 && s.steps < this.state.steps && s.steps - s.snapshotStep >= this.snapshotEvery) await this.snapshots(client, info.snapshotNames, s);
        this.onUpdate(this.state);
        if (rows.length === 0) break;
      }
      if (this.stopped) return;
      if (info.hasTestSplit) s.test = await this.until(client.call('evaluate', { split: 'test' }));
      if (s.status === 'running') {
        await this.snapshots(client, info.snapshotNames, s);
        if (this.stopped) return;
        s.status = 'done';
      }
    } catch (e) {
      if (this.stopped) return;
      s.status = 'failed';
      s.message = describeError(engineErrorOf(e));
    } finally {
      s.seconds = (now() - t0) / 1000;
      if (client) {
        client.terminate();
        const k = this.clients.indexOf(client);
        if (k >= 0) this.clients.splice(k, 1);
      }
      if (!this.stopped) this.onUpdate(this.state);
    }
  }
}

/** One overlaid line: a variant's colour index, its name in the legend, and its points. */
export interface OverlaySeries {
  variant: number;
  name: string;
  x: number[];
  y: (number | null)[];
  /** a second quantity of the same variant (‖dL/da‖, ‖dL/dc_t‖, another stream): drawn dashed */
  dashed: boolean;
}

/**
 * The per-layer gradient chart with variants overlaid: for each variant that has a `layers`
 * snapshot, ‖dL/dW_l‖ (solid) at the positions of the layers with weights and ‖dL/da_l‖
 * (dashed) at every position 0 (input) ... L-1; values a log axis cannot show (zero,
 * missing) are null gaps.
 * `labels` are the layer labels of the deepest variant.
 */
export function layerOverlay(state: CompareState): { labels: string[]; series: OverlaySeries[] } {
  let labels: string[] = [];
  const series: OverlaySeries[] = [];
  state.variants.forEach((v, i) => {
    if (!v.layers) return;
    const m = layerGradientModel(v.layers);
    const label = labelAt(v);
    if (m.labels.length > labels.length) labels = m.labels;
    const noWeights = new Set(m.noWeights);
    for (const s of m.series) {
      // ‖dL/dW‖ only where a layer has weights (the line runs past activations, as in the view)
      const x = m.labels.map((_, p) => p).filter((p) => s.key === 'output_grad' || !noWeights.has(p));
      const y = x.map((p) => valueAt(s, p));
      series.push({ variant: i, name: `${label} · ${s.key === 'weight_grad' ? '‖∂L/∂W‖' : '‖∂L/∂a‖'}`, x, y, dashed: s.key === 'output_grad' });
    }
  });
  return { labels, series };
}

/**
 * The gradient-through-time chart with variants overlaid: ‖dL/dh_t‖ over t for each variant
 * with a `recurrent` snapshot, one line per variant (a second stream, e.g. a bidirectional
 * layer's backward direction or a second layer, dashed and named).
 */
export function gradTimeOverlay(state: CompareState): OverlaySeries[] {
  const out: OverlaySeries[] = [];
  state.variants.forEach((v, i) => {
    if (!v.recurrent) return;
    const m = gradNormSeries(v.recurrent);
    m.norms.forEach((row, k) => {
      out.push({
        variant: i,
        name: m.norms.length > 1 ? `${labelAt(v)} · ${m.labels[k]!}` : labelAt(v),
        x: row.map((_, t) => t),
        y: row.map((val) => (val > 0 ? val : null)),
        dashed: k > 0,
      });
    });
  });
  return out;
}

/**
 * The loss surface with every variant's optimiser path (two-parameter models): the first
 * variant with a `loss_surface` snapshot gives the contours and its own path (`main`), the
 * others' paths are drawn over it (`variants`), each with its variant's index for its colour.
 * The variants share the model and data, so the surface is theirs too; a field that changes
 * the loss itself (L2, the loss type) makes the contours the first variant's only (said in
 * the panel's title). null: no variant has one.
 */
export function surfaceOverlay(state: CompareState): {
  snapshot: LossSurfaceSnapshot;
  main: { variant: number; label: string };
  others: Array<{ variant: number; label: string; path: LossSurfaceSnapshot['path'] }>;
} | null {
  const withSurface = state.variants.map((v, i) => ({ v, i })).filter(({ v }) => v.lossSurface !== null);
  const first = withSurface[0];
  if (!first) return null;
  return {
    snapshot: first.v.lossSurface!,
    main: { variant: first.i, label: labelAt(first.v) },
    others: withSurface.slice(1).map(({ v, i }) => ({ variant: i, label: labelAt(v), path: v.lossSurface!.path })),
  };
}

/** A variant's name in the overlaid views, with the step of its snapshot when that is not its latest step (a variant still running, or one that diverged after it). */
function labelAt(v: VariantState): string {
  return v.snapshotStep < v.steps || v.status === 'diverged' ? `${v.label} (step ${v.snapshotStep})` : v.label;
}

/** The mean of a metric over a variant's last `n` rows with a finite value (null: none). */
export function recentMean(rows: Metrics[], key: string, n = 10): number | null {
  let sum = 0;
  let count = 0;
  for (let i = rows.length - 1; i >= 0 && count < n; i--) {
    const v = rows[i]![key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : null;
}

/** The last finite value of a metric in a variant's rows (null when there is none). */
export function lastValue(rows: Metrics[], key: string): number | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = rows[i]![key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/** Fields worth comparing for a spec, with the spec's current value (absent: undefined). */
export function compareFields(spec: Record<string, unknown>): Array<{ pointer: string; label: string; current: unknown }> {
  const fields: Array<[string, string]> = [
    ['/optimizer/lr', 'learning rate'],
    ['/optimizer/momentum', 'momentum'],
    ['/optimizer/type', 'optimizer'],
    ['/training/batch_size', 'batch size'],
    ['/training/l1', 'L1 weight'],
    ['/training/l2', 'L2 weight'],
    ['/training/clip_grad_norm', 'clip gradient norm'],
    ['/seed', 'seed'],
  ];
  return fields
    .filter(([p]) => p !== '/optimizer/momentum' || (getPointer(spec, '/optimizer/type') ?? 'sgd') === 'sgd')
    .map(([pointer, label]) => ({ pointer, label, current: getPointer(spec, pointer) }));
}

/** Three values around a current number (x/10, x, x*10), or a sensible default. */
export function suggestValues(pointer: string, current: unknown): string {
  if (pointer === '/optimizer/type') return 'sgd, adam, rmsprop';
  if (pointer === '/optimizer/momentum') return '0, 0.5, 0.9';
  if (pointer === '/seed') return '0, 1, 2';
  if (typeof current === 'number' && current > 0) {
    if (Number.isInteger(current) && pointer.endsWith('batch_size')) return [Math.max(1, current / 4), current, current * 4].map(Math.round).join(', ');
    return [current / 10, current, current * 10].map((v) => Number(v.toPrecision(3))).join(', ');
  }
  if (pointer.endsWith('/l1') || pointer.endsWith('/l2')) return '0, 0.001, 0.01';
  if (pointer.endsWith('clip_grad_norm')) return '0.5, 1, 5';
  return '';
}
