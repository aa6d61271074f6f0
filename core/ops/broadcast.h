// Tensor-level broadcasting loops shared by the elementwise ops (internal to ops/).
#pragma once


#include "autograd/function_ref.h"
#include "tensor/tensor.h"

GRADLAB_BEGIN

using BinaryKernel = void (*)(Scalar*, const Scalar*, const Scalar*, std::size_t);

// out = a (op) b with broadcasting. Same shapes use the vector kernel; a trailing-suffix
// operand (a bias) and a value per last-dimension row ([B, T, 1] with [B, T, E]) run the
// kernel row by row; anything else walks strides with `scalar_op`.
Tensor broadcast_binary(const Tensor& a, const Tensor& b, BinaryKernel kernel,
                        FunctionRef<Scalar(Scalar, Scalar)> scalar_op);

// Sums `t` down to `shape` (which must broadcast to t's shape), in double, each output's
// terms in t's element order (contiguous loops for a suffix shape and for per-row sums).
Tensor reduce_to_shape(const Tensor& t, const Shape& shape);
// Copies `t` stretched to `shape`.
Tensor expand_to_shape(const Tensor& t, const Shape& shape);

GRADLAB_END
