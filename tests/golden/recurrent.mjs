// Golden numbers for gradlab's recurrent layers (tests/nn/recurrent_golden_test.cpp), from
// an independent implementation: @tensorflow/tfjs (pure JS cpu backend, float32).
//
// Regenerate:  cd tests/golden && npm ci && node recurrent.mjs ../data/recurrent_golden.json
//
// The RNN, LSTM and GRU cells are written here with tf ops (tf.matMul, tf.sigmoid, ...)
// from PyTorch's equations, and differentiated with tf.grads. The LSTM is also run through
// Keras' tf.layers.lstm (kernel [I, 4H] in gate order i, f, c, o, one bias = b_ih + b_hh,
// recurrent_activation 'sigmoid') and checked against the hand-written one, forward and
// gradients, which proves the PyTorch <-> Keras gate layout. tfjs has no PyTorch-style GRU
// (n = tanh(W_in x + b_in + r * (W_hn h + b_hn))), so only the hand-written one exists.
//
// Weights, inputs, initial states and loss weights are multiples of 1/256 (exact in float32
// and in JSON); results are float32, written with 9 significant digits (round-trips float32).
// Saved with PyTorch's names and layouts.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';

const B = 2, T = 4, I = 3, H = 4;

// mulberry32: a tiny deterministic PRNG, so the numbers do not depend on tfjs' generators.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// Uniform multiples of 1/256 in [-bound, bound].
function randomTensor(next, shape, bound) {
  const n = shape.reduce((a, b) => a * b, 1);
  const k = Math.round(bound * 256);
  const data = Array.from({ length: n }, () => (Math.floor(next() * (2 * k + 1)) - k) / 256);
  return tf.tensor(data, shape, 'float32');
}

const G = { rnn_tanh: 1, lstm: 4, gru: 3 };

// PyTorch parameter names and shapes, in registration order.
function paramSpecs(kind, L, D) {
  const specs = [];
  for (let l = 0; l < L; l++) {
    const Ik = l === 0 ? I : D * H;
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
      specs.push([`weight_ih${s}`, [G[kind] * H, Ik]], [`weight_hh${s}`, [G[kind] * H, H]],
                 [`bias_ih${s}`, [G[kind] * H]], [`bias_hh${s}`, [G[kind] * H]]);
    }
  }
  return specs;
}

// The hand-written reference: x [B, T, I] -> output [B, T, D*H], h_n / c_n [L*D, B, H].
function runManual(kind, L, D, P, x, h0, c0) {
  let layerIn = x;
  const hFinal = [], cFinal = [];
  for (let l = 0; l < L; l++) {
    const dirOuts = [];
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const Wih = P[`weight_ih${s}`], Whh = P[`weight_hh${s}`], bih = P[`bias_ih${s}`], bhh = P[`bias_hh${s}`];
      const idx = l * D + d;
      let h = h0 ? h0.slice([idx, 0, 0], [1, B, H]).reshape([B, H]) : tf.zeros([B, H]);
      let c = c0 ? c0.slice([idx, 0, 0], [1, B, H]).reshape([B, H]) : tf.zeros([B, H]);
      const outs = new Array(T);
      for (let step = 0; step < T; step++) {
        const t = d === 1 ? T - 1 - step : step;
        const xt = layerIn.slice([0, t, 0], [B, 1, layerIn.shape[2]]).reshape([B, layerIn.shape[2]]);
        const gx = tf.add(tf.matMul(xt, Wih, false, true), bih);
        const gh = tf.add(tf.matMul(h, Whh, false, true), bhh);
        if (kind === 'lstm') {
          const [pi, pf, pg, po] = tf.split(tf.add(gx, gh), 4, 1);
          const i = tf.sigmoid(pi), f = tf.sigmoid(pf), g = tf.tanh(pg), o = tf.sigmoid(po);
          c = tf.add(tf.mul(f, c), tf.mul(i, g));
          h = tf.mul(o, tf.tanh(c));
        } else if (kind === 'gru') {
          const [xr, xz, xn] = tf.split(gx, 3, 1);
          const [hr, hz, hn] = tf.split(gh, 3, 1);
          const r = tf.sigmoid(tf.add(xr, hr)), z = tf.sigmoid(tf.add(xz, hz));
          const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
          h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
        } else {
          h = tf.tanh(tf.add(gx, gh));
        }
        outs[t] = h;
      }
      hFinal.push(h);
      cFinal.push(c);
      dirOuts.push(tf.stack(outs, 1));
    }
    layerIn = D === 1 ? dirOuts[0] : tf.concat(dirOuts, 2);
  }
  return { output: layerIn, h_n: tf.stack(hFinal, 0), c_n: kind === 'lstm' ? tf.stack(cFinal, 0) : null };
}

function lossOf(r, W) {
  let loss = tf.add(tf.sum(tf.mul(r.output, W.output)), tf.sum(tf.mul(r.h_n, W.h_n)));
  if (r.c_n) loss = tf.add(loss, tf.sum(tf.mul(r.c_n, W.c_n)));
  return loss;
}

function maxAbsDiff(a, b) {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

// Keras LSTM (or Bidirectional(LSTM)) with the PyTorch weights converted; returns the
// largest differences from the hand-written reference, forward and gradients.
function kerasCrossCheck(D, P, x, W, manual, manualGrads, names) {
  const make = () => tf.layers.lstm({ units: H, returnSequences: true, returnState: true,
                                      activation: 'tanh', recurrentActivation: 'sigmoid' });
  const layer = D === 1 ? make() : tf.layers.bidirectional({ layer: make(), mergeMode: 'concat' });
  layer.apply(x);  // builds the weights
  const weights = [];
  for (let d = 0; d < D; d++) {
    const s = `_l0${d === 1 ? '_reverse' : ''}`;
    weights.push(tf.transpose(P[`weight_ih${s}`]),  // kernel [I, 4H], gate columns i, f, c(=g), o
                 tf.transpose(P[`weight_hh${s}`]),  // recurrent_kernel [H, 4H]
                 tf.add(P[`bias_ih${s}`], P[`bias_hh${s}`]));
  }
  layer.setWeights(weights);
  const run = () => {
    const outs = layer.apply(x);  // [output, h, c] per direction
    const hs = [], cs = [];
    for (let d = 0; d < D; d++) {
      hs.push(outs[1 + 2 * d]);
      cs.push(outs[2 + 2 * d]);
    }
    return { output: outs[0], h_n: tf.stack(hs, 0), c_n: tf.stack(cs, 0) };
  };
  const r = run();
  const diff = {
    output: maxAbsDiff(r.output, manual.output),
    h_n: maxAbsDiff(r.h_n, manual.h_n),
    c_n: maxAbsDiff(r.c_n, manual.c_n),
  };
  // Gradients: Keras' kernel gradient is dW_ih^T, its bias gradient db_ih (= db_hh).
  const vars = layer.trainableWeights.map((w) => w.read());
  const { grads } = tf.variableGrads(() => lossOf(run(), W), vars);
  let gradDiff = 0;
  for (let d = 0; d < D; d++) {
    const s = `_l0${d === 1 ? '_reverse' : ''}`;
    const [k, rk, b] = vars.slice(3 * d, 3 * d + 3).map((v) => grads[v.name]);
    gradDiff = Math.max(gradDiff,
                        maxAbsDiff(tf.transpose(k), manualGrads[names.indexOf(`weight_ih${s}`)]),
                        maxAbsDiff(tf.transpose(rk), manualGrads[names.indexOf(`weight_hh${s}`)]),
                        maxAbsDiff(b, manualGrads[names.indexOf(`bias_ih${s}`)]),
                        maxAbsDiff(b, manualGrads[names.indexOf(`bias_hh${s}`)]));
  }
  diff.grads = gradDiff;
  for (const [what, v] of Object.entries(diff))
    if (!(v <= 1e-5)) throw new Error(`Keras LSTM disagrees with the hand-written one on ${what}: ${v}`);
  return diff;
}

const round = (v) => Number(v.toPrecision(9));
const pack = (t) => ({ shape: t.shape, data: Array.from(t.dataSync(), round) });

function makeCase(kind, L, D, withStates, seed) {
  const next = rng(seed);
  const specs = paramSpecs(kind, L, D);
  const P = {};
  for (const [name, shape] of specs) P[name] = randomTensor(next, shape, 0.5);
  const x = randomTensor(next, [B, T, I], 1);
  const h0 = withStates ? randomTensor(next, [L * D, B, H], 0.5) : null;
  const c0 = withStates && kind === 'lstm' ? randomTensor(next, [L * D, B, H], 0.5) : null;
  const W = {
    output: randomTensor(next, [B, T, D * H], 1),
    h_n: randomTensor(next, [L * D, B, H], 1),
    c_n: kind === 'lstm' ? randomTensor(next, [L * D, B, H], 1) : null,
  };
  const names = specs.map(([n]) => n);
  const inputs = [...names.map((n) => P[n]), x];
  const inputNames = [...names, 'x'];
  if (h0) { inputs.push(h0); inputNames.push('h0'); }
  if (c0) { inputs.push(c0); inputNames.push('c0'); }
  const f = (...args) => {
    const Q = {};
    names.forEach((n, k) => { Q[n] = args[k]; });
    const xs = args[names.length];
    const hh = h0 ? args[names.length + 1] : null;
    const cc = c0 ? args[names.length + 2] : null;
    return lossOf(runManual(kind, L, D, Q, xs, hh, cc), W);
  };
  const manual = runManual(kind, L, D, P, x, h0, c0);
  const loss = lossOf(manual, W).dataSync()[0];
  const grads = tf.grads(f)(inputs);

  const out = {
    name: `${kind}_L${L}_${D === 2 ? 'bi' : 'uni'}${withStates ? '_states' : ''}`,
    kind, input_size: I, hidden_size: H, num_layers: L, bidirectional: D === 2,
    x: pack(x),
    params: Object.fromEntries(names.map((n) => [n, pack(P[n])])),
    loss_weights: { output: pack(W.output), h_n: pack(W.h_n) },
    output: pack(manual.output), h_n: pack(manual.h_n),
    loss: round(loss),
    grads: Object.fromEntries(inputNames.map((n, k) => [n, pack(grads[k])])),
  };
  if (h0) out.h0 = pack(h0);
  if (c0) out.c0 = pack(c0);
  if (kind === 'lstm') {
    out.loss_weights.c_n = pack(W.c_n);
    out.c_n = pack(manual.c_n);
    if (L === 1 && !withStates) out.keras_max_abs_diff = kerasCrossCheck(D, P, x, W, manual, grads, names);
  }
  return out;
}

const target = process.argv[2];
if (!target) throw new Error('usage: node recurrent.mjs <output.json>');
await tf.setBackend('cpu');
const cases = [];
let seed = 1;
for (const kind of ['rnn_tanh', 'lstm', 'gru']) {
  for (const [L, D, withStates] of [[1, 1, false], [1, 2, false], [2, 1, false], [2, 2, true]]) {
    cases.push(makeCase(kind, L, D, withStates, seed++));
  }
}
const doc = {
  about: 'Golden numbers for gradlab recurrent layers: forward output, h_n, c_n and the gradients of ' +
         'loss = sum(output * W_output) + sum(h_n * W_h_n) [+ sum(c_n * W_c_n)] with respect to every ' +
         'parameter (PyTorch names and layouts), the input x and the initial states. Batch first.',
  generator: `tests/golden/recurrent.mjs, @tensorflow/tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, float32`,
  regenerate: 'cd tests/golden && npm ci && node recurrent.mjs ../data/recurrent_golden.json',
  cases,
};
fs.writeFileSync(target, JSON.stringify(doc) + '\n');
console.log(`wrote ${cases.length} cases to ${target} (${fs.statSync(target).size} bytes)`);
for (const c of cases) if (c.keras_max_abs_diff) console.log(c.name, 'keras vs hand-written:', c.keras_max_abs_diff);
