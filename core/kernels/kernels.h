// Kernels: plain functions on raw arrays, testable without Tensor. Every kernel has a
// scalar reference (kernels/ref, the specification) and may have faster variants
// (kernels/native through Eigen; kernels/simd128 for wasm) that must agree with it.
// The unqualified kernels::name(...) picks the fastest variant built in: simd128 when
// compiled with wasm SIMD (-msimd128), else native when GRADLAB_NATIVE_KERNELS, else ref.
// Every variant is compiled in every build: simd128 without wasm SIMD is its portable scalar
// fallback (same approximations, same blocking), and in the f64 build it is ref.
//
// Shape letters: M, N, K for GEMM (C is M x N, op(A) is M x K, op(B) is K x N);
// R rows and C columns for row-wise kernels; n for flat lengths. All arrays are row-major.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/scalar.h"

GRADLAB_BEGIN
namespace kernels {

#define GRADLAB_KERNEL_LIST                                                                     \
  /* C = alpha * op(A) * op(B) + beta * C */                                                    \
  void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K,          \
            Scalar alpha, const Scalar* A, std::int64_t lda, const Scalar* B, std::int64_t ldb,   \
            Scalar beta, Scalar* C, std::int64_t ldc);                                           \
  /* out = a (op) b, elementwise, same length */                                                \
  void add(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n);                        \
  void sub(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n);                        \
  void mul(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n);                        \
  void div(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n);                        \
  /* y += alpha * x */                                                                          \
  void axpy(Scalar* y, Scalar alpha, const Scalar* x, std::size_t n);                            \
  void scale(Scalar* out, const Scalar* a, Scalar alpha, std::size_t n);                         \
  void exp(Scalar* out, const Scalar* a, std::size_t n);                                         \
  void log(Scalar* out, const Scalar* a, std::size_t n);                                         \
  void tanh(Scalar* out, const Scalar* a, std::size_t n);                                        \
  void sigmoid(Scalar* out, const Scalar* a, std::size_t n);                                     \
  void relu(Scalar* out, const Scalar* a, std::size_t n);                                        \
  /* dx = dy * (1 - y*y), y = tanh(x) */                                                        \
  void tanh_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n);              \
  /* dx = dy * y * (1 - y), y = sigmoid(x) */                                                   \
  void sigmoid_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n);           \
  Scalar sum(const Scalar* a, std::size_t n);                                                    \
  Scalar dot(const Scalar* a, const Scalar* b, std::size_t n);                                   \
  /* each of R rows of C columns: out = softmax(in) / log_softmax(in), max-subtracted */         \
  void softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C);              \
  void log_softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C);

namespace ref {
GRADLAB_KERNEL_LIST
}  // namespace ref

namespace native {
GRADLAB_KERNEL_LIST
// The L1, L2 and L3 sizes (bytes) Eigen's GEMM blocking is given in place of the CPU's own,
// so the blocking, and the bits it decides, do not depend on the CPU (kernels_native.cpp).
inline constexpr std::ptrdiff_t kEigenCacheSizes[3] = {32 * 1024, 1024 * 1024, 32 * 1024 * 1024};
}  // namespace native

namespace simd128 {
GRADLAB_KERNEL_LIST
}  // namespace simd128

GRADLAB_KERNEL_LIST

// Which variant the unqualified kernels use: "simd128", "native" or "ref".
const char* backend_name();

}  // namespace kernels
GRADLAB_END
