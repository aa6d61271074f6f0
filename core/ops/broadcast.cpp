#include "ops/broadcast.h"

#include <stdexcept>

GRADLAB_BEGIN

namespace {
// Visits every index of `out` (row-major), tracking the flat offsets into two operands
// whose strides are given relative to `out`.
template <class F>
void for_each_broadcast(const Shape& out, const std::vector<std::int64_t>& sa, const std::vector<std::int64_t>& sb, F f) {
  const std::size_t rank = out.size();
  const std::int64_t n = numel(out);
  if (n == 0) return;
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t ia = 0, ib = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    f(k, ia, ib);
    for (std::size_t d = rank; d-- > 0;) {
      ++index[d];
      ia += sa[d];
      ib += sb[d];
      if (index[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      index[d] = 0;
    }
  }
}

bool is_suffix(const Shape& small, const Shape& big) {
  if (small.size() > big.size()) return false;
  return std::equal(small.begin(), small.end(), big.end() - static_cast<std::ptrdiff_t>(small.size()));
}
}  // namespace

Tensor broadcast_binary(const Tensor& a, const Tensor& b, BinaryKernel kernel,
                        const std::function<Scalar(Scalar, Scalar)>& scalar_op) {
  if (a.shape() == b.shape()) {
    Tensor out(a.shape());
    kernel(out.data(), a.data(), b.data(), static_cast<std::size_t>(out.numel()));
    return out;
  }
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor out(shape);
  if (shape == a.shape() && is_suffix(b.shape(), shape) && b.numel() > 0) {
    const std::int64_t row = b.numel();
    for (std::int64_t r = 0; r < out.numel(); r += row)
      kernel(out.data() + r, a.data() + r, b.data(), static_cast<std::size_t>(row));
    return out;
  }
  const auto sa = broadcast_strides(a.shape(), shape);
  const auto sb = broadcast_strides(b.shape(), shape);
  const Scalar* pa = a.data();
  const Scalar* pb = b.data();
  Scalar* po = out.data();
  for_each_broadcast(shape, sa, sb, [&](std::int64_t k, std::int64_t ia, std::int64_t ib) { po[k] = scalar_op(pa[ia], pb[ib]); });
  return out;
}

Tensor reduce_to_shape(const Tensor& t, const Shape& shape) {
  if (broadcast_shapes(shape, t.shape()) != t.shape())
    throw std::invalid_argument("sum_to_shape: " + to_string(shape) + " does not broadcast to " + to_string(t.shape()));
  Tensor out(shape);
  const auto so = broadcast_strides(shape, t.shape());
  const std::vector<std::int64_t> st(t.shape().size(), 0);
  const Scalar* pt = t.data();
  Scalar* po = out.data();
  // Accumulate in double for accuracy where many terms collapse into one.
  std::vector<double> acc(static_cast<std::size_t>(out.numel()), 0.0);
  for_each_broadcast(t.shape(), so, st, [&](std::int64_t k, std::int64_t io, std::int64_t) { acc[static_cast<std::size_t>(io)] += pt[k]; });
  for (std::int64_t i = 0; i < out.numel(); ++i) po[i] = static_cast<Scalar>(acc[static_cast<std::size_t>(i)]);
  return out;
}

Tensor expand_to_shape(const Tensor& t, const Shape& shape) {
  Tensor out(shape);
  const auto st = broadcast_strides(t.shape(), shape);
  const std::vector<std::int64_t> so(shape.size(), 0);
  const Scalar* pt = t.data();
  Scalar* po = out.data();
  for_each_broadcast(shape, st, so, [&](std::int64_t k, std::int64_t it, std::int64_t) { po[k] = pt[it]; });
  return out;
}

GRADLAB_END
