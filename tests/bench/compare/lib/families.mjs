// The newer families (issue 14): one training step of a Transformer encoder layer and of a
// DDPM noise predictor, gradlab's spec through the Session against the same model written
// with tfjs ops as a user would (tf.layers has no MultiheadAttention and no diffusion:
// tf.matMul, tf.softmax, tf.moments, tf.oneHot and an optimizer's minimize).
// Shared by node (compare.mjs) and the page (web/bench.html). Both sides start from the same
// weights: the tfjs variables are copied from a gradlab Session's initial parameters
// (PyTorch layout [out, in], transposed once into tfjs's [in, out] kernels as tf.layers keeps
// them), and checkFamilies() compares their losses and gradients.
import { lcgFill, relDiff } from './common.mjs';
import { gradlabStep as gradlabFamilyStep } from './sessions.mjs';
import { benchSteps } from './steps.mjs';

// B sequences of T token ids from a vocabulary of V, embedding E, 4 heads, feed-forward F,
// a Linear(E, V) head and softmax cross-entropy at every position, SGD.
export const TRANSFORMER = { B: 32, T: 32, E: 64, heads: 4, F: 128, V: 64, lr: 0.01 };
// examples/diffusion-ring.json's model: the MLP 18-64-64-64-2 (ReLU) on [x_t, 16-dim
// sinusoidal embedding of t], T = 100 linear betas 0.001 .. 0.2, batch 128, Adam 0.003.
export const DIFFUSION = { B: 128, steps: 100, betaStart: 0.001, betaEnd: 0.2, E: 16, hidden: [64, 64, 64], lr: 0.003 };
export const FAMILY_MODELS = ['transformer', 'diffusion'];
export const FAMILY_PLAN = {
  transformer: { reps: 7, targetMs: 1, warmup: 2 },  // one step per batch
  diffusion: { reps: 9, targetMs: 100, warmup: 5 },
};
export const FAMILY_LABELS = {
  transformer: `Transformer encoder layer B=${TRANSFORMER.B} T=${TRANSFORMER.T} E=${TRANSFORMER.E} heads ${TRANSFORMER.heads} ff ${TRANSFORMER.F}, embedding + sinusoidal positions, head to V=${TRANSFORMER.V}, softmax CE, SGD`,
  diffusion: `DDPM step, MLP 18-${DIFFUSION.hidden.join('-')}-2 ReLU on [x_t, sin/cos t-embedding], T=${DIFFUSION.steps}, batch ${DIFFUSION.B}, MSE to the noise, Adam`,
};

// FLOPs of the GEMMs of one Transformer step (2 per multiply-add). Forward, per token
// (N = B*T): in_proj 3E^2, scores T*E (all heads), weights x values T*E, out_proj E^2,
// linear1 and linear2 2*E*F, head E*V; the backward does every product twice (dX and dW;
// the embedding trains, so the first projection needs its dX too): 3x the forward.
export function transformerFlops({ B, T, E, F, V } = TRANSFORMER) {
  return 3 * 2 * B * T * (3 * E * E + 2 * T * E + E * E + 2 * E * F + E * V);
}

const M64 = (1n << 64n) - 1n;
// gradlab's Rng (core/tensor/rng.cpp: PCG32, 53-bit uniforms, Box-Muller normals with a
// spare), so the page and node can rebuild the noise a Session drew.
export class Pcg32 {
  constructor(seed, stream = 54) {
    this.inc = ((BigInt(stream) << 1n) | 1n) & M64;
    this.state = 0n;
    this.spare = null;
    this.next();
    this.state = (this.state + BigInt(seed)) & M64;
    this.next();
  }
  next() {
    const old = this.state;
    this.state = (old * 6364136223846793005n + this.inc) & M64;
    const x = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((x >>> rot) | (x << ((32 - rot) & 31))) >>> 0;
  }
  uniform() {
    const hi = this.next() >>> 5, lo = this.next() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  normal() {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u1 = 0;
    while (u1 <= 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1)), theta = 6.283185307179586 * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
  below(n) {
    const threshold = (2 ** 32 - n) % n;
    for (;;) {
      const r = this.next();
      if (r >= threshold) return r % n;
    }
  }
}

export function transformerData({ B, T, V } = TRANSFORMER) {
  const ids = (seed) => Array.from(lcgFill(seed, B * T), (u) => Math.min(V - 1, Math.floor((u + 1) * 0.5 * V)));
  return { x: ids(4242), y: ids(2424) };
}

// The gradlab specs (docs/spec.md), as compare.mjs and the page give them to the Session.
export function familySpecs() {
  const { B, T, E, heads, F, V, lr } = TRANSFORMER;
  const { x, y } = transformerData();
  const transformer = {
    version: 1,
    name: 'bench-transformer',
    seed: 1,
    data: { batch: { inputs: { shape: [B, T], data: x }, targets: { shape: [B, T], data: y } } },
    model: { layers: [
      { type: 'embedding', num_embeddings: V, embedding_dim: E },
      { type: 'positional', kind: 'sinusoidal', max_len: T, dim: E },
      { type: 'transformer_encoder_layer', d_model: E, nhead: heads, dim_feedforward: F },
      { type: 'linear', in: E, out: V },
    ] },
    loss: { type: 'cross_entropy' },
    optimizer: { type: 'sgd', lr },
    training: { steps: 1000000, batch_size: B, log_every: 1000 },
  };
  const D = DIFFUSION;
  const layers = [];
  D.hidden.forEach((h, k) => layers.push({ type: 'linear', in: k ? D.hidden[k - 1] : 2 + D.E, out: h }, { type: 'relu' }));
  const diffusion = {
    version: 1,
    name: 'bench-diffusion',
    seed: 1,
    data: { dataset: 'gan_ring', options: { noise: 0.05 } },
    model: { kind: 'diffusion', timesteps: D.steps, beta_schedule: 'linear', beta_start: D.betaStart, beta_end: D.betaEnd,
      time_embed_dim: D.E, variance: 'posterior', layers },
    optimizer: { type: 'adam', lr: D.lr },
    training: { steps: 1000000, batch_size: D.B, log_every: 1000 },
  };
  return { transformer, diffusion };
}

// ---- tfjs, written as a user would -------------------------------------------------------

const dense = (tf, x, W, b) => tf.add(tf.matMul(x, W), b);

// tfjs variables copied from gradlab's parameters w ({name: Float32Array}). entries: [name,
// shape in gradlab, kernel]: a kernel (a Linear's [out, in] weight) becomes tfjs's [in, out].
// grads(lossFn): the loss and d loss / d each parameter at the current weights, in gradlab's
// names and layout (no update).
function copiedParameters(tf, w, entries) {
  const vars = {};
  for (const [name, shape, isKernel] of entries)
    vars[name] = tf.tidy(() => tf.variable(isKernel ? tf.transpose(tf.tensor(w[name], shape)) : tf.tensor(w[name], shape)));
  return {
    vars,
    list: Object.values(vars),
    grads(lossFn) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossFn, Object.values(vars));
        const out = {};
        for (const [name, , isKernel] of entries) out[name] = (isKernel ? tf.transpose(grads[vars[name].name]) : grads[vars[name].name]).dataSync();
        return { loss: value.dataSync()[0], grads: out };
      });
    },
  };
}

// max over parameters of max |a - b| / max |b|: tfjs's gradients against gradlab's gradJson() ones.
function gradDiff(tfGrads, gradlabGrads) {
  let worst = 0;
  for (const [name, v] of Object.entries(gradlabGrads)) worst = Math.max(worst, relDiff(tfGrads[name], v.data));
  return worst;
}

function layerNorm(tf, x, g, b, eps = 1e-5) {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

// Vaswani et al.'s table, PE[pos, 2i] = sin(pos / 10000^(2i/E)), PE[pos, 2i+1] = cos(...).
function positionTable(T, E) {
  const pe = new Float32Array(T * E);
  for (let p = 0; p < T; ++p)
    for (let c = 0; c < E; ++c) {
      const a = p / 10000 ** ((c - (c % 2)) / E);
      pe[p * E + c] = c % 2 ? Math.cos(a) : Math.sin(a);
    }
  return pe;
}

// The encoder model on tfjs variables copied from gradlab's parameters {name: Float32Array}.
function tfTransformer(tf, w) {
  const { B, T, E, heads, F, V, lr } = TRANSFORMER;
  const dh = E / heads, N = B * T;
  const a = 'layers.2.';
  const params = copiedParameters(tf, w, [
    ['layers.0.weight', [V, E], false],  // the embedding table, used as [V, E]
    [a + 'self_attn.in_proj_weight', [3 * E, E], true], [a + 'self_attn.in_proj_bias', [3 * E], false],
    [a + 'self_attn.out_proj.weight', [E, E], true], [a + 'self_attn.out_proj.bias', [E], false],
    [a + 'linear1.weight', [F, E], true], [a + 'linear1.bias', [F], false],
    [a + 'linear2.weight', [E, F], true], [a + 'linear2.bias', [E], false],
    [a + 'norm1.weight', [E], false], [a + 'norm1.bias', [E], false], [a + 'norm2.weight', [E], false], [a + 'norm2.bias', [E], false],
    ['layers.3.weight', [V, E], true], ['layers.3.bias', [V], false],
  ]);
  const v = params.vars;
  const P = {
    emb: v['layers.0.weight'], inW: v[a + 'self_attn.in_proj_weight'], inB: v[a + 'self_attn.in_proj_bias'],
    outW: v[a + 'self_attn.out_proj.weight'], outB: v[a + 'self_attn.out_proj.bias'],
    l1W: v[a + 'linear1.weight'], l1B: v[a + 'linear1.bias'], l2W: v[a + 'linear2.weight'], l2B: v[a + 'linear2.bias'],
    n1W: v[a + 'norm1.weight'], n1B: v[a + 'norm1.bias'], n2W: v[a + 'norm2.weight'], n2B: v[a + 'norm2.bias'],
    headW: v['layers.3.weight'], headB: v['layers.3.bias'],
  };
  const pe = tf.tensor3d(positionTable(T, E), [1, T, E]);
  const { x, y } = transformerData();
  // tfjs-wasm has no gradient for tf.gather (no UnsortedSegmentSum kernel), so the lookup is
  // what a user writes instead: one-hot ids times the table.
  const ids = tf.oneHot(tf.tensor1d(x, 'int32'), V).asType('float32');
  const labels = tf.oneHot(tf.tensor1d(y, 'int32'), V);
  const loss = () => {
    const h0 = tf.reshape(tf.add(tf.reshape(tf.matMul(ids, P.emb), [B, T, E]), pe), [N, E]);
    const qkv = dense(tf, h0, P.inW, P.inB);
    const head = (k) => tf.transpose(tf.reshape(tf.slice(qkv, [0, k * E], [N, E]), [B, T, heads, dh]), [0, 2, 1, 3]);
    const att = tf.softmax(tf.mul(tf.matMul(head(0), head(1), false, true), 1 / Math.sqrt(dh)));  // [B, heads, T, T]
    const ctx = tf.reshape(tf.transpose(tf.matMul(att, head(2)), [0, 2, 1, 3]), [N, E]);
    const h1 = layerNorm(tf, tf.add(h0, dense(tf, ctx, P.outW, P.outB)), P.n1W, P.n1B);  // post-norm, PyTorch's default
    const ff = dense(tf, tf.relu(dense(tf, h1, P.l1W, P.l1B)), P.l2W, P.l2B);
    const h2 = layerNorm(tf, tf.add(h1, ff), P.n2W, P.n2B);
    return tf.losses.softmaxCrossEntropy(labels, dense(tf, h2, P.headW, P.headB));  // mean over the B*T positions
  };
  const opt = tf.train.sgd(lr);
  const vars = params.list;
  return {
    grads: () => params.grads(loss),
    step() {
      const l = opt.minimize(loss, true, vars);
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    },
    dispose() { for (const v of [...vars, pe, ids, labels]) v.dispose(); opt.dispose(); },
  };
}

// The schedule of core/train/diffusion.cpp (linear betas), indexed by t = 1..T.
function diffusionSchedule({ steps: T, betaStart, betaEnd } = DIFFUSION) {
  const sa = new Float32Array(T + 1), s1 = new Float32Array(T + 1);
  let abar = 1;
  sa[0] = 1;
  for (let t = 1; t <= T; ++t) {
    abar *= 1 - (betaStart + ((betaEnd - betaStart) * (t - 1)) / (T - 1));
    sa[t] = Math.sqrt(abar);
    s1[t] = Math.sqrt(1 - abar);
  }
  return { sa, s1 };
}

// The DDPM noise predictor on tfjs variables copied from gradlab's parameters; `points` the
// training set [N, 2] (the same gan_ring points the Session trains on).
function tfDiffusion(tf, w, points) {
  const { B, steps: T, E, hidden, lr } = DIFFUSION;
  // Linear k: layers.{2k} (the ReLUs are layers.{2k+1}), then out.
  const names = [...hidden.map((_, k) => `layers.${2 * k}`), 'out'];
  const sizes = [2 + E, ...hidden, 2];
  const params = copiedParameters(tf, w, names.flatMap((n, k) => [[`${n}.weight`, [sizes[k + 1], sizes[k]], true], [`${n}.bias`, [sizes[k + 1]], false]]));
  const Ws = names.map((n) => params.vars[`${n}.weight`]), bs = names.map((n) => params.vars[`${n}.bias`]);
  const { sa, s1 } = diffusionSchedule();
  const sqrtAbar = tf.tensor1d(sa), sqrtOneMinus = tf.tensor1d(s1);
  const freqs = tf.tensor2d(Float32Array.from({ length: E / 2 }, (_, i) => Math.exp((-Math.log(10000) * i) / (E / 2))), [1, E / 2]);
  const data = tf.tensor2d(points, [points.length / 2, 2]);
  // mean((eps - eps_theta(sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, t))^2); t int32 [B].
  const lossOf = (x0, t, eps) => {
    const xt = tf.add(tf.mul(tf.reshape(tf.gather(sqrtAbar, t), [-1, 1]), x0), tf.mul(tf.reshape(tf.gather(sqrtOneMinus, t), [-1, 1]), eps));
    const angles = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), freqs);
    let h = tf.concat([xt, tf.sin(angles), tf.cos(angles)], 1);
    Ws.forEach((W, k) => { h = dense(tf, h, W, bs[k]); if (k < hidden.length) h = tf.relu(h); });
    return tf.mean(tf.square(tf.sub(eps, h)));
  };
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const vars = params.list;
  const N = points.length / 2;
  return {
    // The loss and gradients ({gradlab name: Float32Array}, gradlab's layout) at the current
    // weights for given x0 [B*2], t [B] (1..T) and eps [B*2]; no update.
    lossAt(x0, t, eps) {
      return tf.tidy(() => params.grads(() => lossOf(tf.tensor2d(x0, [t.length, 2]), tf.tensor1d(t, 'int32'), tf.tensor2d(eps, [t.length, 2]))));
    },
    // One training step: a random batch of the data, random t and noise.
    step() {
      const l = tf.tidy(() => {
        const x0 = tf.gather(data, tf.randomUniform([B], 0, N, 'int32'));
        const t = tf.randomUniform([B], 1, T + 1, 'int32');
        const eps = tf.randomNormal([B, 2]);
        return opt.minimize(() => lossOf(x0, t, eps), true, vars);
      });
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    },
    dispose() { for (const v of [...vars, sqrtAbar, sqrtOneMinus, freqs, data]) v.dispose(); opt.dispose(); },
  };
}

// The points the diffusion Session trains on (its whole train split), as a Float32Array [N*2].
function trainPoints(session) {
  const all = session.data('train', 1e6);
  return all.inputs.data;
}

// A step maker for benchSteps (lib/steps.mjs): the tfjs model of `name`, with the initial
// weights of a gradlab Session of the same spec.
export function tfFamilyStep(tf, gradlab, name) {
  const spec = familySpecs()[name];
  const session = new gradlab.Session(JSON.stringify(spec));
  let m;
  try {
    m = name === 'transformer' ? tfTransformer(tf, session.parameters()) : tfDiffusion(tf, session.parameters(), trainPoints(session));
  } finally {
    session.delete();
  }
  let loss = null;
  return { fn: () => { loss = m.step(); }, lastLoss: () => loss, dispose: () => m.dispose() };
}

const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

// Do both sides compute the same thing? The same initial weights in both, then
// - transformer: gradlab's first Session.step() loss against tfjs's first minimize() loss
//   (the same explicit batch);
// - diffusion: gradlab draws a step's t and noise inside the Session, so the check uses the
//   batch `gradlab grad` uses (the first batch_size training points, t and noise from the
//   Session's Rng stream 0x9a5, rebuilt here with Pcg32): gradJson()'s loss at the initial
//   weights against tfjs's loss on that batch; then the first step's loss of both is
//   printed (different random batches: only their size is compared).
// Returns {model: {gradlab, tfjs, rel, what}}.
export function checkFamilies(tf, gradlab) {
  const specs = familySpecs();
  const out = {};
  {
    const s = new gradlab.Session(JSON.stringify(specs.transformer));
    const m = tfTransformer(tf, s.parameters());
    const gradRel = gradDiff(m.grads().grads, JSON.parse(s.gradJson()).gradients);
    const g = [s.step().loss, s.step().loss], t = [m.step(), m.step()];
    s.delete();
    m.dispose();
    out.transformer = { gradlab: g[0], tfjs: t[0], rel: rel(t[0], g[0]), gradlab_step2: g[1], tfjs_step2: t[1], rel_step2: rel(t[1], g[1]), grad_rel: gradRel,
      what: 'the losses of the first two steps (same weights, same batch; the second after one SGD update), and every parameter\'s gradient at the initial weights (max |a - b| / max |b|)' };
  }
  {
    const D = DIFFUSION, spec = specs.diffusion;
    const s = new gradlab.Session(JSON.stringify(spec));
    const m = tfDiffusion(tf, s.parameters(), trainPoints(s));
    const x0 = s.data('train', D.B).inputs.data;
    const rng = new Pcg32(spec.seed, 0x9a5);
    const t = Array.from({ length: D.B }, () => 1 + rng.below(D.steps));
    const eps = Float32Array.from({ length: 2 * D.B }, () => rng.normal());
    const g = JSON.parse(s.gradJson()), tl = m.lossAt(x0, t, eps);
    const gradRel = gradDiff(tl.grads, g.gradients);
    const first = { gradlab: s.step().loss, tfjs: m.step() };
    s.delete();
    m.dispose();
    out.diffusion = { gradlab: g.loss, tfjs: tl.loss, rel: rel(tl.loss, g.loss), grad_rel: gradRel, first_step: first,
      what: `loss and gradients at the initial weights on the batch of \`gradlab grad\` (the first ${D.B} training points, t and noise of the Session's Rng(seed, 0x9a5)); gradients: max over parameters of max |a - b| / max |b|` };
  }
  return out;
}

// ---- the benchmark: the check, then gradlab (Session) and tfjs interleaved per model -----

export const FAMILY_TOL = 1e-4;  // relative difference allowed between the two sides' losses (and gradients)

// tfs: {implName: tf namespace (its backend set)}; gradlab (the Session module) gives the
// initial weights and, with withGradlab, runs interleaved with them. The check runs on the
// first tf. Returns {check, steps: {impl: {model: {ms, best, reps, calls, last_loss}}}}.
export async function benchFamilies(gradlab, tfs, { plan = FAMILY_PLAN, log = () => {}, check = true, withGradlab = true } = {}) {
  const out = {};
  if (check) {
    out.check = checkFamilies(Object.values(tfs)[0], gradlab);
    log(`families: same model check: transformer loss ${out.check.transformer.gradlab} (gradlab) vs ${out.check.transformer.tfjs} (tfjs), rel ${out.check.transformer.rel.toExponential(1)}; ` +
      `step 2 rel ${out.check.transformer.rel_step2.toExponential(1)}, gradients ${out.check.transformer.grad_rel.toExponential(1)}; diffusion loss ${out.check.diffusion.gradlab} vs ${out.check.diffusion.tfjs}, rel ${out.check.diffusion.rel.toExponential(1)}, gradients ${out.check.diffusion.grad_rel.toExponential(1)}`);
  }
  const specs = familySpecs();
  const makers = {};
  if (withGradlab) makers.gradlab = (m) => gradlabFamilyStep(gradlab, specs[m]);
  for (const [name, tf] of Object.entries(tfs)) makers[name] = (m) => tfFamilyStep(tf, gradlab, m);
  out.steps = await benchSteps(makers, { models: FAMILY_MODELS, plan, log });
  return out;
}

// Failures of the check (each side's losses within FAMILY_TOL).
export function familyFailures(check, where) {
  const f = [];
  if (!check) return f;
  const { transformer: t, diffusion: d } = check;
  if (!(t.rel <= FAMILY_TOL)) f.push(`${where}: transformer first-step loss gradlab ${t.gradlab} vs tfjs ${t.tfjs}, rel ${t.rel}`);
  if (!(t.rel_step2 <= FAMILY_TOL)) f.push(`${where}: transformer second-step loss gradlab ${t.gradlab_step2} vs tfjs ${t.tfjs_step2}, rel ${t.rel_step2}`);
  if (!(t.grad_rel <= FAMILY_TOL)) f.push(`${where}: transformer gradients max rel diff ${t.grad_rel}`);
  if (!(d.rel <= FAMILY_TOL)) f.push(`${where}: diffusion loss gradlab ${d.gradlab} vs tfjs ${d.tfjs}, rel ${d.rel}`);
  if (!(d.grad_rel <= FAMILY_TOL)) f.push(`${where}: diffusion gradients max rel diff ${d.grad_rel}`);
  return f;
}

// tfjs-cpu runs alone with fewer repetitions (it is 10-100x slower).
export const FAMILY_CPU_PLAN = { transformer: { reps: 3, targetMs: 1, warmup: 1 }, diffusion: { reps: 3, targetMs: 100, warmup: 2 } };

// Derived numbers: per model and place, ms, fastest batch, GFLOP/s (transformer) and
// tfjs / gradlab. fam: {node: {check, steps: {gradlab, tfjs_wasm, tfjs_cpu?}}, chromium?: {...},
// native?: {model: {ms, best}} (compare_native's steps)}.
export function familyDerived(fam) {
  const d = {};
  for (const m of FAMILY_MODELS) {
    const flops = m === 'transformer' ? transformerFlops() : null;
    const e = (st) => (st ? { ms: st.ms, best: st.best, last_loss: st.last_loss, ...(flops ? { gflops: flops / (st.ms * 1e6) } : {}) } : null);
    const r = d[m] = {
      gflop: flops ? flops / 1e9 : null,
      gradlab_wasm_node: e(fam.node?.steps?.gradlab?.[m]), gradlab_wasm_chromium: e(fam.chromium?.steps?.gradlab?.[m]), gradlab_native: e(fam.native?.[m]),
      tfjs_wasm_node: e(fam.node?.steps?.tfjs_wasm?.[m]), tfjs_cpu_node: e(fam.node?.steps?.tfjs_cpu?.[m]),
      tfjs_wasm_chromium: e(fam.chromium?.steps?.tfjs_wasm?.[m]),
    };
    const ratio = (tfj, gl) => (tfj && gl ? { median: tfj.ms / gl.ms, best: tfj.best / gl.best } : null);
    r.tfjs_wasm_over_gradlab_node = ratio(r.tfjs_wasm_node, r.gradlab_wasm_node);
    r.tfjs_wasm_over_gradlab_chromium = ratio(r.tfjs_wasm_chromium, r.gradlab_wasm_chromium);
  }
  return d;
}

// The printed table (f: number format, table: the driver's markdown table).
export function familyTable(fam, derived, f, table) {
  const cell = (e) => (e ? (e.gflops != null ? `${f(e.ms, 1)} (${f(e.gflops, 1)})` : f(e.ms, 2)) : '-');
  const x = (r) => (r ? `${f(r.median, 1)}x` : '-');
  const rows = FAMILY_MODELS.map((m) => {
    const r = derived[m];
    return [FAMILY_LABELS[m], cell(r.gradlab_wasm_node), cell(r.gradlab_wasm_chromium), cell(r.gradlab_native), cell(r.tfjs_wasm_node), cell(r.tfjs_cpu_node), cell(r.tfjs_wasm_chromium),
      x(r.tfjs_wasm_over_gradlab_node), x(r.tfjs_wasm_over_gradlab_chromium)];
  });
  const lines = [`Newer families, one training step, ms (median; gradlab through the Session and tfjs ops interleaved); Transformer: (effective GFLOP/s = ${f(derived.transformer.gflop, 3)} GFLOP of GEMMs per step / time)`,
    table(['model', 'gl wasm node', 'gl wasm chromium', 'gl native', 'tfjs-wasm node', 'tfjs-cpu node', 'tfjs-wasm chromium', 'tfjs-wasm / gl (node)', 'tfjs-wasm / gl (chromium)'], rows)];
  for (const [where, c] of [['node', fam.node?.check], ['chromium', fam.chromium?.check]]) {
    if (!c) continue;
    lines.push(`same model check (${where}, tfjs-wasm, same initial weights): Transformer first-step loss gradlab ${f(c.transformer.gradlab, 6)} / tfjs ${f(c.transformer.tfjs, 6)} (rel ${c.transformer.rel.toExponential(1)}), ` +
      `second step ${f(c.transformer.gradlab_step2, 6)} / ${f(c.transformer.tfjs_step2, 6)} (rel ${c.transformer.rel_step2.toExponential(1)}), gradients max rel diff ${c.transformer.grad_rel.toExponential(1)}; ` +
      `diffusion loss on the grad batch ${f(c.diffusion.gradlab, 6)} / ${f(c.diffusion.tfjs, 6)} (rel ${c.diffusion.rel.toExponential(1)}), gradients max rel diff ${c.diffusion.grad_rel.toExponential(1)}; limit ${FAMILY_TOL}`);
  }
  return lines.join('\n');
}
