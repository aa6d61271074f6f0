// Activations (see activation.h): elementwise ones, then softmax / log_softmax.
#include "ops/activation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.h"
#include "ops/elementwise.h"
#include "ops/math.h"
#include "ops/reduction.h"
#include "ops/shape_ops.h"

GRADLAB_BEGIN

namespace {
using UnaryKernel = void (*)(Scalar*, const Scalar*, std::size_t);
// The outputs below are written in full, so none is zero-filled first.
Tensor map(const Tensor& x, UnaryKernel k) {
  Tensor y = Tensor::empty(x.shape());
  k(y.data(), x.data(), static_cast<std::size_t>(x.numel()));
  return y;
}
Tensor step_mask(const Tensor& x) {  // [x > 0] as 0/1
  Tensor m = Tensor::empty(x.shape());
  const Scalar* px = x.data();
  Scalar* pm = m.data();
  for (std::int64_t i = 0, n = m.numel(); i < n; ++i) pm[i] = px[i] > 0 ? Scalar(1) : Scalar(0);
  return m;
}
// dx += dy * factor for a piecewise-constant factor. Without create_graph the product is
// written over the factor tensor with the elementwise kernel: the bits the Var product gives,
// without recording it or allocating its output.
void accumulate_times(Grads& g, const Var& dy, Tensor factor) {
  if (g.create_graph()) return g.accumulate(0, dy * Var(std::move(factor)));
  kernels::mul(factor.data(), dy.value().data(), factor.data(), static_cast<std::size_t>(factor.numel()));
  g.accumulate(0, std::move(factor));
}
}  // namespace

// y = tanh(x);  dx += dy * (1 - y*y)
Var tanh(const Var& x) {
  return record("tanh", {x}, map(x.value(), kernels::tanh), [](Grads& g, const Var& dy) {
    const Var& y = g.output();
    if (!g.create_graph()) {  // fused fast path, same formula
      Tensor dx = Tensor::empty(y.shape());
      kernels::tanh_backward(dx.data(), y.value().data(), dy.value().data(), static_cast<std::size_t>(dx.numel()));
      g.accumulate(0, std::move(dx));
      return;
    }
    g.accumulate(0, dy * (1.0 - y * y));
  });
}

// y = sigmoid(x);  dx += dy * y * (1 - y)
Var sigmoid(const Var& x) {
  return record("sigmoid", {x}, map(x.value(), kernels::sigmoid), [](Grads& g, const Var& dy) {
    const Var& y = g.output();
    if (!g.create_graph()) {
      Tensor dx = Tensor::empty(y.shape());
      kernels::sigmoid_backward(dx.data(), y.value().data(), dy.value().data(), static_cast<std::size_t>(dx.numel()));
      g.accumulate(0, std::move(dx));
      return;
    }
    g.accumulate(0, dy * y * (1.0 - y));
  });
}

// y = max(x, 0);  dx += dy * [x > 0]   (the mask is piecewise constant: no second-order term)
Var relu(const Var& x) {
  return record("relu", {x}, map(x.value(), kernels::relu),
                [](Grads& g, const Var& dy) { accumulate_times(g, dy, step_mask(g.input(0).value())); });
}

// y = x if x > 0 else slope * x;  dx += dy * (x > 0 ? 1 : slope)   (piecewise constant factor)
Var leaky_relu(const Var& x, double slope) {
  const Scalar s = static_cast<Scalar>(slope);
  Tensor y = Tensor::empty(x.shape());
  const Scalar* px = x.value().data();
  Scalar* py = y.data();
  for (std::int64_t i = 0, n = y.numel(); i < n; ++i) py[i] = px[i] > 0 ? px[i] : s * px[i];
  return record("leaky_relu", {x}, std::move(y), [s](Grads& g, const Var& dy) {
    const Tensor& xv = g.input(0).value();
    Tensor factor = Tensor::empty(xv.shape());
    const Scalar* px = xv.data();
    Scalar* pf = factor.data();
    for (std::int64_t i = 0, n = factor.numel(); i < n; ++i) pf[i] = px[i] > 0 ? Scalar(1) : s;
    accumulate_times(g, dy, std::move(factor));
  });
}

namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
double normal_cdf(double v) { return 0.5 * (1 + std::erf(v * kInvSqrt2)); }
double normal_pdf(double v) { return kInvSqrt2Pi * std::exp(-0.5 * v * v); }

// gelu's derivative as an op of its own, so that second (and higher) derivatives exist:
// y = Phi(x) + x phi(x);  dx += dy * phi(x) * (2 - x^2)
Var gelu_derivative(const Var& x) {
  Tensor y(x.shape());
  const Scalar* px = x.value().data();
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double v = px[i];
    y[i] = static_cast<Scalar>(normal_cdf(v) + v * normal_pdf(v));
  }
  return record("gelu_derivative", {x}, std::move(y), [](Grads& g, const Var& dy) {
    const Var& x = g.input(0);
    Var phi = exp(x * x * -0.5) * kInvSqrt2Pi;
    g.accumulate(0, dy * phi * (2.0 - x * x));
  });
}
}  // namespace

// y = x * Phi(x);  dx += dy * (Phi(x) + x * phi(x))
Var gelu(const Var& x) {
  Tensor y(x.shape());
  const Scalar* px = x.value().data();
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = static_cast<Scalar>(px[i] * normal_cdf(px[i]));
  return record("gelu", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, dy * gelu_derivative(g.input(0)));
  });
}

// ---- softmax family -------------------------------------------------------------------
// x is seen as [outer, D, inner] around the axis. The last axis (inner = 1) uses the row
// kernels; any other axis runs the same max-subtracted formula with a stride of `inner`.
namespace {
Tensor softmax_forward(const Tensor& x, int axis, bool log_form) {
  const Shape& s = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[static_cast<std::size_t>(i)];
  const std::int64_t D = s[static_cast<std::size_t>(axis)];
  for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
  Tensor y = Tensor::empty(s);  // both paths write every element
  if (y.numel() == 0) return y;
  if (inner == 1) {
    (log_form ? kernels::log_softmax_rows : kernels::softmax_rows)(y.data(), x.data(), outer, D);
    return y;
  }
  const Scalar* px = x.data();
  Scalar* py = y.data();
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      const Scalar* in = px + o * D * inner + i;
      Scalar* out = py + o * D * inner + i;
      Scalar m = -std::numeric_limits<Scalar>::infinity();
      for (std::int64_t d = 0; d < D; ++d) m = std::max(m, in[d * inner]);
      if (!std::isfinite(m)) m = 0;  // all -inf (or an inf): let the arithmetic say so
      double total = 0;
      for (std::int64_t d = 0; d < D; ++d) total += std::exp(static_cast<double>(in[d * inner] - m));
      const double log_total = std::log(total);
      for (std::int64_t d = 0; d < D; ++d) {
        const double shifted = static_cast<double>(in[d * inner] - m);
        out[d * inner] = static_cast<Scalar>(log_form ? shifted - log_total : std::exp(shifted) / total);
      }
    }
  return y;
}
}  // namespace

// y = softmax(x);  dx += y * (dy - sum_axis(dy * y))
Var softmax(const Var& x, int axis) {
  const int a = op_axis("softmax", axis, x.shape());
  return record("softmax", {x}, softmax_forward(x.value(), a, false), [a](Grads& g, const Var& dy) {
    const Var& y = g.output();
    g.accumulate(0, y * (dy - sum(dy * y, a, /*keepdim=*/true)));
  });
}

// y = log_softmax(x);  dx += dy - exp(y) * sum_axis(dy)
Var log_softmax(const Var& x, int axis) {
  const int a = op_axis("log_softmax", axis, x.shape());
  return record("log_softmax", {x}, softmax_forward(x.value(), a, true), [a](Grads& g, const Var& dy) {
    g.accumulate(0, dy - exp(g.output()) * sum(dy, a, /*keepdim=*/true));
  });
}

GRADLAB_END
