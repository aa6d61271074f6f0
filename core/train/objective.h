// The training objective: a model output and targets -> the loss the spec names, plus
// the metrics that go with it (accuracy for classification losses).
#pragma once

#include <string>

#include "autograd/var.h"

GRADLAB_BEGIN

struct Objective {
  std::string type = "mse";  // mse, cross_entropy, bce_with_logits, nll, output
  std::string reduction = "mean";
  Tensor seed;  // seed gradient when the objective is not one number
  double scale = 1;  // the loss is multiplied by this (0.5: L = 1/2 (a - y)^2 for backprop by hand)
  bool broadcast = false;  // mse only: the output is broadcast against larger targets (mse_loss_broadcast)

  // The loss Var, times `scale` (one number unless reduction is "none" or type is "output").
  Var loss(const Var& output, const Tensor& targets) const;
  // Fraction of correct predictions, or NaN when the loss is not a classification loss.
  double accuracy(const Tensor& output, const Tensor& targets) const;
  // The loss without `scale`.
  Var unscaled_loss(const Var& output, const Tensor& targets) const;
  bool is_classification() const { return type == "cross_entropy" || type == "nll" || type == "bce_with_logits"; }
  // The one number backward starts from: sum(seed * loss) with a seed (whose gradient is
  // the vector-Jacobian product seed^T dloss/dtheta), else `loss` itself. Throws
  // std::invalid_argument when the seed's shape is not the loss's.
  Var scalar(const Var& loss) const;
};

GRADLAB_END
