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

  // The loss Var (one number unless reduction is "none" or type is "output").
  Var loss(const Var& output, const Tensor& targets) const;
  // Fraction of correct predictions, or NaN when the loss is not a classification loss.
  double accuracy(const Tensor& output, const Tensor& targets) const;
  bool is_classification() const { return type == "cross_entropy" || type == "nll" || type == "bce_with_logits"; }
  // Runs backward from `loss`, with the seed when there is one.
  void backward(const Var& loss) const;
};

GRADLAB_END
