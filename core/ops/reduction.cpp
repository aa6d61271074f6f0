#include "ops/reduction.h"

#include "kernels/kernels.h"
#include "ops/broadcast.h"
#include "ops/elementwise.h"
#include "ops/shape_ops.h"

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

GRADLAB_END
