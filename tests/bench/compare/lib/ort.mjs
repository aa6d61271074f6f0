// onnxruntime-web (wasm backend, SIMD, one thread, no proxy worker: as tfjs-wasm runs) against
// gradlab on the models of make_onnx.mjs (models/), interleaved: GEMM (NN: a MatMul model) and
// the LSTM benchmark's forward pass (ONNX LSTM op + Linear head + mean cross-entropy); the
// transposed GEMM variants through ONNX's Gemm op (transA / transB). Shared
// by node (compare.mjs) and the page (web/bench.html). `ort` is the onnxruntime-web namespace.
import { GEMM_SIZES, RNN, VARIANTS, gemmInputs, interleaved, median, relDiff, rnnData, rounded } from './common.mjs';
import { gradlabGemm } from './gemm.mjs';
import { gemmModelName } from './onnx.mjs';

export const ORT_PLAN = { gemm: { reps: 9, targetMs: 50 }, lstm: { reps: 15, targetMs: 150, warmup: 2 } };

/** wasm backend, one thread, no proxy worker; wasmPaths: where ort-wasm-simd-threaded.{mjs,wasm} are served (page). */
export function configureOrt(ort, wasmPaths) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
}
const sessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

// The LSTM forward's FLOPs (GEMMs only, as rnnFlops counts them): x W_ih^T, h W_hh^T per step, head h W^T.
export function lstmForwardFlops({ B, T, I, H, V } = RNN) {
  return 2 * T * B * (4 * H * I + 4 * H * H + H * V);
}

/** GEMM, n = GEMM_SIZES, every transpose variant: gradlab's simd128 GEMM (bench module `ex`)
 *  and ORT's model (NN: MatMul, else Gemm with transA / transB), interleaved per (n, variant);
 *  ORT's time is session.run({A, B}) with C read back (its output tensor). load(name) -> model
 *  bytes. Returns {gradlab: rows, ort: rows, check: [{n, variant, rel}]}; rows: {n, variant, ms, best, calls, gflops, gflops_best}. */
export async function benchOrtGemm(ort, ex, load, { sizes = GEMM_SIZES, reps = ORT_PLAN.gemm.reps, targetMs = ORT_PLAN.gemm.targetMs } = {}) {
  const out = { gradlab: [], ort: [], check: [] };
  for (const n of sizes) {
    const { A, B } = gemmInputs(n);
    const feeds = { A: new ort.Tensor('float32', A, [n, n]), B: new ort.Tensor('float32', B, [n, n]) };
    const gl = gradlabGemm(ex);
    gl.setup(n);
    try {
      for (const [v, variant] of VARIANTS.entries()) {
        const session = await ort.InferenceSession.create(await load(gemmModelName(n, variant)), sessionOptions);
        let C = null;
        try {
          const t = await interleaved({ gradlab: gl.call(v), ort: async () => { C = (await session.run(feeds)).C.data; } }, { reps, targetMs });
          const flops = 2 * n * n * n;
          for (const k of ['gradlab', 'ort'])
            out[k].push({ n, variant, ms: t[k].ms, best: t[k].best, calls: t[k].calls, gflops: flops / (t[k].ms * 1e6), gflops_best: flops / (t[k].best * 1e6) });
          out.check.push({ n, variant, rel: relDiff(gl.result(), C) });
        } finally {
          await session.release();
        }
      }
    } finally {
      gl.teardown();
    }
  }
  return out;
}

/** The LSTM benchmark's forward, interleaved. gradlab: Session.evaluate('train') on spec
 *  `spec` (gradlabSpecs().lstm: the explicit batch is the train split), i.e. the model's forward
 *  under NoGradGuard (LSTM, Linear), the mean cross-entropy and the accuracy. ORT:
 *  session.run({x, y}, ['loss']) on lstm_forward.onnx (gradlab's initial parameters), i.e. copy x
 *  and y in, LSTM, Linear, log-softmax, mean NLL, copy the loss out. Cross-checks (once,
 *  outside the timing): the logits of both (gradlab's from gradJson) and the losses. */
export async function benchOrtLstm(ort, gradlab, spec, load, { reps = ORT_PLAN.lstm.reps, targetMs = ORT_PLAN.lstm.targetMs, warmup = ORT_PLAN.lstm.warmup } = {}) {
  const { B, T, I } = RNN;
  const session = await ort.InferenceSession.create(await load('lstm_forward.onnx'), sessionOptions);
  const gl = new gradlab.Session(JSON.stringify(spec));
  try {
    const { x, y } = rnnData();
    const feeds = { x: new ort.Tensor('float32', rounded(x), [B, T, I]), y: new ort.Tensor('int64', BigInt64Array.from(y, (v) => BigInt(v)), [B, T]) };
    const ortOut = await session.run(feeds);
    const glGrad = gl.gradJson();  // one forward/backward at the initial parameters, nothing updated
    const glOut = typeof glGrad === 'string' ? JSON.parse(glGrad) : glGrad;
    const check = {
      logits_rel: relDiff(Float32Array.from(glOut.outputs.data), ortOut.logits.data),
      loss_gradlab: gl.evaluate('train').loss,
      loss_ort: ortOut.loss.data[0],
    };
    check.loss_rel = Math.abs(check.loss_gradlab - check.loss_ort) / Math.abs(check.loss_ort);
    let glLoss = null, ortLoss = null;
    // In node also the process's CPU time of every call (process.cpuUsage; both run on this
    // thread, ORT with one thread and no proxy), which time spent waiting for a core does not inflate.
    const cpu = { gradlab: [], ort: [] };
    const cpuUsage = globalThis.process?.cpuUsage;
    const cpuMs = (c) => (c.user + c.system) / 1000;
    const t = await interleaved({
      gradlab: () => {
        const c0 = cpuUsage?.();
        glLoss = gl.evaluate('train').loss;
        if (c0) cpu.gradlab.push(cpuMs(cpuUsage(c0)));
      },
      ort: async () => {
        const c0 = cpuUsage?.();
        ortLoss = (await session.run(feeds, ['loss'])).loss.data[0];
        if (c0) cpu.ort.push(cpuMs(cpuUsage(c0)));
      },
    }, { reps, targetMs, warmup });
    const flops = lstmForwardFlops();
    const row = (k, loss) => ({ ...t[k], gflops: flops / (t[k].ms * 1e6), gflops_best: flops / (t[k].best * 1e6), last_loss: loss,
      cpu_ms: cpu[k].length ? median(cpu[k]) : null, cpu_calls: cpu[k].length });
    return { gflop: flops / 1e9, gradlab: row('gradlab', glLoss), ort: row('ort', ortLoss), check };
  } finally {
    gl.delete();
    await session.release();
  }
}

/** Both figures; returns what the JSON keeps under results.{node,chromium}.ort. */
export async function benchOrt(ort, ex, gradlab, spec, load, log = () => {}) {
  log(`onnxruntime-web ${ort.env.versions?.web ?? '?'}: GEMM (MatMul / Gemm models), gradlab wasm and ORT interleaved`);
  const gemm = await benchOrtGemm(ort, ex, load);
  log('onnxruntime-web: LSTM forward, gradlab wasm (Session.evaluate) and ORT (lstm_forward.onnx) interleaved');
  const lstm = await benchOrtLstm(ort, gradlab, spec, load);
  return { version: ort.env.versions?.web ?? null, threads: ort.env.wasm.numThreads, proxy: ort.env.wasm.proxy, gemm, lstm_forward: lstm };
}

/** Cross-check failures (max rel diff above tol) of one place's results. */
export function ortFailures(where, r, tol) {
  const out = [];
  if (!r) return out;
  for (const c of r.gemm.check) if (!(c.rel <= tol)) out.push(`${where} ORT GEMM ${c.variant} n=${c.n}: gradlab vs ORT max rel diff ${c.rel}`);
  const c = r.lstm_forward.check;
  if (!(c.logits_rel <= tol)) out.push(`${where} ORT LSTM forward: logits max rel diff ${c.logits_rel}`);
  if (!(c.loss_rel <= tol)) out.push(`${where} ORT LSTM forward: loss ${c.loss_gradlab} (gradlab) vs ${c.loss_ort} (ORT)`);
  return out;
}

/** Target rows: ratios gradlab / ORT (higher is better), each from medians and from the fastest
 *  batches; a place not measured (e.g. --no-browser) keeps its rows with value null, met null. */
export function ortTargets(places) {
  const rows = [];
  const push = (target, value, best) => {
    const ok = (x) => (Number.isFinite(x) ? x >= 1 : null);
    rows.push({ target, value: Number.isFinite(value) ? value : null, best: Number.isFinite(best) ? best : null, met: ok(value), met_best: ok(best) });
  };
  for (const [where, r] of places) {
    const of = (list, variant) => list?.find((x) => x.n === 256 && x.variant === variant);
    for (const variant of VARIANTS) {
      const g = (k) => of(r?.gemm.gradlab, variant)?.[k] / of(r?.gemm.ort, variant)?.[k];
      push(`GEMM ${variant} n=256 wasm >= ORT-wasm ${variant === 'NN' ? 'MatMul' : 'Gemm'} (${where})`, g('gflops'), g('gflops_best'));
    }
    const L = r?.lstm_forward;
    push(`LSTM forward wasm >= ORT-wasm forward (${where})`, L?.ort.ms / L?.gradlab.ms, L?.ort.best / L?.gradlab.best);
  }
  return rows;
}

/** The printed tables (f: number formatter, table: markdown table helper of compare.mjs). */
export function ortTables(places, f, table) {
  const have = places.filter(([, r]) => r);
  if (!have.length) return '';
  const first = have[0][1];
  const out = [`onnxruntime-web ${first.version} (wasm, SIMD, ${first.threads} thread, no proxy) against gradlab wasm, interleaved; ` +
    `GEMM f32 square n, GFLOP/s (median of ${ORT_PLAN.gemm.reps}; ORT: session.run of a MatMul (NN) or Gemm (transA / transB) model, inputs in, C out)`];
  const head = ['n op'], rows = first.gemm.gradlab.map((x) => [`${x.n} ${x.variant}`]);
  for (const [where, r] of have) {
    head.push(`gl wasm ${where}`, `ORT ${where}`, `gl/ORT ${where}`, `max rel diff ${where}`);
    r.gemm.gradlab.forEach((x, i) => {
      const o = r.gemm.ort[i];
      rows[i].push(f(x.gflops), f(o.gflops), f(x.gflops / o.gflops, 2) + 'x', r.gemm.check[i].rel.toExponential(1));
    });
  }
  out.push(table(head, rows));
  const L = first.lstm_forward;
  out.push(`\nLSTM forward, ms (median of ${L.gradlab.reps}): B=32 T=50 I=64 H=128, Linear to 64, mean softmax cross-entropy; effective GFLOP/s = ${L.gflop.toFixed(3)} GFLOP of GEMMs / time. ` +
    'gradlab: Session.evaluate(\'train\') (forward under no-grad, loss, accuracy); ORT: session.run({x, y}, [\'loss\']) of lstm_forward.onnx (LSTM op, MatMul, Add, LogSoftmax, GatherElements, ReduceMean; x and y copied in); ' +
    'CPU ms (node): median of the process\'s CPU time per call, which waiting for a core does not inflate');
  out.push(table(['where', 'gl wasm', 'ORT', 'ORT / gl (speedup)', 'fastest batches ORT / gl', 'CPU ms gl / ORT (ORT / gl)', 'logits max rel diff', 'loss gl', 'loss ORT'],
    have.map(([where, r]) => {
      const l = r.lstm_forward;
      return [where, `${f(l.gradlab.ms, 1)} (${f(l.gradlab.gflops, 1)})`, `${f(l.ort.ms, 1)} (${f(l.ort.gflops, 1)})`, f(l.ort.ms / l.gradlab.ms, 2) + 'x',
        f(l.ort.best / l.gradlab.best, 2) + 'x',
        l.gradlab.cpu_ms == null ? '-' : `${f(l.gradlab.cpu_ms, 1)} / ${f(l.ort.cpu_ms, 1)} (${f(l.ort.cpu_ms / l.gradlab.cpu_ms, 2)}x)`, l.check.logits_rel.toExponential(1), l.check.loss_gradlab.toFixed(6), l.check.loss_ort.toFixed(6)];
    })));
  return out.join('\n');
}
