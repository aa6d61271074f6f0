// Shared by node and the browser: deterministic inputs, timing, the benchmark specs and FLOP
// formulas. Plain ES module, no dependencies.

export const now = () => performance.now();

// 32-bit LCG, uniform in [-1, 1): the same numbers as lcg_fill in native_compare.cpp.
export function lcgFill(seed, n) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 16777216) * 2 - 1;
  }
  return out;
}

export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median ms per call over `reps` repetitions, each of enough calls to last ~targetMs.
export function timeSync(f, { reps = 7, targetMs = 50, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; ++i) f();
  let t0 = now();
  f();
  const one = Math.max(now() - t0, 1e-3);
  const calls = Math.max(1, Math.round(targetMs / one));
  const per = [];
  for (let r = 0; r < reps; ++r) {
    t0 = now();
    for (let c = 0; c < calls; ++c) f();
    per.push((now() - t0) / calls);
  }
  return { ms: median(per), reps, calls };
}

export async function timeAsync(f, { reps = 7, calls = 1, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; ++i) await f();
  const per = [];
  for (let r = 0; r < reps; ++r) {
    const t0 = now();
    for (let c = 0; c < calls; ++c) await f();
    per.push((now() - t0) / calls);
  }
  return { ms: median(per), reps, calls };
}

// Interleaved timing: every repetition times one batch of each implementation in turn, so
// load from other processes (a shared machine) hits all of them alike and the ratios stay
// fair. impls: {name: fn}; fn may return a promise (then it is awaited). Calls per batch are
// calibrated per implementation to ~targetMs. Returns {name: {ms (median per call), best
// (fastest batch), reps, calls}}.
// warmup: calls before timing; warmupMs: then more calls until that much time went into
// warming this implementation up (a JIT's steady state: V8 runs a wasm function as baseline
// Liftoff code until it has been hot for a while and its optimised code is ready, which for
// a 30 ms training step takes several steps; see README "Warm-up"). The first calls' times
// are kept in `warmup_ms` so the tier-up stays visible.
export async function interleaved(impls, { reps = 9, targetMs = 50, warmup = 1, warmupMs = 0, maxCalls = 1e6 } = {}) {
  const names = Object.keys(impls);
  const plan = {};
  for (const name of names) {
    const f = impls[name];
    let isAsync = false;
    const warm = [];
    const w0 = now();
    for (let i = 0; i < warmup || now() - w0 < warmupMs; ++i) {
      const t = now();
      const r = f();
      if (r && typeof r.then === 'function') { isAsync = true; await r; }
      warm.push(now() - t);
    }
    const t0 = now();
    const r = f();
    if (r && typeof r.then === 'function') { isAsync = true; await r; }
    const one = Math.max(now() - t0, 1e-3);
    plan[name] = { isAsync, calls: Math.min(maxCalls, Math.max(1, Math.round(targetMs / one))), per: [], warm };
  }
  for (let rep = 0; rep < reps; ++rep) {
    for (const name of rep % 2 ? [...names].reverse() : names) {
      const f = impls[name], p = plan[name];
      const t0 = now();
      if (p.isAsync) for (let c = 0; c < p.calls; ++c) await f();
      else for (let c = 0; c < p.calls; ++c) f();
      p.per.push((now() - t0) / p.calls);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ms: median(plan[n].per), best: Math.min(...plan[n].per), reps, calls: plan[n].calls,
    warmup_calls: plan[n].warm.length, warmup_ms: plan[n].warm.slice(0, 12).map((t) => Math.round(t * 10) / 10) }]));
}

// GEMM over several implementations, interleaved per (n, variant). impls: {name: maker}
// where maker has setup(n), call(variantIndex) -> fn, result() -> Float32Array copy of C (of
// the last call), teardown(). Returns {name: [{n, variant, ms, best, gflops, gflops_best, C}]}.
export async function benchGemmInterleaved(impls, { sizes = GEMM_SIZES, reps = 9, targetMs = 50 } = {}) {
  const out = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  for (const n of sizes) {
    for (const m of Object.values(impls)) m.setup(n);
    for (let v = 0; v < 4; ++v) {
      const fns = Object.fromEntries(Object.entries(impls).map(([k, m]) => [k, m.call(v)]));
      const t = await interleaved(fns, { reps, targetMs });
      const flops = 2 * n * n * n;
      for (const [k, m] of Object.entries(impls))
        out[k].push({ n, variant: VARIANTS[v], ms: t[k].ms, best: t[k].best, calls: t[k].calls, gflops: flops / (t[k].ms * 1e6),
          gflops_best: flops / (t[k].best * 1e6), C: m.result() });
    }
    for (const m of Object.values(impls)) m.teardown();
  }
  return out;
}

export const GEMM_SIZES = [64, 128, 256, 512];
export const VARIANTS = ['NN', 'NT', 'TN', 'TT'];
export const gemmInputs = (n) => ({ A: lcgFill(n * 7 + 1, n * n), B: lcgFill(n * 7 + 2, n * n) });
// The entries of C the native program reports (k * 2654435761 mod n^2, k < 64).
export const sampleIndex = (k, size) => Number((BigInt(k) * 2654435761n) % BigInt(size));

// max |a - b| / max |b| over the whole matrix (or over the sampled entries).
export function relDiff(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; ++i) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den || 1);
}

// The recurrent benchmark: batch 32, length 50, input 64, hidden 128, Linear to 64 classes,
// softmax cross-entropy at every step, SGD.
export const RNN = { B: 32, T: 50, I: 64, H: 128, V: 64, lr: 0.01 };

// FLOPs of the GEMMs one training step must do (forward + backward; the input x needs no
// gradient, so there is no dX GEMM for the input projection):
//   forward:  x W_ih^T (TB*GH*I), h W_hh^T per step (TB*GH*H), head h W^T (TB*H*V)
//   backward: dW_ih (TB*GH*I), dh_prev = dG W_hh (TB*GH*H), dW_hh (TB*GH*H), head dX and dW (2*TB*H*V)
//   total = 2 * T*B * (2*G*H*I + 3*G*H*H + 3*H*V), G = 4 (LSTM) or 3 (GRU); 2 flops per multiply-add.
export function rnnFlops(kind, { B, T, I, H, V } = RNN) {
  const G = kind === 'lstm' ? 4 : 3;
  return 2 * T * B * (2 * G * H * I + 3 * G * H * H + 3 * H * V);
}

export function rnnData({ B, T, I, V } = RNN) {
  const x = lcgFill(12345, B * T * I);
  const yr = lcgFill(54321, B * T);
  const y = new Float32Array(B * T);
  for (let i = 0; i < y.length; ++i) y[i] = Math.min(V - 1, Math.floor((yr[i] + 1) * 0.5 * V));
  return { x, y };
}

export const MLP = { B: 10, lr: 0.03 };
export function mlpData() {
  const x = lcgFill(777, MLP.B * 2);
  const y = new Float32Array(MLP.B);
  for (let i = 0; i < MLP.B; ++i) y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : -1;  // XOR-like, as the playground
  return { x, y };
}

export const GAN = { B: 128, noise: 8, hidden: [64, 64, 64], lr: 2e-4, betas: [0.5, 0.999] };

const round = (a) => Array.from(a, (v) => Math.round(v * 1e6) / 1e6);

// The gradlab specs (docs/spec.md). The same objects go to the wasm Session (node and
// browser) and, as files, to the native program.
export function gradlabSpecs() {
  const { B, T, I, H, V, lr } = RNN;
  const { x, y } = rnnData();
  // Round to 6 decimals so the JSON text is the same everywhere; tfjs uses the same rounded values.
  const rnnBatch = { inputs: { shape: [B, T, I], data: round(x) }, targets: { shape: [B, T], data: Array.from(y) } };
  const rnn = (kind) => ({
    version: 1,
    name: `bench-${kind}`,
    seed: 1,
    data: { batch: rnnBatch },
    model: { layers: [{ type: kind, input_size: I, hidden_size: H }, { type: 'linear', in: H, out: V }] },
    loss: { type: 'cross_entropy' },
    optimizer: { type: 'sgd', lr },
    training: { steps: 100000, batch_size: B, log_every: 1000 },
  });
  const m = mlpData();
  const mlp = {
    version: 1,
    name: 'bench-mlp-playground',
    seed: 1,
    data: { batch: { inputs: { shape: [MLP.B, 2], data: round(m.x) }, targets: { shape: [MLP.B, 1], data: Array.from(m.y) } } },
    model: { layers: [
      { type: 'linear', in: 2, out: 8 }, { type: 'tanh' },
      { type: 'linear', in: 8, out: 8 }, { type: 'tanh' },
      { type: 'linear', in: 8, out: 1 },
    ] },
    loss: { type: 'mse' },
    optimizer: { type: 'sgd', lr: MLP.lr },
    training: { steps: 1000000, batch_size: MLP.B, log_every: 1000 },
  };
  const gan = {
    version: 1,
    name: 'bench-gan',
    seed: 1,
    data: { dataset: 'gan_ring', options: { noise: 0.05 } },
    model: {
      kind: 'gan', loss: 'non_saturating', noise_dim: GAN.noise, critic_steps: 1,
      generator_hidden: GAN.hidden, discriminator_hidden: GAN.hidden,
      generator_optimizer: { type: 'adam', lr: GAN.lr, betas: GAN.betas },
      discriminator_optimizer: { type: 'adam', lr: GAN.lr, betas: GAN.betas },
    },
    training: { steps: 1000000, batch_size: GAN.B, log_every: 1000 },
  };
  return { lstm: rnn('lstm'), gru: rnn('gru'), mlp, gan };
}

export function rounded(a) {
  return Float32Array.from(round(a));
}
