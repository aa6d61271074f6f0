// Proximal L1 (the soft-threshold, or "shrinkage", step of ISTA / proximal gradient
// descent): after an optimizer step on the rest of the objective, every element moves
// toward zero by `threshold` and stops at exactly zero. PyTorch has no built-in for it.
//
//   opt.step();                                         // the loss (and L2) only
//   soft_threshold(model.parameters(), lr * l1);        // w <- sign(w) max(|w| - lr*l1, 0)
#pragma once

#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

// w <- sign(w) * max(|w| - threshold, 0) for every element of every parameter, in place
// (outside the tape). For SGD with learning rate lr this with threshold = lr * l1 is the
// proximal step of l1 * sum|w|, so weights that the loss does not pull on land on 0.0
// exactly, where subgradient descent on the penalty keeps them jumping around 0 by up to
// lr * l1. Throws std::invalid_argument unless threshold >= 0 (and finite).
void soft_threshold(const std::vector<Var>& params, double threshold);

GRADLAB_END
