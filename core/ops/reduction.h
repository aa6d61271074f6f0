// Reductions. Without an axis they reduce everything to a scalar of shape []; with one,
// that axis is dropped ([N, C] on axis 1 -> [N]) or kept with size 1 (keepdim -> [N, 1]).
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var sum(const Var& x);
Var sum(const Var& x, int axis, bool keepdim = false);
Var mean(const Var& x);
Var mean(const Var& x, int axis, bool keepdim = false);


// ---- max / min / argmax / logsumexp / norm ---------------------------------------------
// max(x): the largest element, shape []. max(x, axis, keepdim): along one axis, the axis
// dropped (or kept with size 1). The gradient goes to the first maximal element along the
// reduced range, as torch.max(x, dim) does. (torch.max(x) over everything splits it evenly
// between ties instead; with no ties the two agree.) NaN wins: it propagates as in PyTorch.
// min likewise. Empty ranges are an error.
Var max(const Var& x);
Var max(const Var& x, int axis, bool keepdim = false);
Var min(const Var& x);
Var min(const Var& x, int axis, bool keepdim = false);

// The index of the first maximum along `axis`, as Scalar, axis dropped: [N, C] on -1 -> [N].
// No gradient (it is a Tensor, not a Var).
Tensor argmax(const Tensor& x, int axis);

// log(sum(exp(x))) along `axis`, max-subtracted (no overflow for large x).
// dx += dy * exp(x - y) = dy * softmax(x)
Var logsumexp(const Var& x, int axis, bool keepdim = false);

// L2 norm sqrt(sum(x^2)) of everything (shape []) or along `axis`. dx += dy * x / norm,
// and 0 where the norm is 0: the subgradient PyTorch's norm also picks there, so a
// gradient penalty at an all-zero gradient (WGAN-GP) is safe rather than NaN.
Var norm(const Var& x);
Var norm(const Var& x, int axis, bool keepdim = false);

GRADLAB_END
