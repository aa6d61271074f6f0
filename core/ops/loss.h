// Losses and explicit penalty terms, with PyTorch's names, formulas and reductions.
// Shape letters: N batch, T time steps, C classes.
//
//   Var logits = model(x);                               // [N, C]
//   Var loss = cross_entropy(logits, labels);            // labels [N]: class indices
//   Var per_item = cross_entropy(logits, labels, Reduction::None);  // [N]
//
// Class targets are a Tensor of indices stored as Scalar (0, 1, 2, ...): exact in float
// up to 2^24 classes. They are checked to be integral and in [0, C).
#pragma once

#include <string>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

// None: the per-element losses; Mean: their mean (over every element, N*T for [N, T, C]);
// Sum: their sum.
enum class Reduction { None, Mean, Sum };

// "none", "mean" or "sum"; anything else throws std::invalid_argument listing those three.
Reduction parse_reduction(const std::string& name);
const char* to_string(Reduction r);

// (pred - target)^2, pred and target of the same shape (any). None keeps that shape.
Var mse_loss(const Var& pred, const Var& target, Reduction reduction = Reduction::Mean);

// (pred - target)^2 with pred broadcast against target (NumPy rules: pred's dimensions are
// 1 or target's), so the per-element losses have target's shape: a [N, 1, 1, 1] output
// against [N, 1, 32, 32] targets is one number compared with every pixel. With Sum,
// dL/dpred = 2 * sum over the stretched dimensions of (pred - target). Any other pair of
// shapes (target stretched too, different ranks) throws std::invalid_argument.
Var mse_loss_broadcast(const Var& pred, const Var& target, Reduction reduction = Reduction::Mean);

// -log_softmax(logits)[target] per item. logits [N, C] or [N, T, C] (classes on the last
// axis, unlike PyTorch's [N, C, T]), targets [N] or [N, T]. None -> [N] or [N, T].
// Max-subtracted (finite for logits of 1e4), differentiable twice and more.
Var cross_entropy(const Var& logits, const Tensor& targets, Reduction reduction = Reduction::Mean);

// -log_probs[target] per item; the same shapes and checks as cross_entropy (whose second
// half this is: cross_entropy = nll_loss(log_softmax(logits), targets)).
Var nll_loss(const Var& log_probs, const Tensor& targets, Reduction reduction = Reduction::Mean);

// Binary cross-entropy on logits x with targets t (probabilities, usually 0 or 1), same
// shape, in the stable form max(x, 0) - x t + log(1 + exp(-|x|)).
// dx += dy * (sigmoid(x) - t);  dt += dy * (-x)
Var bce_with_logits(const Var& logits, const Var& targets, Reduction reduction = Reduction::Mean);

// Explicit penalty terms (shape []), to add to a loss: sum over every w of sum|w|, and
// of sum w^2. An empty list gives 0. (Weight decay inside an optimizer is the other way.)
// l1's gradient at exactly 0 is 0, as abs's.
Var l1_penalty(const std::vector<Var>& weights);
Var l2_penalty(const std::vector<Var>& weights);

GRADLAB_END
