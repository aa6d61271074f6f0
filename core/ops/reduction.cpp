// Reductions: sum, mean, max/min, argmax, logsumexp, norm (see reduction.h).
#include "ops/reduction.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/kernels.h"
#include "ops/broadcast.h"
#include "ops/elementwise.h"
#include "ops/math.h"
#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

// y = sum_i x_i;  dx += dy (broadcast)
Var sum(const Var& x) {
  Tensor y = Tensor::scalar(kernels::sum(x.value().data(), static_cast<std::size_t>(x.numel())));
  return record("sum", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, broadcast_to(dy, g.input(0).shape()));
  });
}

// y = sum over `axis`;  dx += dy broadcast back along that axis
Var sum(const Var& x, int axis, bool keepdim) {
  const int a = normalize_axis(axis, x.rank());
  Shape kept = x.shape();
  kept[static_cast<std::size_t>(a)] = 1;
  Var y = record("sum_axis", {x}, reduce_to_shape(x.value(), kept), [](Grads& g, const Var& dy) {
    g.accumulate(0, broadcast_to(dy, g.input(0).shape()));
  });
  if (keepdim) return y;
  Shape squeezed = x.shape();
  squeezed.erase(squeezed.begin() + a);
  return reshape(y, squeezed);
}

Var mean(const Var& x) { return mul_scalar(sum(x), 1.0 / static_cast<double>(std::max<std::int64_t>(x.numel(), 1))); }

Var mean(const Var& x, int axis, bool keepdim) {
  const double n = static_cast<double>(x.value().dim(axis));
  return mul_scalar(sum(x, axis, keepdim), 1.0 / std::max(n, 1.0));
}


// ---- max / min / argmax / logsumexp / norm ---------------------------------------------
namespace {
// x as [outer, D, inner] around `axis`.
struct Around {
  std::int64_t outer = 1, D = 1, inner = 1;
};
Around around(const Shape& s, int axis) {
  Around r;
  for (int i = 0; i < axis; ++i) r.outer *= s[static_cast<std::size_t>(i)];
  r.D = s[static_cast<std::size_t>(axis)];
  for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < s.size(); ++i) r.inner *= s[i];
  return r;
}

// For each (outer, inner), the position d in [0, D) of the first extreme (NaN first).
std::vector<std::int64_t> extreme_positions(const Tensor& x, const Around& a, bool largest) {
  std::vector<std::int64_t> pos(static_cast<std::size_t>(a.outer * a.inner), 0);
  const Scalar* p = x.data();
  for (std::int64_t o = 0; o < a.outer; ++o)
    for (std::int64_t i = 0; i < a.inner; ++i) {
      const Scalar* row = p + o * a.D * a.inner + i;
      std::int64_t best = 0;
      for (std::int64_t d = 1; d < a.D && !std::isnan(row[best * a.inner]); ++d) {
        const Scalar v = row[d * a.inner];
        if (std::isnan(v) || (largest ? v > row[best * a.inner] : v < row[best * a.inner])) best = d;
      }
      pos[static_cast<std::size_t>(o * a.inner + i)] = best;
    }
  return pos;
}

Shape drop_axis(Shape s, int axis, bool keepdim) {
  if (keepdim) s[static_cast<std::size_t>(axis)] = 1;
  else s.erase(s.begin() + axis);
  return s;
}

// max/min along one axis of x seen as [outer, D, inner]; `name` is the op's name.
Var extreme(const char* name, const Var& x, int axis, bool keepdim, bool largest) {
  const int a = op_axis(name, axis, x.shape());
  const Around r = around(x.shape(), a);
  if (r.D == 0)
    throw_invalid_argument(std::string(name) + ": axis " + std::to_string(axis) + " of shape " +
                           to_string(x.shape()) + " is empty (allowed: a non-empty axis)");
  const std::vector<std::int64_t> pos = extreme_positions(x.value(), r, largest);
  Tensor y(drop_axis(x.shape(), a, true));
  Tensor onehot(x.shape());  // 1 at the chosen element of each range: the gradient's route
  for (std::int64_t o = 0; o < r.outer; ++o)
    for (std::int64_t i = 0; i < r.inner; ++i) {
      const std::int64_t k = (o * r.D + pos[static_cast<std::size_t>(o * r.inner + i)]) * r.inner + i;
      y[o * r.inner + i] = x.value()[k];
      onehot[k] = 1;
    }
  // y = x at the chosen element;  dx += dy (broadcast along the axis) * onehot
  Var out = record(name, {x}, std::move(y), [onehot](Grads& g, const Var& dy) {
    g.accumulate(0, dy * Var(onehot));
  });
  return keepdim ? out : reshape(out, drop_axis(x.shape(), a, false));
}

Var extreme_all(const char* name, const Var& x, bool largest) {
  if (x.numel() == 0)
    throw_invalid_argument(std::string(name) + ": the input of shape " + to_string(x.shape()) +
                           " is empty (allowed: at least one element)");
  return reshape(extreme(name, reshape(x, {x.numel()}), 0, false, largest), {});
}
}  // namespace

Var max(const Var& x) { return extreme_all("max", x, true); }
Var max(const Var& x, int axis, bool keepdim) { return extreme("max", x, axis, keepdim, true); }
Var min(const Var& x) { return extreme_all("min", x, false); }
Var min(const Var& x, int axis, bool keepdim) { return extreme("min", x, axis, keepdim, false); }

Tensor argmax(const Tensor& x, int axis) {
  const int a = op_axis("argmax", axis, x.shape());
  const Around r = around(x.shape(), a);
  if (r.D == 0)
    throw_invalid_argument("argmax: axis " + std::to_string(axis) + " of shape " + to_string(x.shape()) +
                           " is empty (allowed: a non-empty axis)");
  const std::vector<std::int64_t> pos = extreme_positions(x, r, true);
  Tensor y(drop_axis(x.shape(), a, false));
  for (std::int64_t k = 0; k < y.numel(); ++k) y[k] = static_cast<Scalar>(pos[static_cast<std::size_t>(k)]);
  return y;
}

// y = m + log(sum(exp(x - m))), m the max along the axis;  dx += dy * exp(x - y)
Var logsumexp(const Var& x, int axis, bool keepdim) {
  const int a = op_axis("logsumexp", axis, x.shape());
  const Around r = around(x.shape(), a);
  Tensor y(drop_axis(x.shape(), a, true));
  const Scalar* p = x.value().data();
  for (std::int64_t o = 0; o < r.outer; ++o)
    for (std::int64_t i = 0; i < r.inner; ++i) {
      const Scalar* row = p + o * r.D * r.inner + i;
      double m = -INFINITY;
      for (std::int64_t d = 0; d < r.D; ++d) m = std::max(m, static_cast<double>(row[d * r.inner]));
      if (std::isinf(m)) m = 0;  // all -inf gives -inf, any +inf gives +inf, by the arithmetic below
      double total = 0;
      for (std::int64_t d = 0; d < r.D; ++d) total += std::exp(static_cast<double>(row[d * r.inner]) - m);
      y[o * r.inner + i] = static_cast<Scalar>(m + std::log(total));
    }
  Var out = record("logsumexp", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, dy * exp(g.input(0) - g.output()));
  });
  return keepdim ? out : reshape(out, drop_axis(x.shape(), a, false));
}

namespace {
// y = sqrt(sum x^2) over the axes reduced into y's (kept, broadcastable) shape.
// dx += x * (dy * [y > 0] / y_safe), y_safe = y with 0 replaced by 1, so the gradient is 0
// where y = 0 and the formula stays differentiable (through y) everywhere else.
Var norm_kept(const Var& x, Tensor y) {
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = std::sqrt(y[i]);
  return record("norm", {x}, std::move(y), [](Grads& g, const Var& dy) {
    const Var& y = g.output();
    Tensor positive(y.shape()), zero_to_one(y.shape());
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      const bool pos = y.value()[i] > 0;
      positive[i] = pos ? Scalar(1) : Scalar(0);
      zero_to_one[i] = pos ? Scalar(0) : Scalar(1);
    }
    Var scale = dy * Var(std::move(positive)) / (y + Var(std::move(zero_to_one)));
    g.accumulate(0, g.input(0) * scale);
  });
}
Tensor squares(const Tensor& x) {
  Tensor s(x.shape());
  kernels::mul(s.data(), x.data(), x.data(), static_cast<std::size_t>(x.numel()));
  return s;
}
}  // namespace

Var norm(const Var& x) {
  const Tensor sq = squares(x.value());
  return norm_kept(x, Tensor::scalar(static_cast<Scalar>(reduce_to_shape(sq, {}).item())));
}

Var norm(const Var& x, int axis, bool keepdim) {
  const int a = op_axis("norm", axis, x.shape());
  Var out = norm_kept(x, reduce_to_shape(squares(x.value()), drop_axis(x.shape(), a, true)));
  return keepdim ? out : reshape(out, drop_axis(x.shape(), a, false));
}

GRADLAB_END
