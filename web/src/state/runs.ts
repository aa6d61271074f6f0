// The runs kept in the browser so that a reload (or coming back to a lesson) continues the
// training where it was: per lesson, the engine's last checkpoint, the workspace hash it
// ran with, the curves' history up to the checkpoint's step and the views shown. IndexedDB
// holds them (a checkpoint is up to a few MB; localStorage is too small and synchronous);
// where it is unavailable (private mode, a sandboxed frame) they live in memory only.
import type { Metrics } from '../engine/types';

export interface SavedRun {
  /** the lesson id (the key) */
  lesson: string;
  /** the workspace hash the run was trained with (settings, and the spec when edited) */
  hash: string;
  /** the training step of the checkpoint */
  step: number;
  /** the engine's checkpoint (JSON text) */
  checkpoint: string;
  /** the curves' rows up to `step`: training steps and test evaluations */
  train: Metrics[];
  test: Metrics[];
  /** the views shown */
  views: string[];
  /** Date.now() when it was kept */
  savedAt: number;
}

export interface RunStore {
  get(lesson: string): Promise<SavedRun | null>;
  put(run: SavedRun): Promise<void>;
  delete(lesson: string): Promise<void>;
}

/** How many lessons' runs are kept (the least recently saved go first). */
export const MAX_RUNS = 12;
/** Rows of curve history kept per run (a longer history is thinned evenly, the last row kept). */
export const MAX_HISTORY_ROWS = 4000;

/** The runs to drop so that at most `max` remain: the least recently saved. */
export function runsToEvict(runs: Array<{ lesson: string; savedAt: number }>, max = MAX_RUNS): string[] {
  if (runs.length <= max) return [];
  return [...runs]
    .sort((a, b) => a.savedAt - b.savedAt)
    .slice(0, runs.length - max)
    .map((r) => r.lesson);
}

/** Every k-th row so that at most `max` remain; the first and the last are kept. */
export function thinRows<T>(rows: T[], max = MAX_HISTORY_ROWS): T[] {
  if (rows.length <= max) return rows;
  const k = Math.ceil(rows.length / (max - 1));
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}

/**
 * The metrics of the running session as they arrive, so that a saved run can redraw its
 * curves: training rows and test evaluations, cut at a step when a checkpoint is kept.
 */
export class RunHistory {
  private train: Metrics[] = [];
  private test: Metrics[] = [];

  clear(): void {
    this.train = [];
    this.test = [];
  }

  addTrain(rows: Metrics[]): void {
    for (const r of rows) this.train.push(r);
    if (this.train.length > 4 * MAX_HISTORY_ROWS) this.train = thinRows(this.train, 2 * MAX_HISTORY_ROWS);
  }

  addTest(row: Metrics): void {
    const last = this.test[this.test.length - 1];
    if (last && last.step === row.step) this.test[this.test.length - 1] = row;
    else this.test.push(row);
    if (this.test.length > 4 * MAX_HISTORY_ROWS) this.test = thinRows(this.test, 2 * MAX_HISTORY_ROWS);
  }

  /** Forget the rows after `step` (the engine went back to it). */
  truncate(step: number): void {
    this.train = this.train.filter((r) => (r.step ?? 0) <= step);
    this.test = this.test.filter((r) => (r.step ?? 0) <= step);
  }

  /** The rows up to `step`, thinned to MAX_HISTORY_ROWS each. */
  upTo(step: number): { train: Metrics[]; test: Metrics[] } {
    return {
      train: thinRows(this.train.filter((r) => (r.step ?? 0) <= step)),
      test: thinRows(this.test.filter((r) => (r.step ?? 0) <= step)),
    };
  }

  /** Start again from a saved run's rows. */
  load(run: Pick<SavedRun, 'train' | 'test'>): void {
    this.train = [...run.train];
    this.test = [...run.test];
  }
}

/** A store in memory (tests, and browsers without IndexedDB: the runs last as long as the page). */
export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, SavedRun>();

  get(lesson: string): Promise<SavedRun | null> {
    return Promise.resolve(this.runs.get(lesson) ?? null);
  }

  put(run: SavedRun): Promise<void> {
    this.runs.set(run.lesson, run);
    for (const l of runsToEvict([...this.runs.values()])) this.runs.delete(l);
    return Promise.resolve();
  }

  delete(lesson: string): Promise<void> {
    this.runs.delete(lesson);
    return Promise.resolve();
  }
}

const DB = 'gradlab';
const RUNS = 'runs';

/** The runs in IndexedDB (database "gradlab", object store "runs", keyed by lesson). */
export class IndexedDbRunStore implements RunStore {
  private db: Promise<IDBDatabase> | null = null;

  constructor(private readonly factory: IDBFactory) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.factory.open(DB, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(RUNS)) req.result.createObjectStore(RUNS, { keyPath: 'lesson' }).createIndex('savedAt', 'savedAt');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(RUNS, mode);
      const req = f(t.objectStore(RUNS));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
    });
  }

  async get(lesson: string): Promise<SavedRun | null> {
    const run = (await this.tx('readonly', (s) => s.get(lesson) as IDBRequest<SavedRun | undefined>)) ?? null;
    return isSavedRun(run) ? run : null;
  }

  async put(run: SavedRun): Promise<void> {
    await this.tx('readwrite', (s) => {
      s.put(run);
      // the least recently saved runs beyond MAX_RUNS go (only the keys are read, oldest first)
      const keys = s.index('savedAt').getAllKeys();
      keys.onsuccess = () => {
        for (const k of keys.result.slice(0, Math.max(0, keys.result.length - MAX_RUNS))) s.delete(k);
      };
    });
  }

  async delete(lesson: string): Promise<void> {
    await this.tx('readwrite', (s) => void s.delete(lesson));
  }
}

/** The browser's store, or one in memory when IndexedDB is missing or refuses. */
export function browserRunStore(): RunStore {
  try {
    if (typeof indexedDB !== 'undefined') return new FallbackRunStore(new IndexedDbRunStore(indexedDB), new MemoryRunStore());
  } catch {
    // a sandboxed frame may throw on merely reading indexedDB
  }
  return new MemoryRunStore();
}

/** The first store, and the second once the first has failed (e.g. private mode's IndexedDB). */
class FallbackRunStore implements RunStore {
  private failed = false;
  constructor(private readonly first: RunStore, private readonly second: RunStore) {}

  private async use<T>(f: (s: RunStore) => Promise<T>): Promise<T> {
    if (!this.failed) {
      try {
        return await f(this.first);
      } catch {
        this.failed = true;
      }
    }
    return f(this.second);
  }

  get(lesson: string): Promise<SavedRun | null> {
    return this.use((s) => s.get(lesson));
  }
  put(run: SavedRun): Promise<void> {
    return this.use((s) => s.put(run));
  }
  delete(lesson: string): Promise<void> {
    return this.use((s) => s.delete(lesson));
  }
}

export function isSavedRun(v: unknown): v is SavedRun {
  const r = v as Partial<SavedRun> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.lesson === 'string' &&
    typeof r.hash === 'string' &&
    typeof r.step === 'number' &&
    typeof r.checkpoint === 'string' &&
    Array.isArray(r.train) &&
    Array.isArray(r.test) &&
    Array.isArray(r.views) &&
    typeof r.savedAt === 'number'
  );
}

/** "2.3 MB" */
export function megabytes(chars: number): string {
  return `${(chars / 1e6).toFixed(1)} MB`;
}

/** The note shown once per run whose checkpoint is over the cap. */
export function tooLargeNote(chars: number, cap: number): string {
  return (
    `This run's checkpoint (${megabytes(chars)}) is larger than the ${megabytes(cap)} the browser keeps, so a reload ` +
    'will start it again at step 0 (switching lessons and back keeps it). "Save checkpoint" keeps it as a file.'
  );
}

/** "just now", "5 minutes ago", "2 hours ago", "3 days ago" */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return 'just now';
  const unit = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'} ago`;
  if (s < 3600) return unit(Math.round(s / 60), 'minute');
  if (s < 86400) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86400), 'day');
}
