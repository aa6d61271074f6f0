// PackedB: the right-hand side of many GEMMs packed once. A recurrent layer multiplies the
// same W_hh by every step's h (forward) and every step's gate gradients by W_hh (BPTT):
// T small products, M = batch rows, that used to repack all of W_hh each time (the simd128
// GEMM copies op(B) into panels before the micro-kernel reads it: 64K floats per call for
// an LSTM with H = 128, 10-20% of such a product).
//
//   kernels::PackedB w(/*trans_b=*/true, H, 4 * H, W_hh, H);   // op(B) = W_hh^T, K x N
//   for (t...) w.gemm(B, 1, h_prev, H, 1, gates_t, 4 * H);     // gates_t += h_prev W_hh^T
//
// The numbers are bit for bit those of kernels::gemm(false, trans_b, ...) with the same
// arguments. Only the simd128 GEMM packs; elsewhere PackedB calls kernels::gemm.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernels.h"

GRADLAB_BEGIN
namespace kernels {

class PackedB {
 public:
  // op(B) is K x N as kernels::gemm reads it; B must not change while this is in use.
  PackedB(bool trans_b, std::int64_t K, std::int64_t N, const Scalar* B, std::int64_t ldb);

  // C = alpha A op(B) + beta C; A is M x K, row-major, not transposed.
  void gemm(std::int64_t M, Scalar alpha, const Scalar* A, std::int64_t lda, Scalar beta, Scalar* C,
            std::int64_t ldc) const;

 private:
  bool trans_b_;
  std::int64_t K_, N_;
  const Scalar* B_;
  std::int64_t ldb_;
  std::vector<Scalar> packed_;  // the simd128 GEMM's panels of op(B); empty when not packed
};

namespace simd128 {
// All of op(B) in the panels simd128::gemm packs block by block, and the GEMM that reads
// them instead of packing (PackedB's simd128 path; tests compare it with simd128::gemm).
std::vector<Scalar> pack_b_panels(bool trans_b, std::int64_t K, std::int64_t N, const Scalar* B, std::int64_t ldb);
void gemm_prepacked_b(bool trans_a, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha, const Scalar* A,
                      std::int64_t lda, const Scalar* packed_b, Scalar beta, Scalar* C, std::int64_t ldc);
}  // namespace simd128

}  // namespace kernels
GRADLAB_END
