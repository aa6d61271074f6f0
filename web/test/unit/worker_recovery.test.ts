// The engine worker survives a trap (issue 12): worker.ts driven in node with the real
// wasm engine (the node flavour of build/wasm, wrapped as the module the worker imports).
// A test-only testTrap breaks the instance for real (its stack pointer at 0): the next
// engine call faults with "memory access out of bounds"; the worker makes a fresh
// instance, restores the last good checkpoint and says so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../../src/engine/protocol';

const ROOT = path.resolve(__dirname, '../../..');
const NODE_MODULE = path.join(ROOT, 'build/wasm/bindings/wasm/gradlab-simd-node.cjs');
const XOR = JSON.parse(fs.readFileSync(path.join(ROOT, 'web/public/lessons/xor.json'), 'utf8')) as Record<string, unknown>;
delete XOR.lesson;

type Posted = WorkerMessage;
const posted: Posted[] = [];
let nextId = 1;
let dir = '';

function call(cmd: string, params: unknown = {}): Promise<unknown> {
  const id = nextId++;
  const scope = globalThis as unknown as { self: { onmessage: (e: { data: unknown }) => void } };
  scope.self.onmessage({ data: { kind: 'request', id, cmd, params } });
  return new Promise((resolve, reject) => {
    const wait = (): void => {
      const r = posted.find((m) => m.kind === 'reply' && m.id === id);
      if (!r || r.kind !== 'reply') return void setTimeout(wait, 1);
      if (r.ok) resolve(r.result);
      else reject(Object.assign(new Error(r.error.message), { name: r.error.name }));
    };
    wait();
  });
}

/** The worker's events of a kind, posted from index `from` of `posted` on. */
function events<K extends string>(kind: K, from = 0): Array<Extract<Posted, { kind: K }>> {
  return posted.slice(from).filter((m) => m.kind === kind) as Array<Extract<Posted, { kind: K }>>;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-worker-'));
  // what the worker imports as gradlab-simd.mjs: the node build, loaded from its own directory
  fs.writeFileSync(
    path.join(dir, 'gradlab-simd.mjs'),
    `import { createRequire } from 'node:module';\nconst create = createRequire(import.meta.url)(${JSON.stringify(NODE_MODULE)});\nexport default () => create();\n`,
  );
  (globalThis as unknown as { self: unknown }).self = { postMessage: (m: Posted) => posted.push(m), onmessage: null };
  await import('../../src/engine/worker');
  await call('init', { engineBase: pathToFileURL(dir).href + '/', flavour: 'simd' });
}, 30_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the worker after a trap', () => {
  it('restarts the engine from the last good state, which continues the run exactly', async () => {
    await call('create', { spec: JSON.stringify(XOR) });
    await call('step', { n: 40 }); // a Step keeps a checkpoint (XOR's is cheap)
    const kept = events('checkpoint').at(-1)!;
    expect(kept.step).toBe(40);
    expect(kept.text).not.toBeNull();
    const good = (await call('exportCheckpoint')) as string;

    await call('testTrap');
    const err = await call('step', { n: 5 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.name).toBe('EngineRestarted');
    expect(err?.message).toBe('The engine stopped with an internal error at step 40 (memory access out of bounds); it was restarted from step 40.');
    const rec = events('recovered').at(-1)!;
    expect(rec).toMatchObject({ failedAt: 40, restoredTo: 40, playing: false, error: { name: 'RuntimeError', message: 'memory access out of bounds' } });
    expect(rec.info.step).toBe(40);
    // the fresh instance holds exactly the last good state, and trains on as if nothing happened
    expect(await call('exportCheckpoint')).toBe(good);
    const after = (await call('step', { n: 10 })) as Array<{ step: number; loss: number }>;

    await call('create', { spec: JSON.stringify(XOR) });
    const clean = (await call('step', { n: 50 })) as Array<{ step: number; loss: number }>;
    expect(after.map((r) => r.loss)).toEqual(clean.slice(40).map((r) => r.loss));
    expect(clean.every((r) => Number.isFinite(r.loss))).toBe(true);
  }, 30_000);

  it('a trap in a command that makes a new session keeps the running one', async () => {
    await call('create', { spec: JSON.stringify(XOR) });
    await call('step', { n: 7 });
    await call('testTrap');
    const other = { ...XOR, seed: 99 };
    const err = await call('create', { spec: JSON.stringify(other) }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.name).toBe('EngineRestarted');
    expect(err?.message).toMatch(/at step 7 \(memory access out of bounds\); it was restarted from step 7\.$/);
    // the running experiment is back (seed 1 at step 7), and a new one can be made now
    expect(JSON.parse((await call('exportCheckpoint')) as string)).toMatchObject({ step: 7, spec: { seed: 1 } });
    const info = (await call('create', { spec: JSON.stringify(other) })) as { step: number };
    expect(info.step).toBe(0);
    const rows = (await call('step', { n: 3 })) as Array<{ loss: number }>;
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
  }, 30_000);

  it('a trap while playing: restored to the last kept step, playing again', async () => {
    await call('create', { spec: JSON.stringify(XOR) });
    const mark = posted.length;
    await call('setSpeed', { speed: 5 });
    await call('play');
    const until = async (f: () => boolean): Promise<void> => {
      const t0 = Date.now();
      while (!f()) {
        if (Date.now() - t0 > 20_000) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const status = (): number => events('status').at(-1)?.step ?? 0;
    // a last good state past step 0 (kept every 250 ms of training, posted every 2 s)
    await until(() => status() >= 300 && events('checkpoint', mark).some((e) => e.step > 0));
    const before = events('recovered').length;
    await call('testTrap');
    await until(() => events('recovered').length > before);
    const rec = events('recovered').at(-1)!;
    expect(rec.playing).toBe(true);
    expect(rec.restoredTo).toBeGreaterThan(0);
    expect(rec.restoredTo).toBeLessThanOrEqual(rec.failedAt);
    await until(() => status() >= rec.restoredTo + 50);
    await call('pause');
    // the steps after the restore are the clean run's
    const metrics = events('metrics').flatMap((e) => e.rows) as Array<{ step: number; loss: number }>;
    const lastRows = new Map<number, number>();
    for (const r of metrics) lastRows.set(r.step, r.loss);
    const n = rec.restoredTo + 50;
    await call('create', { spec: JSON.stringify(XOR) });
    const clean = (await call('step', { n })) as Array<{ step: number; loss: number }>;
    expect(lastRows.get(n)).toBe(clean[n - 1]!.loss);
  }, 30_000);
});
