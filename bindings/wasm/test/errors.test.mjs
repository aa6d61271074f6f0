// Bad calls: each throws a JS Error carrying the core's message (JSON pointers for specs
// and checkpoints), and the module instance and the sessions keep working afterwards:
// a good call right after succeeds, a session's state is unchanged by a failed call, and
// a thousand failures leave the wasm stack pointer where it was.
import assert from 'node:assert/strict';
import test from 'node:test';

import { loadGradlab, readExample } from '../load.mjs';

const gradlab = await loadGradlab();
const xorText = readExample('xor.json');
const xor = JSON.parse(xorText);

function variant(edit) {
  const spec = structuredClone(xor);
  edit(spec);
  return JSON.stringify(spec);
}

// One session of each kind, created once and reused across every bad call.
const mlp = new gradlab.Session(xorText);
const lstm = new gradlab.Session(readExample('adding-lstm.json'));
const goodCheckpoint = mlp.checkpoint();
const lstmCheckpoint = lstm.checkpoint();
const corrupt = (edit) => {
  const c = JSON.parse(goodCheckpoint);
  edit(c);
  return JSON.stringify(c);
};

// [what, the call, the core's text the message must carry]
const badCalls = [
  ['spec that is not JSON', () => new gradlab.Session('{not json'), /\(document\): not valid JSON at line 1, column 3/],
  ['spec that is not an object', () => new gradlab.Session('42'), /\(document\): expected an object, found 42/],
  ['empty spec', () => new gradlab.Session('{}'), /\/version: is required.*\/data: is required.*\/model: is required/],
  ['unknown layer type', () => new gradlab.Session(variant((s) => { s.model.layers[1].type = 'tanhh'; })),
    /\/model\/layers\/1\/type: must be one of: linear, tanh/],
  ['negative learning rate', () => new gradlab.Session(variant((s) => { s.optimizer.lr = -1; })),
    /\/optimizer\/lr: must be from 0 to 1000, found -1/],
  ['unknown dataset', () => new gradlab.Session(variant((s) => { s.data.dataset = 'mnist'; })),
    /\/data\/dataset: unknown dataset 'mnist'/],
  ['layer shapes that do not chain', () => new gradlab.Session(variant((s) => { s.model.layers[2].in = 7; })),
    /\/model\/layers\/2\/in: linear expects inputs whose last dimension is in = 7/],
  ['unknown optimizer', () => new gradlab.Session(variant((s) => { s.optimizer.type = 'lbfgs'; })),
    /\/optimizer\/type: must be one of: sgd, adam/],
  ['zero batch size', () => new gradlab.Session(variant((s) => { s.training.batch_size = 0; })),
    /\/training\/batch_size: must be from 1 to 65536, found 0/],
  ['future spec version', () => new gradlab.Session(variant((s) => { s.version = 99; })),
    /\/version: this gradlab reads spec version 1, found 99/],
  ['snapshot the experiment cannot give, in the spec', () => new gradlab.Session(variant((s) => { s.inspection = { snapshots: ['attention'] }; })),
    /\/inspection\/snapshots\/0: unknown snapshot 'attention' for this experiment \(available: params, gradcheck, field, layers\)/],
  ['unknown snapshot', () => mlp.snapshot('attention'), /no snapshot named 'attention' for this experiment \(available: params, gradcheck, field, layers\)/],
  ['gate clamp without a recurrent layer', () => mlp.clampGate('f', 0), /clamp_gate: the model has no recurrent layer/],
  ['unknown gate', () => lstm.clampGate('q', 0), /LSTM: unknown gate 'q' \(allowed: i, f, g, o\)/],
  ['clamp of a layer that does not exist', () => lstm.clampGate('f', 0, 5), /LSTM: clamp_gate layer 5 is out of range/],
  ['clamp value outside the gate\'s range', () => lstm.clampGate('f', 2), /clamp value 2\.0+ for gate 'f' is outside its range \[0, 1\]/],
  ['clamp of a fractional layer (the binding\'s own check)', () => lstm.clampGate('f', 0, 0.5), /clampGate: layer must be a whole number from -1 \(all\) to 1000000, got 0\.5/],
  ['clamp of layer NaN', () => lstm.clampGate('f', 0, NaN), /clampGate: layer must be a whole number .* got null/],
  ['clamp of layer 2^40', () => lstm.clampGate('f', 0, 2 ** 40), /clampGate: layer must be a whole number .* got 1099511627776/],
  ['clamp of direction 1.5', () => lstm.clampGate('f', 0, 0, 1.5), /clampGate: direction must be a whole number from -1 \(all\) to 1, got 1\.5/],
  ['clamp value NaN', () => lstm.clampGate('f', NaN), /clampGate: value must be a finite number, got null/],
  ['gradient check with eps 0', () => mlp.checkGradients({ eps: 0 }), /checkGradients: eps must be a number from 1e-12 to 0\.1, got 0/],
  ['gradient check with eps 1e30', () => mlp.checkGradients({ eps: 1e30 }), /checkGradients: eps must be a number from 1e-12 to 0\.1, got 1e\+30/],
  ['gradient check with tolerance NaN', () => mlp.checkGradients({ tolerance: NaN }), /checkGradients: tolerance must be a number from 1e-12 to 1, got null/],
  ['unknown split', () => mlp.evaluate('validation'), /evaluate: unknown split 'validation' \(allowed: train, test\)/],
  ['checkpoint that is not JSON', () => mlp.loadCheckpoint('checkpoint?'), /the checkpoint is not valid JSON/],
  ['checkpoint without format', () => mlp.loadCheckpoint('{}'), /\/format: not a gradlab checkpoint/],
  ['checkpoint from the future', () => mlp.loadCheckpoint(corrupt((c) => { c.version = 7; })),
    /\/version: checkpoint format version 7 is not readable/],
  ['checkpoint with a negative step', () => mlp.loadCheckpoint(corrupt((c) => { c.step = -3; })), /\/step: expected a non-negative integer/],
  ['checkpoint of another model', () => mlp.loadCheckpoint(lstmCheckpoint), /\/parameters: the checkpoint is for a different model/],
  ['checkpoint with a ragged tensor', () => mlp.loadCheckpoint(corrupt((c) => { c.parameters['layers.0.bias'].data.pop(); })),
    /\/parameters\/layers\.0\.bias/],
  ['training that diverges', () => new gradlab.Session({
    version: 1, seed: 0, data: { dataset: 'plane', options: { n_samples: 200 } },
    model: { layers: [{ type: 'linear', in: 2, out: 1 }] }, loss: { type: 'mse' },
    optimizer: { type: 'sgd', lr: 100 }, training: { steps: 300, batch_size: 200 },
  }).train(50), /step 10: a value became non-finite.*op 'square' produced inf/],
  ['unknown parameter name (the binding\'s own check)', () => mlp.parameter('layers.9.weight'),
    /no parameter named 'layers\.9\.weight' \(parameters: layers\.0\.weight, layers\.0\.bias/],
];

test(`${badCalls.length} bad calls each throw an Error with the core's message; a good call follows`, () => {
  assert.ok(badCalls.length >= 20);
  for (const [what, call, message] of badCalls) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error, `${what}: threw ${e}, not an Error`);
      assert.match(e.message, message, `${what}: message`);
      return true;
    }, what);
    // The module instance still works: a new session trains.
    const good = new gradlab.Session(xorText);
    assert.ok(Number.isFinite(good.step().loss), `${what}: a good call after it`);
    good.delete();
  }
});

test('validate never throws: undefined, null, a number are each an invalid spec with a reason', () => {
  for (const bad of [undefined, null, 42, '']) {
    const r = gradlab.validate(bad);
    assert.equal(r.ok, false, `validate(${String(bad)})`);
    assert.ok(r.issues.length > 0 && r.issues[0].message.length > 0, `validate(${String(bad)}) says why`);
  }
  assert.equal(gradlab.validate(xor).ok, true);
});

test('SpecError carries every issue with its JSON pointer', () => {
  assert.throws(() => new gradlab.Session('{}'), (e) => {
    assert.equal(e.name, 'SpecError');
    assert.deepEqual(e.issues.map((i) => i.pointer), ['/version', '/data', '/model', '/loss']);
    assert.match(e.issues[0].message, /is required/);
    return true;
  });
});

test('NonFiniteError says where and keeps the metrics of the steps that completed', () => {
  const s = new gradlab.Session({
    version: 1, seed: 0, data: { dataset: 'plane', options: { n_samples: 200 } },
    model: { layers: [{ type: 'linear', in: 2, out: 1 }] }, loss: { type: 'mse' },
    optimizer: { type: 'sgd', lr: 100 }, training: { steps: 300, batch_size: 200 },
  });
  try {
    assert.throws(() => s.train(50), (e) => {
      assert.equal(e.name, 'NonFiniteError');
      assert.equal(e.step, 10);
      assert.equal(e.op, 'square');
      assert.equal(e.metrics.length, 9);
      assert.equal(e.metrics[8].step, 9);
      return true;
    });
    // The last good state stays: step 9, and it fails the same way again.
    assert.equal(s.stepsDone(), 9);
    assert.throws(() => s.step(), { name: 'NonFiniteError' });
  } finally {
    s.delete();
  }
});

test('a failed call leaves the session as it was', () => {
  const before = mlp.checkpoint();
  assert.throws(() => mlp.loadCheckpoint(lstmCheckpoint));
  assert.throws(() => mlp.loadCheckpoint(corrupt((c) => { c.parameters['layers.0.bias'].data.pop(); })));
  assert.throws(() => mlp.snapshot('nope'));
  assert.equal(mlp.checkpoint(), before);
  assert.ok(Number.isFinite(mlp.step().loss));
});

test('a thousand failures leak neither wasm stack nor memory', (t) => {
  // 100 kB arguments: leaking them (as throwing through embind would) grows memory by 200 MB.
  const padding = 'x'.repeat(100000);
  const bad = variant((s) => { s.model.layers[1].type = 'tanhh'; s.description = padding; });
  const badCheckpoint = `{"padding": "${padding}"}`;
  const cycle = () => {
    for (let i = 0; i < 1000; i++) {
      assert.throws(() => new gradlab.Session(bad));
      assert.throws(() => mlp.loadCheckpoint(badCheckpoint));
    }
  };
  // stackSave is on the module when the JS exception scheme needs it (the default build).
  const stackSave = typeof gradlab.stackSave === 'function' ? gradlab.stackSave : null;
  if (!stackSave) t.diagnostic('no Module.stackSave in this build: checking memory only');
  cycle(); // warm up: let the allocator settle
  const stack = stackSave && stackSave();
  const memory = gradlab.HEAPU8.length;
  cycle();
  if (stackSave) assert.equal(stackSave(), stack, 'stack pointer drifted');
  assert.equal(gradlab.HEAPU8.length, memory, 'wasm memory grew');
});

test.after(() => {
  mlp.delete();
  lstm.delete();
});
