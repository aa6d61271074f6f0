// Shape ops: they move numbers, never change them.
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

// Same numbers, new shape (one dim may be -1). Shares storage with x.
Var reshape(const Var& x, const Shape& shape);

GRADLAB_END
