// Keeps the running session's progress in the browser (runs.ts): each checkpoint the
// worker posts (every second of training, on pause, after steps) is saved under the
// lesson with the curves' history and the views shown, and a saved run is restored into a
// session made from the same spec: on reload, or when the student comes back to a lesson.
// A checkpoint over MAX_CHECKPOINT_CHARS is not kept across reloads (the page says so
// once) but stays in memory for coming back to the lesson.
import { MAX_CHECKPOINT_CHARS, describeError, type SessionInfo, type WorkerEvent } from '../engine/protocol';
import { engineErrorOf, type EngineClient } from '../engine/client';
import type { EngineError } from '../engine/types';
import { ago, RunHistory, tooLargeNote, type RunStore, type SavedRun } from './runs';

/** What the keeper asks of the page. */
export interface KeeperHost {
  /** the workspace hash now (settings, and the spec when edited) */
  hash(): string;
  /** the views shown now */
  views(): string[];
  /** a note for the student */
  note(text: string): void;
  /** a run was saved at `step` (tests watch it) */
  saved?(step: number): void;
}

type Client = Pick<EngineClient, 'call' | 'on'>;

export class RunKeeper {
  readonly history = new RunHistory();
  /** the lesson the worker's session belongs to ('' before the first) */
  private lesson = '';
  /** runs too large for the store: kept for this page's life */
  private readonly large = new Map<string, SavedRun>();
  /** the lessons whose size note was shown */
  private warned = new Set<string>();
  /** saves one at a time, in order */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly client: Client, private readonly store: RunStore, private readonly host: KeeperHost) {
    client.on((e) => this.event(e));
  }

  /** A new session for `lesson` runs in the worker: its history starts empty. */
  sessionStarted(lesson: string): void {
    this.lesson = lesson;
    this.history.clear();
  }

  private event(e: WorkerEvent): void {
    switch (e.kind) {
      case 'metrics':
        this.history.addTrain(e.rows);
        break;
      case 'evaluation':
        if (e.test) this.history.addTest(e.test);
        break;
      case 'recovered':
        this.history.truncate(e.restoredTo);
        break;
      case 'checkpoint':
        if (e.step > 0 && this.lesson) this.keep(this.lesson, e.step, e.text, e.chars);
        break;
    }
  }

  /** Saves the run (or, over the cap, keeps it in memory and says so once). */
  private keep(lesson: string, step: number, text: string | null, chars: number): Promise<void> {
    const { train, test } = this.history.upTo(step);
    const run: SavedRun | null =
      text === null ? null : { lesson, hash: this.host.hash(), step, checkpoint: text, train, test, views: this.host.views(), savedAt: Date.now() };
    // a worker's checkpoint over the cap comes without its text: nothing to keep but the note
    const big = chars > MAX_CHECKPOINT_CHARS;
    if (big && !this.warned.has(lesson)) {
      this.warned.add(lesson);
      this.host.note(tooLargeNote(chars, MAX_CHECKPOINT_CHARS));
    }
    this.queue = this.queue.then(async () => {
      try {
        if (big) {
          // a reload must not bring back an older, smaller state of this run
          await this.store.delete(lesson);
          if (run) this.large.set(lesson, run);
          return;
        }
        this.large.delete(lesson);
        if (run) {
          await this.store.put(run);
          this.host.saved?.(step);
        }
      } catch {
        // storage full or refused: the run still trains; nothing is lost but the copy
      }
    });
    return this.queue;
  }

  /** Saves the running session now (before switching lessons, when the tab is hidden). */
  async saveNow(): Promise<void> {
    const lesson = this.lesson;
    if (!lesson) return;
    let text: string;
    try {
      text = await this.client.call('exportCheckpoint', {});
    } catch {
      return;
    }
    const step = stepOf(text);
    if (step === null || step === 0) return;
    await this.keep(lesson, step, text, text.length);
  }

  /** The run kept for `lesson`, if any (the newest of memory and store). */
  async find(lesson: string): Promise<SavedRun | null> {
    await this.queue;
    const mem = this.large.get(lesson) ?? null;
    let stored: SavedRun | null = null;
    try {
      stored = await this.store.get(lesson);
    } catch {
      stored = null;
    }
    if (mem && (!stored || mem.savedAt >= stored.savedAt)) return mem;
    return stored;
  }

  /** Drops the run kept for `lesson` (the student started over). */
  forget(lesson: string): void {
    this.large.delete(lesson);
    this.queue = this.queue.then(() => this.store.delete(lesson).catch(() => undefined));
  }

  /**
   * Loads `run` into the worker's session (made from the current spec). The engine refuses
   * a checkpoint whose spec differs from the session's in anything that shaped the run:
   * then the run is dropped and the result says why, in plain words.
   */
  async restore(run: SavedRun): Promise<{ info: SessionInfo } | { refused: string }> {
    try {
      const info = await this.client.call('importCheckpoint', { text: run.checkpoint });
      this.history.load(run);
      return { info };
    } catch (e) {
      this.forget(run.lesson);
      return {
        refused:
          `The run of this lesson kept in this browser (step ${run.step}, saved ${ago(Date.now() - run.savedAt)}) ` +
          `was trained with other settings, so training starts at step 0 (${whyRefused(engineErrorOf(e))}).`,
      };
    }
  }
}

/** What differs, from the engine's refusal: its fields ("/spec/optimizer/lr" is the spec's /optimizer/lr). */
function whyRefused(err: EngineError): string {
  const fields = [...new Set((err.issues ?? []).map((i) => i.pointer.replace(/^\/spec(?=\/)/, '')).filter((p) => p !== ''))];
  return fields.length > 0 ? `it differs in ${fields.join(', ')}` : describeError(err);
}

/**
 * The step of a checkpoint's text without parsing all of it (a large model's is MBs): the
 * engine writes the top-level keys in alphabetical order, so the top-level "step" is the
 * last one (only "version", a number, follows it).
 */
export function stepOf(text: string): number | null {
  const at = text.lastIndexOf('"step":');
  if (at < 0) return null;
  const m = /^"step":\s*(\d+)\s*[,}]/.exec(text.slice(at, at + 40));
  return m ? Number(m[1]) : null;
}
