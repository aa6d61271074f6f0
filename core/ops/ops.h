// Differentiable ops on Var, one header per family. Each op's forward and backward sit
// side by side in its .cpp; backward always accumulates. Backward functions are written
// with these same ops, so higher-order gradients (create_graph) work through them
// unless an op says otherwise.
#pragma once

#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/math.h"
#include "ops/norm.h"
#include "ops/reduction.h"
#include "ops/shape_ops.h"
