// Dispatch: the unqualified kernels forward to the variant chosen at build time.
#include "kernels/kernels.h"

#include "kernels/packed_gemm.h"

// simd128 wins under wasm SIMD even when GRADLAB_NATIVE_KERNELS is on: Eigen has no wasm SIMD
// path. GRADLAB_SIMD128_KERNELS=0 keeps a wasm SIMD build on the other variants (e.g. to compare
// bit for bit with a native build running the reference).
#if defined(__wasm_simd128__) && !(defined(GRADLAB_SIMD128_KERNELS) && GRADLAB_SIMD128_KERNELS == 0)
#define GRADLAB_KERNEL_NS simd128
#elif defined(GRADLAB_NATIVE_KERNELS) && GRADLAB_NATIVE_KERNELS
#define GRADLAB_KERNEL_NS native
#else
#define GRADLAB_KERNEL_NS ref
#endif

GRADLAB_BEGIN
namespace kernels {

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha,
          const Scalar* A, std::int64_t lda, const Scalar* B, std::int64_t ldb, Scalar beta, Scalar* C,
          std::int64_t ldc) {
  GRADLAB_KERNEL_NS::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#define GRADLAB_BINARY(name) \
  void name(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { GRADLAB_KERNEL_NS::name(out, a, b, n); }
#define GRADLAB_UNARY(name) \
  void name(Scalar* out, const Scalar* a, std::size_t n) { GRADLAB_KERNEL_NS::name(out, a, n); }
GRADLAB_BINARY(add)
GRADLAB_BINARY(sub)
GRADLAB_BINARY(mul)
GRADLAB_BINARY(div)
GRADLAB_BINARY(tanh_backward)
GRADLAB_BINARY(sigmoid_backward)
GRADLAB_UNARY(exp)
GRADLAB_UNARY(log)
GRADLAB_UNARY(tanh)
GRADLAB_UNARY(sigmoid)
GRADLAB_UNARY(relu)
void axpy(Scalar* y, Scalar alpha, const Scalar* x, std::size_t n) { GRADLAB_KERNEL_NS::axpy(y, alpha, x, n); }
void scale(Scalar* out, const Scalar* a, Scalar alpha, std::size_t n) { GRADLAB_KERNEL_NS::scale(out, a, alpha, n); }
Scalar sum(const Scalar* a, std::size_t n) { return GRADLAB_KERNEL_NS::sum(a, n); }
Scalar dot(const Scalar* a, const Scalar* b, std::size_t n) { return GRADLAB_KERNEL_NS::dot(a, b, n); }
void softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) { GRADLAB_KERNEL_NS::softmax_rows(out, in, R, C); }
void log_softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) { GRADLAB_KERNEL_NS::log_softmax_rows(out, in, R, C); }

#define GRADLAB_STRINGIFY_(x) #x
#define GRADLAB_STRINGIFY(x) GRADLAB_STRINGIFY_(x)
const char* backend_name() { return GRADLAB_STRINGIFY(GRADLAB_KERNEL_NS); }

// Only the simd128 GEMM packs (the f64 build's simd128 is ref). Matrix-vector shapes take
// kernels::gemm's own path, which does not pack either, so the bits stay the same.
#if defined(__wasm_simd128__) && !(defined(GRADLAB_SIMD128_KERNELS) && GRADLAB_SIMD128_KERNELS == 0) && \
    !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)
#define GRADLAB_PACKED_B 1
#else
#define GRADLAB_PACKED_B 0
#endif

PackedB::PackedB(bool trans_b, std::int64_t K, std::int64_t N, const Scalar* B, std::int64_t ldb)
    : trans_b_(trans_b), K_(K), N_(N), B_(B), ldb_(ldb) {
#if GRADLAB_PACKED_B
  if (K > 0 && N > 1) packed_ = simd128::pack_b_panels(trans_b, K, N, B, ldb);
#endif
}

void PackedB::gemm(std::int64_t M, Scalar alpha, const Scalar* A, std::int64_t lda, Scalar beta, Scalar* C,
                   std::int64_t ldc) const {
#if GRADLAB_PACKED_B
  if (!packed_.empty() && M > 1) return simd128::gemm_prepacked_b(false, M, N_, K_, alpha, A, lda, packed_.data(), beta, C, ldc);
#endif
  kernels::gemm(false, trans_b_, M, N_, K_, alpha, A, lda, B_, ldb_, beta, C, ldc);
}

}  // namespace kernels
GRADLAB_END
