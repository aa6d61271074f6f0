// Inverted dropout: at train time each element is zeroed with probability p and the
// survivors are scaled by 1 / (1 - p), so the expected value is unchanged and eval needs
// no rescaling; at eval time (training = false) it is the identity.
//
//   Var h = dropout(x, 0.5, /*training=*/true, rng);   // any shape -> same shape
#pragma once

#include "autograd/var.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// p in [0, 1), else std::invalid_argument. Draws one rng.uniform() per element, in
// row-major order, only when training and p > 0 (so eval leaves the Rng untouched).
// An element survives when its draw is >= p.  dx += dy * mask / (1 - p)
Var dropout(const Var& x, double p, bool training, Rng& rng);

GRADLAB_END
