// A bench-only wasm module over core/kernels: gradlab's simd128 GEMM callable from JS in node
// and in the browser (the Session module does not export raw kernels). Built by run.sh with
// em++ -O3 -msimd128 --no-entry -sSTANDALONE_WASM into build/bench-wasm/gemm_bench.wasm and
// instantiated with plain WebAssembly.instantiate (lib/gemm.mjs stubs the few WASI imports).
#include <cstdint>
#include <cstdlib>

#include "kernels/kernels.h"

extern "C" {

__attribute__((export_name("bench_alloc"))) float* bench_alloc(int n) {
  return static_cast<float*>(std::aligned_alloc(16, (std::size_t(n) * sizeof(float) + 15) / 16 * 16));
}
__attribute__((export_name("bench_free"))) void bench_free(float* p) { std::free(p); }

// C = op(A) op(B), row-major, alpha 1, beta 0 (what the benchmark times).
__attribute__((export_name("gemm"))) void gemm(int ta, int tb, int M, int N, int K, const float* A, int lda,
                                                 const float* B, int ldb, float* C, int ldc) {
  gradlab::kernels::simd128::gemm(ta != 0, tb != 0, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
}

// `reps` calls in a row without returning to JS (to see the JS call overhead, if any).
__attribute__((export_name("gemm_loop"))) void gemm_loop(int reps, int ta, int tb, int M, int N, int K, const float* A,
                                                           int lda, const float* B, int ldb, float* C, int ldc) {
  for (int r = 0; r < reps; ++r)
    gradlab::kernels::simd128::gemm(ta != 0, tb != 0, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, ldc);
}
}
