// The page's side of the engine: a Promise per command and a subscription for events.
// It never trains; everything runs in the worker (worker.ts).
import { isReply, isWorkerEvent, type CommandName, type Commands, type EngineFeatures, type Request, type WorkerEvent } from './protocol';
import type { EngineError } from './types';
import { startModuleWorker } from './module-worker';

/** A rejected command: the engine's error as data, plus a JS Error for stack traces. */
export class EngineCallError extends Error {
  constructor(readonly engine: EngineError) {
    super(engine.message);
    this.name = engine.name;
  }
}

type Listener = (e: WorkerEvent) => void;

/** What a command of a terminated engine client rejects with. */
const TERMINATED: EngineError = { name: 'Terminated', message: 'the engine worker was stopped before it answered' };

/** The minimal Worker surface the client uses (a test can pass a fake). */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  terminate(): void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly listeners = new Set<Listener>();
  private terminated = false;
  flavour = '';
  /** where start() loaded the engine from ('' for a client made around a given worker) */
  engineBase = '';
  features: EngineFeatures = { validate: false, datasets: false, update: false, sample: false, data: false, stepPlayer: false, lessons: false };

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (e: MessageEvent) => this.receive(e.data));
    worker.addEventListener('error', (e: ErrorEvent) => {
      const error: EngineError = { name: 'WorkerError', message: `the engine worker failed: ${e.message || 'unknown error'}` };
      for (const p of this.pending.values()) p.reject(new EngineCallError(error));
      this.pending.clear();
      this.emit({ kind: 'error', error });
    });
  }

  /** Starts the worker (bundled by Vite) and loads the engine from engineBase. */
  static async start(engineBase: string, flavour: 'auto' | 'relaxed' | 'simd' | 'scalar' = 'auto'): Promise<EngineClient> {
    // Worker is PortableWorker here: it also starts when this script came from another origin.
    const worker = startModuleWorker((Worker) => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'gradlab-engine' }));
    const client = new EngineClient(worker);
    const { flavour: loaded, features } = await client.call('init', { engineBase, flavour });
    client.flavour = loaded;
    client.features = features;
    client.engineBase = engineBase;
    return client;
  }

  /**
   * Another engine in its own worker, loaded like this one (same module and flavour): for
   * variants trained side by side on separate cores.
   */
  spawn(): Promise<EngineClient> {
    if (!this.engineBase) return Promise.reject(new Error('this engine client was not started by EngineClient.start: it cannot spawn another'));
    const flavour = this.flavour === 'relaxed' || this.flavour === 'simd' || this.flavour === 'scalar' ? this.flavour : 'auto';
    return EngineClient.start(this.engineBase, flavour);
  }

  call<K extends CommandName>(cmd: K, params: Commands[K]['params']): Promise<Commands[K]['result']> {
    if (this.terminated) return Promise.reject(new EngineCallError(TERMINATED));
    const id = this.nextId++;
    const req = { kind: 'request', id, cmd, params } as Request;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(req);
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops the worker. Commands still waiting for their reply reject with a `Terminated`
   * error (a terminated worker never answers), and so does any command sent after.
   */
  terminate(): void {
    this.terminated = true;
    this.worker.terminate();
    this.listeners.clear();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(new EngineCallError(TERMINATED));
  }

  private receive(m: unknown): void {
    if (isReply(m)) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new EngineCallError(m.error));
    } else if (isWorkerEvent(m)) {
      this.emit(m);
    }
  }

  private emit(e: WorkerEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** The EngineError inside anything a command rejected with. */
export function engineErrorOf(e: unknown): EngineError {
  if (e instanceof EngineCallError) return e.engine;
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}
