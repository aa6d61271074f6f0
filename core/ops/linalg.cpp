#include "ops/linalg.h"

#include <stdexcept>

#include "kernels/kernels.h"
#include "ops/elementwise.h"
#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
void fail(const std::string& what, const Var& a, const Var& b) {
  throw_invalid_argument(what + " (shapes " + to_string(a.shape()) + " and " + to_string(b.shape()) + ")");
}
}  // namespace

// y[b] = op(A[b]) op(B[b]), op = transpose where asked.
//   trans_a=0, trans_b=0:  dA += dY B^T     dB += A^T dY
//   trans_a=0, trans_b=1:  dA += dY B       dB += dY^T A
//   trans_a=1, trans_b=0:  dA += B dY^T     dB += A dY
//   trans_a=1, trans_b=1:  dA += B^T dY^T   dB += dY^T A^T
Var bmm(const Var& a, const Var& b, bool trans_a, bool trans_b) {
  if (a.rank() != 3 || b.rank() != 3) fail("bmm needs rank-3 operands", a, b);
  const std::int64_t batch = a.shape()[0];
  if (b.shape()[0] != batch) fail("bmm: batch sizes differ", a, b);
  const std::int64_t M = trans_a ? a.shape()[2] : a.shape()[1];
  const std::int64_t K = trans_a ? a.shape()[1] : a.shape()[2];
  const std::int64_t Kb = trans_b ? b.shape()[2] : b.shape()[1];
  const std::int64_t N = trans_b ? b.shape()[1] : b.shape()[2];
  if (K != Kb) fail("bmm: inner dimensions differ (" + std::to_string(K) + " vs " + std::to_string(Kb) + ")", a, b);
  Tensor y = Tensor::empty({batch, M, N});  // beta = 0 writes every element (K = 0: zeros)
  const std::int64_t lda = a.shape()[2], ldb = b.shape()[2];
  for (std::int64_t i = 0; i < batch; ++i)
    kernels::gemm(trans_a, trans_b, M, N, K, Scalar(1), a.value().data() + i * a.shape()[1] * lda, lda,
                  b.value().data() + i * b.shape()[1] * ldb, ldb, Scalar(0), y.data() + i * M * N, N);
  return record("matmul", {a, b}, std::move(y), [trans_a, trans_b](Grads& g, const Var& dy) {
    const Var& A = g.input(0);
    const Var& B = g.input(1);
    if (g.needs(0)) {
      if (!trans_a) g.accumulate(0, bmm(dy, B, false, !trans_b));
      else g.accumulate(0, bmm(B, dy, trans_b, true));
    }
    if (g.needs(1)) {
      if (!trans_b) g.accumulate(1, bmm(A, dy, !trans_a, false));
      else g.accumulate(1, bmm(dy, A, true, trans_a));
    }
  });
}

Var matmul(const Var& a, const Var& b) {
  if (a.rank() == 2 && b.rank() == 2) {
    if (a.shape()[1] != b.shape()[0]) fail("matmul: inner dimensions differ", a, b);
    Var y = bmm(reshape(a, {1, a.shape()[0], a.shape()[1]}), reshape(b, {1, b.shape()[0], b.shape()[1]}));
    return reshape(y, {a.shape()[0], b.shape()[1]});
  }
  if (a.rank() == 3 && b.rank() == 2) {
    if (a.shape()[2] != b.shape()[0]) fail("matmul: inner dimensions differ", a, b);
    Var y = bmm(reshape(a, {1, a.shape()[0] * a.shape()[1], a.shape()[2]}), reshape(b, {1, b.shape()[0], b.shape()[1]}));
    return reshape(y, {a.shape()[0], a.shape()[1], b.shape()[1]});
  }
  if (a.rank() == 3 && b.rank() == 3) return bmm(a, b);
  fail("matmul supports [M,K]x[K,N], [B,M,K]x[K,N] and [B,M,K]x[B,K,N]", a, b);
  return {};
}

Var linear(const Var& x, const Var& weight, const Var& bias) {
  if (weight.rank() != 2) throw_invalid_argument("linear: weight must be [out, in], got " + to_string(weight.shape()));
  const std::int64_t in = weight.shape()[1], out = weight.shape()[0];
  if (x.rank() < 1 || x.shape().back() != in)
    throw_invalid_argument("linear: input of shape " + to_string(x.shape()) + " has last dimension " +
                           (x.rank() ? std::to_string(x.shape().back()) : std::string("none")) +
                           ", but weight " + to_string(weight.shape()) + " expects " + std::to_string(in));
  if (bias.defined() && bias.shape() != Shape{out})
    throw_invalid_argument("linear: bias must be [" + std::to_string(out) + "], got " + to_string(bias.shape()));
  const std::int64_t rows = x.numel() / std::max<std::int64_t>(in, 1);
  Var y = bmm(reshape(x, {1, rows, in}), reshape(weight, {1, out, in}), false, true);
  if (bias.defined()) y = add(y, bias);
  Shape out_shape = x.shape();
  out_shape.back() = out;
  return reshape(y, out_shape);
}

GRADLAB_END
