// Residual and Dropout.
#include "nn/containers.h"

#include <stdexcept>

#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "support/throw.h"

GRADLAB_BEGIN

Residual::Residual(std::shared_ptr<Layer> fn) : fn_(std::move(fn)) {
  if (!fn_) throw_invalid_argument("Residual: the inner layer fn is null");
  register_module("fn", fn_);
}

Shape Residual::output_shape(const Shape& in) const {
  Shape out;
  try {
    out = fn_->output_shape(in);
  } catch (const std::invalid_argument& e) {
    throw_invalid_argument("Residual: fn (" + fn_->type_name() + "): " + e.what());
  }
  if (out != in)
    throw_invalid_argument("Residual: fn (" + fn_->type_name() + ") maps " + to_string(in) + " to " +
                           to_string(out) + ", but y = x + fn(x) needs fn to keep the shape");
  return in;
}

Var Residual::forward(const Var& x) {
  Var fx = fn_->forward(x);
  if (fx.shape() != x.shape())  // checked here too: add() would broadcast a [N, 1] silently
    throw_invalid_argument("Residual: fn (" + fn_->type_name() + ") maps " + to_string(x.shape()) + " to " +
                           to_string(fx.shape()) + ", but y = x + fn(x) needs fn to keep the shape");
  return add(x, fx);
}

Dropout::Dropout(double p, Rng& rng) : p_(p), rng_(&rng) {
  if (!(p_ >= 0 && p_ < 1)) throw_invalid_argument("Dropout: p must be in [0, 1), got " + std::to_string(p_));
}

Var Dropout::forward(const Var& x) { return dropout(x, p_, training(), *rng_); }

GRADLAB_END
