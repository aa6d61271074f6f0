// Layers that wrap or regularise others: Residual (a skip connection around one inner
// layer) and Dropout. Sequential lives in nn/layers.h.
#pragma once

#include <memory>

#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// y = x + fn(x); fn must keep the shape (x [...] -> [...], no broadcasting allowed).
// The inner layer is the child "fn", so its parameters read "fn.weight", or
// "fn.0.weight" for a Sequential body, as a PyTorch module storing self.fn would.
class Residual : public Layer {
 public:
  explicit Residual(std::shared_ptr<Layer> fn);
  std::string type_name() const override { return "Residual"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const std::shared_ptr<Layer>& fn() const { return fn_; }

 private:
  std::shared_ptr<Layer> fn_;
};

// Inverted dropout (ops/dropout.h): in training each element is zeroed with probability p
// and the rest scaled by 1 / (1 - p); in eval it is the identity. Any shape -> same shape.
// Draws from `rng`, which is shared (e.g. the trainer's, so a checkpointed Rng state replays
// the same masks) and must outlive the layer.
class Dropout : public Layer {
 public:
  Dropout(double p, Rng& rng);  // p in [0, 1)
  std::string type_name() const override { return "Dropout"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override { return in; }
  double p() const { return p_; }

 private:
  double p_;
  Rng* rng_;
};

GRADLAB_END
