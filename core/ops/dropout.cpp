// Inverted dropout (see dropout.h).
#include "ops/dropout.h"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "ops/elementwise.h"
#include "support/throw.h"

GRADLAB_BEGIN

// y = x * m, m = [u >= p] / (1 - p) per element;  dx += dy * m (m is constant)
Var dropout(const Var& x, double p, bool training, Rng& rng) {
  if (!(p >= 0 && p < 1)) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", p);
    throw_invalid_argument(std::string("dropout: probability p = ") + value +
                           " (allowed: 0 <= p < 1; p is the chance of zeroing an element)");
  }
  if (!training || p == 0) return x;
  const Scalar keep_scale = static_cast<Scalar>(1.0 / (1.0 - p));
  Tensor mask(x.shape());
  for (std::int64_t i = 0; i < mask.numel(); ++i) mask[i] = rng.uniform() >= p ? keep_scale : Scalar(0);
  Tensor y(x.shape());
  const Scalar* px = x.value().data();
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = px[i] * mask[i];
  return record("dropout", {x}, std::move(y), [mask](Grads& g, const Var& dy) { g.accumulate(0, dy * Var(mask)); });
}

GRADLAB_END
