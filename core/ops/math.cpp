// Elementwise math functions (see math.h). Forward on Tensors, backward in Var ops.
#include "ops/math.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "kernels/kernels.h"
#include "ops/elementwise.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

template <class F>
Tensor map(const Tensor& x, F f) {
  Tensor y(x.shape());
  const Scalar* px = x.data();
  Scalar* py = y.data();
  for (std::int64_t i = 0; i < y.numel(); ++i) py[i] = f(px[i]);
  return y;
}
}  // namespace

// y = e^x;  dx += dy * y
Var exp(const Var& x) {
  Tensor y(x.shape());
  kernels::exp(y.data(), x.value().data(), static_cast<std::size_t>(y.numel()));
  return record("exp", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, dy * g.output()); });
}

// y = ln x;  dx += dy / x
Var log(const Var& x) {
  Tensor y(x.shape());
  kernels::log(y.data(), x.value().data(), static_cast<std::size_t>(y.numel()));
  return record("log", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, dy / g.input(0)); });
}

// y = x^p;  dx += dy * p * x^(p-1)   (p = 0: constant, no gradient; p = 1: identity)
Var pow(const Var& x, double p) {
  Tensor y = map(x.value(), [p](Scalar v) { return static_cast<Scalar>(std::pow(static_cast<double>(v), p)); });
  return record("pow", {x}, std::move(y), [p](Grads& g, const Var& dy) {
    if (p == 0) return;
    if (p == 1) return g.accumulate(0, dy);
    g.accumulate(0, dy * pow(g.input(0), p - 1) * p);
  });
}

// y = sqrt(x);  dx += dy * 0.5 / y
Var sqrt(const Var& x) {
  Tensor y = map(x.value(), [](Scalar v) { return std::sqrt(v); });
  return record("sqrt", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, dy * 0.5 / g.output()); });
}

// y = x^(-1/2);  dx += dy * (-0.5) * y^3
Var rsqrt(const Var& x) {
  Tensor y = map(x.value(), [](Scalar v) { return Scalar(1) / std::sqrt(v); });
  return record("rsqrt", {x}, std::move(y), [](Grads& g, const Var& dy) {
    const Var& y = g.output();
    g.accumulate(0, dy * (y * y * y) * -0.5);
  });
}

// y = |x|;  dx += dy * sign(x)   (sign is piecewise constant: no second-order term)
Var abs(const Var& x) {
  Tensor y = map(x.value(), [](Scalar v) { return std::fabs(v); });
  return record("abs", {x}, std::move(y), [](Grads& g, const Var& dy) {
    Tensor sign = map(g.input(0).value(), [](Scalar v) { return Scalar(v > 0 ? 1 : v < 0 ? -1 : 0); });
    g.accumulate(0, dy * Var(std::move(sign)));
  });
}

// y = x^2;  dx += dy * 2x
Var square(const Var& x) {
  Tensor y = map(x.value(), [](Scalar v) { return v * v; });
  return record("square", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, dy * g.input(0) * 2.0); });
}

// y = min(max(x, lo), hi);  dx += dy * [lo <= x <= hi]
Var clamp(const Var& x, double lo, double hi) {
  if (!(lo <= hi))
    throw_invalid_argument("clamp: bounds lo = " + number(lo) + ", hi = " + number(hi) +
                           " are out of order (allowed: lo <= hi, neither NaN)");
  const Scalar l = static_cast<Scalar>(lo), h = static_cast<Scalar>(hi);
  Tensor y = map(x.value(), [l, h](Scalar v) { return v < l ? l : v > h ? h : v; });
  return record("clamp", {x}, std::move(y), [l, h](Grads& g, const Var& dy) {
    Tensor inside = map(g.input(0).value(), [l, h](Scalar v) { return Scalar(v >= l && v <= h ? 1 : 0); });
    g.accumulate(0, dy * Var(std::move(inside)));
  });
}

GRADLAB_END
