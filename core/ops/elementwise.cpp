#include "ops/elementwise.h"

#include <stdexcept>

#include "kernels/kernels.h"
#include "ops/broadcast.h"
#include "support/throw.h"

GRADLAB_BEGIN

Var add(const Var& a, const Var& b) {
  Tensor y = broadcast_binary(a.value(), b.value(), kernels::add, [](Scalar x, Scalar z) { return x + z; });
  return record("add", {a, b}, std::move(y), [](Grads& g, const Var& dy) {
    if (g.needs(0)) g.accumulate(0, sum_to_shape(dy, g.input(0).shape()));
    if (g.needs(1)) g.accumulate(1, sum_to_shape(dy, g.input(1).shape()));
  });
}

Var sub(const Var& a, const Var& b) {
  Tensor y = broadcast_binary(a.value(), b.value(), kernels::sub, [](Scalar x, Scalar z) { return x - z; });
  return record("sub", {a, b}, std::move(y), [](Grads& g, const Var& dy) {
    if (g.needs(0)) g.accumulate(0, sum_to_shape(dy, g.input(0).shape()));
    if (g.needs(1)) g.accumulate(1, sum_to_shape(neg(dy), g.input(1).shape()));
  });
}

// y = a * b;  da += dy * b,  db += dy * a
Var mul(const Var& a, const Var& b) {
  Tensor y = broadcast_binary(a.value(), b.value(), kernels::mul, [](Scalar x, Scalar z) { return x * z; });
  return record("mul", {a, b}, std::move(y), [](Grads& g, const Var& dy) {
    if (g.needs(0)) g.accumulate(0, sum_to_shape(dy * g.input(1), g.input(0).shape()));
    if (g.needs(1)) g.accumulate(1, sum_to_shape(dy * g.input(0), g.input(1).shape()));
  });
}

// y = a / b;  da += dy / b,  db += -dy * a / b^2
Var div(const Var& a, const Var& b) {
  Tensor y = broadcast_binary(a.value(), b.value(), kernels::div, [](Scalar x, Scalar z) { return x / z; });
  return record("div", {a, b}, std::move(y), [](Grads& g, const Var& dy) {
    const Var& a = g.input(0);
    const Var& b = g.input(1);
    if (g.needs(0)) g.accumulate(0, sum_to_shape(dy / b, a.shape()));
    if (g.needs(1)) g.accumulate(1, sum_to_shape(neg(dy * a / (b * b)), b.shape()));
  });
}

Var neg(const Var& x) { return mul_scalar(x, -1.0); }

Var add_scalar(const Var& x, double s) {
  Tensor y(x.shape());
  const Scalar* px = x.value().data();
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = px[i] + static_cast<Scalar>(s);
  return record("add_scalar", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, dy); });
}

Var mul_scalar(const Var& x, double s) {
  Tensor y = Tensor::empty(x.shape());  // the kernel writes every element
  kernels::scale(y.data(), x.value().data(), static_cast<Scalar>(s), static_cast<std::size_t>(y.numel()));
  return record("mul_scalar", {x}, std::move(y), [s](Grads& g, const Var& dy) { g.accumulate(0, mul_scalar(dy, s)); });
}

Var constant(const Shape& shape, double v) { return Var(Tensor::full(shape, static_cast<Scalar>(v))); }

Var sum_to_shape(const Var& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  Tensor y = reduce_to_shape(g.value(), shape);
  return record("sum_to_shape", {g}, std::move(y), [](Grads& gr, const Var& dy) {
    gr.accumulate(0, broadcast_to(dy, gr.input(0).shape()));
  });
}

Var broadcast_to(const Var& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  if (broadcast_shapes(x.shape(), shape) != shape)
    throw_invalid_argument("broadcast_to: cannot stretch " + to_string(x.shape()) + " to " + to_string(shape));
  Tensor y = expand_to_shape(x.value(), shape);
  return record("broadcast_to", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, sum_to_shape(dy, g.input(0).shape()));
  });
}

GRADLAB_END
