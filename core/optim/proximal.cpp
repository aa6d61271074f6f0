#include "optim/proximal.h"
#include "support/throw.h"

#include <cmath>
#include <stdexcept>
#include <string>

GRADLAB_BEGIN

void soft_threshold(const std::vector<Var>& params, double threshold) {
  if (!(threshold >= 0) || !std::isfinite(threshold))
    throw_invalid_argument("soft_threshold: the threshold must be a finite number >= 0, got " + std::to_string(threshold));
  if (threshold == 0) return;
  for (Var p : params) {
    Tensor& w = p.mutable_value();
    for (std::int64_t i = 0; i < w.numel(); ++i) {
      const double v = static_cast<double>(w[i]);
      const double shrunk = std::fabs(v) - threshold;
      w[i] = shrunk > 0 ? static_cast<Scalar>(std::copysign(shrunk, v)) : Scalar(0);
    }
  }
}

GRADLAB_END
