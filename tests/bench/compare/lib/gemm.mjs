// gradlab's simd128 GEMM through the bench-only module (tests/bench/compare/gemm_module.cpp).
import { gemmInputs } from './common.mjs';

export async function loadGemmModule(bytes) {
  const module = await WebAssembly.compile(bytes);
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => {
      if (imp.name === 'proc_exit') throw new Error('gemm module exited');
    };
  }
  const instance = await WebAssembly.instantiate(module, imports);
  instance.exports._initialize?.();
  return instance.exports;
}

// A maker for benchGemmInterleaved (lib/common.mjs): C = op(A) op(B), square n.
export function gradlabGemm(ex) {
  let n = 0, pa = 0, pb = 0, pc = 0;
  return {
    setup(size) {
      n = size;
      const { A, B } = gemmInputs(n);
      pa = ex.bench_alloc(n * n); pb = ex.bench_alloc(n * n); pc = ex.bench_alloc(n * n);
      new Float32Array(ex.memory.buffer, pa, n * n).set(A);
      new Float32Array(ex.memory.buffer, pb, n * n).set(B);
    },
    call(v) {
      const ta = v & 2 ? 1 : 0, tb = v & 1 ? 1 : 0;
      return () => ex.gemm(ta, tb, n, n, n, pa, n, pb, n, pc, n);
    },
    result: () => new Float32Array(ex.memory.buffer, pc, n * n).slice(),
    teardown() { ex.bench_free(pa); ex.bench_free(pb); ex.bench_free(pc); },
  };
}

// A step maker for benchSteps: gradlab's GEMM n=128 NN timed interleaved with the LSTM/GRU
// steps, so each step's "fraction of its own GEMM rate" compares numbers taken under the
// same load. One fn() call runs GEMM128_BATCH products: GFLOP/s = GEMM128_BATCH * 2 * 128^3 / (ms * 1e6).
export const GEMM128_BATCH = 50;
export function gemm128Maker(ex) {
  return (model) => {
    if (model !== 'lstm' && model !== 'gru') return null;
    const g = gradlabGemm(ex);
    g.setup(128);
    const one = g.call(0);
    return { fn: () => { for (let i = 0; i < GEMM128_BATCH; ++i) one(); }, lastLoss: () => null, dispose: () => g.teardown() };
  };
}
