// The messages between the page (client.ts) and the engine worker (worker.ts): a
// discriminated union, all plain structured-clone-safe data (no functions, no classes
// but typed arrays), so what one side posts is exactly what the other receives.
import type { DatasetInfo, EngineError, Metrics, ParamsInfo, Snapshot, Validation } from './types';

/** What the loaded engine module offers (the wasm API grows; the page feature-checks). */
export interface EngineFeatures {
  validate: boolean;
  datasets: boolean;
  update: boolean;
  sample: boolean;
  data: boolean;
  stepPlayer: boolean;
  /** lesson steps measured in the page (Session.measureStep) */
  lessons: boolean;
}

/** A freshly made (or reset, or restored) session, as the page needs it. */
export interface SessionInfo {
  step: number;
  plannedSteps: number;
  snapshotNames: string[];
  params: ParamsInfo;
  hasTestSplit: boolean;
}

export interface UpdateResult {
  /** true: the running session took the change; false: it needs a fresh session. */
  applied: boolean;
  /** JSON pointers of the fields that need a fresh session (when known). */
  pointers: string[];
  /** the engine has no session.update yet: every change needs a fresh session. */
  unsupported?: boolean;
}

export interface SampleRequest {
  prompt: string;
  length: number;
  temperature: number;
  seed: number;
}

export interface DataPreview {
  task: string;
  inputs: unknown;
  targets: unknown;
  source_vocab?: string[];
  target_vocab?: string[];
}

/** One expectation of a lesson step as the engine measured it (Session.measureStep). */
export interface ExpectationResult {
  pointer: string;
  what: string;
  /** "below 0.001", "between 0.9 and 1.1" */
  expected: string;
  value: number | null;
  pass: boolean;
  /** why the quantity could not be measured (the expectation then fails) */
  error?: string;
}

/** A lesson step run in the worker: its actions, then its records and expectations. */
export interface LessonStepOutcome {
  index: number;
  expectations: ExpectationResult[];
  /** what the actions did ("trained 300 steps", "variant \"1.2\": training stopped: ...") */
  notes: string[];
  /** an action or a record that failed (the step then fails), with its JSON pointer */
  error?: string;
  /** the main run's training steps after the step, and where it stopped (0: never) */
  stepsDone: number;
  divergedAt: number;
  variants: Array<{ label: string; steps: number; loss: number | null; divergedAt: number }>;
}

/**
 * The reply to lessonStep: the step asked for, after the earlier steps it builds on when
 * the worker had to replay them (a fresh run, or the experiment changed in between).
 */
export interface LessonStepResult {
  outcomes: LessonStepOutcome[];
}

/** Each command: what it takes and what its reply carries. */
export interface Commands {
  init: { params: { engineBase: string; flavour?: 'auto' | 'relaxed' | 'simd' | 'scalar' }; result: { flavour: string; features: EngineFeatures } };
  create: { params: { spec: string }; result: SessionInfo };
  validate: { params: { spec: string }; result: Validation };
  datasets: { params: Record<string, never>; result: DatasetInfo[] | null };
  play: { params: Record<string, never>; result: null };
  pause: { params: Record<string, never>; result: null };
  step: { params: { n: number }; result: Metrics[] };
  evaluate: { params: { split: 'train' | 'test' }; result: Metrics };
  setSpeed: { params: { speed: number }; result: null };
  subscribe: { params: { names: string[] }; result: null };
  snapshot: { params: { name: string }; result: Snapshot };
  clamp: { params: { gate: string | null; value: number }; result: null };
  update: { params: { spec: string }; result: UpdateResult };
  exportCheckpoint: { params: Record<string, never>; result: string };
  importCheckpoint: { params: { text: string }; result: SessionInfo };
  reset: { params: Record<string, never>; result: SessionInfo };
  parameters: { params: Record<string, never>; result: Record<string, Float32Array> };
  checkGradients: { params: { tolerance?: number; eps?: number }; result: unknown };
  sample: { params: SampleRequest; result: { text: string; tokens: unknown } };
  data: { params: { split: 'train' | 'test'; maxRows: number }; result: DataPreview };
  stepPlayer: { params: { player: 'discriminator' | 'generator' | 'both' }; result: Metrics[] };
  /** run step `index` of the lesson file (its JSON text); trains in chunks like play */
  lessonStep: { params: { lesson: string; index: number }; result: LessonStepResult };
  /**
   * TEST-ONLY (browser tests of the trap recovery): breaks the engine instance for real by
   * moving the wasm stack pointer to address 0, so the next engine call that uses the stack
   * traps with "memory access out of bounds" (a WebAssembly.RuntimeError), as a corrupted
   * instance would. The page never sends it; it exists so the recovery can be tested.
   */
  testTrap: { params: Record<string, never>; result: null };
}

export type CommandName = keyof Commands;

export type Request = {
  [K in CommandName]: { kind: 'request'; id: number; cmd: K; params: Commands[K]['params'] };
}[CommandName];

export type Reply =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: EngineError };

/** Unprompted news from the worker. */
export type WorkerEvent =
  /** training steps just done (one chunk), oldest first */
  | { kind: 'metrics'; rows: Metrics[] }
  /** an evaluation on the held-out (and train) data at a step */
  | { kind: 'evaluation'; step: number; test: Metrics | null; train: Metrics | null }
  | { kind: 'snapshot'; name: string; step: number; data: Snapshot }
  | { kind: 'status'; playing: boolean; step: number; stepsPerSecond: number }
  /** an error that stopped training (e.g. a loss that became NaN) */
  | { kind: 'error'; error: EngineError }
  /**
   * a lesson step changed the experiment: a new session from `spec` (info), or the same
   * session updated in place by a `set` action (info null)
   */
  | { kind: 'lessonSession'; spec: Record<string, unknown>; info: SessionInfo | null }
  /** a lesson step's training: `done` of `total` steps of its current train action */
  | { kind: 'lessonProgress'; index: number; done: number; total: number }
  /**
   * the last good state of the main session (posted every second of training, on pause
   * and after steps): the engine's checkpoint (null when it is larger than
   * MAX_CHECKPOINT_CHARS; `chars` says how large) at `step`, and the engine's spec
   */
  | { kind: 'checkpoint'; step: number; chars: number; text: string | null; spec: string }
  /**
   * the engine trapped (a WebAssembly.RuntimeError or a stack overflow) at `failedAt`: the
   * worker made a fresh instance and restored the last good state, at `restoredTo`
   */
  | { kind: 'recovered'; failedAt: number; restoredTo: number; error: EngineError; playing: boolean; info: SessionInfo };

/** The largest checkpoint (JSON characters) the worker posts to the page for keeping. */
export const MAX_CHECKPOINT_CHARS = 4_000_000;

/** A trap of the wasm instance (its memory or stack may be corrupt), not an engine error. */
export function isTrap(e: unknown): boolean {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  return e instanceof RangeError && /call stack|stack overflow|too much recursion/i.test(e.message);
}

/** The page's words for a recovery. */
export function recoveryMessage(failedAt: number, restoredTo: number, error: EngineError): string {
  const from = restoredTo === 0 ? 'from the start (step 0)' : `from step ${restoredTo}`;
  return `The engine stopped with an internal error at step ${failedAt} (${error.message}); it was restarted ${from}.`;
}

export type WorkerMessage = Reply | WorkerEvent;

export function isRequest(m: unknown): m is Request {
  return isObject(m) && m.kind === 'request' && typeof m.id === 'number' && typeof m.cmd === 'string';
}

export function isReply(m: unknown): m is Reply {
  return isObject(m) && m.kind === 'reply' && typeof m.id === 'number' && typeof m.ok === 'boolean';
}

const EVENT_KINDS = new Set(['metrics', 'evaluation', 'snapshot', 'status', 'error', 'lessonSession', 'lessonProgress', 'checkpoint', 'recovered']);
export function isWorkerEvent(m: unknown): m is WorkerEvent {
  return isObject(m) && typeof m.kind === 'string' && EVENT_KINDS.has(m.kind);
}

function isObject(m: unknown): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && !Array.isArray(m);
}

/**
 * Any thrown value as EngineError data (a JS Error does not survive structured cloning
 * with its extra fields: SpecError's issues, NonFiniteError's step/where/op).
 */
export function toEngineError(e: unknown): EngineError {
  if (isObject(e) || e instanceof Error) {
    const o = e as Record<string, unknown>;
    const out: EngineError = {
      name: typeof o.name === 'string' ? o.name : 'Error',
      message: typeof o.message === 'string' ? o.message : String(e),
    };
    if (Array.isArray(o.issues)) {
      out.issues = o.issues
        .filter(isObject)
        .map((i) => ({ pointer: String(i.pointer ?? ''), message: String(i.message ?? '') }));
    }
    if (typeof o.step === 'number') out.step = o.step;
    if (typeof o.where === 'string') out.where = o.where;
    if (typeof o.op === 'string') out.op = o.op;
    if (Array.isArray(o.pointers) && !out.issues) {
      out.issues = o.pointers.map((p) => ({ pointer: String(p), message: 'needs a fresh session' }));
    }
    return out;
  }
  return { name: 'Error', message: String(e) };
}

/** An EngineError as one line a student can read. */
export function describeError(e: EngineError): string {
  const parts = [e.message];
  if (e.issues && e.issues.length > 0 && !e.issues.every((i) => e.message.includes(i.message))) {
    parts.push(e.issues.map((i) => `${i.pointer || '/'}: ${i.message}`).join('; '));
  }
  if (e.name === 'NonFiniteError' && e.step !== undefined && !e.message.includes(`${e.step}`)) {
    parts.push(`(at step ${e.step})`);
  }
  return parts.join(' — ');
}

/** The speed slider's levels 1..5 as the steps per second the worker aims at (Infinity: as fast as it goes). */
export const SPEED_STEPS_PER_SECOND: readonly number[] = [2, 8, 30, 120, Infinity];
