// K variants in parallel against one after another (issue 9, issue 14: "on 2 cores, 2
// variants should take close to the time of one"). The same code runs in node
// (worker_threads) and in Chromium (module Web Workers, web/variants.html): each worker loads
// the gradlab Session module once; then K variants of one spec (learning rates lr, lr/2,
// 2 lr, lr/4, ...) train N steps each, either all at once, one worker each, or one after
// another in one worker. Times cover creating the sessions and the steps (the module is
// loaded and warm before timing), as the page's Compare card does per variant.
import { median } from './common.mjs';

/** The variants: the spec with its learning rate times 1, 1/2, 2, 1/4, 4, ... (k = 0..K-1). */
export function variantSpecs(specText, K) {
  const base = JSON.parse(specText);
  const factors = [1, 0.5, 2, 0.25, 4, 0.125, 8, 0.0625];
  return Array.from({ length: K }, (_, k) => JSON.stringify({ ...base, optimizer: { ...base.optimizer, lr: base.optimizer.lr * factors[k] } }));
}

/**
 * The page side of a worker (node or Web): `post(msg)`, `close()`, and `listen(onMessage,
 * onError)` that hooks both up. The worker posts {ready} once loaded, then one reply
 * ({ms, losses} or {error}) per {specs, steps}. Resolves, when ready, to {run, close}.
 */
export function variantWorker(post, close, listen) {
  return new Promise((resolve, reject) => {
    let pending = null;
    const fail = (e) => (pending ? pending.reject : reject)(e);
    listen((data) => {
      if (data.ready) {
        resolve({ run: (specs, steps) => new Promise((res, rej) => { pending = { resolve: res, reject: rej }; post({ specs, steps }); }), close });
        return;
      }
      if (data.error) return fail(new Error(data.error));
      const p = pending;
      pending = null;
      p.resolve(data);
    }, fail);
  });
}

/** In a worker: trains each spec `steps` steps, one after another; its time and last losses. */
export function trainVariants(gradlab, specs, steps) {
  const t0 = performance.now();
  const losses = [];
  for (const text of specs) {
    const session = new gradlab.Session(text);
    let last = null;
    for (let i = 0; i < steps; ++i) last = session.step();
    losses.push(last ? last.loss : null);
    session.delete();
  }
  return { ms: performance.now() - t0, losses };
}

/**
 * The measurement. `spawn()` -> a loaded worker {run(specs, steps) -> Promise<{ms, losses}>,
 * close()}. For each K: `reps` rounds of (one after another in one worker; all at once in K
 * workers), alternating so both see the same load; medians, fastest rounds, and the ratio
 * parallel / sequential. Every variant's last loss must be the same both ways (the same
 * engine, spec and seed): a difference is reported in `mismatch`. With `cpuMs()` (the
 * process's CPU time, node), also the cores each way kept busy (CPU time / wall time): on a
 * loaded machine the wall-time ratio says little, the cores used say whether the variants
 * really ran at the same time.
 */
export async function benchVariants(spawn, specText, { ks = [2, 4], steps = 200, reps = 3, log = () => {}, cpuMs = null } = {}) {
  const maxK = Math.max(...ks);
  const workers = await Promise.all(Array.from({ length: maxK }, () => spawn()));
  const out = { steps, reps, rows: [], mismatch: [] };
  try {
    const warm = variantSpecs(specText, 1);
    await Promise.all(workers.map((w) => w.run(warm, Math.min(steps, 20))));
    for (const K of ks) {
      const specs = variantSpecs(specText, K);
      const seq = [];
      const par = [];
      const seqCores = [];
      const parCores = [];
      let seqLosses = null;
      let parLosses = null;
      for (let r = 0; r < reps; ++r) {
        let t0 = performance.now();
        let c0 = cpuMs?.();
        const s = await workers[0].run(specs, steps);
        seq.push(performance.now() - t0);
        if (cpuMs) seqCores.push((cpuMs() - c0) / seq[r]);
        seqLosses = s.losses;
        t0 = performance.now();
        c0 = cpuMs?.();
        const p = await Promise.all(specs.map((spec, k) => workers[k].run([spec], steps)));
        par.push(performance.now() - t0);
        if (cpuMs) parCores.push((cpuMs() - c0) / par[r]);
        parLosses = p.map((x) => x.losses[0]);
        const cores = cpuMs ? ` (cores busy ${seqCores[r].toFixed(2)} / ${parCores[r].toFixed(2)})` : '';
        log(`K=${K} round ${r + 1}: one after another ${seq[r].toFixed(0)} ms, in parallel ${par[r].toFixed(0)} ms${cores}`);
      }
      for (let k = 0; k < K; ++k)
        if (!(seqLosses[k] === parLosses[k])) out.mismatch.push(`K=${K} variant ${k}: last loss ${seqLosses[k]} one after another, ${parLosses[k]} in parallel`);
      out.rows.push({
        K,
        sequential_ms: median(seq),
        parallel_ms: median(par),
        ratio: median(par) / median(seq),
        ratio_best: Math.min(...par) / Math.min(...seq),
        sequential_runs_ms: seq,
        parallel_runs_ms: par,
        losses: seqLosses,
        ...(cpuMs ? { sequential_cores: median(seqCores), parallel_cores: median(parCores) } : {}),
      });
    }
  } finally {
    for (const w of workers) w.close();
  }
  return out;
}
