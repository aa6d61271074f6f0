// The engine worker: owns the wasm module and one Session. The page sends commands
// (protocol.ts); while playing, training runs in chunks of ~16 ms of work so that
// messages are handled between chunks, with metrics posted per chunk, a test evaluation
// every so often and the subscribed snapshots at most every ~100 ms.
import { bestFlavour, engineUrl, type CreateGradlab, type EngineModule, type EngineSession } from './engine-api';
import {
  MAX_CHECKPOINT_CHARS,
  isRequest,
  isTrap,
  recoveryMessage,
  SPEED_STEPS_PER_SECOND,
  toEngineError,
  type Commands,
  type CommandName,
  type EngineFeatures,
  type Request,
  type SessionInfo,
  type UpdateResult,
  type WorkerEvent,
  type WorkerMessage,
} from './protocol';
import type { Metrics, Snapshot } from './types';
import { trimSnapshot } from './shape';
import { UNIT_FIELDS_SNAPSHOT, WEIGHTS_SNAPSHOT, unitFieldLayer, unitFieldLayers, unitFieldSpec, weightsSnapshot } from './weights';
import { LessonRunner } from './lesson-runner';

const CHUNK_MS = 16;
const SNAPSHOT_MS = 100;
const EVAL_MS = 400;
/** speed 1..5: steps per second (Infinity: as fast as the chunks go) */
const SPEEDS = SPEED_STEPS_PER_SECOND;
/**
 * Least time between two "last good" checkpoints while training (ms), for the trap
 * recovery; a costly one (a large model's checkpoint takes ~300 ms) waits 20 times its
 * cost, so keeping them takes at most ~5% of the time (XOR's takes about 1 ms).
 */
const CHECKPOINT_MS = 250;
/**
 * Least time between two checkpoints posted to the page, which keeps them in IndexedDB (ms):
 * a reload while playing resumes from at most this long ago (paused, from the very step).
 */
const POST_CHECKPOINT_MS = 1000;
/** a checkpoint this cheap (ms) is also taken after each Step, not only every CHECKPOINT_MS */
const CHEAP_CHECKPOINT_MS = 50;

/** What a fresh engine instance restores after a trap: the main session's last good state. */
interface LastGood {
  /** the engine's own spec (after live updates) */
  spec: string;
  /** null: the session at step 0, as `new Session(spec)` makes it */
  checkpoint: string | null;
  step: number;
}

/** Commands that change the main session: a lesson run in progress must start over. */
const CHANGES_SESSION = new Set<CommandName>(['create', 'play', 'step', 'clamp', 'update', 'importCheckpoint', 'reset', 'stepPlayer']);

type Handler<K extends CommandName> = (params: Commands[K]['params']) => Commands[K]['result'] | Promise<Commands[K]['result']>;

class EngineWorker {
  private module: EngineModule | null = null;
  /** how init loaded the module: a trap re-instantiates it from here */
  private factory: { create: CreateGradlab; url: string } | null = null;
  private session: EngineSession | null = null;
  private lastGood: LastGood | null = null;
  private checkpointAt = -Infinity;
  private checkpointPostedAt = -Infinity;
  private checkpointCost = 0;
  /** the main session's step as of its last successful engine call (a trapped call cannot say) */
  private stepNow = 0;
  /** a trap noticed (the instance is broken until recover() replaces it) */
  private trap: { error: unknown; step: number } | null = null;
  private recovering: Promise<void> | null = null;
  private playing = false;
  private speed = 5;
  private msPerStep = 2;
  private subscriptions: string[] = [];
  private lastSnapshot = 0;
  private lastEval = 0;
  private evalCost = 0;
  private lastTick = 0;
  private stepBudget = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stepsPerSecond = 0;
  private clamp: { gate: string; value: number } | null = null;
  private readonly snapshotCost = new Map<string, number>();
  private readonly snapshotAt = new Map<string, number>();

  private readonly lesson: LessonRunner;

  constructor(private readonly post: (m: WorkerMessage, transfer?: Transferable[]) => void) {
    this.lesson = new LessonRunner({
      newSession: (spec) => new (this.need().Session)(spec),
      checkLesson: (text) => void this.need().checkLessonFile?.(text),
      main: () => this.session,
      adoptMain: (session, spec) => {
        this.stop();
        this.session?.delete();
        this.session = session;
        this.clamp = null;
        this.freshState();
        this.post({ kind: 'lessonSession', spec, info: this.info() });
        this.postSnapshots(true);
      },
      specChanged: (spec) => this.post({ kind: 'lessonSession', spec, info: null }),
      trainMain: (n) => this.train(n),
      afterChunk: (final) => {
        if (final || performance.now() - this.lastEval >= Math.max(EVAL_MS, 10 * this.evalCost)) this.evaluateAndPost();
        this.postSnapshots(final);
        this.keepCheckpoint(final ? 'cheap' : 'due');
        this.status();
      },
      progress: (index, done, total) => this.post({ kind: 'lessonProgress', index, done, total }),
      yieldNow: () => new Promise((resolve) => setTimeout(resolve, 0)),
      chunkMs: CHUNK_MS,
      noticeError: (e) => this.noticeTrap(e),
    });
  }

  async handle(req: Request): Promise<void> {
    if (this.recovering) await this.recovering;
    if (CHANGES_SESSION.has(req.cmd)) this.lesson.touch();
    try {
      const handler = this.handlers[req.cmd] as Handler<typeof req.cmd>;
      const result = await handler(req.params as never);
      if (this.trap) {
        // a step of a lesson ran into it and reported it as its outcome: the step's numbers
        // came from a broken instance
        throw Object.assign(new Error(await this.recover()), { name: 'EngineRestarted' });
      }
      const transfer = req.cmd === 'parameters' ? Object.values(result as Record<string, Float32Array>).map((a) => a.buffer) : [];
      this.post({ kind: 'reply', id: req.id, ok: true, result }, transfer);
    } catch (e) {
      let error = toEngineError(e);
      if (this.noticeTrap(e)) {
        try {
          error = { name: 'EngineRestarted', message: await this.recover() };
        } catch (r) {
          error = toEngineError(r);
        }
      }
      this.post({ kind: 'reply', id: req.id, ok: false, error });
    }
  }

  /** Records a trap of the instance (the first one counts); true when `e` is one. */
  private noticeTrap(e: unknown): boolean {
    if (!isTrap(e)) return false;
    this.trap ??= { error: e, step: this.stepNow };
    return true;
  }

  /**
   * After a trap: a fresh instance of the module (the old one's memory may be corrupt, so
   * nothing of it is used or freed), the main session rebuilt from the last good state,
   * the page told in plain words, and training resumed if it was playing. Returns the
   * message. Commands that arrive meanwhile wait for it.
   */
  private recover(): Promise<string> {
    const trap = this.trap!;
    const run = async (): Promise<string> => {
      const wasPlaying = this.playing;
      this.playing = false;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.session = null;
      this.offered = null;
      this.lesson.forget();
      const good = this.lastGood;
      const error = toEngineError(trap.error);
      const { create, url } = this.factory!;
      const restore = async (checkpoint: string | null): Promise<EngineSession | null> => {
        this.module = await create({ locateFile: (f: string) => new URL(f, url).href });
        if (!good) return null;
        const s = new this.module.Session(good.spec);
        if (checkpoint !== null) s.loadCheckpoint(checkpoint);
        if (this.clamp) s.clampGate(this.clamp.gate, this.clamp.value);
        return s;
      };
      try {
        this.session = await restore(good?.checkpoint ?? null);
      } catch (e) {
        // the last good checkpoint does not load (or traps again): the same experiment from
        // step 0, in another fresh instance
        if (!good || good.checkpoint === null) throw e;
        this.session = await restore(null);
        this.lastGood = { spec: good.spec, checkpoint: null, step: 0 };
      } finally {
        this.trap = null;
      }
      const restoredTo = this.session ? this.session.stepsDone() : 0;
      this.stepNow = restoredTo;
      const text = recoveryMessage(trap.step, restoredTo, error);
      if (this.session) {
        this.post({ kind: 'recovered', failedAt: trap.step, restoredTo, error, playing: wasPlaying, info: this.info() });
        this.postSnapshots(true);
        if (wasPlaying) this.handlers.play({});
        else this.status();
      }
      return text;
    };
    const p = run().finally(() => {
      this.recovering = null;
    });
    this.recovering = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** A new main session at step 0: it is its own last good state (no checkpoint needed). */
  private freshState(): void {
    const s = this.needSession();
    this.stepNow = s.stepsDone();
    this.lastGood = { spec: s.specText(), checkpoint: null, step: this.stepNow };
    this.checkpointAt = performance.now();
  }

  /**
   * Takes the main session's checkpoint as its last good state: 'due' every CHECKPOINT_MS
   * (or 20 times its cost) while training; 'cheap' also now when it costs little (after a
   * Step); 'always' now (a pause, a live change of the spec). Posts it to the page (which
   * keeps it in the browser) every POST_CHECKPOINT_MS, and at once unless 'due'.
   */
  private keepCheckpoint(when: 'due' | 'cheap' | 'always'): void {
    const s = this.session;
    if (!s || this.trap) return;
    const now = performance.now();
    const force = when !== 'due';
    const due = now - this.checkpointAt >= Math.max(CHECKPOINT_MS, 20 * this.checkpointCost);
    if (!due && when === 'due') return;
    if (!due && when === 'cheap' && this.checkpointCost > CHEAP_CHECKPOINT_MS) return;
    try {
      const step = s.stepsDone();
      const spec = s.specText();
      if (!force && this.lastGood && this.lastGood.step === step && this.lastGood.spec === spec) return;
      const text = s.checkpoint();
      this.checkpointCost = performance.now() - now;
      this.checkpointAt = performance.now();
      this.lastGood = { spec, checkpoint: text, step };
      if (force || this.checkpointAt - this.checkpointPostedAt >= POST_CHECKPOINT_MS) {
        this.checkpointPostedAt = this.checkpointAt;
        this.post({ kind: 'checkpoint', step, chars: text.length, text: text.length <= MAX_CHECKPOINT_CHARS ? text : null, spec });
      }
    } catch (e) {
      this.noticeTrap(e);
    }
  }

  private readonly handlers: { [K in CommandName]: Handler<K> } = {
    init: async ({ engineBase, flavour = 'auto' }) => {
      let pick = flavour === 'auto' ? bestFlavour() : flavour;
      let url = engineUrl(engineBase, pick);
      let mod: { default: CreateGradlab };
      try {
        mod = (await import(/* @vite-ignore */ url)) as { default: CreateGradlab };
      } catch (e) {
        // A site built before the relaxed flavour existed has only simd: the same engine unfused.
        if (flavour === 'auto' && pick === 'relaxed') {
          pick = 'simd';
          url = engineUrl(engineBase, pick);
          mod = await import(/* @vite-ignore */ url).catch((e2: unknown) => {
            throw new Error(`The gradlab engine could not be loaded from ${url}: ${e2 instanceof Error ? e2.message : String(e2)}`);
          });
        } else {
          const why = e instanceof Error ? e.message : String(e);
          throw new Error(
            pick === 'scalar'
              ? `This browser has no WebAssembly SIMD, and this site has no engine without SIMD (${url}: ${why}). ` +
                  'Use a current browser, or build the fallback engine: bash scripts/build-wasm.sh --scalar, then rebuild the site.'
              : `The gradlab engine could not be loaded from ${url}: ${why}`,
          );
        }
      }
      this.module = await mod.default({ locateFile: (f: string) => new URL(f, url).href });
      this.factory = { create: mod.default, url };
      return { flavour: this.module.flavour(), features: this.features() };
    },
    create: ({ spec }) => {
      const mod = this.need();
      const next = new mod.Session(spec); // throws on a bad spec; the old session stays
      this.stop();
      this.session?.delete();
      this.session = next;
      this.clamp = null;
      this.freshState();
      return this.info();
    },
    validate: ({ spec }) => {
      const mod = this.need();
      if (typeof mod.validate === 'function') return mod.validate(spec);
      // Older engine: build a session to check the spec (allocates, but only briefly).
      try {
        const s = new mod.Session(spec);
        const params = s.params();
        s.delete();
        return { ok: true, issues: [], layers: [], input_shape: null, total_parameters: params.total };
      } catch (e) {
        const err = toEngineError(e);
        const issues = err.issues && err.issues.length > 0 ? err.issues : [{ pointer: '', message: err.message }];
        return { ok: false, issues, layers: [], input_shape: null, total_parameters: 0 };
      }
    },
    datasets: () => (typeof this.need().datasets === 'function' ? this.need().datasets!() : null),
    play: () => {
      this.needSession();
      if (!this.playing) {
        this.playing = true;
        this.lastTick = performance.now();
        this.stepBudget = 0;
        this.schedule(0);
        this.status();
      }
      return null;
    },
    pause: () => {
      this.stop();
      this.postSnapshots(true);
      return null;
    },
    step: ({ n }) => {
      const rows = this.train(Math.max(1, Math.floor(n)));
      if (this.evalCost < 150 || n >= 50) this.evaluateAndPost();
      this.postSnapshots(true);
      this.keepCheckpoint('cheap');
      this.status();
      return rows;
    },
    evaluate: ({ split }) => this.needSession().evaluate(split),
    setSpeed: ({ speed }) => {
      this.speed = Math.min(5, Math.max(1, Math.round(speed)));
      return null;
    },
    subscribe: ({ names }) => {
      this.subscriptions = [...names];
      this.postSnapshots(true);
      return null;
    },
    snapshot: ({ name }) => this.snapshotOf(this.needSession(), name),
    clamp: ({ gate, value }) => {
      const s = this.needSession();
      if (gate === null) {
        s.clearClamps();
        this.clamp = null;
      } else {
        s.clearClamps();
        s.clampGate(gate, value);
        this.clamp = { gate, value };
      }
      this.postSnapshots(true);
      return null;
    },
    update: ({ spec }): UpdateResult => {
      const s = this.needSession();
      if (typeof s.update !== 'function') return { applied: false, pointers: [], unsupported: true };
      try {
        s.update(spec);
        this.keepCheckpoint('always');
        // what the views show may have changed with it (a gate clamp)
        this.postSnapshots(true);
        return { applied: true, pointers: [] };
      } catch (e) {
        const err = e as { name?: string; pointers?: unknown };
        if (err.name === 'NeedsReset') {
          return { applied: false, pointers: Array.isArray(err.pointers) ? err.pointers.map(String) : [] };
        }
        throw e;
      }
    },
    exportCheckpoint: () => this.needSession().checkpoint(),
    importCheckpoint: ({ text }) => {
      const s = this.needSession();
      this.stop();
      s.loadCheckpoint(text);
      this.stepNow = s.stepsDone();
      this.lastGood = { spec: s.specText(), checkpoint: text, step: this.stepNow };
      this.postSnapshots(true);
      return this.info();
    },
    reset: () => {
      const s = this.needSession();
      this.stop();
      s.reset();
      if (this.clamp) s.clampGate(this.clamp.gate, this.clamp.value);
      this.freshState();
      this.postSnapshots(true);
      return this.info();
    },
    parameters: () => this.needSession().parameters(),
    checkGradients: (options) => this.needSession().checkGradients(options),
    sample: (req) => {
      const s = this.needSession();
      if (typeof s.sample !== 'function') throw new Error('this engine build cannot sample text yet');
      return s.sample(req);
    },
    data: ({ split, maxRows }) => {
      const s = this.needSession();
      if (typeof s.data !== 'function') throw new Error('this engine build cannot show its data yet');
      return s.data(split, maxRows);
    },
    stepPlayer: ({ player }) => {
      const s = this.needSession();
      let rows: Metrics[];
      if (typeof s.stepPlayer !== 'function' || player === 'both') {
        if (player !== 'both') throw new Error('this engine build cannot step one player alone yet');
        rows = this.train(1);
      } else {
        const r = s.stepPlayer(player);
        rows = Array.isArray(r) ? r : [r];
        this.post({ kind: 'metrics', rows });
      }
      this.postSnapshots(true);
      this.keepCheckpoint('cheap');
      this.status();
      return rows;
    },
    lessonStep: ({ lesson, index }) => {
      this.stop();
      return this.lesson.runStep(lesson, index);
    },
    testTrap: () => {
      const mod = this.need();
      if (typeof mod.stackRestore !== 'function') throw new Error('this engine build does not export stackRestore');
      mod.stackRestore(0);
      return null;
    },
  };

  private features(): EngineFeatures {
    const m = this.module;
    const proto = (m?.Session as unknown as { prototype?: Record<string, unknown> } | undefined)?.prototype ?? {};
    return {
      validate: typeof m?.validate === 'function',
      datasets: typeof m?.datasets === 'function',
      update: typeof proto.update === 'function',
      sample: typeof proto.sample === 'function',
      data: typeof proto.data === 'function',
      stepPlayer: typeof proto.stepPlayer === 'function',
      lessons: typeof proto.measureStep === 'function',
    };
  }

  private need(): EngineModule {
    if (!this.module) throw new Error('the engine is not loaded yet');
    return this.module;
  }

  private needSession(): EngineSession {
    if (!this.session) throw new Error('no experiment is loaded');
    return this.session;
  }

  private info(): SessionInfo {
    const s = this.needSession();
    let hasTestSplit = true;
    try {
      const spec = JSON.parse(s.specText()) as { data?: { batch?: unknown } };
      hasTestSplit = spec.data?.batch === undefined; // an explicit batch has no test split
    } catch {
      // specText is the engine's own JSON; keep the default
    }
    return { step: s.stepsDone(), plannedSteps: s.plannedSteps(), snapshotNames: this.snapshotNames(s), params: s.params(), hasTestSplit };
  }

  /** n steps; measures the time per step for chunk sizing; posts the metrics. */
  private train(n: number): Metrics[] {
    const s = this.needSession();
    const t0 = performance.now();
    let rows: Metrics[];
    try {
      rows = s.train(n);
    } catch (e) {
      this.noticeTrap(e);
      const err = e as { metrics?: Metrics[] };
      if (Array.isArray(err.metrics) && err.metrics.length > 0) this.post({ kind: 'metrics', rows: err.metrics });
      throw e;
    }
    const dt = (performance.now() - t0) / n;
    this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(0.01, dt);
    this.stepNow = s.stepsDone();
    this.post({ kind: 'metrics', rows });
    return rows;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = null;
    if (!this.playing || !this.session) return;
    const now = performance.now();
    const rate = SPEEDS[this.speed - 1] ?? Infinity;
    let n: number;
    if (rate === Infinity) {
      n = Math.max(1, Math.min(500, Math.round(CHUNK_MS / this.msPerStep)));
    } else {
      this.stepBudget = Math.min(this.stepBudget + ((now - this.lastTick) / 1000) * rate, rate);
      n = Math.min(Math.floor(this.stepBudget), Math.max(1, Math.round(CHUNK_MS / this.msPerStep)));
    }
    this.lastTick = now;
    if (n >= 1) {
      this.stepBudget -= n;
      const t0 = performance.now();
      try {
        this.train(n);
      } catch (e) {
        if (this.trap) {
          void this.recover().catch((r: unknown) => this.post({ kind: 'error', error: toEngineError(r) }));
          return;
        }
        this.stop();
        this.post({ kind: 'error', error: toEngineError(e) });
        this.postSnapshots(true);
        return;
      }
      this.stepsPerSecond = (n * 1000) / Math.max(1, performance.now() - t0 + (rate === Infinity ? 0 : 1000 / rate));
      const later = performance.now();
      if (later - this.lastEval >= Math.max(EVAL_MS, 10 * this.evalCost)) this.evaluateAndPost();
      this.postSnapshots(false);
      this.keepCheckpoint('due');
      this.status();
    }
    if (this.trap) {
      void this.recover().catch((r: unknown) => this.post({ kind: 'error', error: toEngineError(r) }));
      return;
    }
    const wait = rate === Infinity ? 0 : Math.max(4, 1000 / rate - 1);
    this.schedule(wait);
  }

  /**
   * A test-split evaluation (the train curve comes from the steps' own metrics). Its cost
   * sets the next interval so evaluation takes at most ~10% of the time (a seq2seq model
   * decodes its whole test split).
   */
  private evaluateAndPost(): void {
    const s = this.session;
    if (!s) return;
    const t0 = performance.now();
    try {
      const test = s.evaluate('test');
      const step = s.stepsDone();
      this.post({ kind: 'evaluation', step, test: test.n === 0 ? null : { ...test, step }, train: null });
      this.evalCost = performance.now() - t0;
      this.lastEval = performance.now();
    } catch (e) {
      if (!this.noticeTrap(e)) this.post({ kind: 'error', error: toEngineError(e) });
    }
  }

  /**
   * The subscribed snapshots, each at most every SNAPSHOT_MS, and a costly one (the LSTM's
   * step Jacobians with their SVDs take hundreds of ms) no more often than keeps it at ~10%
   * of the time, so snapshots never starve training. `force`: all now (pause, step, reset).
   */
  private postSnapshots(force: boolean): void {
    const s = this.session;
    if (!s || this.subscriptions.length === 0) return;
    const now = performance.now();
    if (!force && now - this.lastSnapshot < SNAPSHOT_MS) return;
    this.lastSnapshot = now;
    const step = s.stepsDone();
    const offered = this.offeredNames(s);
    for (const name of this.subscriptions) {
      // A subscription the current experiment does not offer (a lesson step restarted it as
      // another kind of model, before the page re-subscribes) waits instead of failing.
      if (!offered.includes(name)) continue;
      const cost = this.snapshotCost.get(name) ?? 0;
      const last = this.snapshotAt.get(name) ?? -Infinity;
      if (!force && now - last < Math.max(SNAPSHOT_MS, 10 * cost)) continue;
      try {
        const t0 = performance.now();
        const data = trimSnapshot(name, this.snapshotOf(s, name));
        const t1 = performance.now();
        this.snapshotCost.set(name, 0.5 * cost + 0.5 * (t1 - t0));
        this.snapshotAt.set(name, t1);
        this.post({ kind: 'snapshot', name, step, data });
      } catch (e) {
        if (this.noticeTrap(e)) return;
        this.post({ kind: 'error', error: toEngineError(e) });
      }
    }
  }

  /** snapshotNames of the session, computed once per session object. */
  private offered: { session: EngineSession; names: string[] } | null = null;
  private offeredNames(s: EngineSession): string[] {
    if (this.offered?.session !== s) this.offered = { session: s, names: this.snapshotNames(s) };
    return this.offered.names;
  }

  /** The engine's snapshots and the worker's own (src/engine/weights.ts). */
  private snapshotNames(s: EngineSession): string[] {
    const names = [...s.snapshotNames(), WEIGHTS_SNAPSHOT];
    if (names.includes('field') && unitFieldLayers(s.specText()).length > 0) names.push(UNIT_FIELDS_SNAPSHOT);
    return names;
  }

  /** An engine snapshot, or the worker's own: `weights` (parameter values), `unit_fields` (src/engine/weights.ts). */
  private snapshotOf(s: EngineSession, name: string): Snapshot {
    if (name === WEIGHTS_SNAPSHOT) return weightsSnapshot(s.specText(), s.params().parameters, s.parameters()) as unknown as Snapshot;
    if (name !== UNIT_FIELDS_SNAPSHOT) return s.snapshot(name);
    const mod = this.need();
    const text = s.specText();
    const values = s.parameters();
    const params = s.params().parameters;
    let grid: Record<string, number> | null = null;
    const layers = unitFieldLayers(text).flatMap((k) => {
      let cut: EngineSession | null = null;
      try {
        cut = new mod.Session(unitFieldSpec(text, k, values, params));
        const field = cut.snapshot('field') as { grid: Record<string, number>; values: { shape: number[]; data: number[] } };
        grid = field.grid;
        const layer = unitFieldLayer(k, field);
        return layer.units.length > 0 ? [layer] : [];
      } catch {
        // a model the cut cannot be made for (the engine refuses its spec): no thumbnails for it
        return [];
      } finally {
        cut?.delete();
      }
    });
    return { step: s.stepsDone(), grid, layers } as unknown as Snapshot;
  }

  private stop(): void {
    const was = this.playing;
    this.playing = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (was && !this.trap) {
      this.evaluateAndPost();
      this.keepCheckpoint('always');
      this.status();
    }
  }

  private status(): void {
    const event: WorkerEvent = {
      kind: 'status',
      playing: this.playing,
      step: this.session && !this.trap ? this.session.stepsDone() : this.stepNow,
      stepsPerSecond: this.playing ? this.stepsPerSecond : 0,
    };
    this.post(event);
  }
}

// Wiring: one EngineWorker per worker, fed by onmessage.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const engine = new EngineWorker((m, transfer) => scope.postMessage(m, transfer ?? []));
scope.onmessage = (e: MessageEvent<unknown>) => {
  if (isRequest(e.data)) void engine.handle(e.data);
};
