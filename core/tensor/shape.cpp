#include "tensor/shape.h"

#include <stdexcept>

#include "support/throw.h"

GRADLAB_BEGIN

std::int64_t numel(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

bool checked_numel(const Shape& shape, std::int64_t& out) {
  std::int64_t n = 1, nonzero = 1;
  for (auto d : shape) {
    if (d < 0 || __builtin_mul_overflow(nonzero, d == 0 ? 1 : d, &nonzero)) return false;
    n = d == 0 ? 0 : n * d;  // |n| <= nonzero, so this cannot overflow
  }
  out = n;
  return true;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_invalid_argument("shapes " + to_string(a) + " and " + to_string(b) + " do not broadcast (dimension " +
                             std::to_string(i) + ": " + std::to_string(da) + " vs " + std::to_string(db) +
                             "; sizes must match or one must be 1)");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<std::int64_t> broadcast_strides(const Shape& shape, const Shape& out) {
  std::vector<std::int64_t> strides(out.size(), 0);
  const std::size_t offset = out.size() - shape.size();
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i + offset] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

int normalize_axis(int axis, int rank) {
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw_out_of_range("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank) +
                       " (allowed: " + std::to_string(-rank) + " to " + std::to_string(rank - 1) + ")");
  return a;
}

GRADLAB_END
