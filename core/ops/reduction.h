// Reductions. Without an axis they reduce everything to a scalar of shape [].
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var sum(const Var& x);
Var sum(const Var& x, int axis, bool keepdim = false);
Var mean(const Var& x);
Var mean(const Var& x, int axis, bool keepdim = false);

GRADLAB_END
