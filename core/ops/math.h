// Elementwise math functions, on any shape (the output has x's shape). Each backward is
// written with ops, so second derivatives work; where a function has a kink (abs at 0,
// clamp at its bounds) the gradient there is the one PyTorch uses, stated per op.
//
//   Var y = sqrt(square(x) + 1.0);   // a smooth |x|
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var exp(const Var& x);                 // dx += dy * exp(x)
Var log(const Var& x);                 // dx += dy / x           (x > 0; log(0) = -inf)
Var pow(const Var& x, double p);       // dx += dy * p * x^(p-1)
Var sqrt(const Var& x);                // dx += dy / (2 sqrt(x))   (x >= 0)
Var rsqrt(const Var& x);               // y = 1/sqrt(x);  dx += dy * (-y^3 / 2)
Var abs(const Var& x);                 // dx += dy * sign(x), 0 at x = 0 (as PyTorch)
Var square(const Var& x);              // dx += dy * 2x
// y = min(max(x, lo), hi), lo <= hi;  dx += dy where lo <= x <= hi, 0 outside (bounds
// inclusive, as PyTorch). Throws std::invalid_argument if lo > hi.
Var clamp(const Var& x, double lo, double hi);

GRADLAB_END
