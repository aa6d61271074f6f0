// Gradient clipping over a parameter list, as torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_. Parameters without a gradient are skipped.
//
//   loss.backward();
//   double norm = clip_grad_norm(net->named_parameters(), /*max_norm=*/1.0);  // pre-clip norm
//   opt.step();
#pragma once

#include <limits>

#include "optim/optimizer.h"

GRADLAB_BEGIN

// The norm of all gradients taken together (accumulated in double; norm_type = infinity
// gives max |g|), returned as it was before clipping. When max_norm / (total + 1e-6) < 1
// every gradient is multiplied by that factor (PyTorch's clamp of the coefficient at 1),
// which leaves the total norm at max_norm up to the 1e-6. A non-finite total is returned
// as is and the gradients are left alone: the caller decides (skip the step, stop).
// Throws std::invalid_argument unless max_norm >= 0 and norm_type > 0.
double clip_grad_norm(const NamedParams& params, double max_norm, double norm_type = 2);
double clip_grad_norm(const std::vector<Var>& params, double max_norm, double norm_type = 2);

// Clamps every gradient element to [-clip, clip] (NaN stays NaN) and returns the global
// 2-norm from before clamping, for reporting. Throws std::invalid_argument unless clip >= 0.
double clip_grad_value(const NamedParams& params, double clip);
double clip_grad_value(const std::vector<Var>& params, double clip);

// The global norm of the gradients, without changing them (what clip_grad_norm returns).
double grad_norm(const std::vector<Var>& params, double norm_type = 2);

GRADLAB_END
