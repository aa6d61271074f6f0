// Variants side by side (src/engine/compare.ts) with fake engine clients: the variants'
// specs, errors that name what was wrong, one client per variant running at the same time
// (or one after another), divergence and failure per variant, and stopping.
import { describe, expect, it } from 'vitest';
import {
  CompareRun,
  compareFields,
  gradTimeOverlay,
  lastValue,
  layerOverlay,
  parseVariants,
  recentMean,
  suggestValues,
  surfaceOverlay,
  type VariantClient,
} from '../../src/engine/compare';
import { EngineCallError } from '../../src/engine/client';
import type { Metrics } from '../../src/engine/types';

const base = { version: 1, optimizer: { type: 'sgd', lr: 0.1 }, training: { steps: 100 }, model: { layers: [{ type: 'linear', in: 2, out: 1 }] } };

describe('parseVariants', () => {
  it('makes one spec per value at the pointer, the base left alone', () => {
    const r = parseVariants(base, '/optimizer/lr', '0.01, 0.1,1');
    if ('error' in r) throw new Error(r.error);
    expect(r.variants.map((v) => v.label)).toEqual(['0.01', '0.1', '1']);
    expect(r.variants.map((v) => (v.spec.optimizer as { lr: number }).lr)).toEqual([0.01, 0.1, 1]);
    expect(base.optimizer.lr).toBe(0.1);
  });
  it('reads JSON values and bare words, and commas inside brackets', () => {
    const r = parseVariants(base, '/optimizer/type', 'sgd, "adam", rmsprop');
    if ('error' in r) throw new Error(r.error);
    expect(r.variants.map((v) => v.value)).toEqual(['sgd', 'adam', 'rmsprop']);
    const a = parseVariants(base, '/training/l1', '[1, 2], true');
    if ('error' in a) throw new Error(a.error);
    expect(a.variants.map((v) => v.value)).toEqual([[1, 2], true]);
    const layer = parseVariants(base, '/model/layers/0/out', '1, 4');
    if ('error' in layer) throw new Error(layer.error);
    expect((layer.variants[1]!.spec.model as { layers: Array<{ out: number }> }).layers[0]!.out).toBe(4);
  });
  it('says what is wrong', () => {
    const err = (p: string, t: string) => {
      const r = parseVariants(base, p, t);
      return 'error' in r ? r.error : '';
    };
    expect(err('optimizer/lr', '1')).toMatch(/JSON pointer/);
    expect(err('/nothing/here/lr', '1')).toMatch(/\/nothing\/here/);
    expect(err('/optimizer/lr', ' , ')).toMatch(/at least one value/);
    expect(err('/optimizer/lr', '1,2,3,4,5,6,7,8,9')).toMatch(/at most 8/);
    expect(err('/optimizer/lr', '0.1, 0.1')).toMatch(/twice/);
  });
});

describe('suggestions', () => {
  it('offers the fields a spec has and values around the current one', () => {
    const f = compareFields(base);
    expect(f.find((x) => x.pointer === '/optimizer/lr')?.current).toBe(0.1);
    expect(f.some((x) => x.pointer === '/optimizer/momentum')).toBe(true);
    expect(compareFields({ optimizer: { type: 'adam' } }).some((x) => x.pointer === '/optimizer/momentum')).toBe(false);
    expect(suggestValues('/optimizer/lr', 0.1)).toBe('0.01, 0.1, 1');
    expect(suggestValues('/training/batch_size', 32)).toBe('8, 32, 128');
    expect(suggestValues('/training/l1', undefined)).toBe('0, 0.001, 0.01');
  });
});

/** The fake's `layers` snapshot: three layers (linear, sigmoid, linear), gradients scaled by lr and the step. */
function fakeLayers(lr: number, step: number) {
  const layer = (index: number, type: string, w: number | null, a: number) => ({
    index,
    type,
    parameters: w === null ? [] : [`${index}.weight`, `${index}.bias`],
    weight_grad_norm: w,
    bias_grad_norm: w,
    weight_norm: w === null ? null : 1,
    output_grad_norm: a,
  });
  return { loss: 1 / (1 + lr * step), batch_size: 4, layers: [layer(0, 'linear', lr * 1e-3, lr * 0.1), layer(1, 'sigmoid', null, lr * 0.2), layer(2, 'linear', lr, 0)] };
}

/** The fake's `recurrent` snapshot: one RNN stream over 4 steps, ‖dL/dh_t‖ = lr^(3-t) * step/100. */
function fakeRecurrent(lr: number, step: number) {
  const grad_norm = [0, 1, 2, 3].map((t) => lr ** (3 - t) * (step / 100));
  return { kind: 'rnn_tanh', T: 4, B: 2, H: 3, batch_element: null, streams: [{ layer: 0, direction: 0, grad_norm, has_grad: true, gates: [] }] };
}

/** The fake's `loss_surface` snapshot: a fixed 3x3 grid, and a path of `step` points that depends on lr. */
function fakeSurface(lr: number, step: number) {
  const path = { x: [] as number[], y: [] as number[], loss: [] as number[], step: [] as number[] };
  for (let k = 0; k <= step; k += Math.max(1, Math.floor(step / 5))) {
    path.x.push(1 - lr * k * 0.01);
    path.y.push(1 - lr * k * 0.02);
    path.loss.push(1 / (1 + lr * k));
    path.step.push(k);
  }
  return {
    parameters: ['layers.0.weight', 'layers.0.bias'],
    x: [-1, 0, 1],
    y: [-1, 0, 1],
    loss: { shape: [3, 3], data: [2, 1, 2, 1, 0.5, 1, 2, 1, 2] },
    grid_min: { x: 0, y: 0, loss: 0.5 },
    path,
    path_points: path.x.length,
    direction_changes: [0, 0],
  };
}

/**
 * A fake engine: trains by counting; lr >= 1 "diverges" at step 7; a spec with lr < 0 fails to
 * build; it offers the snapshots named in `snapshots` (log.snapshots counts the calls).
 */
function fakeFactory(log: { live: number; maxLive: number; made: number; terminated: number; snapshots?: number }, stepDelay = 1, snapshots: string[] = []) {
  return async (): Promise<VariantClient> => {
    log.made++;
    let lr = 0;
    let step = 0;
    let alive = true;
    const client = {
      async call(cmd: string, params: Record<string, unknown>): Promise<unknown> {
        await new Promise((r) => setTimeout(r, stepDelay));
        if (cmd === 'create') {
          lr = (JSON.parse(params.spec as string) as typeof base).optimizer.lr;
          if (lr < 0) throw new EngineCallError({ name: 'SpecError', message: 'invalid spec', issues: [{ pointer: '/optimizer/lr', message: 'must be positive' }] });
          log.live++;
          log.maxLive = Math.max(log.maxLive, log.live);
          return { step: 0, plannedSteps: 100, snapshotNames: snapshots, params: { total: 3 }, hasTestSplit: true };
        }
        if (cmd === 'step') {
          const rows: Metrics[] = [];
          for (let i = 0; i < (params.n as number); i++) {
            step++;
            if (lr >= 1 && step === 7) throw new EngineCallError({ name: 'NonFiniteError', message: 'the loss is not finite', step: 7 });
            rows.push({ step, loss: 1 / (1 + lr * step) });
          }
          return rows;
        }
        if (cmd === 'evaluate') return { loss: 1 / (1 + lr * step), accuracy: 0.5 };
        if (cmd === 'snapshot') {
          const name = params.name as string;
          if (!snapshots.includes(name)) throw new EngineCallError({ name: 'EngineError', message: `no snapshot named ${name}` });
          log.snapshots = (log.snapshots ?? 0) + 1;
          return name === 'layers' ? fakeLayers(lr, step) : name === 'recurrent' ? fakeRecurrent(lr, step) : fakeSurface(lr, step);
        }
        throw new Error(`unexpected ${cmd}`);
      },
      terminate() {
        if (alive) {
          alive = false;
          log.terminated++;
          if (lr >= 0) log.live--;
        }
      },
    };
    return client as unknown as VariantClient;
  };
}

describe('CompareRun', () => {
  it('trains every variant in its own client, all at once, and frees them', async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.01, 0.1, 0.5');
    if ('error' in r) throw new Error(r.error);
    let updates = 0;
    const state = await new CompareRun(fakeFactory(log), r.variants, 60, () => updates++, { chunk: 25 }).start();
    expect(log.made).toBe(3);
    expect(log.maxLive).toBe(3);
    expect(log.terminated).toBe(3);
    expect(state.running).toBe(false);
    expect(updates).toBeGreaterThan(3);
    for (const v of state.variants) {
      expect(v.status).toBe('done');
      expect(v.steps).toBe(60);
      expect(v.rows.map((x) => x.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(v.test?.accuracy).toBe(0.5);
    }
    expect(lastValue(state.variants[2]!.rows, 'loss')).toBeCloseTo(1 / (1 + 0.5 * 60), 12);
    const tail = state.variants[2]!.rows.slice(-10).map((x) => x.loss as number);
    expect(recentMean(state.variants[2]!.rows, 'loss')).toBeCloseTo(tail.reduce((a, b) => a + b, 0) / 10, 12);
    expect(recentMean([{ loss: null }, { loss: 2 }], 'loss')).toBe(2);
    expect(recentMean([], 'loss')).toBeNull();
  });

  it('one after another when asked: never two workers alive', async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.01, 0.1');
    if ('error' in r) throw new Error(r.error);
    const state = await new CompareRun(fakeFactory(log), r.variants, 30, () => {}, { parallel: false }).start();
    expect(log.maxLive).toBe(1);
    expect(state.variants.every((v) => v.status === 'done')).toBe(true);
  });

  it('a diverging or failing variant ends alone, saying where and why', async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.1, 2, -1');
    if ('error' in r) throw new Error(r.error);
    const state = await new CompareRun(fakeFactory(log), r.variants, 20, () => {}, { chunk: 5 }).start();
    const [ok, diverged, failed] = state.variants;
    expect(ok!.status).toBe('done');
    expect(ok!.steps).toBe(20);
    expect(diverged!.status).toBe('diverged');
    expect(diverged!.divergedAt).toBe(7);
    expect(diverged!.steps).toBe(5);
    expect(failed!.status).toBe('failed');
    expect(failed!.message).toContain('/optimizer/lr');
    expect(log.terminated).toBe(3);
  });

  it('stop ends every variant where it is and frees every worker', async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.01, 0.1');
    if ('error' in r) throw new Error(r.error);
    const run = new CompareRun(fakeFactory(log, 5), r.variants, 100000, () => {}, { chunk: 10 });
    const done = run.start();
    await new Promise((res) => setTimeout(res, 60));
    run.stop();
    const state = await done;
    expect(state.variants.every((v) => v.status === 'stopped')).toBe(true);
    expect(state.variants.every((v) => v.steps < 100000)).toBe(true);
    expect(log.terminated).toBe(log.made);
  });

  it('stop ends the run even when a worker never answers, and frees a worker that starts after it', async () => {
    // A terminated Worker never replies: a run must not wait for it (it did, and the card
    // stayed "running" for good, so its button could only ever stop it again).
    const terminated = new Set<VariantClient>();
    let releaseLate: (c: VariantClient) => void = () => {};
    const silent = (): VariantClient => {
      const c: VariantClient = {
        call: ((cmd: string) => (cmd === 'create' ? Promise.resolve({ step: 0, snapshotNames: [], params: { total: 3 }, hasTestSplit: false }) : new Promise(() => {}))) as VariantClient['call'],
        terminate: () => void terminated.add(c),
      };
      return c;
    };
    let made = 0;
    const factory = (): Promise<VariantClient> => (made++ === 0 ? Promise.resolve(silent()) : new Promise((res) => (releaseLate = res)));
    const r = parseVariants(base, '/optimizer/lr', '0.01, 0.1');
    if ('error' in r) throw new Error(r.error);
    const run = new CompareRun(factory, r.variants, 100, () => {});
    const done = run.start();
    await new Promise((res) => setTimeout(res, 10));
    expect(run.state.variants.map((v) => v.status)).toEqual(['running', 'starting']);
    run.stop();
    const state = await done;
    expect(state.running).toBe(false);
    expect(state.variants.map((v) => v.status)).toEqual(['stopped', 'stopped']);
    expect(terminated.size).toBe(1);
    releaseLate(silent()); // the second worker comes up after the stop
    await new Promise((res) => setTimeout(res, 0));
    expect(terminated.size).toBe(2);
  });
});

describe('overlaid views (per-layer gradients, gradient through time)', () => {
  it("asks each variant's worker for the snapshots its model offers, after its last step, and overlays them in the variant's colour", async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0, snapshots: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.1, 0.5');
    if ('error' in r) throw new Error(r.error);
    const seen: Array<[number, number]> = []; // [variant 0's step, the step of its snapshot] at each update
    const state = await new CompareRun(fakeFactory(log, 1, ['layers', 'recurrent']), r.variants, 40, (st) => seen.push([st.variants[0]!.steps, st.variants[0]!.snapshotStep]), {
      chunk: 15,
      snapshotEvery: 0,
    }).start();
    expect(log.snapshots).toBe(4);
    expect(seen.every(([, at]) => at === 0 || at === 40)).toBe(true); // snapshotEvery 0: only after the last step
    state.variants.forEach((v, i) => {
      const lr = [0.1, 0.5][i]!;
      expect(v.snapshotStep).toBe(40);
      expect(v.layers).toEqual(fakeLayers(lr, 40));
      expect(v.recurrent).toEqual(fakeRecurrent(lr, 40));
    });
    const layers = layerOverlay(state);
    expect(layers.labels).toEqual(['0 linear', '1 sigmoid', '2 linear']);
    expect(layers.series.map((s) => [s.variant, s.name, s.dashed])).toEqual([
      [0, '0.1 · ‖∂L/∂W‖', false],
      [0, '0.1 · ‖∂L/∂a‖', true],
      [1, '0.5 · ‖∂L/∂W‖', false],
      [1, '0.5 · ‖∂L/∂a‖', true],
    ]);
    // the values are each variant's own snapshot; ‖dL/dW‖ skips the sigmoid (no weights), a zero is a gap
    expect(layers.series[2]!.x).toEqual([0, 2]);
    expect(layers.series[2]!.y).toEqual([0.5e-3, 0.5]);
    expect(layers.series[3]!.x).toEqual([0, 1, 2]);
    expect(layers.series[3]!.y).toEqual([0.05, 0.1, null]);
    expect(layers.series[0]!.y).toEqual([0.1e-3, 0.1]);
    const time = gradTimeOverlay(state);
    expect(time.map((s) => [s.variant, s.name, s.dashed])).toEqual([
      [0, '0.1', false],
      [1, '0.5', false],
    ]);
    expect(time[1]!.x).toEqual([0, 1, 2, 3]);
    time[1]!.y.forEach((y, t) => expect(y).toBeCloseTo(0.5 ** (3 - t) * 0.4, 12));
  });

  it('refreshes the snapshots during a run, every snapshotEvery steps (by default about four times a run)', async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0, snapshots: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.5');
    if ('error' in r) throw new Error(r.error);
    const taken: Array<[number, number]> = [];
    await new CompareRun(fakeFactory(log, 1, ['layers']), r.variants, 100, (st) => {
      const v = st.variants[0]!;
      if (v.layers && taken[taken.length - 1]?.[0] !== v.snapshotStep) taken.push([v.snapshotStep, v.layers.loss as number]);
    }, { chunk: 10 }).start();
    // every 25 steps (100 / 4), then after the last step; each is the worker's snapshot at that step
    expect(taken.map(([at]) => at)).toEqual([30, 60, 90, 100]);
    for (const [at, loss] of taken) expect(loss).toBeCloseTo(1 / (1 + 0.5 * at), 12);
    expect(log.snapshots).toBe(4);
  });

  it('asks for nothing a model does not offer, and a diverged or failed variant brings no snapshot', async () => {
    const none = { live: 0, maxLive: 0, made: 0, terminated: 0, snapshots: 0 };
    const r = parseVariants(base, '/optimizer/lr', '0.1, 0.2');
    if ('error' in r) throw new Error(r.error);
    const plain = await new CompareRun(fakeFactory(none), r.variants, 10, () => {}).start();
    expect(none.snapshots).toBe(0);
    expect(plain.variants.every((v) => v.layers === null && v.recurrent === null && v.status === 'done')).toBe(true);
    expect(layerOverlay(plain)).toEqual({ labels: [], series: [] });
    expect(gradTimeOverlay(plain)).toEqual([]);

    const log = { live: 0, maxLive: 0, made: 0, terminated: 0, snapshots: 0 };
    const mixed = parseVariants(base, '/optimizer/lr', '0.1, 2, -1');
    if ('error' in mixed) throw new Error(mixed.error);
    const state = await new CompareRun(fakeFactory(log, 1, ['layers']), mixed.variants, 20, () => {}, { chunk: 5, snapshotEvery: 0 }).start();
    expect(state.variants.map((v) => v.status)).toEqual(['done', 'diverged', 'failed']);
    expect(log.snapshots).toBe(1);
    expect(state.variants.map((v) => v.layers !== null)).toEqual([true, false, false]);
    expect(layerOverlay(state).series.map((s) => s.variant)).toEqual([0, 0]);
    // with snapshots during the run, a diverged variant keeps its last one, named with its step
    const periodic = await new CompareRun(fakeFactory(log, 1, ['layers']), mixed.variants, 20, () => {}, { chunk: 5, snapshotEvery: 5 }).start();
    expect(periodic.variants[1]!.snapshotStep).toBe(5);
    expect(layerOverlay(periodic).series.map((s) => s.name)).toEqual(['0.1 · ‖∂L/∂W‖', '0.1 · ‖∂L/∂a‖', '2 (step 5) · ‖∂L/∂W‖', '2 (step 5) · ‖∂L/∂a‖']);
  });

  it('a bidirectional or stacked recurrent model: one named line per stream, the later ones dashed', () => {
    const rec = fakeRecurrent(0.5, 100);
    const two = { ...rec, streams: [rec.streams[0]!, { ...rec.streams[0]!, direction: 1, grad_norm: [1, 0, 1, 1] }] };
    const v = { label: 'lstm', status: 'done' as const, rows: [], steps: 100, test: null, message: '', divergedAt: 0, seconds: 1, layers: null, recurrent: two, lossSurface: null, snapshotStep: 100 };
    const time = gradTimeOverlay({ variants: [v], steps: 100, parallel: true, seconds: 1, running: false });
    expect(time.map((s) => [s.name, s.dashed])).toEqual([
      ['lstm · layer 0 forward →', false],
      ['lstm · layer 0 backward ←', true],
    ]);
    expect(time[1]!.y).toEqual([1, null, 1, 1]);
  });

  it("a two-parameter model: the loss surface with each variant's own path, the first one's contours", async () => {
    const log = { live: 0, maxLive: 0, made: 0, terminated: 0 };
    const parsed = parseVariants(base, '/optimizer/lr', '0.1, 0.5, 2');
    if ('error' in parsed) throw new Error(parsed.error);
    const state = await new CompareRun(fakeFactory(log, 1, ['loss_surface']), parsed.variants, 20, () => {}, { chunk: 5 }).start();
    expect(state.variants.map((v) => v.status)).toEqual(['done', 'done', 'diverged']);
    const s = surfaceOverlay(state);
    expect(s).not.toBeNull();
    expect(s!.main).toEqual({ variant: 0, label: '0.1' });
    expect(s!.snapshot).toEqual(fakeSurface(0.1, 20)); // the first variant's own snapshot after its last step
    // the second variant's path is its own; the diverged one keeps its last snapshot, named with its step
    expect(s!.others.map((o) => [o.variant, o.label])).toEqual([[1, '0.5'], [2, '2 (step 5)']]);
    expect(s!.others[0]!.path).toEqual(fakeSurface(0.5, 20).path);
    expect(s!.others[1]!.path).toEqual(fakeSurface(2, 5).path);
    expect(s!.others[0]!.path).not.toEqual(s!.snapshot.path);
    // a model without the snapshot: nothing to overlay
    const none = await new CompareRun(fakeFactory(log, 1, []), parsed.variants, 10, () => {}, { chunk: 5 }).start();
    expect(surfaceOverlay(none)).toBeNull();
  });
});
