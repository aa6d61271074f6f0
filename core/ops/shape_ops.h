// Shape ops: they move numbers, never change them. Each backward moves the gradient
// back the same way (slice <-> pad, index_select <-> scatter-add, permute <-> inverse
// permute), written with these same ops so higher-order gradients flow through.
//
//   Var x = ...;                       // [B, T, H]
//   Var last = select(x, 1, -1);       // [B, H]: the last time step
//   Var both = concat({last, last}, 1) // [B, 2H]
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

// Same numbers, new shape (one dim may be -1). Shares storage with x.
Var reshape(const Var& x, const Shape& shape);

// `axis` made non-negative for a tensor of `shape` (negative counts from the end);
// throws std::invalid_argument naming `op`, the axis, the shape and the allowed range.
int op_axis(const char* op, int axis, const Shape& shape);

// x [..., D, ...] -> [..., end - start, ...]: elements start <= i < end along `axis`.
// Negative start/end count from the end (as Python); no clamping: 0 <= start <= end <= D.
Var slice(const Var& x, int axis, std::int64_t start, std::int64_t end);

// x [..., D, ...] -> [..., ...]: element `index` along `axis`, which is dropped.
// A negative index counts from the end.
Var select(const Var& x, int axis, std::int64_t index);

// Joins along an existing axis: every x has the same shape except along `axis`.
//   [2, 3] and [2, 5] on axis 1 -> [2, 8]
Var concat(const std::vector<Var>& xs, int axis);

// Joins along a new axis inserted at `axis` (0..rank, negative counts from the end):
// every x has the same shape. Three [2, 3] on axis 1 -> [2, 3, 3].
Var stack(const std::vector<Var>& xs, int axis);

// Swaps two axes: [A, B, C] with (0, 2) -> [C, B, A]. Copies.
Var transpose(const Var& x, int a, int b);

// Reorders axes: output axis i is input axis dims[i]. [A, B, C] with {2, 0, 1} -> [C, A, B].
Var permute(const Var& x, const std::vector<int>& dims);

// Inserts a size-1 axis at `axis` (0..rank, negative counts from the end): [A, B] at 1 -> [A, 1, B].
Var unsqueeze(const Var& x, int axis);

// Removes `axis`, which must have size 1: [A, 1, B] at 1 -> [A, B].
Var squeeze(const Var& x, int axis);

// x [..., D, ...] -> [..., n, ...]: out[..., j, ...] = x[..., indices[j], ...], with
// 0 <= indices[j] < D; repeats allowed (their gradients add up).
Var index_select(const Var& x, int axis, const std::vector<std::int64_t>& indices);

GRADLAB_END
