// Which views a session gets and how snapshots reach them. Views are classes in src/viz
// and src/ui/inside (constructor(host, options), update(data), dispose()), each loaded
// lazily in its own chunk when an experiment first shows it; a view without a class gets a
// simple stand-in (FallbackView) in its place. Each card (`[data-card=name]`) says in
// `data-drawn-step` which training step its view was last updated to (the oldest step among
// the snapshots it got; the view's gradlabData holds them): views update on animation frames,
// within a time budget, and a card out of view at most every OFFSCREEN_MS, so they can lag
// the step counter, and a reader (an end-to-end test) waits for this step, not the counter.
import type { Snapshot } from '../engine/types';
import { LineChart } from '../viz/line-chart';
import { Heatmap } from '../viz/heatmap';
import { h } from './dom';
import { makeCollapsible } from './collapse';

export interface View {
  update(data: unknown): void;
  dispose(): void;
}
type ViewClass = new (host: HTMLElement, options?: unknown) => View;

export interface ViewDef {
  name: string;
  title: string;
  /** snapshots the view reads; one: update(snapshot), several: update({name: snapshot}) */
  snapshots: string[];
  /** loads the view's class (a dynamic import, so each view is its own chunk) */
  load?: () => Promise<unknown>;
  /** shown only when the lesson asks for it or the student opens it (costly snapshots) */
  onDemand?: boolean;
  /**
   * the view plots its snapshots over training: it gets `{<snapshot name>: data, step}`, step
   * being the training step the worker took the snapshot at
   */
  stepped?: boolean;
  /**
   * snapshots the view also reads when the experiment offers them (subscribed while the view
   * is shown; a stepped view gets them beside its own, when they have arrived)
   */
  optional?: string[];
}

export const VIEW_DEFS: readonly ViewDef[] = [
  { name: 'field', title: 'Decision field', snapshots: ['field'], load: () => import('../viz/field-plot').then((m) => m.FieldPlot) },
  { name: 'gan', title: 'Generator and critic', snapshots: ['samples', 'critic_field', 'coverage'], load: () => import('./inside/gan').then((m) => m.GanView) },
  { name: 'diffusion', title: 'Diffusion: the bound and samples', snapshots: ['elbo', 'diffusion_samples'], load: () => import('./inside/diffusion').then((m) => m.DiffusionView) },
  { name: 'attention', title: 'Attention map', snapshots: ['attention'], load: () => import('./inside/attention').then((m) => m.AttentionView) },
  { name: 'self-attention', title: 'Self-attention per head', snapshots: ['self_attention'], load: () => import('./inside/self-attention').then((m) => m.SelfAttentionView) },
  { name: 'predictions', title: 'Predictions', snapshots: ['predictions'], load: () => import('./inside/predictions').then((m) => m.PredictionsView) },
  { name: 'image-grid', title: 'Test images: true → predicted', snapshots: ['image_predictions'], load: () => import('./inside/images').then((m) => m.ImageGridView) },
  { name: 'filters', title: 'First conv layer’s filters', snapshots: ['filters'], load: () => import('./inside/images').then((m) => m.FiltersView) },
  { name: 'grad-through-time', title: 'Gradient through time ‖dL/dh_t‖', snapshots: ['recurrent'], load: () => import('./inside/grad-through-time').then((m) => m.GradThroughTime) },
  { name: 'gates', title: 'Gate activations', snapshots: ['recurrent'], load: () => import('./inside/gates').then((m) => m.GatesView) },
  { name: 'jacobian', title: 'Step Jacobian dh_t/dh_{t-1}', snapshots: ['jacobian'], load: () => import('./inside/jacobian').then((m) => m.JacobianView) },
  { name: 'histograms', title: 'Weights and gradients', snapshots: ['params'], stepped: true, load: () => import('./inside/histograms').then((m) => m.HistogramsView) },
  { name: 'layer-gradients', title: 'Gradient per layer ‖dL/dW_l‖, ‖dL/da_l‖', snapshots: ['layers'], stepped: true, load: () => import('./inside/layer-gradients').then((m) => m.LayerGradientsView) },
  { name: 'loss-surface', title: 'Loss surface and the optimiser’s path', snapshots: ['loss_surface'], stepped: true, load: () => import('./inside/loss-surface').then((m) => m.LossSurfaceView) },
  { name: 'graph', title: 'Computation graph', snapshots: ['graph'], load: () => import('./inside/graph').then((m) => m.GraphView) },
  { name: 'normal-equation', title: 'Normal equation: closed form, descent, cost', snapshots: ['normal_equation'], load: () => import('./inside/normal-equation').then((m) => m.NormalEquationView) },
  { name: 'network-diagram', title: 'Network diagram', snapshots: ['weights'], optional: ['unit_fields'], stepped: true, load: () => import('./inside/network-diagram').then((m) => m.NetworkDiagramView) },
];

async function findClass(def: ViewDef): Promise<ViewClass | null> {
  if (!def.load) return null;
  const cls = await def.load();
  if (typeof cls !== 'function') throw new Error(`the ${def.name} view's module has no view class`);
  return cls as ViewClass;
}

/** The views an experiment offers, in display order: the lesson's first, then the rest. */
export function viewsFor(snapshotNames: string[], lessonViews: string[]): { shown: ViewDef[]; available: ViewDef[] } {
  const offered = VIEW_DEFS.filter((d) => d.snapshots.every((s) => snapshotNames.includes(s)));
  const wanted = lessonViews.length > 0 ? lessonViews : offered.map((d) => d.name).slice(0, 3);
  const shown = wanted.map((n) => offered.find((d) => d.name === n)).filter((d): d is ViewDef => d !== undefined);
  return { shown, available: offered.filter((d) => !shown.includes(d)) };
}

/**
 * The training step a drawing from `names` shows: the oldest of the snapshots' steps (each
 * snapshot arrives on its own), 0 when a snapshot has none recorded.
 */
export function drawnStep(names: readonly string[], steps: ReadonlyMap<string, number>): number {
  return names.length === 0 ? 0 : Math.min(...names.map((n) => steps.get(n) ?? 0));
}

/** One mounted view: a card with a title, the view, and its latest snapshot inputs. */
class ViewCard {
  readonly root: HTMLElement;
  private view: View | null = null;
  private disposed = false;
  private pending: unknown = null;
  private pendingStep = 0;
  readonly body: HTMLDivElement;
  /** new snapshots arrived since the last update */
  dirty = false;
  /** in (or near) the viewport */
  visible = true;
  lastUpdate = 0;
  private readonly watch: IntersectionObserver | null;

  constructor(host: HTMLElement, readonly def: ViewDef, onClose: () => void, options: unknown) {
    const close = h('button', { type: 'button', class: 'card-close', 'aria-label': `Hide ${def.title}`, title: 'Hide' }, '×');
    close.addEventListener('click', onClose);
    this.body = h('div', { class: 'card-body' });
    this.root = h('section', { class: 'card view-card', 'data-card': def.name }, h('header', {}, h('h3', { text: def.title }), close), this.body);
    host.append(this.root);
    makeCollapsible(this.root, `view:${def.name}`);
    this.watch =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => {
            const e = entries[entries.length - 1];
            if (e) this.visible = e.isIntersecting;
          }, { rootMargin: '150px' })
        : null;
    this.watch?.observe(this.root);
    findClass(def)
      .catch((e: unknown) => {
        // a chunk that failed to load (e.g. the site was updated under an open page)
        console.error(`gradlab: the ${def.name} view could not be loaded:`, e);
        return null;
      })
      .then((cls) => {
        if (this.disposed) return;
        this.view = cls ? new cls(this.body, options) : new FallbackView(this.body, def.name);
        if (this.pending !== null) {
          this.view.update(this.pending);
          this.drew(this.pendingStep);
        }
      });
  }

  /** Draws `data`, the snapshots of training step `step` (or keeps them until the view's class is loaded). */
  update(data: unknown, step: number): void {
    if (this.view) {
      this.view.update(data);
      this.drew(step);
    } else {
      this.pending = data;
      this.pendingStep = step;
    }
  }

  private drew(step: number): void {
    this.root.dataset.drawnStep = String(step);
  }

  /** Views that plot per-step metrics themselves (the GAN's two losses) get them here. */
  pushMetrics(rows: unknown[]): void {
    const v = this.view as (View & { pushMetrics?: (rows: unknown[]) => void }) | null;
    if (v && typeof v.pushMetrics === 'function') v.pushMetrics(rows);
  }

  dispose(): void {
    this.disposed = true;
    this.watch?.disconnect();
    this.view?.dispose();
    this.root.remove();
  }
}

/** ms of view updates per frame before the rest wait for the next frame */
const FRAME_BUDGET_MS = 8;
/** a view out of view still updates (its gradlabData stays fresh), but at most this often */
const OFFSCREEN_MS = 500;

/** Mounts the views for a session and routes snapshots to them on animation frames. */
export class ViewManager {
  private cards: ViewCard[] = [];
  private latest = new Map<string, Snapshot>();
  /** the training step of each latest snapshot */
  private latestStep = new Map<string, number>();
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private available: ViewDef[] = [];
  /** the snapshots the experiment offers */
  private offered: string[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly picker: HTMLSelectElement,
    private readonly onSubscriptions: (names: string[]) => void,
    /** per-view constructor options (callbacks such as the gates view's onClamp) */
    private readonly optionsFor: (name: string) => unknown = () => undefined,
  ) {
    picker.addEventListener('change', () => {
      const def = this.available.find((d) => d.name === picker.value);
      picker.value = '';
      if (def) this.open(def);
    });
  }

  configure(snapshotNames: string[], lessonViews: string[]): void {
    this.offered = [...snapshotNames];
    for (const c of this.cards) c.dispose();
    this.cards = [];
    this.latest.clear();
    this.latestStep.clear();
    const { shown, available } = viewsFor(snapshotNames, lessonViews);
    this.available = available;
    for (const def of shown) this.cards.push(new ViewCard(this.host, def, () => this.close(def), this.optionsFor(def.name)));
    this.renderPicker();
    this.subscribe();
  }

  onMetrics(rows: unknown[]): void {
    for (const c of this.cards) c.pushMetrics(rows);
  }

  names(): string[] {
    return this.cards.map((c) => c.def.name);
  }

  /** The view's card, opened first when the experiment offers it but it is not shown; null when not offered. */
  reveal(name: string): HTMLElement | null {
    const def = this.available.find((d) => d.name === name);
    if (def) this.open(def);
    return this.cards.find((c) => c.def.name === name)?.root ?? null;
  }

  onSnapshot(name: string, data: Snapshot, step: number): void {
    this.latest.set(name, data);
    this.latestStep.set(name, step);
    for (const c of this.cards) if (c.def.snapshots.includes(name) || c.def.optional?.includes(name)) c.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  /**
   * Updates the views with new snapshots, within a time budget per frame (the rest wait a
   * frame), the ones on screen first; views out of view update at most every OFFSCREEN_MS.
   */
  private flush(): void {
    this.frame = 0;
    const t0 = performance.now();
    let waiting = false;
    let soonest = Infinity;
    const order = [...this.cards.filter((c) => c.visible), ...this.cards.filter((c) => !c.visible)];
    for (const card of order) {
      if (!card.dirty) continue;
      const snaps = card.def.snapshots;
      if (!snaps.every((s) => this.latest.has(s))) continue;
      const now = performance.now();
      if (!card.visible && now - card.lastUpdate < OFFSCREEN_MS) {
        soonest = Math.min(soonest, card.lastUpdate + OFFSCREEN_MS - now);
        continue;
      }
      if (now - t0 > FRAME_BUDGET_MS) {
        waiting = true;
        break;
      }
      card.dirty = false;
      card.lastUpdate = now;
      try {
        const drawn = drawnStep(snaps, this.latestStep);
        if (card.def.stepped) {
          const step = Math.max(...snaps.map((s) => this.latestStep.get(s) ?? 0));
          const extra = (card.def.optional ?? []).filter((s) => this.latest.has(s));
          card.update({ ...Object.fromEntries([...snaps, ...extra].map((s) => [s, this.latest.get(s)])), step }, drawn);
        } else if (snaps.length === 1) card.update(this.latest.get(snaps[0]!), drawn);
        else card.update(Object.fromEntries(snaps.map((s) => [s, this.latest.get(s)])), drawn);
      } catch (e) {
        console.warn(`view ${card.def.name} could not draw`, e);
      }
    }
    if (waiting) this.schedule();
    else if (soonest < Infinity && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, soonest);
    }
  }

  private open(def: ViewDef): void {
    this.cards.push(new ViewCard(this.host, def, () => this.close(def), this.optionsFor(def.name)));
    this.available = this.available.filter((d) => d !== def);
    this.renderPicker();
    this.subscribe();
  }

  private close(def: ViewDef): void {
    const card = this.cards.find((c) => c.def === def);
    card?.dispose();
    this.cards = this.cards.filter((c) => c !== card);
    this.available.push(def);
    this.renderPicker();
    this.subscribe();
  }

  private renderPicker(): void {
    while (this.picker.options.length > 0) this.picker.remove(0);
    this.picker.append(h('option', { value: '', text: this.available.length ? 'Add a view…' : 'All views shown' }));
    for (const d of this.available) this.picker.append(h('option', { value: d.name, text: d.title }));
    this.picker.disabled = this.available.length === 0;
  }

  private subscribe(): void {
    const names = new Set<string>();
    for (const c of this.cards) for (const s of [...c.def.snapshots, ...(c.def.optional ?? []).filter((o) => this.offered.includes(o))]) names.add(s);
    this.onSubscriptions([...names]);
  }
}

/**
 * Stand-in until the web-views class exists: draws the essentials with the viz
 * primitives and keeps the contract's gradlabData.
 */
class FallbackView implements View {
  private readonly root: HTMLDivElement & { gradlabData?: unknown };
  private chart: LineChart | null = null;
  private maps: Heatmap[] = [];
  private readonly note: HTMLParagraphElement;

  constructor(host: HTMLElement, private readonly name: string) {
    this.root = h('div', { class: 'view fallback', 'data-view': name });
    this.note = h('p', { class: 'muted small' });
    this.root.append(this.note);
    host.append(this.root);
  }

  update(data: unknown): void {
    const d = data as Record<string, unknown>;
    if (this.name === 'grad-through-time') {
      const streams = (d.streams as Array<{ grad_norm?: number[]; layer?: number; direction?: number }>) ?? [];
      const norms = streams.map((s) => s.grad_norm ?? []);
      this.root.gradlabData = { norms };
      this.chart ??= new LineChart(this.root, { xLabel: 't', yLabel: '‖dL/dh_t‖', yScale: 'log', height: 180 });
      this.chart.update(norms.map((row, i) => ({ name: `layer ${streams[i]?.layer ?? 0}${streams[i]?.direction ? ' (reverse)' : ''}`, x: row.map((_, t) => t + 1), y: row })));
      return;
    }
    if (this.name === 'gates') {
      const gates = ((d.streams as Array<{ gates?: Array<{ name: string; mean: { shape: number[]; data: number[] } }> }>) ?? [])[0]?.gates ?? [];
      this.root.gradlabData = { gates: gates.map((g) => ({ name: g.name, shape: g.mean.shape, data: g.mean.data })) };
      while (this.maps.length < gates.length) this.maps.push(new Heatmap(this.root, { scale: 'sequential', domain: [0, 1], xLabel: 'unit', yLabel: 't', cellText: false, maxCell: 8 }));
      gates.forEach((g, i) => this.maps[i]!.update({ rows: g.mean.shape[0] ?? 0, cols: g.mean.shape[1] ?? 0, values: g.mean.data }));
      this.note.textContent = `gates ${gates.map((g) => g.name).join(', ')}: mean activation per step (rows t) and unit`;
      return;
    }
    if (this.name === 'attention') {
      const Tq = Number(d.Tq);
      const Tk = Number(d.Tk);
      const flat = ((d.weights as { data?: number[] })?.data ?? (d.weights as number[])) ?? [];
      const weights: number[][] = [];
      for (let r = 0; r < Tq; r++) weights.push(Array.from(flat.slice(r * Tk, r * Tk + Tk)));
      this.root.gradlabData = { weights, source_tokens: d.source_tokens, target_tokens: d.target_tokens, row_sums: d.row_sums };
      if (this.maps.length === 0) this.maps.push(new Heatmap(this.root, { scale: 'sequential', domain: [0, 1], xLabel: 'source', yLabel: 'target' }));
      this.maps[0]!.update({ rows: Tq, cols: Tk, values: flat, rowLabels: d.target_tokens as string[], colLabels: d.source_tokens as string[] });
      return;
    }
    this.root.gradlabData = data;
    this.note.textContent = `${this.name}: ${summarise(data)}`;
  }

  dispose(): void {
    this.chart?.dispose();
    for (const m of this.maps) m.dispose();
    this.root.remove();
  }
}

function summarise(data: unknown): string {
  if (Array.isArray(data)) return `${data.length} entries`;
  if (data && typeof data === 'object') return Object.keys(data).join(', ');
  return String(data);
}
