// <gradlab-lesson>: one lesson of the playground as a custom element for course pages.
//
//   <script type="module" src="https://course.example/gradlab/gradlab-lesson.js"></script>
//   <gradlab-lesson src="gradlab/lessons/xor.json" hide="explanation" speed="4"></gradlab-lesson>
//
// One script tag is enough: the element brings its styles (a constructable stylesheet in
// its shadow root), starts the engine worker next to the script, fetches the lesson JSON
// (a spec with a `lesson` block: title, text, views) and shows a compact lesson: title,
// explanation, play / pause / step / reset, the loss curve and the lesson's main view.
// Training runs in a Web Worker; the element only draws, on animation frames.
//
// Any origin: served from the course page's origin it needs nothing special (no inline
// scripts or styles, no eval). Loaded from the hosted page on another origin, the worker
// starts through a same-origin blob: module (engine/module-worker.ts) and the script, the
// engine and the lesson JSON arrive by CORS (GitHub Pages sends Access-Control-Allow-Origin:
// *); the course page's CSP must allow them (README.md here). The iframe page, embed.html
// (embed.ts), is the other way to embed from any origin.
//
// Attributes:
//   src     the lesson JSON, relative to the page or absolute (another origin answers by CORS)
//   hide    comma list of parts to hide: title, explanation, controls, curves, view
//   speed   1..5, the worker's pace (5: as fast as it goes; default 5)
//   engine-base  where gradlab-<flavour>.mjs/.wasm live (default: engine/ next to the script)
//   theme   light | dark (default: the reader's preference)
// Inside the shadow root the element keeps the app's test hooks (#play, #step, #reset,
// #step-counter[data-step], #message, [data-view] with gradlabData).
import { EngineClient, engineErrorOf } from '../engine/client';
import { describeError, recoveryMessage, type SessionInfo } from '../engine/protocol';
import type { Metrics, Snapshot } from '../engine/types';
import { splitLesson, type Lesson } from '../state/lessons';
import { CurvesView } from '../ui/curves-view';
import { AttentionView, GanView, GatesView, GradThroughTime, SelfAttentionView } from '../ui/inside';
import { FieldPlot } from '../viz/field-plot';
import { LessonPanel } from '../ui/lesson-panel';
import { spaceIsTaken } from '../ui/controls';
import { lessonSheet } from './styles';

export const PANELS = ['title', 'explanation', 'controls', 'curves', 'view'] as const;
export type PanelName = (typeof PANELS)[number];

/** Views this element can draw, and the snapshots each one reads. */
const VIEW_SNAPSHOTS: Record<string, string[]> = {
  field: ['field'],
  'grad-through-time': ['recurrent'],
  gates: ['recurrent'],
  attention: ['attention'],
  'self-attention': ['self_attention'],
  gan: ['samples', 'critic_field', 'coverage'],
};
const VIEW_TITLE: Record<string, string> = {
  field: 'Decision field',
  'grad-through-time': 'Gradient through time',
  gates: 'Gate activations',
  attention: 'Attention',
  'self-attention': 'Self-attention per head',
  gan: 'Real and generated points',
};
/** When the lesson names no view: the most telling one the experiment offers. */
const VIEW_PREFERENCE = ['attention', 'self-attention', 'gan', 'grad-through-time', 'field'];

/** The directory the engine files are served from: engine/ next to gradlab-lesson.js. */
function defaultEngineBase(): string {
  const here = new URL(/* @vite-ignore */ '.', import.meta.url);
  const root = here.pathname.endsWith('/assets/') ? new URL('../', here) : here;
  return new URL('engine/', root).href;
}

/**
 * The lesson's main view: one of the app's view classes (src/ui/inside, src/viz), fed with
 * the snapshots it reads. Each view's root carries data-view and gradlabData itself.
 */
interface MainView {
  readonly name: string;
  snapshot(name: string, data: Snapshot): void;
  metrics?(rows: Metrics[]): void;
  dispose(): void;
}

function makeView(name: string, host: HTMLElement, client: EngineClient): MainView | null {
  type Feed = (data: never) => void;
  const single = (view: { update: Feed; dispose(): void }): MainView => ({
    name,
    snapshot: (_n, data) => view.update(data as never),
    dispose: () => view.dispose(),
  });
  switch (name) {
    case 'field':
      return single(new FieldPlot(host));
    case 'grad-through-time':
      return single(new GradThroughTime(host));
    case 'gates':
      return single(new GatesView(host, { clampControl: false }));
    case 'attention':
      return single(new AttentionView(host));
    case 'self-attention':
      return single(new SelfAttentionView(host));
    case 'gan': {
      const view = new GanView(host, {
        onStep: (player) => void client.call('stepPlayer', { player }).catch(() => {}),
      });
      const input: Record<string, Snapshot> = {};
      return {
        name,
        snapshot: (n, data) => {
          input[n] = data;
          view.update(input as never);
        },
        metrics: (rows) => view.pushMetrics(rows as Array<Record<string, unknown>>),
        dispose: () => view.dispose(),
      };
    }
    default:
      return null;
  }
}

/** Least time between two redraws of the plots (ms). */
const DRAW_MS = 120;
/** Points of the curve a frame may draw in all: beyond this, rows are kept at a stride. */
const CURVE_POINTS = 1500;

/**
 * The rows worth drawing when training runs thousands of steps a second: every row while
 * the run is short, then only steps at a power-of-two stride (and always the newest row),
 * so a frame's redraw stays cheap however long the run.
 */
export function thin(rows: Metrics[], totalSteps: number): Metrics[] {
  if (totalSteps <= CURVE_POINTS) return rows;
  const stride = 2 ** Math.ceil(Math.log2(totalSteps / CURVE_POINTS));
  const last = rows[rows.length - 1];
  return rows.filter((r) => r === last || typeof r.step !== 'number' || r.step % stride === 0);
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Parse a `hide` list: names separated by commas or spaces; unknown names are ignored. */
export function parseHide(text: string | null): Set<PanelName> {
  const out = new Set<PanelName>();
  for (const part of (text ?? '').split(/[\s,]+/)) {
    const name = part.trim().toLowerCase() === 'main' ? 'view' : part.trim().toLowerCase();
    if ((PANELS as readonly string[]).includes(name)) out.add(name as PanelName);
  }
  return out;
}

export class GradlabLessonElement extends HTMLElement {
  static readonly observedAttributes = ['src', 'hide', 'speed'];

  private readonly root: ShadowRoot;
  private readonly els: {
    title: HTMLHeadingElement;
    explanation: HTMLDivElement;
    controls: HTMLDivElement;
    play: HTMLButtonElement;
    step: HTMLButtonElement;
    reset: HTMLButtonElement;
    counter: HTMLSpanElement;
    status: HTMLSpanElement;
    message: HTMLParagraphElement;
    curvesPanel: HTMLElement;
    viewPanel: HTMLElement;
    viewTitle: HTMLHeadingElement;
    view: HTMLDivElement;
  };
  private readonly curves: CurvesView;
  private client: EngineClient | null = null;
  private clientStart: Promise<EngineClient> | null = null;
  private unsubscribe: (() => void) | null = null;
  private main: MainView | null = null;
  private lesson: Lesson | null = null;
  /** a format-2 lesson's steps, in the explanation's place */
  private panel: LessonPanel | null = null;
  private info: SessionInfo | null = null;
  /** Events since the last frame, drawn on the next animation frame. */
  private pendingTrain: Metrics[] = [];
  private pendingTest: Metrics[] = [];
  private pendingSnapshots = new Map<string, Snapshot>();
  private clearCurves = false;
  private step = 0;
  private playing = false;
  private busy = false;
  private frame = 0;
  private lastDraw = 0;
  private loadToken = 0;
  private connected = false;
  /** the student's last click or focus was in this element: Space is its play key */
  private engaged = false;
  private readonly onPointer = (e: Event): void => {
    this.engaged = e.composedPath().includes(this);
  };
  /**
   * Space toggles play while the student works in this lesson (focus or the last click
   * inside it), except where Space already means something; elsewhere on the course page
   * Space scrolls as usual, and of several lessons only the one in use answers.
   */
  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key !== ' ' || e.repeat || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
    const path = e.composedPath();
    if (!path.includes(this) && !this.engaged) return;
    if (spaceIsTaken(path[0])) return;
    e.preventDefault();
    if (!this.els.play.disabled) void this.togglePlay();
  };

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in this.root) this.root.adoptedStyleSheets = [lessonSheet()];
    const wrap = h('div', { class: 'lesson', part: 'lesson' });
    const title = h('h2', { class: 'title', part: 'title' });
    const explanation = h('div', { class: 'explanation', part: 'explanation' });
    const controls = h('div', { class: 'controls', part: 'controls', role: 'toolbar', 'aria-label': 'Training' });
    const play = h('button', { id: 'play', type: 'button', 'aria-pressed': 'false', title: 'Train continuously (Space)', 'aria-keyshortcuts': 'Space' }, 'Play');
    const step = h('button', { id: 'step', type: 'button', title: 'One training step' }, 'Step');
    const reset = h('button', { id: 'reset', type: 'button', title: 'Back to step 0 (same initial weights)' }, 'Reset');
    const counter = h('span', { id: 'step-counter', class: 'counter', 'data-step': '0' }, 'step 0');
    const status = h('span', { class: 'status', 'aria-live': 'polite' });
    controls.append(play, step, reset, counter, status);
    const message = h('p', { id: 'message', class: 'message', role: 'alert', part: 'message' });
    message.hidden = true;
    const views = h('div', { class: 'views' });
    const curvesPanel = h('section', { class: 'panel', part: 'curves', 'aria-label': 'Training curves' });
    const viewPanel = h('section', { class: 'panel', part: 'view' });
    const viewTitle = h('h3', { class: 'view-title' });
    const view = h('div');
    viewPanel.append(viewTitle, view);
    viewPanel.hidden = true;
    views.append(curvesPanel, viewPanel);
    wrap.append(title, explanation, controls, message, views);
    this.root.append(wrap);
    this.els = { title, explanation, controls, play, step, reset, counter, status, message, curvesPanel, viewPanel, viewTitle, view };
    this.curves = new CurvesView(curvesPanel);
    for (const b of [play, step, reset]) b.disabled = true;
    play.addEventListener('click', () => void this.togglePlay());
    step.addEventListener('click', () => void this.stepOnce());
    reset.addEventListener('click', () => void this.resetTraining());
  }

  connectedCallback(): void {
    this.connected = true;
    this.ownerDocument.addEventListener('pointerdown', this.onPointer, true);
    this.ownerDocument.addEventListener('focusin', this.onPointer, true);
    this.ownerDocument.addEventListener('keydown', this.onKey);
    this.applyHide();
    const src = this.getAttribute('src');
    if (src && !this.lesson) void this.loadSrc(src);
  }

  disconnectedCallback(): void {
    this.connected = false;
    this.ownerDocument.removeEventListener('pointerdown', this.onPointer, true);
    this.ownerDocument.removeEventListener('focusin', this.onPointer, true);
    this.ownerDocument.removeEventListener('keydown', this.onKey);
    // Stop training when removed; a re-attached element starts its lesson again.
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.loadToken++; // a load under way ends quietly: its commands reject once the worker stops
    this.client?.terminate();
    this.client = null;
    this.clientStart = null;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.main?.dispose();
    this.main = null;
    this.panel?.dispose();
    this.panel = null;
    this.lesson = null;
    for (const b of [this.els.play, this.els.step, this.els.reset]) b.disabled = true;
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    if (name === 'hide') this.applyHide();
    else if (name === 'speed') void this.applySpeed();
    else if (name === 'src' && this.connected && value) void this.loadSrc(value);
  }

  /** The lesson shown (after loading), as the app's Lesson (info + spec). */
  get currentLesson(): Lesson | null {
    return this.lesson;
  }

  /** Show a lesson given as data (the iframe page uses this); replaces any src. */
  async load(lesson: Lesson): Promise<void> {
    const token = ++this.loadToken;
    this.showMessage(null);
    this.lesson = lesson;
    this.renderText(lesson);
    try {
      const client = await this.engine();
      if (token !== this.loadToken) return;
      const info = await client.call('create', { spec: JSON.stringify(lesson.spec) });
      if (token !== this.loadToken) return;
      await this.applySpeed();
      this.setupMainView(lesson, info, client);
      this.fresh(info);
      this.showSteps(lesson, client);
      for (const b of [this.els.play, this.els.step, this.els.reset]) b.disabled = false;
    } catch (e) {
      if (token === this.loadToken) this.showMessage(`This lesson could not start: ${describeError(engineErrorOf(e))}`);
    }
  }

  private async loadSrc(src: string): Promise<void> {
    const token = ++this.loadToken;
    let url: URL;
    try {
      url = new URL(src, document.baseURI);
    } catch {
      this.showMessage(`The lesson address "${src}" is not a URL.`);
      return;
    }
    const id = url.pathname.split('/').pop()?.replace(/\.json$/, '') || 'lesson';
    this.els.title.textContent = 'Loading…';
    let json: unknown;
    try {
      const res = await fetch(url, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`.trim());
      json = await res.json();
    } catch (e) {
      if (token !== this.loadToken) return;
      this.els.title.textContent = '';
      this.showMessage(`The lesson ${url.href} could not be loaded (${e instanceof Error ? e.message : String(e)}).`);
      return;
    }
    if (token !== this.loadToken) return;
    let lesson: Lesson;
    try {
      lesson = splitLesson(id, json);
    } catch (e) {
      this.els.title.textContent = '';
      this.showMessage(e instanceof Error ? e.message : String(e));
      return;
    }
    await this.load(lesson);
  }

  private engine(): Promise<EngineClient> {
    if (!this.clientStart) {
      const base = this.getAttribute('engine-base');
      const engineBase = base ? new URL(base, document.baseURI).href : defaultEngineBase();
      this.els.status.textContent = 'loading the engine…';
      this.clientStart = EngineClient.start(engineBase).then((client) => {
        this.client = client;
        this.els.status.textContent = '';
        this.unsubscribe = client.on((e) => {
          switch (e.kind) {
            case 'metrics':
              for (const r of e.rows) this.pendingTrain.push(r);
              for (const r of e.rows) if (typeof r.step === 'number') this.step = Math.max(this.step, r.step);
              break;
            case 'evaluation':
              if (e.test) this.pendingTest.push({ ...e.test, step: e.step });
              break;
            case 'snapshot':
              this.pendingSnapshots.set(e.name, e.data);
              break;
            case 'status':
              this.playing = e.playing;
              this.step = e.step;
              this.els.status.textContent = e.playing && e.stepsPerSecond > 0 ? `${Math.round(e.stepsPerSecond)} steps/s` : '';
              break;
            case 'error':
              this.showMessage(describeError(e.error));
              break;
            case 'recovered':
              // the worker restarted the engine after a trap, from the last good state
              this.step = e.restoredTo;
              this.playing = e.playing;
              // the steps after the restored one are trained again: drop them from the curves
              this.pendingTrain = this.pendingTrain.filter((r) => typeof r.step !== 'number' || r.step <= e.restoredTo);
              this.pendingTest = this.pendingTest.filter((r) => typeof r.step !== 'number' || r.step <= e.restoredTo);
              this.curves.truncate(e.restoredTo);
              this.showMessage(recoveryMessage(e.failedAt, e.restoredTo, e.error));
              break;
            case 'lessonSession':
              // a lesson step started a new session (restart_with, reset, a fresh run)
              if (e.info && this.lesson) {
                this.setupMainView(this.lesson, e.info, client, this.main?.name);
                this.fresh(e.info);
              }
              break;
          }
          this.requestFrame();
        });
        return client;
      });
      this.clientStart.catch((e: unknown) => {
        this.els.status.textContent = '';
        this.showMessage(`The engine could not start: ${describeError(engineErrorOf(e))}`);
      });
    }
    return this.clientStart;
  }

  /** A format-2 lesson: its steps (run, checked) in place of the explanation. */
  private showSteps(lesson: Lesson, client: EngineClient): void {
    this.panel?.dispose();
    this.panel = null;
    if (!lesson.file || !Array.isArray((lesson.file.lesson as { steps?: unknown } | undefined)?.steps)) return;
    this.panel = new LessonPanel(this.els.explanation, client, {
      reveal: (view) => {
        if (this.lesson && this.info && view !== this.main?.name && VIEW_SNAPSHOTS[view]?.every((s) => this.info!.snapshotNames.includes(s))) {
          this.setupMainView(this.lesson, this.info, client, view);
        }
      },
      remember: false,
      title: false,
    });
    this.panel.show(lesson.id, lesson.file, lesson.info.title);
  }

  private setupMainView(lesson: Lesson, info: SessionInfo, client: EngineClient, prefer?: string): void {
    this.info = info;
    this.main?.dispose();
    this.main = null;
    this.els.view.replaceChildren();
    const offered = (name: string): boolean => {
      const snaps = VIEW_SNAPSHOTS[name];
      return snaps !== undefined && info.snapshotNames.includes(snaps[0]!);
    };
    const name = (prefer && offered(prefer) ? prefer : undefined) ?? lesson.info.views.find(offered) ?? VIEW_PREFERENCE.find(offered) ?? null;
    if (name) {
      this.main = makeView(name, this.els.view, client);
      this.els.viewTitle.textContent = VIEW_TITLE[name] ?? name;
    }
    this.els.viewPanel.hidden = this.main === null || parseHide(this.getAttribute('hide')).has('view');
    const names = this.main ? VIEW_SNAPSHOTS[this.main.name]!.filter((n) => info.snapshotNames.includes(n)) : [];
    void client.call('subscribe', { names }).catch(() => {}); // rejects only when the element was removed meanwhile (its worker stopped)
  }

  private fresh(info: SessionInfo): void {
    this.pendingTrain = [];
    this.pendingTest = [];
    this.clearCurves = true;
    this.step = info.step;
    this.playing = false;
    this.requestFrame();
  }

  private async togglePlay(): Promise<void> {
    const client = this.client;
    if (!client || !this.lesson) return;
    const next = !this.playing;
    this.playing = next;
    this.requestFrame();
    try {
      await client.call(next ? 'play' : 'pause', {});
    } catch (e) {
      this.playing = false;
      this.requestFrame();
      this.showMessage(describeError(engineErrorOf(e)));
    }
  }

  private async stepOnce(): Promise<void> {
    const client = this.client;
    if (!client || this.busy || !this.lesson) return;
    this.busy = true;
    try {
      if (this.playing) await client.call('pause', {});
      await client.call('step', { n: 1 });
    } catch (e) {
      this.showMessage(describeError(engineErrorOf(e)));
    } finally {
      this.busy = false;
    }
  }

  private async resetTraining(): Promise<void> {
    const client = this.client;
    if (!client || this.busy || !this.lesson) return;
    this.busy = true;
    try {
      const info = await client.call('reset', {});
      this.showMessage(null);
      this.fresh(info);
    } catch (e) {
      this.showMessage(describeError(engineErrorOf(e)));
    } finally {
      this.busy = false;
    }
  }

  private async applySpeed(): Promise<void> {
    const speed = Number(this.getAttribute('speed') ?? '5');
    if (!this.client || !Number.isFinite(speed)) return;
    await this.client.call('setSpeed', { speed: Math.min(5, Math.max(1, Math.round(speed))) }).catch(() => {});
  }

  private applyHide(): void {
    const hide = parseHide(this.getAttribute('hide'));
    this.els.title.hidden = hide.has('title');
    this.els.explanation.hidden = hide.has('explanation');
    this.els.controls.hidden = hide.has('controls');
    this.els.curvesPanel.hidden = hide.has('curves');
    this.els.viewPanel.hidden = hide.has('view') || this.main === null;
  }

  private renderText(lesson: Lesson): void {
    this.els.title.textContent = lesson.info.title;
    const paragraphs = lesson.info.text
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    this.els.explanation.replaceChildren(...paragraphs.map((p) => h('p', {}, p)));
  }

  private showMessage(text: string | null): void {
    this.els.message.textContent = text ?? '';
    this.els.message.hidden = text === null;
  }

  private requestFrame(): void {
    if (this.frame || !this.connected) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Everything the worker sent since the last frame, drawn once. */
  private render(): void {
    const { play, counter } = this.els;
    play.setAttribute('aria-pressed', String(this.playing));
    play.textContent = this.playing ? 'Pause' : 'Play';
    counter.setAttribute('data-step', String(this.step));
    counter.textContent = `step ${this.step}`;
    // Plots redraw at most ~8 times a second: enough to watch, and cheap for the page.
    const now = performance.now();
    if (!this.clearCurves && now - this.lastDraw < DRAW_MS) {
      this.requestFrame();
      return;
    }
    this.lastDraw = now;
    try {
      let drawn = false;
      if (this.clearCurves) {
        this.clearCurves = false;
        this.curves.clear();
      }
      if (this.pendingTrain.length > 0) {
        drawn = true;
        const rows = this.pendingTrain;
        this.pendingTrain = [];
        this.curves.addTrain(thin(rows, this.step));
        this.main?.metrics?.(thin(rows, this.step));
      }
      const curvesChanged = this.pendingTest.length > 0;
      for (const row of this.pendingTest) this.curves.addTest(row);
      this.pendingTest = [];
      if (curvesChanged || drawn) this.curves.redraw();
      if (this.main) for (const [name, data] of this.pendingSnapshots) this.main.snapshot(name, data);
      this.pendingSnapshots.clear();
    } catch (e) {
      this.showMessage(`A view could not draw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

if (!customElements.get('gradlab-lesson')) customElements.define('gradlab-lesson', GradlabLessonElement);

declare global {
  interface HTMLElementTagNameMap {
    'gradlab-lesson': GradlabLessonElement;
  }
}
