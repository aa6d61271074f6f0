// Smoke test of the node module: train XOR to >= 95% test accuracy through the JS API, then
// read parameters and gradients as Float32Array copies, snapshots, checkpoints, reset.
// Run: node --test bindings/wasm/test/   (after cmake --build --preset wasm-modules)
import assert from 'node:assert/strict';
import test from 'node:test';

import { loadGradlab, readExample } from '../load.mjs';

const gradlab = await loadGradlab();
const xor = readExample('xor.json');

test('the module says which flavour it is', () => {
  // The one asked for (load.mjs: GRADLAB_WASM_FLAVOUR), or any flavour for an explicit file.
  const asked = process.env.GRADLAB_WASM_MODULE ? ['simd', 'relaxed', 'scalar'] : [process.env.GRADLAB_WASM_FLAVOUR || 'simd'];
  assert.ok(asked.includes(gradlab.flavour()), `${gradlab.flavour()} is not ${asked.join(' or ')}`);
});

test('XOR trains to >= 95% test accuracy', () => {
  const s = new gradlab.Session(xor);
  try {
    assert.equal(s.stepsDone(), 0);
    assert.equal(s.plannedSteps(), 500);
    let accuracy = 0;
    while (s.stepsDone() < 2 * s.plannedSteps()) {
      const metrics = s.train(25);
      assert.equal(metrics.length, 25);
      assert.equal(metrics[24].step, s.stepsDone());
      assert.ok(Number.isFinite(metrics[24].loss));
      accuracy = s.evaluate('test').accuracy;
      if (accuracy >= 0.95) break;
    }
    assert.ok(accuracy >= 0.95, `test accuracy ${accuracy} after ${s.stepsDone()} steps`);
    const one = s.step();
    assert.equal(one.step, s.stepsDone());
    assert.ok(s.evaluate('train').accuracy >= 0.9);
  } finally {
    s.delete();
  }
});

test('parameters and gradients are Float32Array copies, one per PyTorch name, as long as the counts', () => {
  const s = new gradlab.Session(xor);
  try {
    s.train(10);
    const { parameters: info, total } = s.params();
    assert.deepEqual(info.map((p) => p.name), ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']);
    assert.deepEqual(info.map((p) => p.shape), [[8, 2], [8], [2, 8], [2]]);
    assert.equal(total, 42);
    assert.deepEqual(s.parameterNames(), info.map((p) => p.name));

    const grads = s.gradients();
    const params = s.parameters();
    assert.deepEqual(Object.keys(grads), s.parameterNames());
    assert.deepEqual(Object.keys(params), s.parameterNames());
    for (const p of info) {
      for (const [what, arrays] of [['gradient', grads], ['parameter', params]]) {
        const a = arrays[p.name];
        assert.ok(a instanceof Float32Array, `${what} ${p.name} is a Float32Array`);
        assert.equal(a.length, p.count, `${what} ${p.name} has count ${p.count}`);
        assert.ok(a.every(Number.isFinite));
        // A copy, not a view into wasm memory (views die when memory grows).
        assert.notEqual(a.buffer, gradlab.HEAPU8.buffer);
      }
      assert.deepEqual(s.parameter(p.name), params[p.name]);
      assert.deepEqual(s.gradient(p.name), grads[p.name]);
    }
    assert.ok(grads['layers.0.weight'].some((g) => g !== 0), 'some gradient is non-zero');

    // gradients() agrees with gradJson() (the numbers of `gradlab grad`) and updates nothing.
    const j = JSON.parse(s.gradJson());
    assert.ok(Number.isFinite(j.loss));
    for (const p of info) assert.deepEqual(Float32Array.from(j.gradients[p.name].data), grads[p.name]);
    assert.deepEqual(s.parameters(), params);
    assert.equal(s.stepsDone(), 10);
  } finally {
    s.delete();
  }
});

test('checkpoint, loadCheckpoint and reset reproduce the run bit for bit', () => {
  const a = new gradlab.Session(xor);
  const b = new gradlab.Session(JSON.parse(xor)); // a spec object works too
  try {
    const first = a.train(30).map((m) => m.loss);
    const ckpt = a.checkpoint();
    const after = a.train(20).map((m) => m.loss);

    b.loadCheckpoint(ckpt);
    assert.equal(b.stepsDone(), 30);
    assert.deepEqual(b.train(20).map((m) => m.loss), after);
    assert.deepEqual(b.parameters(), a.parameters());

    a.reset();
    assert.equal(a.stepsDone(), 0);
    assert.deepEqual(a.train(30).map((m) => m.loss), first);
  } finally {
    a.delete();
    b.delete();
  }
});

test('snapshots, gradient check and gate clamps', () => {
  const s = new gradlab.Session(xor);
  try {
    const names = s.snapshotNames();
    assert.ok(names.includes('params') && names.includes('field'), names.join());
    const field = s.snapshot('field');
    assert.equal(typeof field, 'object');
    const check = s.checkGradients();
    assert.equal(check.parameters.length, 4);
    assert.ok(check.ok, JSON.stringify(check));
  } finally {
    s.delete();
  }
  const lstm = new gradlab.Session(readExample('adding-lstm.json'));
  try {
    lstm.clampGate('f', 0);
    assert.ok(Number.isFinite(lstm.step().loss));
    lstm.clearClamps();
    assert.ok(lstm.snapshotNames().includes('recurrent'));
  } finally {
    lstm.delete();
  }
});

test('delete() frees the session; later calls throw', () => {
  const s = new gradlab.Session(xor);
  s.delete();
  s.delete(); // idempotent
  assert.ok(s.isDeleted());
  assert.throws(() => s.step(), { name: 'Error', message: /deleted/ });
});
