// Activations. tanh, sigmoid, relu, leaky_relu and gelu are elementwise on any shape;
// softmax and log_softmax normalise along one axis (any axis; default the last), so
//   x [N, C] -> softmax(x) [N, C], each row summing to 1.
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var tanh(const Var& x);     // dx += dy * (1 - y^2)
Var sigmoid(const Var& x);  // dx += dy * y * (1 - y)
Var relu(const Var& x);     // dx += dy * [x > 0]

// y = exp(x) / sum_axis exp(x), max-subtracted (no overflow for large x).
// dx += y * (dy - sum_axis(dy * y))
Var softmax(const Var& x, int axis = -1);
// y = x - logsumexp_axis(x), max-subtracted.  dx += dy - exp(y) * sum_axis(dy)
Var log_softmax(const Var& x, int axis = -1);

// y = x if x > 0 else slope * x;  dx += dy * (x > 0 ? 1 : slope)
Var leaky_relu(const Var& x, double slope = 0.01);
// y = x * Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2: the exact form,
// PyTorch's default (not the tanh approximation).  dx += dy * (Phi(x) + x * phi(x)),
// phi the standard normal density.
Var gelu(const Var& x);

GRADLAB_END
