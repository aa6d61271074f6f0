#include "tensor/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
#include <malloc.h>
#endif

#include "support/throw.h"

GRADLAB_BEGIN

namespace {
#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
// Natively, glibc gives blocks over 128 KiB their own mmap and hands freed memory back to
// the system, so a training step, which makes and frees the same large tensors every time,
// paid a page fault and a zeroed page for each of them again: a third of a Transformer
// step's time here (sys 0.36 s of 1.0 s for 40 steps). Kept in the heap instead (up to
// 256 MiB of freed memory is held for reuse). The wasm build's allocator never returns
// memory and is not affected.
const bool kHeapKept = [] {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  return true;
}();
#endif

void check_dims(const Shape& shape) {
  for (auto d : shape)
    if (d < 0) throw_invalid_argument("negative dimension in shape " + to_string(shape));
}
}  // namespace

Tensor::Tensor(Shape shape, Fill fill) : shape_(std::move(shape)) {
  check_dims(shape_);
  // The element count must fit the address space: a shape whose product overflows, or whose
  // bytes do not fit a size_t (32 bits in wasm), would otherwise allocate a truncated block.
  std::int64_t n = 0;
  if (!checked_numel(shape_, n) ||
      static_cast<std::uint64_t>(n) > std::numeric_limits<std::size_t>::max() / sizeof(Scalar))
    throw_invalid_argument("a tensor of shape " + to_string(shape_) + " has more elements than memory can address (" +
                           std::to_string(std::numeric_limits<std::size_t>::max() / sizeof(Scalar)) +
                           " at most in this build)");
  storage_ = std::make_shared<Storage>();
  // new[] of a trivial type leaves the floats uninitialised; memset zeroes them in bulk
  // (a value-initialising std::vector fills them one by one in a size-optimised build).
  storage_->block.reset(new Scalar[static_cast<std::size_t>(n)]);
  storage_->data = storage_->block.get();
  storage_->size = n;
  if (fill == Fill::zeros && n > 0) std::memset(storage_->data, 0, static_cast<std::size_t>(n) * sizeof(Scalar));
}

Tensor::Tensor(Shape shape) : Tensor(std::move(shape), Fill::zeros) {}

Tensor Tensor::empty(Shape shape) { return Tensor(std::move(shape), Fill::none); }

Tensor::Tensor(Shape shape, std::vector<Scalar> data) : shape_(std::move(shape)) {
  check_dims(shape_);
  if (static_cast<std::int64_t>(data.size()) != gradlab::numel(shape_))
    throw_invalid_argument("shape " + to_string(shape_) + " needs " + std::to_string(gradlab::numel(shape_)) +
                           " values, got " + std::to_string(data.size()));
  storage_ = std::make_shared<Storage>();
  storage_->vector = std::move(data);
  storage_->data = storage_->vector.data();
  storage_->size = static_cast<std::int64_t>(storage_->vector.size());
}

Tensor Tensor::full(Shape shape, Scalar value) {
  Tensor t(std::move(shape));
  t.fill(value);
  return t;
}

Tensor Tensor::from(Shape shape, std::initializer_list<double> values) {
  std::vector<Scalar> data;
  data.reserve(values.size());
  for (double v : values) data.push_back(static_cast<Scalar>(v));
  return Tensor(std::move(shape), std::move(data));
}

std::int64_t Tensor::dim(int axis) const { return shape_[static_cast<std::size_t>(normalize_axis(axis, rank()))]; }

Scalar Tensor::at(std::initializer_list<std::int64_t> index) const {
  if (static_cast<int>(index.size()) != rank())
    throw_invalid_argument("index of rank " + std::to_string(index.size()) + " into a tensor of shape " +
                           to_string(shape_));
  std::int64_t flat = 0;
  std::size_t i = 0;
  for (auto idx : index) {
    if (idx < 0 || idx >= shape_[i])
      throw_out_of_range("index " + std::to_string(idx) + " out of range for dimension " + std::to_string(i) +
                         " of shape " + to_string(shape_));
    flat = flat * shape_[i] + idx;
    ++i;
  }
  return data()[flat];
}

Scalar Tensor::item() const {
  if (numel() != 1) throw_invalid_argument("item() needs a one-element tensor, got shape " + to_string(shape_));
  return data()[0];
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t = empty(shape_);
  std::copy(data(), data() + numel(), t.data());
  return t;
}

Tensor Tensor::reshape(Shape shape) const {
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw_invalid_argument("reshape to " + to_string(shape) + ": only one -1 allowed");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw_invalid_argument("reshape to " + to_string(shape) + ": negative dimension");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && numel() % known == 0) shape[static_cast<std::size_t>(infer)] = numel() / known;
  if (gradlab::numel(shape) != numel() || (infer >= 0 && known == 0))
    throw_invalid_argument("cannot reshape " + to_string(shape_) + " (" + std::to_string(numel()) + " elements) to " +
                           to_string(shape));
  Tensor t;
  t.shape_ = std::move(shape);
  t.storage_ = storage_;
  return t;
}

void Tensor::fill(Scalar value) { std::fill(data(), data() + numel(), value); }

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw_invalid_argument("max_abs_diff: shapes " + to_string(a.shape()) + " and " + to_string(b.shape()));
  double m = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return d;
    m = std::max(m, d);
  }
  return m;
}

GRADLAB_END
