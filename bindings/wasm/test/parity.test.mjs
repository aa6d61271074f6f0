// Parity: the same spec and seed give the same numbers in wasm as in the native CLI
// (`gradlab run`, metrics.jsonl with log_every = 1), step by step, for the first N steps.
//
// The native CLI normally runs the Eigen kernels and glibc's libm, the wasm module the
// scalar reference or SIMD kernels and musl's libm, so the contract is float tolerance:
// every metric within GRADLAB_PARITY_RTOL (default 1e-5) relative. Each case also reports
// how many steps matched bit for bit. With GRADLAB_PARITY_EXACT=1 (a CLI built with
// -DGRADLAB_NATIVE_KERNELS=OFF against the scalar wasm flavour) bit-for-bit is asserted.
//
//   GRADLAB_CLI=path/to/gradlab   (default build/native-release/bindings/cli/gradlab)
//   GRADLAB_PARITY_STEPS=N        (default 20)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';

import { loadGradlab, readExample, repoRoot } from '../load.mjs';

const cli = process.env.GRADLAB_CLI || path.join(repoRoot, 'build', 'native-release', 'bindings', 'cli', 'gradlab');
const steps = Number(process.env.GRADLAB_PARITY_STEPS || 20);
const rtol = Number(process.env.GRADLAB_PARITY_RTOL || 1e-5);
const exact = process.env.GRADLAB_PARITY_EXACT === '1';
const haveCli = fs.existsSync(cli);

const gradlab = await loadGradlab();

const relative = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30));

// The CLI's metrics for every step, and its final parameters.
function runCli(spec, dir) {
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  execFileSync(cli, ['run', file, '--steps', String(steps), '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const checkpoint = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'));
  return { metrics: lines.filter((m) => m.kind === 'train'), parameters: checkpoint.parameters };
}

const cases = [
  ['xor.json', 'MLP, tanh, SGD with momentum, cross-entropy'],
  ['plane-normal-equation.json', 'linear regression, MSE'],
  ['adding-lstm.json', 'LSTM (fused cells), Adam, gradient clipping'],
  ['dates-attention.json', 'seq2seq: bidirectional GRU encoder, attention decoder'],
  ['gan-ring-minimax.json', 'GAN: MLP generator and discriminator, 5 critic steps'],
];

for (const [example, what] of cases) {
  test(`${example} (${what}): wasm ${gradlab.flavour()} vs native CLI, ${steps} steps`, { skip: !haveCli && `no native CLI at ${cli}` }, (t) => {
    const spec = JSON.parse(readExample(example));
    spec.training.log_every = 1;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-parity-'));
    let native;
    try {
      native = runCli(spec, dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const session = new gradlab.Session(spec);
    let wasm, parameters;
    try {
      wasm = session.train(steps);
      parameters = session.parameters();
    } finally {
      session.delete();
    }
    assert.equal(native.metrics.length, steps);
    assert.equal(wasm.length, steps);

    let worst = { rel: 0 }, identicalSteps = 0;
    for (let i = 0; i < steps; i++) {
      const a = native.metrics[i], b = wasm[i];
      assert.equal(b.step, a.step);
      let identical = true;
      for (const key of Object.keys(a)) {
        if (typeof a[key] !== 'number' || key === 'step') continue;
        assert.equal(typeof b[key], 'number', `step ${a.step}: wasm has no number for ${key}`);
        const rel = relative(a[key], b[key]);
        if (rel !== 0) identical = false;
        if (rel > worst.rel) worst = { rel, step: a.step, key, native: a[key], wasm: b[key] };
      }
      if (identical) identicalSteps++;
    }
    let worstParameter = 0;
    for (const [name, tensor] of Object.entries(native.parameters)) {
      const w = parameters[name];
      assert.equal(w.length, tensor.data.length, name);
      const scale = Math.max(...tensor.data.map(Math.abs), 1e-30);
      for (let i = 0; i < w.length; i++) worstParameter = Math.max(worstParameter, Math.abs(w[i] - tensor.data[i]) / scale);
    }
    t.diagnostic(`${identicalSteps}/${steps} steps bit-identical in every metric; worst metric difference ` +
      (worst.rel === 0 ? '0' : `${worst.rel.toExponential(2)} (step ${worst.step}, ${worst.key}: native ${worst.native}, wasm ${worst.wasm})`) +
      `; parameters after ${steps} steps: max |diff| / max |param| ${worstParameter.toExponential(2)}`);
    if (exact) {
      assert.equal(identicalSteps, steps, 'bit-for-bit parity expected (GRADLAB_PARITY_EXACT=1)');
      assert.equal(worstParameter, 0);
    }
    assert.ok(worst.rel <= rtol, `worst relative difference ${worst.rel} > ${rtol}: ${JSON.stringify(worst)}`);
  });
}
