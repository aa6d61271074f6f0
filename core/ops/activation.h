// Activations, elementwise on any shape.
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var tanh(const Var& x);     // dx += dy * (1 - y^2)
Var sigmoid(const Var& x);  // dx += dy * y * (1 - y)
Var relu(const Var& x);     // dx += dy * [x > 0]

GRADLAB_END
