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

// The double-precision linear algebra of core/nn/linalg (plain loops in both builds) on
// the paths that use it: the orthogonal initialiser (a Householder QR), the normal
// equation's least squares (full rank, ridge, and rank-deficient: the minimum-norm
// solution) and the recurrent step Jacobians with their singular values, each against the
// native CLI on a freshly initialised model.
function cliJson(spec, args) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-parity-'));
  try {
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify(spec));
    if (args[0] === 'run') {
      execFileSync(cli, ['run', file, '--steps', '0', '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      return JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'));
    }
    return JSON.parse(execFileSync(cli, [args[0], file, ...args.slice(1)], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Every number of `a` against the same place in `b`, relative to the largest |number| of its
// array; a lone number relative to itself, or absolute below 1e-9 (the mse of an exact fit
// is rounding noise, ~1e-30).
function worstDifference(a, b, where = '') {
  if (Array.isArray(a)) {
    assert.ok(Array.isArray(b) && b.length === a.length, `${where}: lengths differ`);
    const scale = Math.max(...a.filter((v) => typeof v === 'number').map(Math.abs), 1e-30);
    let worst = { rel: 0 };
    a.forEach((v, i) => {
      const w = typeof v === 'number' ? { rel: Math.abs(v - b[i]) / scale, where: `${where}/${i}` } : worstDifference(v, b[i], `${where}/${i}`);
      if (w.rel > worst.rel) worst = w;
    });
    return worst;
  }
  if (a !== null && typeof a === 'object') {
    let worst = { rel: 0 };
    for (const key of Object.keys(a)) {
      const w = worstDifference(a[key], b[key], `${where}/${key}`);
      if (w.rel > worst.rel) worst = w;
    }
    return worst;
  }
  if (typeof a === 'number') return { rel: Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-9), where };
  assert.equal(b, a, where);
  return { rel: 0 };
}

test(`dense linear algebra (orthogonal init, least squares, Jacobians): wasm ${gradlab.flavour()} vs native CLI`, { skip: !haveCli && `no native CLI at ${cli}` }, (t) => {
  // A smaller adding LSTM (T 12, H 16): the example's jacobian snapshot (T 50, H 32: 200
  // singular value decompositions up to 64 x 64) takes ~20 s in wasm.
  const lstm = JSON.parse(readExample('adding-lstm.json'));
  lstm.model.init = 'orthogonal';
  lstm.data.options.seq_len = 12;
  lstm.model.layers[0].hidden_size = 16;
  lstm.model.layers[2].in = 16;
  const plane = JSON.parse(readExample('plane-normal-equation.json'));
  const ridge = structuredClone(plane);
  ridge.training.l2 = 0.05;
  // 12 training samples, 20 features: 21 columns, rank 12, the minimum-norm solution.
  const wide = { ...structuredClone(plane), data: { dataset: 'hyperplane', options: { n_samples: 15, n_features: 20, test_fraction: 0.2 } } };
  wide.model.layers[0].in = 20;
  const withSession = (spec, f) => {
    const s = new gradlab.Session(spec);
    try {
      return f(s);
    } finally {
      s.delete();
    }
  };

  const init = cliJson(lstm, ['run']).parameters;
  const wasmInit = withSession(lstm, (s) => s.parameters());
  let worstInit = 0;
  for (const [name, tensor] of Object.entries(init)) {
    const w = wasmInit[name];
    for (let i = 0; i < w.length; i++) worstInit = Math.max(worstInit, Math.abs(w[i] - tensor.data[i]));
  }
  const rows = [`orthogonal init: max |diff| ${worstInit}`];
  assert.ok(worstInit <= 1e-6, `orthogonal init differs by ${worstInit}`);

  for (const [name, spec, rank] of [['plane', plane, 3], ['plane, ridge', ridge, 3], ['rank-deficient', wide, 12]]) {
    const native = cliJson(spec, ['inspect', '--what', 'normal_equation']).closed_form;
    const wasm = withSession(spec, (s) => s.snapshot('normal_equation')).closed_form;
    assert.equal(wasm.rank, rank, name);
    assert.equal(wasm.rank_deficient, rank < wasm.columns, name);
    const worst = worstDifference(native, wasm);
    rows.push(`normal equation, ${name}: rank ${wasm.rank} of ${wasm.columns}, worst ${worst.rel.toExponential(2)} ${worst.where ?? ''}`);
    assert.ok(worst.rel <= 1e-6, `${name}: ${JSON.stringify(worst)}`);
  }

  const native = cliJson(lstm, ['inspect', '--what', 'jacobian']);
  const wasm = withSession(lstm, (s) => s.snapshot('jacobian'));
  assert.equal(wasm.length, native.length);
  const worst = worstDifference(native, wasm);
  rows.push(`jacobian: ${wasm.length} steps, worst ${worst.rel.toExponential(2)} at ${worst.where}`);
  t.diagnostic(rows.join('; '));
  assert.ok(worst.rel <= rtol, `jacobian: ${JSON.stringify(worst)}`);
});
