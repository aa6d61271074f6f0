// Matrix products. Shape letters: B batch, M rows, K inner, N columns.
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

// Batched product with optional transposes: a is [B, M, K] ([B, K, M] if trans_a),
// b is [B, K, N] ([B, N, K] if trans_b); the result is [B, M, N].
Var bmm(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);

// [M, K] x [K, N] -> [M, N];  [B, M, K] x [K, N] -> [B, M, N];  [B, M, K] x [B, K, N] -> [B, M, N].
Var matmul(const Var& a, const Var& b);

// PyTorch's linear: x [..., in], weight [out, in], bias [out] (or undefined) -> [..., out].
Var linear(const Var& x, const Var& weight, const Var& bias = Var());

GRADLAB_END
