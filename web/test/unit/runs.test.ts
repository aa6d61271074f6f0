// The runs kept in the browser (state/runs.ts) and the keeper that saves and restores them
// (state/keeper.ts), with an in-memory store and a fake engine client.
import { describe, expect, it } from 'vitest';
import { MAX_HISTORY_ROWS, MAX_RUNS, MemoryRunStore, RunHistory, ago, isSavedRun, runsToEvict, thinRows, tooLargeNote, type SavedRun } from '../../src/state/runs';
import { RunKeeper, stepOf } from '../../src/state/keeper';
import { EngineCallError } from '../../src/engine/client';
import { MAX_CHECKPOINT_CHARS, isTrap, recoveryMessage, type WorkerEvent } from '../../src/engine/protocol';

const row = (step: number, loss = 1 / step): { step: number; loss: number } => ({ step, loss });

function run(lesson: string, savedAt: number, step = 10): SavedRun {
  return { lesson, hash: `#lesson=${lesson}`, step, checkpoint: `{"step":${step},"version":1}`, train: [], test: [], views: [], savedAt };
}

describe('runs kept in the browser', () => {
  it('evicts the least recently saved beyond MAX_RUNS', () => {
    const runs = Array.from({ length: MAX_RUNS + 3 }, (_, i) => ({ lesson: `l${i}`, savedAt: 1000 - i }));
    expect(runsToEvict(runs)).toEqual([`l${MAX_RUNS + 2}`, `l${MAX_RUNS + 1}`, `l${MAX_RUNS}`]);
    expect(runsToEvict(runs.slice(0, MAX_RUNS))).toEqual([]);
  });

  it('the memory store keeps MAX_RUNS runs, the newest', async () => {
    const store = new MemoryRunStore();
    for (let i = 0; i < MAX_RUNS + 2; i++) await store.put(run(`l${i}`, i));
    expect(store.runs.size).toBe(MAX_RUNS);
    expect(await store.get('l0')).toBeNull();
    expect(await store.get('l1')).toBeNull();
    expect((await store.get(`l${MAX_RUNS + 1}`))?.savedAt).toBe(MAX_RUNS + 1);
  });

  it('thins a long history evenly, keeping the first and last rows', () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => row(i + 1));
    const thin = thinRows(rows);
    expect(thin.length).toBeLessThanOrEqual(MAX_HISTORY_ROWS);
    expect(thin.length).toBeGreaterThan(MAX_HISTORY_ROWS / 2);
    expect(thin[0]).toBe(rows[0]);
    expect(thin.at(-1)).toBe(rows.at(-1));
    expect(thinRows(rows.slice(0, 5))).toEqual(rows.slice(0, 5));
  });

  it('the history cuts at a step, replaces a repeated evaluation, and reloads', () => {
    const h = new RunHistory();
    h.addTrain([row(1), row(2), row(3), row(4)]);
    h.addTest({ step: 2, loss: 0.9 });
    h.addTest({ step: 2, loss: 0.8 });
    h.addTest({ step: 4, loss: 0.7 });
    expect(h.upTo(3)).toEqual({ train: [row(1), row(2), row(3)], test: [{ step: 2, loss: 0.8 }] });
    h.truncate(2);
    expect(h.upTo(10).train.map((r) => r.step)).toEqual([1, 2]);
    h.load({ train: [row(7)], test: [] });
    expect(h.upTo(10)).toEqual({ train: [row(7)], test: [] });
  });

  it('recognises a stored run and rejects damaged ones', () => {
    expect(isSavedRun(run('xor', 1))).toBe(true);
    expect(isSavedRun({ ...run('xor', 1), checkpoint: 3 })).toBe(false);
    expect(isSavedRun(null)).toBe(false);
  });

  it('says sizes and ages in plain words', () => {
    expect(tooLargeNote(10_300_000, MAX_CHECKPOINT_CHARS)).toMatch(/^This run's checkpoint \(10\.3 MB\) is larger than the 4\.0 MB the browser keeps/);
    expect(ago(5_000)).toBe('just now');
    expect(ago(61_000)).toBe('1 minute ago');
    expect(ago(3 * 3600_000)).toBe('3 hours ago');
  });

  it('reads the step of a checkpoint from its end (the spec may hold a "step" of its own)', () => {
    expect(stepOf('{"buffers":{},"spec":{"lesson":{"step":3}},"state":{"step":{"data":[3.0]}},"step":42,"version":1}')).toBe(42);
    expect(stepOf('{"version":1}')).toBeNull();
  });
});

/** A fake engine client: events go to the keeper's listener; importCheckpoint as told. */
function fakeClient(importResult: (text: string) => unknown) {
  let listener: (e: WorkerEvent) => void = () => {};
  const calls: string[] = [];
  const client = {
    on: (l: (e: WorkerEvent) => void) => {
      listener = l;
      return () => {};
    },
    call: (cmd: string, params: { text?: string }) => {
      calls.push(cmd);
      if (cmd === 'importCheckpoint') {
        try {
          return Promise.resolve(importResult(params.text ?? ''));
        } catch (e) {
          return Promise.reject(e);
        }
      }
      if (cmd === 'exportCheckpoint') return Promise.resolve('{"spec":{},"step":12,"version":1}');
      return Promise.reject(new Error(`unexpected ${cmd}`));
    },
  };
  return { client: client as never, emit: (e: WorkerEvent) => listener(e), calls };
}

describe('the run keeper', () => {
  const info = { step: 30, plannedSteps: 1000, snapshotNames: [], params: { total: 0, parameters: [] }, hasTestSplit: true };

  it('keeps each checkpoint with the history up to its step; step 0 is nothing to keep', async () => {
    const store = new MemoryRunStore();
    const notes: string[] = [];
    const saved: number[] = [];
    const { client, emit } = fakeClient(() => info);
    const keeper = new RunKeeper(client, store, { hash: () => '#lesson=xor&lr=0.3', views: () => ['field'], note: (t) => notes.push(t), saved: (s) => saved.push(s) });
    keeper.sessionStarted('xor');
    emit({ kind: 'checkpoint', step: 0, chars: 10, text: '{}', spec: '{}' });
    emit({ kind: 'metrics', rows: [row(1), row(2), row(3)] });
    emit({ kind: 'evaluation', step: 2, test: { step: 2, loss: 0.5 }, train: null });
    emit({ kind: 'checkpoint', step: 2, chars: 9, text: '{"step":2}', spec: '{}' });
    const kept = await keeper.find('xor');
    expect(kept).toMatchObject({ lesson: 'xor', hash: '#lesson=xor&lr=0.3', step: 2, checkpoint: '{"step":2}', views: ['field'] });
    expect(kept?.train).toEqual([row(1), row(2)]);
    expect(kept?.test).toEqual([{ step: 2, loss: 0.5 }]);
    expect(saved).toEqual([2]);
    expect(notes).toEqual([]);
  });

  it('a checkpoint over the cap: one note, nothing in the store, kept in memory by saveNow', async () => {
    const store = new MemoryRunStore();
    await store.put(run('attention', 1, 5));
    const notes: string[] = [];
    const { client, emit } = fakeClient(() => info);
    const keeper = new RunKeeper(client, store, { hash: () => '#lesson=attention', views: () => [], note: (t) => notes.push(t) });
    keeper.sessionStarted('attention');
    const big = MAX_CHECKPOINT_CHARS + 1;
    emit({ kind: 'checkpoint', step: 8, chars: big, text: null, spec: '{}' });
    emit({ kind: 'checkpoint', step: 9, chars: big, text: null, spec: '{}' });
    expect(await keeper.find('attention')).toBeNull(); // the older, smaller state is gone too
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/larger than/);
  });

  it('restores a run, or drops it with a note when the engine refuses it', async () => {
    const store = new MemoryRunStore();
    const ok = fakeClient(() => info);
    const keeper = new RunKeeper(ok.client, store, { hash: () => '', views: () => [], note: () => {} });
    const r = await keeper.restore({ ...run('xor', Date.now(), 30), train: [row(30)] });
    expect(r).toEqual({ info });
    expect(keeper.history.upTo(100).train).toEqual([row(30)]);

    await store.put(run('xor', Date.now(), 30));
    const refusing = fakeClient(() => {
      throw Object.assign(new Error('invalid spec'), { name: 'SpecError' });
    });
    const engineRefusing = fakeClient(() => {
      throw new EngineCallError({
        name: 'SpecError',
        message: 'invalid spec',
        issues: [
          { pointer: '/spec/optimizer/lr', message: 'the checkpoint was trained with 0.3' },
          { pointer: '/spec/seed', message: 'the checkpoint was trained with 1' },
        ],
      });
    });
    const k3 = new RunKeeper(engineRefusing.client, store, { hash: () => '', views: () => [], note: () => {} });
    const r3 = await k3.restore(run('xor', Date.now(), 30));
    expect('refused' in r3 && r3.refused).toMatch(/starts at step 0 \(it differs in \/optimizer\/lr, \/seed\)\.$/);
    const k2 = new RunKeeper(refusing.client, store, { hash: () => '', views: () => [], note: () => {} });
    const r2 = await k2.restore(run('xor', Date.now(), 30));
    expect('refused' in r2 && r2.refused).toMatch(/step 30, saved just now\) was trained with other settings, so training starts at step 0 \(invalid spec\)/);
    expect(await k2.find('xor')).toBeNull();
  });

  it('forget drops the run; a trap recovery cuts the history', async () => {
    const store = new MemoryRunStore();
    const { client, emit } = fakeClient(() => info);
    const keeper = new RunKeeper(client, store, { hash: () => '', views: () => [], note: () => {} });
    keeper.sessionStarted('xor');
    emit({ kind: 'metrics', rows: [row(1), row(2), row(3)] });
    emit({ kind: 'checkpoint', step: 3, chars: 9, text: '{"step":3}', spec: '{}' });
    emit({ kind: 'recovered', failedAt: 3, restoredTo: 1, error: { name: 'RuntimeError', message: 'x' }, playing: false, info });
    expect(keeper.history.upTo(10).train).toEqual([row(1)]);
    keeper.forget('xor');
    expect(await keeper.find('xor')).toBeNull();
  });
});

describe('traps', () => {
  it('a WebAssembly.RuntimeError or a stack overflow is a trap; an engine error is not', () => {
    expect(isTrap(new WebAssembly.RuntimeError('memory access out of bounds'))).toBe(true);
    expect(isTrap(new RangeError('Maximum call stack size exceeded'))).toBe(true);
    expect(isTrap(new RangeError('Invalid array length'))).toBe(false);
    expect(isTrap(Object.assign(new Error('bad spec'), { name: 'SpecError' }))).toBe(false);
  });

  it('the page says what happened in plain words', () => {
    expect(recoveryMessage(317, 181, { name: 'RuntimeError', message: 'memory access out of bounds' })).toBe(
      'The engine stopped with an internal error at step 317 (memory access out of bounds); it was restarted from step 181.',
    );
    expect(recoveryMessage(12, 0, { name: 'RuntimeError', message: 'unreachable' })).toMatch(/restarted from the start \(step 0\)\.$/);
  });
});
