// Native kernels through Eigen: vectorised GEMM and elementwise maps for the CLI and tests.
// Kernels Eigen does not speed up forward to the reference.
#include <Eigen/Core>

#include "kernels/kernels.h"

GRADLAB_BEGIN
namespace kernels::native {

namespace {
using RowMajor = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using ConstMat = Eigen::Map<const RowMajor, 0, Stride>;
using Mat = Eigen::Map<RowMajor, 0, Stride>;
using ConstArr = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
using Arr = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
auto n_(std::size_t n) { return static_cast<Eigen::Index>(n); }

// Eigen sizes its GEMM blocks from the CPU's cache sizes, and the blocks decide the order in
// which a dot product's terms are summed. Left to the CPU, the same run gave other bits on a
// machine with a 48 KiB L1 than on one with 32 KiB, enough to turn a lesson's LSTM from 99.9%
// to 60% test accuracy (clipping-and-truncation, seed 2). With fixed sizes the blocking, and
// so the numbers, no longer depend on the CPU's caches.
const bool kFixedCacheSizes = [] {
  Eigen::setCpuCacheSizes(kEigenCacheSizes[0], kEigenCacheSizes[1], kEigenCacheSizes[2]);
  return true;
}();
}  // namespace

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha,
          const Scalar* A, std::int64_t lda, const Scalar* B, std::int64_t ldb, Scalar beta, Scalar* C,
          std::int64_t ldc) {
  if (M == 0 || N == 0) return;
  Mat c(C, M, N, Stride(ldc));
  if (beta == 0) c.setZero();  // BLAS semantics: C is not read when beta is 0
  else if (beta != 1) c *= beta;
  if (K == 0) return;
  ConstMat a(A, trans_a ? K : M, trans_a ? M : K, Stride(lda));
  ConstMat b(B, trans_b ? N : K, trans_b ? K : N, Stride(ldb));
  if (!trans_a && !trans_b) c.noalias() += alpha * a * b;
  else if (trans_a && !trans_b) c.noalias() += alpha * a.transpose() * b;
  else if (!trans_a && trans_b) c.noalias() += alpha * a * b.transpose();
  else c.noalias() += alpha * a.transpose() * b.transpose();
}

void add(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)) + ConstArr(b, n_(n)); }
void sub(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)) - ConstArr(b, n_(n)); }
void mul(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)) * ConstArr(b, n_(n)); }
void div(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)) / ConstArr(b, n_(n)); }
void axpy(Scalar* y, Scalar alpha, const Scalar* x, std::size_t n) { Arr(y, n_(n)) += alpha * ConstArr(x, n_(n)); }
void scale(Scalar* out, const Scalar* a, Scalar alpha, std::size_t n) { Arr(out, n_(n)) = alpha * ConstArr(a, n_(n)); }
void exp(Scalar* out, const Scalar* a, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)).exp(); }
void log(Scalar* out, const Scalar* a, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)).log(); }
void tanh(Scalar* out, const Scalar* a, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)).tanh(); }
void sigmoid(Scalar* out, const Scalar* a, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)).logistic(); }
void relu(Scalar* out, const Scalar* a, std::size_t n) { Arr(out, n_(n)) = ConstArr(a, n_(n)).max(Scalar(0)); }
void tanh_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) {
  ConstArr Y(y, n_(n));
  Arr(dx, n_(n)) = ConstArr(dy, n_(n)) * (Scalar(1) - Y * Y);
}
void sigmoid_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) {
  ConstArr Y(y, n_(n));
  Arr(dx, n_(n)) = ConstArr(dy, n_(n)) * Y * (Scalar(1) - Y);
}
Scalar sum(const Scalar* a, std::size_t n) { return ref::sum(a, n); }
Scalar dot(const Scalar* a, const Scalar* b, std::size_t n) { return ref::dot(a, b, n); }
void softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) { ref::softmax_rows(out, in, R, C); }
void log_softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) { ref::log_softmax_rows(out, in, R, C); }

}  // namespace kernels::native
GRADLAB_END
