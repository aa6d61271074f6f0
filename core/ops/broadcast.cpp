#include "ops/broadcast.h"
#include "support/throw.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

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

// The file's one fill loop: each std::fill here would be its own vectorised copy of it.
[[gnu::noinline]] void fill_values(Scalar* out, std::int64_t n, Scalar v) { std::fill(out, out + n, v); }

bool is_suffix(const Shape& small, const Shape& big) {
  if (small.size() > big.size()) return false;
  return std::equal(small.begin(), small.end(), big.end() - static_cast<std::ptrdiff_t>(small.size()));
}

// `small` is `big` with its last dimension 1 ([B, T, 1] against [B, T, E]: a per-row value,
// as layer norm's mean and variance are).
bool is_row_broadcast(const Shape& small, const Shape& big) {
  return !big.empty() && small.size() == big.size() && small.back() == 1 &&
         std::equal(small.begin(), small.end() - 1, big.begin());
}
}  // namespace

Tensor broadcast_binary(const Tensor& a, const Tensor& b, BinaryKernel kernel,
                        FunctionRef<Scalar(Scalar, Scalar)> scalar_op) {
  // Every path below writes every element of out.
  if (a.shape() == b.shape()) {
    Tensor out = Tensor::empty(a.shape());
    kernel(out.data(), a.data(), b.data(), static_cast<std::size_t>(out.numel()));
    return out;
  }
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor out = Tensor::empty(shape);
  if (shape == a.shape() && is_suffix(b.shape(), shape) && b.numel() > 0) {
    const std::int64_t row = b.numel();
    for (std::int64_t r = 0; r < out.numel(); r += row)
      kernel(out.data() + r, a.data() + r, b.data(), static_cast<std::size_t>(row));
    return out;
  }
  // one operand a value per row of the other: the kernel over each row against that value
  // repeated (exactly the scalar op's result for every element, as +, -, *, / round alike)
  const bool a_rows = shape == b.shape() && is_row_broadcast(a.shape(), shape);
  if ((shape == a.shape() && is_row_broadcast(b.shape(), shape)) || a_rows) {
    const std::int64_t row = shape.back();
    const Tensor& full = a_rows ? b : a;
    const Scalar* per_row = (a_rows ? a : b).data();
    std::vector<Scalar> repeated(static_cast<std::size_t>(row));
    for (std::int64_t r = 0; r * row < out.numel(); ++r) {
      fill_values(repeated.data(), row, per_row[r]);
      const Scalar* x = full.data() + r * row;
      kernel(out.data() + r * row, a_rows ? repeated.data() : x, a_rows ? x : repeated.data(), static_cast<std::size_t>(row));
    }
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
    throw_invalid_argument("sum_to_shape: " + to_string(shape) + " does not broadcast to " + to_string(t.shape()));
  Tensor out(shape);
  const auto so = broadcast_strides(shape, t.shape());
  const std::vector<std::int64_t> st(t.shape().size(), 0);
  const Scalar* pt = t.data();
  Scalar* po = out.data();
  // Accumulate in double for accuracy where many terms collapse into one. Every path adds
  // each output's terms in the order of t's elements, so all give the same sums.
  std::vector<double> acc(static_cast<std::size_t>(out.numel()), 0.0);
  const std::int64_t n = t.numel();
  const Shape kept = [&] {  // `shape` at t's rank (leading 1s)
    Shape k(t.shape().size() - shape.size(), 1);
    k.insert(k.end(), shape.begin(), shape.end());
    return k;
  }();
  if (n > 0 && is_suffix(shape, t.shape()) && out.numel() > 0) {
    // a bias's gradient: the sum of t's rows of out.numel() elements
    const std::int64_t row = out.numel();
    for (std::int64_t r = 0; r < n; r += row)
      for (std::int64_t j = 0; j < row; ++j) acc[static_cast<std::size_t>(j)] += pt[r + j];
  } else if (n > 0 && is_row_broadcast(kept, t.shape())) {
    // a per-row value's gradient: each row of t summed
    const std::int64_t row = t.shape().back();
    for (std::int64_t r = 0; r * row < n; ++r)
      for (std::int64_t j = 0; j < row; ++j) acc[static_cast<std::size_t>(r)] += pt[r * row + j];
  } else {
    for_each_broadcast(t.shape(), so, st, [&](std::int64_t k, std::int64_t io, std::int64_t) { acc[static_cast<std::size_t>(io)] += pt[k]; });
  }
  for (std::int64_t i = 0; i < out.numel(); ++i) po[i] = static_cast<Scalar>(acc[static_cast<std::size_t>(i)]);
  return out;
}

Tensor expand_to_shape(const Tensor& t, const Shape& shape) {
  Tensor out = Tensor::empty(shape);  // every path below writes every element
  const std::int64_t n = out.numel();
  if (n == 0) return out;
  if (t.numel() == 1) {  // a scalar (a sum's or a mean's gradient)
    fill_values(out.data(), n, t.data()[0]);
    return out;
  }
  if (is_suffix(t.shape(), shape)) {  // t repeated as the last axes (a bias)
    const std::int64_t row = t.numel();
    for (std::int64_t r = 0; r < n; r += row) std::copy(t.data(), t.data() + row, out.data() + r);
    return out;
  }
  if (is_row_broadcast(t.shape(), shape)) {  // one value per row (a per-row mean's gradient)
    const std::int64_t row = shape.back();
    for (std::int64_t r = 0; r * row < n; ++r) fill_values(out.data() + r * row, row, t.data()[r]);
    return out;
  }
  const auto st = broadcast_strides(t.shape(), shape);
  const std::vector<std::int64_t> so(shape.size(), 0);
  const Scalar* pt = t.data();
  Scalar* po = out.data();
  for_each_broadcast(shape, st, so, [&](std::int64_t k, std::int64_t it, std::int64_t) { po[k] = pt[it]; });
  return out;
}

GRADLAB_END
