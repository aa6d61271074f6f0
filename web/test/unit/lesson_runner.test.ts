// The worker's lesson runner on fake sessions: actions in the CLI's order and semantics
// (core/lesson/run.cpp), records carried from step to step, a non-finite step stopping its
// run with diverged_at, variants trained alongside, replay when the page changed the run.
import { describe, expect, it } from 'vitest';
import { LessonRunner, type LessonHost } from '../../src/engine/lesson-runner';
import type { EngineSession } from '../../src/engine/engine-api';
import type { Metrics } from '../../src/engine/types';

interface Fake extends EngineSession {
  spec: Record<string, unknown>;
  steps: number;
  clamps: string[];
  deleted: boolean;
  measured: Array<{ index: number; context: unknown; variants: string[] }>;
}

/** A session whose loss is lr * step; with /optimizer/lr above 1 step 3 is not finite. */
function fakeSession(text: string): Fake {
  const spec = JSON.parse(text) as Record<string, unknown>;
  if ((spec as { bad?: boolean }).bad) throw Object.assign(new Error('spec is bad'), { name: 'SpecError', issues: [{ pointer: '/bad', message: 'no' }] });
  const lr = () => Number((spec.optimizer as { lr: number }).lr);
  const s: Fake = {
    spec,
    steps: 0,
    clamps: [],
    deleted: false,
    measured: [],
    step: () => s.train(1)[0]!,
    train(n: number): Metrics[] {
      const rows: Metrics[] = [];
      for (let i = 0; i < n; i++) {
        if (lr() > 1 && s.steps + 1 === 3) throw Object.assign(new Error('loss is not finite at step 3'), { name: 'NonFiniteError', step: 3, metrics: rows });
        s.steps += 1;
        rows.push({ step: s.steps, loss: lr() * s.steps });
      }
      return rows;
    },
    evaluate: () => ({ loss: 0 }),
    stepsDone: () => s.steps,
    plannedSteps: () => 100,
    params: () => ({ parameters: [], total: 3 }),
    parameters: () => ({}),
    checkGradients: () => null,
    snapshotNames: () => [],
    snapshot: () => ({}),
    clampGate: (gate: string, value: number) => void s.clamps.push(`${gate}=${value}`),
    clearClamps: () => void (s.clamps = []),
    checkpoint: () => '',
    loadCheckpoint: () => undefined,
    reset: () => void (s.steps = 0),
    specText: () => JSON.stringify(spec),
    delete: () => void (s.deleted = true),
    update(next: string) {
      const n = JSON.parse(next) as Record<string, unknown>;
      if (JSON.stringify(n.model) !== JSON.stringify(spec.model)) throw Object.assign(new Error('needs reset'), { name: 'NeedsReset', pointers: ['/model'] });
      Object.assign(spec, n);
    },
    measureStep(_lesson, index, context, variants) {
      s.measured.push({ index, context: structuredClone(context), variants: variants.map((v) => `${v.label}:${v.session.stepsDone()}:${v.diverged_at}`) });
      const recorded = { ...context.recorded, [`steps${index}`]: s.steps };
      return { recorded, expectations: [{ pointer: `/lesson/steps/${index}/expect/0`, what: 'steps', expected: 'at least 0', value: s.steps, pass: true }] };
    },
  };
  return s;
}

function host(): Omit<LessonHost, 'main'> & { main(): Fake | null; adopted: Fake[]; changed: unknown[]; posted: number } {
  let main: Fake | null = fakeSession(JSON.stringify({ optimizer: { lr: 0.5 }, model: { layers: [1] } }));
  const h = {
    adopted: [] as Fake[],
    changed: [] as unknown[],
    posted: 0,
    newSession: (spec: string) => fakeSession(spec),
    checkLesson: () => undefined,
    main: () => main,
    adoptMain: (s: EngineSession) => {
      main?.delete();
      main = s as Fake;
      h.adopted.push(main);
    },
    specChanged: (spec: unknown) => void h.changed.push(spec),
    trainMain: (n: number) => {
      h.posted += 1;
      return main!.train(n);
    },
    afterChunk: () => undefined,
    progress: () => undefined,
    yieldNow: () => Promise.resolve(),
    chunkMs: 16,
  };
  return h;
}

const lesson = (steps: unknown[]) =>
  JSON.stringify({ version: 1, optimizer: { lr: 0.5 }, model: { layers: [1] }, lesson: { format: 2, title: 't', chapter: 1, questions: [], intro: 'i', steps } });

describe('LessonRunner', () => {
  it('runs the steps in order on a fresh session from the lesson spec, carrying records and the last step', async () => {
    const h = host();
    const r = new LessonRunner(h);
    const text = lesson([{ title: 'a', text: 'x' }, { title: 'b', text: 'y', do: [{ train: 40 }, { train: 2 }] }]);
    const first = await r.runStep(text, 0);
    expect(h.adopted).toHaveLength(1);
    expect(h.adopted[0]!.spec).not.toHaveProperty('lesson');
    expect(first.outcomes.map((o) => o.index)).toEqual([0]);
    const second = await r.runStep(text, 1);
    expect(h.adopted).toHaveLength(1); // continues the same run
    const o = second.outcomes[0]!;
    expect(o).toMatchObject({ index: 1, stepsDone: 42, divergedAt: 0, notes: ['trained 40 steps', 'trained 2 steps'] });
    const m = h.main()!.measured;
    expect(m[1]!.context).toEqual({ recorded: { steps0: 0 }, last_step: { step: 42, loss: 21 }, diverged_at: 0 });
  });

  it('replays the earlier steps when the page changed the run, or a step comes again', async () => {
    const h = host();
    const r = new LessonRunner(h);
    const text = lesson([{ title: 'a', text: 'x', do: [{ train: 5 }] }, { title: 'b', text: 'y', do: [{ train: 5 }] }]);
    await r.runStep(text, 0);
    r.touch();
    const again = await r.runStep(text, 1);
    expect(again.outcomes.map((o) => o.index)).toEqual([0, 1]);
    expect(h.adopted).toHaveLength(2);
    expect(again.outcomes[1]!.stepsDone).toBe(10);
    const back = await r.runStep(text, 0);
    expect(back.outcomes.map((o) => o.index)).toEqual([0]);
    expect(h.main()!.stepsDone()).toBe(5);
  });

  it('variants train alongside; a non-finite step stops only its run and sets diverged_at', async () => {
    const h = host();
    const r = new LessonRunner(h);
    const text = lesson([
      { title: 'v', text: 'x', do: [{ variants: { small: { '/optimizer/lr': 0.1 }, big: { '/optimizer/lr': 2 } } }, { train: 10 }, { clamp: { gate: 'f', value: 0 } }] },
    ]);
    const o = (await r.runStep(text, 0)).outcomes[0]!;
    expect(o.variants).toEqual([
      { label: 'small', steps: 10, loss: 1, divergedAt: 0 },
      { label: 'big', steps: 2, loss: 4, divergedAt: 3 },
    ]);
    expect(o.notes).toContain('variant "big": training stopped: loss is not finite at step 3');
    // the main run's clamp is in its spec (the page's Spec JSON, URL and kept run carry it)
    expect((h.main()!.spec['training'] as Record<string, unknown>)['clamp']).toEqual({ gate: 'f', value: 0 });
    expect(h.changed.at(-1)).toMatchObject({ training: { clamp: { gate: 'f', value: 0 } } });
    expect(h.main()!.measured[0]!.variants).toEqual(['small:10:0', 'big:2:3']);
  });

  it('clamps add up in the spec, the same gate replaces its value, clear_clamps removes them', async () => {
    const h = host();
    const r = new LessonRunner(h);
    const clampOf = () => (h.main()!.spec['training'] as Record<string, unknown> | undefined)?.['clamp'];
    const text = lesson([
      { title: 'z', text: 'x', do: [{ clamp: { gate: 'z', value: 0 } }] },
      { title: 'r', text: 'x', do: [{ clamp: { gate: 'r', value: 0 } }, { clamp: { gate: 'z', value: 1 } }] },
      { title: 'off', text: 'x', do: [{ clear_clamps: true }] },
    ]);
    expect((await r.runStep(text, 0)).outcomes[0]!.error).toBeUndefined();
    expect(clampOf()).toEqual({ gate: 'z', value: 0 });
    await r.runStep(text, 1);
    expect(clampOf()).toEqual([
      { gate: 'r', value: 0 },
      { gate: 'z', value: 1 },
    ]);
    await r.runStep(text, 2);
    expect(clampOf()).toBeUndefined();
  });

  it('set updates the running session; restart_with and reset start a new one; errors name the action', async () => {
    const h = host();
    const r = new LessonRunner(h);
    const text = lesson([
      { title: 'set', text: 'x', do: [{ train: 3 }, { set: { '/optimizer/lr': 0.25 } }] },
      { title: 'restart', text: 'y', do: [{ restart_with: { '/model/layers/0': 2 } }, { train: 1 }] },
      { title: 'bad set', text: 'z', do: [{ set: { '/model/layers/0': 3 } }] },
      { title: 'no parent', text: 'w', do: [{ restart_with: { '/nothing/here': 1 } }] },
      { title: 'reset', text: 'v', do: [{ train: 2 }, { reset: true }] },
    ]);
    await r.runStep(text, 0);
    expect(h.changed).toEqual([{ version: 1, optimizer: { lr: 0.25 }, model: { layers: [1] } }]);
    expect(h.main()!.spec.optimizer).toEqual({ lr: 0.25 });
    const restart = (await r.runStep(text, 1)).outcomes[0]!;
    expect(h.adopted).toHaveLength(2);
    expect(h.main()!.spec).toMatchObject({ optimizer: { lr: 0.25 }, model: { layers: [2] } });
    expect(restart.stepsDone).toBe(1);
    const bad = (await r.runStep(text, 2)).outcomes[0]!;
    expect(bad.error).toBe('/lesson/steps/2/do/0: changing /model needs a fresh start: use "restart_with" instead of "set"');
    expect(bad.expectations).toEqual([]);
    const none = (await r.runStep(text, 3)).outcomes[0]!;
    expect(none.error).toMatch(/^\/lesson\/steps\/3\/do\/0: \/lesson\/steps\/3\/do\/0\/restart_with\/~1nothing~1here: cannot set \/nothing\/here: the spec has no \/nothing$/);
    const reset = (await r.runStep(text, 4)).outcomes[0]!;
    expect(reset.stepsDone).toBe(0);
    expect(h.adopted).toHaveLength(3);
  });

  it('abandons a step when the page changes the run while it trains', async () => {
    const h = host();
    const r: LessonRunner = new LessonRunner({ ...h, chunkMs: 0.001, yieldNow: async (): Promise<void> => r.touch() });
    const text = lesson([{ title: 'long', text: 'x', do: [{ train: 50 }] }]);
    await expect(r.runStep(text, 0)).rejects.toThrow(/interrupted/);
    const again = await new LessonRunner(host()).runStep(text, 0);
    expect(again.outcomes[0]!.stepsDone).toBe(50);
  });
});
