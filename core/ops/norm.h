// Batch normalisation (PyTorch's F.batch_norm): statistics per channel C over every other
// dimension. Fused forward and fused first-order backward; with create_graph the backward
// is rebuilt from ops (same formulas), so it is twice differentiable too.
//
//   Tensor rm = Tensor::zeros({C}), rv = Tensor::ones({C});
//   Var y = batch_norm(x, gamma, beta, rm, rv, /*training=*/true);   // rm, rv updated
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

// x [N, C] or [N, C, H, W] (any [N, C, ...]); gamma, beta [C] or undefined Vars (no
// scale / no shift); running_mean, running_var [C] Tensors, both defined or both undefined.
// Let M = numel(x) / C, the values per channel.
//
// training: y = (x - mean_B) / sqrt(var_B + eps) * gamma + beta with the batch mean and the
//   biased batch variance var_B = sum (x - mean_B)^2 / M, per channel. If running stats are
//   given they are updated in place (whether or not grad mode is on), as PyTorch does:
//     running_mean = (1 - momentum) * running_mean + momentum * mean_B
//     running_var  = (1 - momentum) * running_var  + momentum * var_B * M / (M - 1)
//   The gradient flows through mean_B and var_B. Needs M > 1.
// eval: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta; nothing changes,
//   and the running stats are constants for the gradient.
//
// Throws std::invalid_argument naming batch_norm, the shapes found and what is allowed.
Var batch_norm(const Var& x, const Var& gamma, const Var& beta, Tensor running_mean, Tensor running_var,
               bool training, double momentum = 0.1, double eps = 1e-5);

// Layer normalisation (PyTorch's F.layer_norm over the last dimension): x [..., D], statistics
// per row of D values, the biased variance, no running statistics:
//   y = (x - mean) / sqrt(var + eps) * weight + bias,  weight, bias [D] or undefined Vars.
// Written with ops (mean, rsqrt, broadcasting), so its backward is theirs and it is twice
// differentiable. Throws std::invalid_argument naming layer_norm and the shapes.
Var layer_norm(const Var& x, const Var& weight, const Var& bias, double eps = 1e-5);

GRADLAB_END
