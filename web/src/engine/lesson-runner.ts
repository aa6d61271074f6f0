// A lesson's steps run in the engine worker, as core/lesson/run.cpp runs them for
// `gradlab lesson`: each step's actions in order on the main session (and its variants),
// then its records and expectations measured by the engine (Session.measureStep), so a
// tick in the page is the CLI's measurement. Training goes in chunks, with the host posting
// metrics, evaluations and snapshots between them like play does, and yielding so the
// worker keeps answering the page. What a run has been through (records, the last step's
// metrics, where it diverged, the variants) is kept here from one step to the next.
import type { EngineSession } from './engine-api';
import type { LessonStepOutcome, LessonStepResult } from './protocol';
import type { Metrics } from './types';
import { lessonSpec, parseLessonDoc, withFields, type FieldEdits, type LessonAction, type LessonDoc } from '../state/lesson-doc';

/** What the runner needs from the worker that owns the main session. */
export interface LessonHost {
  /** a new Session from spec text (throws SpecError) */
  newSession(spec: string): EngineSession;
  /** checks a lesson file as `gradlab lesson` does (throws SpecError with issues) */
  checkLesson(text: string): void;
  /** the worker's session (the one the page shows) */
  main(): EngineSession | null;
  /** make `session` the worker's session (the old one is deleted) and tell the page */
  adoptMain(session: EngineSession, spec: Record<string, unknown>): void;
  /** the spec of the main session changed in place (a `set` action) */
  specChanged(spec: Record<string, unknown>): void;
  /** trains the main session n steps, posting the metrics; throws NonFiniteError */
  trainMain(n: number): Metrics[];
  /** between chunks: evaluations, snapshots, status; `final` forces them all */
  afterChunk(final: boolean): void;
  /** `done` of `total` steps of the current train action */
  progress(index: number, done: number, total: number): void;
  /** lets the worker handle messages (a macrotask) */
  yieldNow(): Promise<void>;
  /** ms of wall time for one chunk of training */
  chunkMs: number;
  /** an error a step turned into its outcome (the worker looks for traps of the instance) */
  noticeError?(e: unknown): void;
}

interface Run {
  session: EngineSession;
  lastStep: Metrics | null;
  divergedAt: number;
}

interface LessonState {
  text: string;
  doc: LessonDoc;
  spec: Record<string, unknown>;
  main: Run;
  variants: Array<{ label: string; run: Run }>;
  recorded: Record<string, number>;
  next: number;
}

/** A training step that was not finite (the engine's NonFiniteError, with the steps before it). */
function nonFinite(e: unknown): { step: number; message: string; metrics: Metrics[] } | null {
  const err = e as { name?: unknown; step?: unknown; message?: unknown; metrics?: unknown };
  if (err?.name !== 'NonFiniteError') return null;
  return {
    step: typeof err.step === 'number' ? err.step : 0,
    message: typeof err.message === 'string' ? err.message : 'a value was not finite',
    metrics: Array.isArray(err.metrics) ? (err.metrics as Metrics[]) : [],
  };
}

function message(e: unknown): string {
  if (e instanceof Error) {
    const issues = (e as { issues?: Array<{ pointer?: string; message?: string }> }).issues;
    if (Array.isArray(issues) && issues.length > 0 && !issues.every((i) => e.message.includes(String(i.message)))) {
      return `${e.message} (${issues.map((i) => `${i.pointer || '/'}: ${i.message}`).join('; ')})`;
    }
    return e.message;
  }
  const m = (e as { message?: unknown })?.message;
  return typeof m === 'string' ? m : String(e);
}

export class LessonRunner {
  private state: LessonState | null = null;
  /** the page changed the main session (play, a setting, a new spec...) since the last step */
  private touched = false;
  private busy = false;
  private msPerStep = 1;

  constructor(private readonly host: LessonHost) {}

  /** Another command changed the main session: the next step replays from the start. */
  touch(): void {
    this.touched = true;
  }

  /** Drops the run without freeing anything (its sessions lived in an engine instance that trapped). */
  forget(): void {
    this.state = null;
    this.touched = true;
  }

  /** Frees the variants (the main session belongs to the worker). */
  dispose(): void {
    for (const v of this.state?.variants ?? []) v.run.session.delete();
    this.state = null;
  }

  /**
   * Runs step `index` of the lesson (file text). The steps before it run first when this
   * run is not right after them: a new lesson, a step again or ahead, or an experiment the
   * page changed in between (the lesson's numbers hold for its own sequence of steps).
   */
  async runStep(text: string, index: number): Promise<LessonStepResult> {
    if (this.busy) throw new Error('a lesson step is already running');
    this.busy = true;
    try {
      let s = this.state;
      const fresh = !s || s.text !== text || this.touched || index !== s.next || this.host.main() !== s.main.session;
      if (fresh) s = this.start(text);
      const st = s!;
      if (index < 0 || index >= st.doc.steps.length || !Number.isInteger(index)) {
        throw new Error(`the lesson has ${st.doc.steps.length} steps; there is no step ${index + 1}`);
      }
      const outcomes: LessonStepOutcome[] = [];
      while (st.next <= index) outcomes.push(await this.runNext(st));
      return { outcomes };
    } finally {
      this.busy = false;
    }
  }

  private start(text: string): LessonState {
    this.dispose();
    const file = JSON.parse(text) as Record<string, unknown>;
    this.host.checkLesson(text);
    const doc = parseLessonDoc(file);
    if (!doc) throw new Error('this lesson has no steps (format 1)');
    const spec = lessonSpec(file);
    const session = this.host.newSession(JSON.stringify(spec));
    this.host.adoptMain(session, spec);
    this.touched = false;
    this.state = { text, doc, spec, main: { session, lastStep: null, divergedAt: 0 }, variants: [], recorded: {}, next: 0 };
    return this.state;
  }

  private async runNext(st: LessonState): Promise<LessonStepOutcome> {
    const index = st.next++;
    const step = st.doc.steps[index]!;
    const notes: string[] = [];
    const outcome = (error?: string, expectations: LessonStepOutcome['expectations'] = []): LessonStepOutcome => ({
      index,
      expectations,
      notes,
      ...(error ? { error } : {}),
      stepsDone: st.main.session.stepsDone(),
      divergedAt: st.main.divergedAt,
      variants: st.variants.map(({ label, run }) => ({
        label,
        steps: run.session.stepsDone(),
        loss: typeof run.lastStep?.loss === 'number' ? run.lastStep.loss : null,
        divergedAt: run.divergedAt,
      })),
    });
    for (let a = 0; a < step.actions.length; a++) {
      const where = `/lesson/steps/${index}/do/${a}`;
      try {
        await this.act(st, step.actions[a]!, where, index, notes);
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        this.host.noticeError?.(e);
        return outcome(`${where}: ${message(e)}`);
      }
    }
    this.host.afterChunk(true);
    const measure = st.main.session.measureStep;
    if (typeof measure !== 'function') throw new Error('this engine build cannot measure lesson steps (no Session.measureStep)');
    try {
      const r = measure.call(
        st.main.session,
        st.text,
        index,
        { recorded: st.recorded, last_step: st.main.lastStep, diverged_at: st.main.divergedAt },
        st.variants.map(({ label, run }) => ({ label, session: run.session, last_step: run.lastStep, diverged_at: run.divergedAt })),
      );
      st.recorded = r.recorded;
      return outcome(undefined, r.expectations);
    } catch (e) {
      this.host.noticeError?.(e);
      return outcome(message(e));
    }
  }

  private async act(st: LessonState, a: LessonAction, where: string, index: number, notes: string[]): Promise<void> {
    switch (a.kind) {
      case 'train': {
        const stopped = await this.train(st, a.steps, index);
        notes.push(stopped.main ? `training stopped: ${stopped.main}` : `trained ${a.steps} steps`);
        for (const [label, why] of stopped.variants) notes.push(`variant "${label}": training stopped: ${why}`);
        if (st.variants.length > 0) notes.push(`trained each variant ${a.steps} steps`);
        return;
      }
      case 'clamp': {
        // the main run's clamp goes into its spec (/training/clamp), as a "set" would: the
        // page's Spec JSON, URL, gates control and kept run then carry it
        const clamp: Record<string, unknown> = { gate: a.gate, value: a.value };
        if (a.layer !== -1) clamp['layer'] = a.layer;
        if (a.direction !== -1) clamp['direction'] = a.direction;
        // clamps add up (a second gate joins the first; the same gate again replaces its value)
        const training = st.spec['training'];
        const prev = isRecord(training) ? training['clamp'] : undefined;
        const same = (c: unknown): boolean =>
          isRecord(c) && c['gate'] === a.gate && (c['layer'] ?? -1) === a.layer && (c['direction'] ?? -1) === a.direction;
        const list = [...(prev === undefined || prev === null ? [] : Array.isArray(prev) ? prev : [prev])].filter((c) => !same(c));
        list.push(clamp);
        const value = list.length === 1 ? list[0] : list;
        const fields: FieldEdits = isRecord(training) ? [['/training/clamp', value]] : [['/training', { clamp: value }]];
        await this.act(st, { kind: 'set', fields }, where, index, []);
        for (const v of st.variants) v.run.session.clampGate(a.gate, a.value, a.layer, a.direction);
        notes.push(`clamped gate ${a.gate} to ${a.value}`);
        return;
      }
      case 'clear_clamps': {
        const training = st.spec['training'];
        if (isRecord(training) && Object.hasOwn(training, 'clamp')) await this.act(st, { kind: 'set', fields: [['/training/clamp', null]] }, where, index, []);
        else st.main.session.clearClamps();
        for (const v of st.variants) v.run.session.clearClamps();
        notes.push('cleared the gate clamps');
        return;
      }
      case 'set': {
        const next = withFields(st.spec, a.fields, `${where}/set`);
        const s = st.main.session;
        if (typeof s.update !== 'function') throw new Error('this engine build cannot change a running experiment (no Session.update)');
        try {
          s.update(JSON.stringify(next));
        } catch (e) {
          const err = e as { name?: string; pointers?: unknown };
          if (err.name === 'NeedsReset') {
            const pointers = Array.isArray(err.pointers) ? err.pointers.map(String).join(', ') : 'these fields';
            throw new Error(`changing ${pointers} needs a fresh start: use "restart_with" instead of "set"`);
          }
          throw e;
        }
        st.spec = next;
        this.host.specChanged(next);
        notes.push(`set ${describeFields(a.fields)}`);
        return;
      }
      case 'restart_with': {
        const next = withFields(st.spec, a.fields, `${where}/restart_with`);
        this.replaceMain(st, next);
        st.spec = next;
        notes.push(`restarted with ${describeFields(a.fields)}`);
        return;
      }
      case 'reset':
        this.replaceMain(st, st.spec);
        notes.push('restarted from step 0');
        return;
      case 'variants': {
        const made: Array<{ label: string; run: Run }> = [];
        try {
          for (const [label, fields] of a.variants) {
            const spec = withFields(st.spec, fields, `${where}/variants/${label.replace(/~/g, '~0').replace(/\//g, '~1')}`);
            made.push({ label, run: { session: this.host.newSession(JSON.stringify(spec)), lastStep: null, divergedAt: 0 } });
          }
        } catch (e) {
          for (const m of made) m.run.session.delete();
          throw e;
        }
        for (const v of st.variants) v.run.session.delete();
        st.variants = made;
        notes.push(`started ${made.length} variants from step 0`);
        return;
      }
    }
  }

  private replaceMain(st: LessonState, spec: Record<string, unknown>): void {
    const session = this.host.newSession(JSON.stringify(spec));
    this.host.adoptMain(session, spec);
    st.main = { session, lastStep: null, divergedAt: 0 };
  }

  /**
   * n steps of the main run and of every variant, in chunks of about host.chunkMs; a run
   * whose step is not finite keeps its last good state and trains no further.
   */
  private async train(st: LessonState, n: number, index: number): Promise<{ main: string; variants: Array<[string, string]> }> {
    const stopped = { main: '', variants: [] as Array<[string, string]> };
    const runs = 1 + st.variants.length;
    let done = 0;
    this.host.progress(index, 0, n);
    while (done < n) {
      const chunk = Math.max(1, Math.min(n - done, 500, Math.round(this.host.chunkMs / (this.msPerStep * runs))));
      const t0 = performance.now();
      if (st.main.divergedAt === 0) {
        try {
          const rows = this.host.trainMain(chunk);
          if (rows.length > 0) st.main.lastStep = rows[rows.length - 1]!;
        } catch (e) {
          const nf = nonFinite(e);
          if (!nf) throw e;
          if (nf.metrics.length > 0) st.main.lastStep = nf.metrics[nf.metrics.length - 1]!;
          st.main.divergedAt = nf.step;
          stopped.main = nf.message;
        }
      }
      for (const { label, run } of st.variants) {
        if (run.divergedAt !== 0) continue;
        try {
          const rows = run.session.train(chunk);
          if (rows.length > 0) run.lastStep = rows[rows.length - 1]!;
        } catch (e) {
          const nf = nonFinite(e);
          if (!nf) throw e;
          if (nf.metrics.length > 0) run.lastStep = nf.metrics[nf.metrics.length - 1]!;
          run.divergedAt = nf.step;
          stopped.variants.push([label, nf.message]);
        }
      }
      const per = (performance.now() - t0) / (chunk * runs);
      this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(0.005, per);
      done += chunk;
      this.host.progress(index, done, n);
      if (done < n) {
        this.host.afterChunk(false);
        await this.host.yieldNow();
        if (this.touched || this.host.main() !== st.main.session) {
          this.dispose();
          throw new Interrupted();
        }
      }
    }
    return stopped;
  }
}

/** The page changed the experiment while a step trained: the step is abandoned. */
export class Interrupted extends Error {
  constructor() {
    super('the lesson step was interrupted: the experiment changed while it ran (run the step again)');
    this.name = 'Interrupted';
  }
}

/** "pointer = value, ..." for a step's notes (a long value, such as a batch, shortened). */
function describeFields(fields: Array<[string, unknown]>): string {
  return fields
    .map(([p, v]) => {
      const value = JSON.stringify(v) ?? 'null';
      return `${p} = ${value.length > 60 ? `${value.slice(0, 57)}...` : value}`;
    })
    .join(', ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
