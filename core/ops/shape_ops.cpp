#include "ops/shape_ops.h"

GRADLAB_BEGIN

Var reshape(const Var& x, const Shape& shape) {
  Tensor y = x.value().reshape(shape);
  if (y.shape() == x.shape()) return x;
  return record("reshape", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, reshape(dy, g.input(0).shape()));
  });
}

GRADLAB_END
