import { describe, expect, it } from 'vitest';
import { describeError, isReply, isRequest, isWorkerEvent, toEngineError, type Reply, type Request, type WorkerEvent } from '../../src/engine/protocol';
import { EngineClient, EngineCallError, type WorkerLike } from '../../src/engine/client';

describe('protocol messages', () => {
  it('survive structured cloning unchanged and keep their guards', () => {
    const req: Request = { kind: 'request', id: 7, cmd: 'step', params: { n: 25 } };
    const reply: Reply = { kind: 'reply', id: 7, ok: false, error: { name: 'SpecError', message: 'bad', issues: [{ pointer: '/optimizer/lr', message: 'must be from 0 to 1000' }] } };
    const events: WorkerEvent[] = [
      { kind: 'metrics', rows: [{ step: 1, loss: 0.5, accuracy: null }] },
      { kind: 'evaluation', step: 100, test: { step: 100, accuracy: 0.97 }, train: null },
      { kind: 'snapshot', name: 'field', step: 3, data: { grid: { nx: 2 }, values: { shape: [2], data: new Float32Array([0.25, 0.75]) } } },
      { kind: 'status', playing: true, step: 3, stepsPerSecond: 120 },
      { kind: 'error', error: { name: 'NonFiniteError', message: 'loss is NaN', step: 12, where: 'loss', op: 'log' } },
    ];
    expect(structuredClone(req)).toEqual(req);
    expect(isRequest(structuredClone(req))).toBe(true);
    expect(isReply(structuredClone(reply))).toBe(true);
    for (const e of events) {
      const copy = structuredClone(e);
      expect(copy).toEqual(e);
      expect(isWorkerEvent(copy)).toBe(true);
      expect(isReply(copy)).toBe(false);
      expect(isRequest(copy)).toBe(false);
    }
  });

  it('guards reject look-alikes', () => {
    expect(isRequest({ kind: 'request', id: '1', cmd: 'play' })).toBe(false);
    expect(isReply({ kind: 'reply', id: 1 })).toBe(false);
    expect(isWorkerEvent({ kind: 'metrix', rows: [] })).toBe(false);
    expect(isWorkerEvent(null)).toBe(false);
    expect(isWorkerEvent([{ kind: 'status' }])).toBe(false);
  });

  it('turns engine exceptions into clonable EngineError data', () => {
    const e = Object.assign(new Error('the spec is invalid'), { name: 'SpecError', issues: [{ pointer: '/model/layers/0/out', message: 'is required' }] });
    const data = toEngineError(e);
    expect(data).toEqual({ name: 'SpecError', message: 'the spec is invalid', issues: [{ pointer: '/model/layers/0/out', message: 'is required' }] });
    expect(structuredClone(data)).toEqual(data);
    expect(describeError(data)).toContain('/model/layers/0/out: is required');
    const nf = toEngineError(Object.assign(new Error('loss is not finite'), { name: 'NonFiniteError', step: 40, where: 'loss', op: 'log' }));
    expect(nf).toMatchObject({ name: 'NonFiniteError', step: 40, where: 'loss', op: 'log' });
    expect(describeError(nf)).toContain('step 40');
    expect(toEngineError('plain string')).toEqual({ name: 'Error', message: 'plain string' });
    const needsReset = toEngineError(Object.assign(new Error('needs a reset'), { name: 'NeedsReset', pointers: ['/model'] }));
    expect(needsReset.issues).toEqual([{ pointer: '/model', message: 'needs a fresh session' }]);
  });
});

/** A fake worker that answers like worker.ts would, to test the client's promise plumbing. */
class FakeWorker implements WorkerLike {
  private listeners: Array<(e: MessageEvent) => void> = [];
  posted: unknown[] = [];
  /** answers nothing (a worker that is busy, or gone) */
  silent = false;
  postMessage(message: unknown): void {
    this.posted.push(structuredClone(message));
    if (this.silent) return;
    const req = message as Request;
    queueMicrotask(() => {
      const reply: Reply =
        req.cmd === 'step'
          ? { kind: 'reply', id: req.id, ok: true, result: [{ step: 1, loss: 0.7 }] }
          : { kind: 'reply', id: req.id, ok: false, error: { name: 'Error', message: `no ${req.cmd}` } };
      this.emit(reply);
    });
  }
  emit(data: unknown): void {
    for (const l of this.listeners) l({ data: structuredClone(data) } as MessageEvent);
  }
  addEventListener(type: string, l: (e: never) => void): void {
    if (type === 'message') this.listeners.push(l as (e: MessageEvent) => void);
  }
  terminate(): void {}
}

describe('EngineClient', () => {
  it('resolves replies by id, rejects with EngineCallError, and forwards events', async () => {
    const w = new FakeWorker();
    const client = new EngineClient(w);
    const events: WorkerEvent[] = [];
    client.on((e) => events.push(e));
    await expect(client.call('step', { n: 1 })).resolves.toEqual([{ step: 1, loss: 0.7 }]);
    const err = await client.call('reset', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).engine.message).toBe('no reset');
    w.emit({ kind: 'status', playing: false, step: 1, stepsPerSecond: 0 });
    w.emit({ kind: 'reply', id: 999, ok: true, result: null }); // unknown id: ignored
    expect(events).toEqual([{ kind: 'status', playing: false, step: 1, stepsPerSecond: 0 }]);
    expect((w.posted[0] as Request).id).not.toBe((w.posted[1] as Request).id);
  });

  it('terminate rejects the commands still waiting, and any sent after, as Terminated', async () => {
    const w = new FakeWorker();
    w.silent = true;
    const client = new EngineClient(w);
    const waiting = client.call('step', { n: 1 }).catch((e: unknown) => e);
    client.terminate();
    const err = await waiting;
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).engine.name).toBe('Terminated');
    const after = await client.call('step', { n: 1 }).catch((e: unknown) => e);
    expect((after as EngineCallError).engine.name).toBe('Terminated');
    expect(w.posted.length).toBe(1);
  });
});
