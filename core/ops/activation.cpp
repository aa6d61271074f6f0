#include "ops/activation.h"

#include "kernels/kernels.h"
#include "ops/elementwise.h"

GRADLAB_BEGIN

namespace {
using UnaryKernel = void (*)(Scalar*, const Scalar*, std::size_t);
Tensor map(const Tensor& x, UnaryKernel k) {
  Tensor y(x.shape());
  k(y.data(), x.data(), static_cast<std::size_t>(x.numel()));
  return y;
}
Tensor step_mask(const Tensor& x) {  // [x > 0] as 0/1
  Tensor m(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) m[i] = x[i] > 0 ? Scalar(1) : Scalar(0);
  return m;
}
}  // namespace

// y = tanh(x);  dx += dy * (1 - y*y)
Var tanh(const Var& x) {
  return record("tanh", {x}, map(x.value(), kernels::tanh), [](Grads& g, const Var& dy) {
    const Var& y = g.output();
    if (!g.create_graph()) {  // fused fast path, same formula
      Tensor dx(y.shape());
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
      Tensor dx(y.shape());
      kernels::sigmoid_backward(dx.data(), y.value().data(), dy.value().data(), static_cast<std::size_t>(dx.numel()));
      g.accumulate(0, std::move(dx));
      return;
    }
    g.accumulate(0, dy * y * (1.0 - y));
  });
}

// y = max(x, 0);  dx += dy * [x > 0]   (the mask is piecewise constant: no second-order term)
Var relu(const Var& x) {
  return record("relu", {x}, map(x.value(), kernels::relu), [](Grads& g, const Var& dy) {
    g.accumulate(0, dy * Var(step_mask(g.input(0).value())));
  });
}

GRADLAB_END
