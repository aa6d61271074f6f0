// Shapes and broadcasting rules (NumPy/PyTorch semantics: align trailing dims, 1 stretches).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/scalar.h"

GRADLAB_BEGIN

using Shape = std::vector<std::int64_t>;

std::int64_t numel(const Shape& shape);
// numel for shapes from user input: false (and `out` untouched) when the dimensions,
// zeros counted as 1, multiply past INT64_MAX, so no stride or row size can wrap either.
bool checked_numel(const Shape& shape, std::int64_t& out);
std::string to_string(const Shape& shape);  // "[2, 3]"

// The broadcast of two shapes; throws std::invalid_argument naming both shapes if they
// do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Row-major strides of `shape` as seen from `out` after broadcasting: 0 where `shape`
// stretches. `shape` must broadcast to `out`.
std::vector<std::int64_t> broadcast_strides(const Shape& shape, const Shape& out);

// A non-negative axis for `axis` in a tensor of rank `rank` (negative counts from the end);
// throws std::out_of_range with the allowed range otherwise.
int normalize_axis(int axis, int rank);

GRADLAB_END
