// Shape ops: reshape, slicing, joining, axis moves and index selection (see shape_ops.h).
#include "ops/shape_ops.h"
#include "support/throw.h"

#include <algorithm>
#include <stdexcept>
#include <string>

GRADLAB_BEGIN

Var reshape(const Var& x, const Shape& shape) {
  Tensor y = x.value().reshape(shape);
  if (y.shape() == x.shape()) return x;
  return record("reshape", {x}, std::move(y), [](Grads& g, const Var& dy) {
    g.accumulate(0, reshape(dy, g.input(0).shape()));
  });
}

int op_axis(const char* op, int axis, const Shape& shape) {
  const int rank = static_cast<int>(shape.size());
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    const std::string allowed = rank == 0 ? "none: a scalar has no axes"
                                          : std::to_string(-rank) + " to " + std::to_string(rank - 1);
    throw_invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                           to_string(shape) + " (allowed: " + allowed + ")");
  }
  return a;
}

namespace {
// A tensor seen as [outer, dim, inner] around one axis: the layout every loop here uses.
struct AxisSplit {
  std::int64_t outer = 1, dim = 1, inner = 1;
};
AxisSplit split_at(const Shape& s, int axis) {
  AxisSplit r;
  for (int i = 0; i < axis; ++i) r.outer *= s[static_cast<std::size_t>(i)];
  r.dim = s[static_cast<std::size_t>(axis)];
  for (std::size_t i = static_cast<std::size_t>(axis) + 1; i < s.size(); ++i) r.inner *= s[i];
  return r;
}

// An axis where a new one may be inserted: 0..rank (negative counts from the end).
int insert_axis(const char* op, int axis, const Shape& shape) {
  const int rank = static_cast<int>(shape.size());
  const int a = axis < 0 ? axis + rank + 1 : axis;
  if (a < 0 || a > rank)
    throw_invalid_argument(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for shape " +
                           to_string(shape) + " (allowed: " + std::to_string(-rank - 1) + " to " +
                           std::to_string(rank) + ")");
  return a;
}

Shape with_dim(Shape s, int axis, std::int64_t d) {
  s[static_cast<std::size_t>(axis)] = d;
  return s;
}

// The backward of slice: dy placed at [start, start + len) along `axis` of zeros of `full`.
// Its own backward is slice again.
Var pad_axis(const Var& dy, int axis, std::int64_t start, const Shape& full) {
  const AxisSplit in = split_at(dy.shape(), axis);
  const AxisSplit out = split_at(full, axis);
  Tensor y(full);
  const Scalar* src = dy.value().data();
  Scalar* dst = y.data();
  const std::int64_t block = in.dim * in.inner;
  for (std::int64_t o = 0; o < in.outer; ++o)
    std::copy(src + o * block, src + (o + 1) * block, dst + (o * out.dim + start) * out.inner);
  const std::int64_t end = start + in.dim;
  return record("pad", {dy}, std::move(y), [axis, start, end](Grads& g, const Var& d) {
    g.accumulate(0, slice(d, axis, start, end));
  });
}

// The backward of index_select: dy's rows added into zeros of `full` at `indices`.
// Its own backward is index_select again.
Var index_add(const Var& dy, int axis, const std::vector<std::int64_t>& indices, const Shape& full) {
  const AxisSplit in = split_at(dy.shape(), axis);
  const AxisSplit out = split_at(full, axis);
  Tensor y(full);
  const Scalar* src = dy.value().data();
  Scalar* dst = y.data();
  for (std::int64_t o = 0; o < in.outer; ++o)
    for (std::int64_t j = 0; j < in.dim; ++j) {
      const Scalar* s = src + (o * in.dim + j) * in.inner;
      Scalar* d = dst + (o * out.dim + indices[static_cast<std::size_t>(j)]) * out.inner;
      for (std::int64_t i = 0; i < in.inner; ++i) d[i] += s[i];
    }
  return record("index_add", {dy}, std::move(y), [axis, indices](Grads& g, const Var& d) {
    g.accumulate(0, index_select(d, axis, indices));
  });
}
}  // namespace

// y = x[..., start:end, ...];  dx += dy padded with zeros back to x's shape
Var slice(const Var& x, int axis, std::int64_t start, std::int64_t end) {
  const int a = op_axis("slice", axis, x.shape());
  const AxisSplit s = split_at(x.shape(), a);
  const std::int64_t b = start < 0 ? start + s.dim : start;
  const std::int64_t e = end < 0 ? end + s.dim : end;
  if (b < 0 || e > s.dim || b > e)
    throw_invalid_argument("slice: range [" + std::to_string(start) + ", " + std::to_string(end) +
                           ") along axis " + std::to_string(axis) + " of shape " + to_string(x.shape()) +
                           " is out of bounds (allowed: 0 <= start <= end <= " + std::to_string(s.dim) +
                           ", negative values counting from the end)");
  const std::int64_t len = e - b;
  Tensor y = Tensor::empty(with_dim(x.shape(), a, len));  // every element is copied below
  const Scalar* src = x.value().data();
  Scalar* dst = y.data();
  for (std::int64_t o = 0; o < s.outer; ++o)
    std::copy(src + (o * s.dim + b) * s.inner, src + (o * s.dim + e) * s.inner, dst + o * len * s.inner);
  return record("slice", {x}, std::move(y), [a, b](Grads& g, const Var& dy) {
    g.accumulate(0, pad_axis(dy, a, b, g.input(0).shape()));
  });
}

// y = x[..., index, ...] (axis dropped): a one-wide slice, then the axis removed
Var select(const Var& x, int axis, std::int64_t index) {
  const int a = op_axis("select", axis, x.shape());
  const std::int64_t d = x.shape()[static_cast<std::size_t>(a)];
  const std::int64_t i = index < 0 ? index + d : index;
  if (i < 0 || i >= d)
    throw_invalid_argument("select: index " + std::to_string(index) + " along axis " + std::to_string(axis) +
                           " of shape " + to_string(x.shape()) + " is out of range (allowed: " +
                           (d == 0 ? std::string("none, the axis is empty")
                                   : std::to_string(-d) + " to " + std::to_string(d - 1)) +
                           ")");
  Shape dropped = x.shape();
  dropped.erase(dropped.begin() + a);
  return reshape(slice(x, a, i, i + 1), dropped);
}

// y = [x0 | x1 | ...] along axis;  dx_k += the slice of dy where x_k sits
Var concat(const std::vector<Var>& xs, int axis) {
  if (xs.empty()) throw_invalid_argument("concat: needs at least one tensor, got none");
  const Shape& first = xs[0].shape();
  const int a = op_axis("concat", axis, first);
  std::int64_t total = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Shape& s = xs[k].shape();
    if (s.size() != first.size() || with_dim(s, a, 0) != with_dim(first, a, 0))
      throw_invalid_argument("concat: tensor " + std::to_string(k) + " has shape " + to_string(s) +
                             ", tensor 0 has " + to_string(first) + "; all must match except along axis " +
                             std::to_string(axis));
    total += s[static_cast<std::size_t>(a)];
  }
  Tensor y(with_dim(first, a, total));
  const AxisSplit out = split_at(y.shape(), a);
  std::vector<std::int64_t> offsets;
  std::int64_t offset = 0;
  for (const Var& x : xs) {
    const AxisSplit in = split_at(x.shape(), a);
    const Scalar* src = x.value().data();
    const std::int64_t block = in.dim * in.inner;
    for (std::int64_t o = 0; o < in.outer; ++o)
      std::copy(src + o * block, src + (o + 1) * block, y.data() + (o * out.dim + offset) * out.inner);
    offsets.push_back(offset);
    offset += in.dim;
  }
  offsets.push_back(offset);
  return record("concat", xs, std::move(y), [a, offsets](Grads& g, const Var& dy) {
    for (std::size_t k = 0; k + 1 < offsets.size(); ++k)
      if (g.needs(static_cast<int>(k))) g.accumulate(static_cast<int>(k), slice(dy, a, offsets[k], offsets[k + 1]));
  });
}

// y = concat of the xs, each with a new size-1 axis at `axis`
Var stack(const std::vector<Var>& xs, int axis) {
  if (xs.empty()) throw_invalid_argument("stack: needs at least one tensor, got none");
  const int a = insert_axis("stack", axis, xs[0].shape());
  std::vector<Var> parts;
  parts.reserve(xs.size());
  for (std::size_t k = 0; k < xs.size(); ++k) {
    if (xs[k].shape() != xs[0].shape())
      throw_invalid_argument("stack: tensor " + std::to_string(k) + " has shape " + to_string(xs[k].shape()) +
                             ", tensor 0 has " + to_string(xs[0].shape()) + "; all must have the same shape");
    parts.push_back(unsqueeze(xs[k], a));
  }
  return concat(parts, a);
}

// y = x with axes reordered (y axis i = x axis dims[i]);  dx += dy permuted back (inverse dims)
Var permute(const Var& x, const std::vector<int>& dims) {
  const int rank = x.rank();
  std::string listed;
  for (int d : dims) listed += (listed.empty() ? "" : ", ") + std::to_string(d);
  std::vector<int> p(dims.size());
  std::vector<bool> used(static_cast<std::size_t>(rank), false);
  bool ok = static_cast<int>(dims.size()) == rank;
  for (std::size_t i = 0; ok && i < dims.size(); ++i) {
    const int d = dims[i] < 0 ? dims[i] + rank : dims[i];
    ok = d >= 0 && d < rank && !used[static_cast<std::size_t>(d)];
    if (ok) used[static_cast<std::size_t>(d)] = true, p[i] = d;
  }
  if (!ok)
    throw_invalid_argument("permute: dims {" + listed + "} for shape " + to_string(x.shape()) +
                           " are not a permutation of the " + std::to_string(rank) + " axes (each of 0.." +
                           std::to_string(rank - 1) + " exactly once, negatives counting from the end)");
  const Shape& xs = x.shape();
  Shape ys(static_cast<std::size_t>(rank));
  std::vector<std::int64_t> xstride(static_cast<std::size_t>(rank), 1), step(static_cast<std::size_t>(rank));
  for (int i = rank - 2; i >= 0; --i)
    xstride[static_cast<std::size_t>(i)] = xstride[static_cast<std::size_t>(i) + 1] * xs[static_cast<std::size_t>(i) + 1];
  for (std::size_t i = 0; i < p.size(); ++i) {
    ys[i] = xs[static_cast<std::size_t>(p[i])];
    step[i] = xstride[static_cast<std::size_t>(p[i])];  // moving along y axis i moves this far in x
  }
  Tensor y = Tensor::empty(ys);  // every element is copied below
  const Scalar* src = x.value().data();
  Scalar* dst = y.data();
  // When the last axis stays last (as splitting and merging attention heads), it is
  // contiguous in both: copy whole runs of it and step only the axes before it.
  const bool runs = rank > 0 && p.back() == rank - 1 && ys.back() > 1;
  const std::int64_t run = runs ? ys.back() : 1;
  const std::size_t stepped = static_cast<std::size_t>(runs ? rank - 1 : rank);
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  std::int64_t at = 0;
  for (std::int64_t k = 0; k < y.numel(); k += run) {
    std::copy(src + at, src + at + run, dst + k);
    for (std::size_t d = stepped; d-- > 0;) {
      at += step[d];
      if (++index[d] < ys[d]) break;
      at -= step[d] * ys[d];
      index[d] = 0;
    }
  }
  std::vector<int> inverse(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) inverse[static_cast<std::size_t>(p[i])] = static_cast<int>(i);
  return record("permute", {x}, std::move(y), [inverse](Grads& g, const Var& dy) {
    g.accumulate(0, permute(dy, inverse));
  });
}

Var transpose(const Var& x, int a, int b) {
  const int i = op_axis("transpose", a, x.shape());
  const int j = op_axis("transpose", b, x.shape());
  std::vector<int> dims(static_cast<std::size_t>(x.rank()));
  for (int k = 0; k < x.rank(); ++k) dims[static_cast<std::size_t>(k)] = k;
  std::swap(dims[static_cast<std::size_t>(i)], dims[static_cast<std::size_t>(j)]);
  return permute(x, dims);
}

Var unsqueeze(const Var& x, int axis) {
  Shape s = x.shape();
  s.insert(s.begin() + insert_axis("unsqueeze", axis, s), 1);
  return reshape(x, s);
}

Var squeeze(const Var& x, int axis) {
  const int a = op_axis("squeeze", axis, x.shape());
  Shape s = x.shape();
  if (s[static_cast<std::size_t>(a)] != 1)
    throw_invalid_argument("squeeze: axis " + std::to_string(axis) + " of shape " + to_string(s) + " has size " +
                           std::to_string(s[static_cast<std::size_t>(a)]) + " (allowed: only a size-1 axis)");
  s.erase(s.begin() + a);
  return reshape(x, s);
}

// y[..., j, ...] = x[..., indices[j], ...];  dx += dy rows added back at their indices
Var index_select(const Var& x, int axis, const std::vector<std::int64_t>& indices) {
  const int a = op_axis("index_select", axis, x.shape());
  const AxisSplit s = split_at(x.shape(), a);
  for (std::size_t j = 0; j < indices.size(); ++j)
    if (indices[j] < 0 || indices[j] >= s.dim)
      throw_invalid_argument("index_select: index " + std::to_string(indices[j]) + " at position " +
                             std::to_string(j) + " is out of range for axis " + std::to_string(axis) +
                             " of shape " + to_string(x.shape()) + " (allowed: 0 to " +
                             std::to_string(s.dim - 1) + ")");
  const std::int64_t n = static_cast<std::int64_t>(indices.size());
  Tensor y(with_dim(x.shape(), a, n));
  const Scalar* src = x.value().data();
  Scalar* dst = y.data();
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t j = 0; j < n; ++j) {
      const Scalar* from = src + (o * s.dim + indices[static_cast<std::size_t>(j)]) * s.inner;
      std::copy(from, from + s.inner, dst + (o * n + j) * s.inner);
    }
  return record("index_select", {x}, std::move(y), [a, indices](Grads& g, const Var& dy) {
    g.accumulate(0, index_add(dy, a, indices, g.input(0).shape()));
  });
}

GRADLAB_END
