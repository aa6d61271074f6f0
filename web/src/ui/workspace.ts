// The workspace: wires the lesson, data, network, training and view panels to one engine
// client and one state (settings + spec). Each panel is its own class; this file holds the
// flow between them: what a change does to the running session (live update or a fresh
// session with a note), and what goes into the URL.
import { EngineClient, engineErrorOf } from '../engine/client';
import { describeError, recoveryMessage, type SessionInfo } from '../engine/protocol';
import type { Metrics, Validation } from '../engine/types';
import { parseLessonIndex, splitLesson, type Lesson, type LessonIndexEntry } from '../state/lessons';
import { applySettings, restartNote, settingDef, settingsFor, settingsFromSpec, type SettingValue, type Settings } from '../state/settings';
import { parseHash, serializeHash } from '../state/url';
import { loadWorkspace, saveWorkspace, startingHash } from '../state/storage';
import { RunKeeper } from '../state/keeper';
import { ago, browserRunStore, type SavedRun } from '../state/runs';
import { checkpointBuffers, exportNeedsBuffers, pytorchExport, safeFileName } from '../state/pytorch';
import { RateMeter, TrainingControls } from './controls';
import { CurvesView } from './curves-view';
import { DataPanel, type DataBlock } from './data-panel';
import { button, downloadText, fitToSelected, h, InlineError } from './dom';
import { MessageBar } from './message';
import { SettingsPanel } from './settings-panel';
import { ViewManager } from './views';
import { ExtrasPanel } from './extras';
import { LessonPanel } from './lesson-panel';

export interface WorkspaceElements {
  lesson: HTMLSelectElement;
  share: HTMLButtonElement;
  shareUrl: HTMLInputElement;
  theme: HTMLSelectElement;
  message: HTMLElement;
  lessonText: HTMLElement;
  data: HTMLElement;
  settings: HTMLElement;
  network: HTMLElement;
  controls: HTMLElement;
  curves: HTMLElement;
  views: HTMLElement;
  viewPicker: HTMLSelectElement;
  extras: HTMLElement;
  files: HTMLElement;
}

type EditorLike = { setSpec(text: string): void };

export class Workspace {
  private readonly msg: MessageBar;
  private readonly controls: TrainingControls;
  private readonly curves: CurvesView;
  private readonly data: DataPanel;
  private readonly settingsPanel: SettingsPanel;
  private readonly views: ViewManager;
  private readonly extras: ExtrasPanel;
  private readonly lessonPanel: LessonPanel;
  private editor: EditorLike | null = null;
  private lessons: LessonIndexEntry[] = [];
  private lesson: Lesson | null = null;
  private settings: Settings = {};
  /** the spec as edited (network, data), before the settings are applied */
  private baseSpec: Record<string, unknown> = {};
  private custom = false;
  private info: SessionInfo | null = null;
  private generation = 0;
  private wasPlaying = false;
  /** the run kept in the browser (state/keeper.ts) */
  private readonly keeper: RunKeeper;
  /** the workspace's changes (lesson, setting, data, network), one after another */
  private changes: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly client: EngineClient, private readonly el: WorkspaceElements) {
    this.msg = new MessageBar(el.message);
    this.keeper = new RunKeeper(client, browserRunStore(), {
      hash: () => this.currentHash(),
      views: () => this.views.names(),
      note: (text) => this.msg.note(text, 12_000),
      saved: (step) => (document.documentElement.dataset.savedStep = String(step)),
    });
    this.controls = new TrainingControls(el.controls, {
      play: () => void this.run(() => this.client.call('play', {})),
      pause: () => void this.run(() => this.client.call('pause', {})),
      step: () => void this.run(() => this.client.call('step', { n: 1 })),
      trainN: (n) => void this.run(() => this.client.call('step', { n })),
      reset: () => void this.reset(),
      speed: (level) => {
        this.settings.speed = level;
        void this.client.call('setSpeed', { speed: level });
        this.persist();
      },
    });
    this.curves = new CurvesView(el.curves);
    this.data = new DataPanel(el.data, (block) => this.serial(() => this.dataChanged(block)));
    this.settingsPanel = new SettingsPanel(el.settings, (name, value) => this.serial(() => this.settingChanged(name, value)));
    this.views = new ViewManager(el.views, el.viewPicker, (names) => void this.client.call('subscribe', { names }), (name) => {
      if (name === 'predictions') return { maxExamples: 4 };
      if (name === 'gates') {
        return {
          onClamp: (gate: string | null, value: number) => void this.serial(() => this.applyClamp(gate, value)),
          clampNow: () => clampOf(this.effectiveSpec()),
        };
      }
      if (name === 'gan') {
        return {
          onStep: (player: 'discriminator' | 'generator' | 'both') => void this.run(() => this.client.call('stepPlayer', { player })),
          loss: () => {
            const model = this.effectiveSpec()['model'] as Record<string, unknown> | undefined;
            return typeof model?.['loss'] === 'string' ? model['loss'] : 'non_saturating'; // docs/spec.md's default
          },
        };
      }
      return undefined;
    });
    this.extras = new ExtrasPanel(el.extras, client, () => this.settings.temperature as number, client.engineBase ? () => client.spawn() : null, () => this.effectiveSpec());
    this.lessonPanel = new LessonPanel(el.lessonText, client, { reveal: (view) => this.revealView(view) });

    client.on((e) => {
      switch (e.kind) {
        case 'metrics':
          this.curves.addTrain(e.rows);
          this.views.onMetrics(e.rows);
          this.scheduleCurves();
          break;
        case 'evaluation':
          if (e.test) this.curves.addTest(e.test);
          this.scheduleCurves();
          break;
        case 'snapshot':
          this.views.onSnapshot(e.name, e.data, e.step);
          break;
        case 'status':
          if (this.wasPlaying && !e.playing) this.extras.paused();
          this.wasPlaying = e.playing;
          this.showStatus(e);
          break;
        case 'error':
          this.msg.error(`Training stopped: ${describeError(e.error)}`);
          break;
        case 'lessonSession':
          this.adoptLessonSession(e.spec, e.info);
          break;
        case 'recovered':
          // the worker restarted the engine after a trap, from the last good state
          this.msg.error(recoveryMessage(e.failedAt, e.restoredTo, e.error));
          this.info = e.info;
          this.curves.truncate(e.restoredTo);
          this.scheduleCurves();
          this.setStepNow(e.restoredTo);
          this.controls.setPlaying(e.playing);
          break;
      }
    });

    el.lesson.addEventListener('change', () => {
      const id = el.lesson.value;
      void this.serial(() => this.switchLesson(id));
    });
    // the tab hidden (another tab, the window closed, a reload): keep the latest state
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void this.keeper.saveNow();
    });
    window.addEventListener('pagehide', () => void this.keeper.saveNow());
    el.share.addEventListener('click', () => void this.share());
    el.theme.addEventListener('change', () => {
      this.settings.theme = el.theme.value;
      applyTheme(el.theme.value);
      this.persist();
    });
    this.buildFileButtons();
  }

  /** Start from the address's hash, else the saved workspace, else the defaults. */
  async start(): Promise<void> {
    try {
      this.lessons = parseLessonIndex(await fetchJson('lessons/index.json'));
    } catch (e) {
      this.msg.error(`The lesson list could not be loaded: ${(e as Error).message}`);
    }
    for (const l of this.lessons) this.el.lesson.append(h('option', { value: l.id, text: l.title }));
    void this.client.call('datasets', {}).then((list) => this.data.setCatalog(list), () => this.data.setCatalog(null));
    const parsed = parseHash(startingHash(location.hash, loadWorkspace()));
    if (parsed.errors.length > 0) this.msg.error(`This link could not be read, so the default lesson is shown. ${parsed.errors.join('; ')}.`);
    this.settings = parsed.state.settings;
    applyTheme(String(this.settings.theme ?? 'auto'));
    this.el.theme.value = String(this.settings.theme ?? 'auto');
    this.controls.setSpeed(Number(this.settings.speed ?? 4));
    void this.client.call('setSpeed', { speed: Number(this.settings.speed ?? 4) });
    let id = String(this.settings.lesson ?? 'xor');
    if (!this.lessons.some((l) => l.id === id)) {
      if (this.lessons.length > 0) this.msg.error(`There is no lesson "${id}"; showing ${this.lessons[0]!.id}.`);
      id = this.lessons[0]?.id ?? 'xor';
    }
    await this.serial(() => this.loadLesson(id, parsed.state.spec as Record<string, unknown> | null, false));
  }

  /**
   * Runs a change of the workspace after the ones before it have finished: a setting typed
   * while a lesson is still loading applies to that lesson's session, instead of being
   * overwritten by the lesson's own settings when its load completes. `data-busy` on the
   * root element is set while changes are pending (tests wait for it).
   */
  private serial<T>(change: () => Promise<T>): Promise<T> {
    this.pending++;
    document.documentElement.dataset.busy = '';
    const done = this.changes.then(change);
    this.changes = done.catch(() => undefined).then(() => {
      if (--this.pending === 0) delete document.documentElement.dataset.busy;
    });
    return done;
  }

  /** Load a lesson (and optionally an edited spec and the current settings over it). */
  private async loadLesson(id: string, spec: Record<string, unknown> | null, fresh: boolean): Promise<void> {
    let file: unknown;
    try {
      file = await fetchJson(`lessons/${encodeURIComponent(id)}.json`);
      this.lesson = splitLesson(id, file);
    } catch (e) {
      this.msg.error(`Lesson "${id}" could not be loaded: ${(e as Error).message}`);
      return;
    }
    this.el.lesson.value = id;
    fitToSelected(this.el.lesson);
    this.settings.lesson = id;
    if (fresh) {
      // a new lesson starts from its own settings (page settings stay)
      for (const key of Object.keys(this.settings)) if (settingDef(key)?.pointer) this.settings[key] = null;
    }
    this.custom = spec !== null;
    this.baseSpec = spec ?? this.lesson.spec;
    this.lessonPanel.show(id, file, this.lesson.info.title);
    const ok = await this.createSession();
    if (!ok && spec !== null) {
      this.msg.error(`The network in this link does not run (${this.lastError}); the lesson's own network is shown instead.`);
      this.custom = false;
      this.baseSpec = this.lesson.spec;
      await this.createSession();
    }
    if (ok) await this.restoreRun(id);
  }

  /**
   * Another lesson from the menu: the current run is kept first; the lesson's own run, when
   * one is kept, comes back with the settings it ran with, else the lesson starts fresh.
   */
  private async switchLesson(id: string): Promise<void> {
    await this.keeper.saveNow();
    const run = await this.keeper.find(id);
    const parsed = run ? parseHash(run.hash) : null;
    if (!parsed || parsed.errors.length > 0) return this.loadLesson(id, null, true);
    for (const key of Object.keys(this.settings)) if (settingDef(key)?.pointer) this.settings[key] = parsed.state.settings[key] ?? null;
    return this.loadLesson(id, parsed.state.spec as Record<string, unknown> | null, false);
  }

  /** The session just made for lesson `id` continues the run kept for it, when there is one. */
  private async restoreRun(id: string): Promise<void> {
    const run = await this.keeper.find(id);
    if (!run || this.settings.lesson !== id) return;
    const gen = this.generation;
    if (run.views.length > 0 && this.info) this.views.configure(this.info.snapshotNames, run.views);
    const r = await this.keeper.restore(run);
    if (gen !== this.generation) return;
    if ('refused' in r) {
      this.msg.note(r.refused, 15_000);
      return;
    }
    this.showRestored(run, r.info);
  }

  /** The panels show a restored run: its step, its curves and the views' histories. */
  private showRestored(run: SavedRun, info: SessionInfo): void {
    this.info = info;
    this.curves.clear();
    this.curves.addTrain(run.train);
    for (const row of run.test) this.curves.addTest(row);
    this.curves.redraw();
    this.views.onMetrics(run.train);
    this.setStepNow(info.step);
    document.documentElement.dataset.restoredStep = String(info.step);
    this.msg.note(`Your run of this lesson continues at step ${info.step} (kept in this browser, saved ${ago(Date.now() - run.savedAt)}). Reset starts it over.`);
  }

  private lastError = '';

  private effectiveSpec(): Record<string, unknown> {
    return applySettings(this.baseSpec, this.settings);
  }

  /** A fresh session from the effective spec; the panels follow it. */
  private async createSession(note?: string): Promise<boolean> {
    const gen = ++this.generation;
    // a restart the student asked for (a note says why): the kept run is over
    if (note) this.keeper.forget(String(this.settings.lesson));
    const spec = this.effectiveSpec();
    const text = JSON.stringify(spec, null, 2);
    this.controls.setEnabled(false);
    try {
      const info = await this.client.call('create', { spec: text });
      if (gen !== this.generation) return true;
      this.followSession(spec, info);
      if (note) this.msg.note(note);
      return true;
    } catch (e) {
      const err = engineErrorOf(e);
      this.lastError = describeError(err);
      this.placeError(err.issues?.[0]?.pointer ?? '', this.lastError);
      return false;
    } finally {
      if (gen === this.generation) this.controls.setEnabled(true);
    }
  }

  /** The panels follow a session the worker now runs from `spec`. */
  private followSession(spec: Record<string, unknown>, info: SessionInfo, lessonViews: string[] = this.lesson?.info.views ?? []): void {
    this.info = info;
    this.curves.clear();
    this.keeper.sessionStarted(String(this.settings.lesson));
    this.setStepNow(info.step);
    this.controls.setPlaying(false);
    const own = settingsFromSpec(spec);
    for (const [k, v] of Object.entries(own)) if (this.settings[k] === null || this.settings[k] === undefined) this.settings[k] = v;
    this.settingsPanel.render(spec, this.settings);
    this.data.show((spec.data ?? {}) as DataBlock);
    this.data.showError('');
    this.showSpec(spec);
    this.views.configure(info.snapshotNames, lessonViews);
    this.extras.configure(spec, info, this.client.features);
    void this.refreshPreview();
    this.persist();
  }

  /**
   * A lesson step changed the experiment in the worker: a new session from `spec` (info), or
   * the running one updated in place (info null). The panels, the editor and the URL follow;
   * the views shown stay shown.
   */
  private adoptLessonSession(spec: Record<string, unknown>, info: SessionInfo | null): void {
    this.generation++; // a fresh session still on its way is older than this one
    this.custom = JSON.stringify(spec) !== JSON.stringify(this.lesson?.spec ?? null);
    this.baseSpec = spec;
    for (const [k, v] of Object.entries(settingsFromSpec(spec))) this.settings[k] = v;
    if (info) {
      const shown = this.views.names();
      this.followSession(spec, info, [...shown, ...(this.lesson?.info.views ?? []).filter((v) => !shown.includes(v))]);
      this.controls.setEnabled(true);
    } else {
      this.settingsPanel.render(spec, this.settings);
      this.showSpec(spec);
      this.persist();
    }
  }

  /** Brings a view on screen (opening it when the experiment offers it): a lesson step's view. */
  private revealView(name: string): void {
    const target =
      name === 'curves'
        ? document.getElementById('curves-card')
        : name === 'network'
          ? this.el.network
          : // a view of the views grid, else one drawn elsewhere (the text samples in the extras)
            (this.views.reveal(name) ?? document.querySelector(`[data-view="${CSS.escape(name)}"]`)?.closest<HTMLElement>('.card') ?? null);
    for (const e of document.querySelectorAll('[data-lesson-focus]')) e.removeAttribute('data-lesson-focus');
    if (!target) return;
    target.setAttribute('data-lesson-focus', '');
    // on screen: the card's top part below the top bar; scroll only when it is not (a step's
    // text stays in view whenever the layout allows both)
    const keep = (): void => {
      if (!target.isConnected) return;
      const bar = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
      const r = target.getBoundingClientRect();
      if (r.top < bar || r.top + Math.min(r.height, REVEAL_PX) > window.innerHeight) window.scrollBy(0, r.top - bar - 8);
    };
    keep();
    // cards above it may still grow (the curves gain a chart when the first accuracy
    // arrives): follow for a moment, unless the student scrolls or clicks meanwhile
    this.stopReveal?.();
    const column = target.closest('.col') ?? document.body;
    const watch = new ResizeObserver(keep);
    watch.observe(column);
    const events = ['wheel', 'keydown', 'pointerdown', 'touchstart'] as const;
    const stop = (): void => {
      watch.disconnect();
      clearTimeout(timer);
      for (const ev of events) window.removeEventListener(ev, stop, true);
      if (this.stopReveal === stop) this.stopReveal = null;
    };
    const timer = setTimeout(stop, REVEAL_FOLLOW_MS);
    for (const ev of events) window.addEventListener(ev, stop, { capture: true, passive: true });
    this.stopReveal = stop;
  }

  private stopReveal: (() => void) | null = null;

  /** An engine error next to what caused it: a setting, the data panel, or the message line. */
  private placeError(pointer: string, text: string): void {
    if (pointer.startsWith('/data')) this.data.showError(text);
    const def = ['seed', 'optimizer', 'lr', 'momentum', 'weightDecay', 'gLr', 'dLr', 'batch', 'l1', 'l2', 'clip', 'tbptt']
      .map((n) => settingDef(n)!)
      .find((d) => d.pointer && pointer.startsWith(d.pointer));
    if (def) this.settingsPanel.showError(def.name, text);
    this.msg.error(text);
  }

  private async settingChanged(name: string, value: SettingValue): Promise<void> {
    if (this.settings[name] === value) return;
    const previous = this.settings[name] ?? null;
    this.settings[name] = value;
    const def = settingDef(name);
    let pointers: string[] = [];
    if (def?.live && this.client.features.update) {
      // learning rate, momentum, clipping...: the running session takes them without a reset
      try {
        const r = await this.client.call('update', { spec: JSON.stringify(this.effectiveSpec()) });
        if (r.applied) {
          // the panel may have been redrawn (a lesson loaded) since the student typed it
          this.settingsPanel.setValue(name, value);
          this.settingsPanel.showError(name, '');
          this.showSpec(this.effectiveSpec());
          this.msg.note(`${def.label} is now ${value ?? 'the default'}: training goes on from step ${this.stepNow()}.`);
          this.persist();
          return;
        }
        pointers = r.pointers;
      } catch (e) {
        this.settings[name] = previous;
        this.settingsPanel.setValue(name, previous);
        const err = engineErrorOf(e);
        this.settingsPanel.showError(name, describeError(err));
        return;
      }
    }
    const ok = await this.createSession(restartNote(name, pointers));
    if (!ok) {
      // the old session trains on: the panel (and the URL, not yet written) say so
      this.settings[name] = previous;
      this.settingsPanel.setValue(name, previous);
      this.settingsPanel.showError(name, this.lastError);
    }
  }

  private async dataChanged(block: DataBlock): Promise<void> {
    const before = this.baseSpec;
    this.baseSpec = { ...this.baseSpec, data: block };
    this.custom = true;
    if (!(await this.createSession('New data: training restarted at step 0.'))) {
      this.baseSpec = before;
      this.data.showError(this.lastError);
    }
  }

  /** The network editor produced a valid spec. */
  specEdited(text: string): Promise<void> {
    return this.serial(() => this.networkEdited(text));
  }

  private async networkEdited(text: string): Promise<void> {
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (JSON.stringify(spec) === JSON.stringify(this.effectiveSpec())) return;
    const before = this.baseSpec;
    const beforeSettings = { ...this.settings };
    this.baseSpec = spec;
    this.custom = true;
    // the edited spec's own training settings win over the old ones
    for (const [k, v] of Object.entries(settingsFromSpec(spec))) this.settings[k] = v;
    if (!(await this.createSession('The network changed: training restarted at step 0.'))) {
      this.baseSpec = before;
      this.settings = beforeSettings;
    }
  }

  validate(text: string): Promise<Validation> {
    return this.client.call('validate', { spec: text });
  }

  mountEditor(editor: EditorLike): void {
    this.editor = editor;
    if (Object.keys(this.baseSpec).length > 0) this.showSpec(this.effectiveSpec());
  }

  /** The editor shows the spec the engine runs: the edited one with the settings applied. */
  private showSpec(spec: Record<string, unknown>): void {
    this.editor?.setSpec(JSON.stringify(spec, null, 2));
  }

  private async reset(): Promise<void> {
    await this.run(async () => {
      const info = await this.client.call('reset', {});
      this.info = info;
      this.curves.clear();
      this.keeper.sessionStarted(String(this.settings.lesson));
      this.keeper.forget(String(this.settings.lesson));
      this.setStepNow(info.step);
    });
  }

  /** The gates view's clamp control: force a gate of the first recurrent layer (null: none). */
  private async applyClamp(gate: string | null, value: number): Promise<void> {
    const lo = gate === 'g' ? -1 : 0;
    if (gate !== null && (!Number.isFinite(value) || value < lo || value > 1)) {
      this.msg.error(`The clamp value must be from ${lo} to 1, found ${value}.`);
      return;
    }
    if (this.client.features.update) {
      // the clamp is part of the spec (/training/clamp): the Spec JSON, the URL, a kept run
      // and an exported spec all carry it, and the running session takes it without a reset
      const training = { ...((this.baseSpec['training'] as Record<string, unknown> | undefined) ?? {}) };
      if (gate === null) delete training['clamp'];
      else training['clamp'] = { gate, value };
      const next = { ...this.baseSpec, training };
      try {
        const r = await this.client.call('update', { spec: JSON.stringify(applySettings(next, this.settings)) });
        if (r.applied) {
          this.baseSpec = next;
          this.custom = JSON.stringify(next) !== JSON.stringify(this.lesson?.spec ?? null);
          this.showSpec(this.effectiveSpec());
          this.persist();
          return;
        }
      } catch (e) {
        this.msg.error(`The gate could not be clamped: ${describeError(engineErrorOf(e))}`);
        return;
      }
    }
    try {
      await this.client.call('clamp', { gate, value });
    } catch (e) {
      this.msg.error(`The gate could not be clamped: ${describeError(engineErrorOf(e))}`);
    }
  }

  private async refreshPreview(): Promise<void> {
    if (!this.client.features.data) {
      this.data.showPreview(null, '');
      return;
    }
    try {
      const rows = await this.client.call('data', { split: 'train', maxRows: 8 });
      this.data.showPreview(rows);
    } catch (e) {
      this.data.showPreview(null, describeError(engineErrorOf(e)));
    }
  }

  private buildFileButtons(): void {
    const exportBtn = button('Save checkpoint', { id: 'checkpoint-export' });
    const importInput = h('input', { type: 'file', id: 'checkpoint-import', accept: '.json,application/json', class: 'visually-hidden', 'aria-label': 'Checkpoint file to load', tabindex: '-1' });
    const importBtn = button('Load checkpoint…');
    const torchBtn = button('Export to PyTorch', { id: 'export-pytorch' });
    const err = new InlineError(this.el.files);
    exportBtn.addEventListener('click', () =>
      void this.client.call('exportCheckpoint', {}).then(
        (text) => downloadText(`${safeFileName(this.name())}-step${this.stepNow()}.checkpoint.json`, text),
        (e) => err.show(describeError(engineErrorOf(e))),
      ),
    );
    importBtn.addEventListener('click', () => importInput.click());
    importInput.addEventListener('change', () => {
      const f = importInput.files?.[0];
      importInput.value = '';
      if (!f) return;
      void f.text().then(async (text) => {
        try {
          const info = await this.client.call('importCheckpoint', { text });
          err.show('');
          this.curves.clear();
          this.keeper.history.clear();
          void this.keeper.saveNow();
          this.setStepNow(info.step);
          this.msg.note(`Checkpoint loaded: continuing from step ${info.step}.`);
        } catch (e) {
          err.show(`${f.name} could not be loaded: ${describeError(engineErrorOf(e))}`);
        }
      });
    });
    torchBtn.addEventListener('click', () =>
      void Promise.all([
        this.client.call('parameters', {}),
        // batch norm's running statistics live in the checkpoint, not among the parameters
        exportNeedsBuffers(this.effectiveSpec()) ? this.client.call('exportCheckpoint', {}) : Promise.resolve(null),
      ]).then(
        ([params, checkpoint]) => {
          try {
            const named = Object.fromEntries(
              (this.info?.params.parameters ?? []).map((p) => [p.name, { shape: p.shape, data: params[p.name] ?? new Float32Array(p.count) }]),
            );
            const buffers = checkpoint === null ? {} : checkpointBuffers(checkpoint);
            downloadText(`${safeFileName(this.name())}.py`, pytorchExport(this.effectiveSpec(), named, buffers), 'text/x-python');
            err.show('');
          } catch (e) {
            err.show((e as Error).message);
          }
        },
        (e) => err.show(describeError(engineErrorOf(e))),
      ),
    );
    this.el.files.prepend(h('div', { class: 'row wrap' }, exportBtn, importBtn, importInput, torchBtn));
  }

  private name(): string {
    return typeof this.baseSpec.name === 'string' ? this.baseSpec.name : String(this.settings.lesson ?? 'gradlab');
  }

  private stepNow(): number {
    return Number(document.getElementById('step-counter')?.dataset.step ?? 0);
  }

  private async share(): Promise<void> {
    const hash = this.persist();
    history.replaceState(null, '', hash);
    const url = location.href;
    this.el.shareUrl.hidden = false;
    this.el.shareUrl.value = url;
    this.el.shareUrl.select();
    try {
      await navigator.clipboard.writeText(url);
      this.msg.note('Link copied: it opens this lesson with these settings.');
    } catch {
      this.msg.note('Copy the link shown next to the Share button.');
    }
  }

  /** The hash of the current workspace, saved to localStorage and put in the address. */
  private persist(): string {
    const hash = this.currentHash();
    saveWorkspace(hash);
    if (location.hash !== hash) history.replaceState(null, '', hash);
    // a link shown earlier is a link to what is on screen now, not to a previous lesson
    if (!this.el.shareUrl.hidden && this.el.shareUrl.value !== location.href) this.el.shareUrl.value = location.href;
    return hash;
  }

  private currentHash(): string {
    return serializeHash({ settings: this.shownSettings(), spec: this.custom ? this.baseSpec : null });
  }

  /**
   * The settings that describe the run: page settings, and the training settings the
   * current spec has (SGD's momentum is left out while Adam runs, as the spec leaves it out).
   */
  private shownSettings(): Settings {
    const applicable = new Set(settingsFor(this.effectiveSpec()).map((d) => d.name));
    return Object.fromEntries(Object.entries(this.settings).filter(([k]) => !settingDef(k)?.pointer || applicable.has(k)));
  }

  private curvesFrame = 0;
  private curvesTimer: ReturnType<typeof setTimeout> | null = null;
  private curvesDrawn = 0;
  /**
   * Redraws the curves on an animation frame, at most every CURVES_MS: metrics arrive with
   * every training chunk (~60 a second) and the chart need not follow each one.
   */
  private scheduleCurves(): void {
    if (this.curvesFrame !== 0 || this.curvesTimer !== null) return;
    const wait = this.curvesDrawn + CURVES_MS - performance.now();
    const frame = (): void => {
      this.curvesTimer = null;
      this.curvesFrame = requestAnimationFrame(() => {
        this.curvesFrame = 0;
        this.curvesDrawn = performance.now();
        this.curves.redraw();
      });
    };
    if (wait > 0) this.curvesTimer = setTimeout(frame, wait);
    else frame();
  }

  /** A step count from a command's reply: wins over any status still waiting for its frame. */
  private setStepNow(step: number): void {
    this.latestStatus = null;
    this.controls.setStep(step);
  }

  private statusFrame = 0;
  private statusTimer: ReturnType<typeof setTimeout> | null = null;
  private statusShown = 0;
  private latestStatus: { playing: boolean; step: number; stepsPerSecond: number } | null = null;
  private readonly rateMeter = new RateMeter();
  /**
   * Status arrives with every chunk (~60 a second): the counter shows the latest at most
   * every STATUS_MS (each change repaints and commits a frame); play/pause shows at once.
   */
  private showStatus(s: { playing: boolean; step: number; stepsPerSecond: number }): void {
    if (s.playing) this.rateMeter.add(performance.now(), s.step);
    else this.rateMeter.clear();
    const urgent = this.latestStatus === null ? false : s.playing !== this.latestStatus.playing;
    this.latestStatus = s;
    if (this.statusFrame !== 0 || (this.statusTimer !== null && !urgent)) return;
    if (this.statusTimer !== null) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    const frame = (): void => {
      this.statusTimer = null;
      this.statusFrame = requestAnimationFrame(() => {
        this.statusFrame = 0;
        this.statusShown = performance.now();
        const st = this.latestStatus;
        if (!st) return;
        this.controls.setPlaying(st.playing);
        this.controls.setStep(st.step, st.playing ? this.rateMeter.rate() : 0);
      });
    };
    const wait = urgent || !s.playing ? 0 : this.statusShown + STATUS_MS - performance.now();
    if (wait > 0) this.statusTimer = setTimeout(frame, wait);
    else frame();
  }

  private async run(f: () => Promise<unknown>): Promise<void> {
    try {
      await f();
    } catch (e) {
      this.msg.error(describeError(engineErrorOf(e)));
    }
  }
}

export type { Metrics };

/** how much of a lesson step's view must be on screen (px from its top) */
const REVEAL_PX = 240;
/** how long a revealed view is kept on screen while the cards above it settle (ms) */
const REVEAL_FOLLOW_MS = 2000;
/** least time between two redraws of the curves while training (ms) */
const CURVES_MS = 150;
/** least time between two updates of the step counter while training (ms) */
const STATUS_MS = 100;

/** The spec's gate clamp as the gates view's control shows it (one {gate, value}; the last of a list). */
function clampOf(spec: Record<string, unknown>): { gate: string; value: number } | null {
  const raw = (spec['training'] as Record<string, unknown> | undefined)?.['clamp'];
  const c = (Array.isArray(raw) ? raw[raw.length - 1] : raw) as Record<string, unknown> | undefined;
  return c && typeof c['gate'] === 'string' && typeof c['value'] === 'number' ? { gate: c['gate'], value: c['value'] } : null;
}

async function fetchJson(path: string): Promise<unknown> {
  const r = await fetch(new URL(path, document.baseURI));
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

export function applyTheme(theme: string): void {
  const dark = theme === 'dark' || (theme === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
