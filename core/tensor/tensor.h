// Tensor: a shape plus contiguous row-major storage. Copies share storage (like a
// PyTorch tensor); clone() copies the numbers. No autograd here: see autograd/var.h.
//
//   Tensor x = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
//   x.at({1, 2});            // 6
//   Tensor y = x.reshape({3, 2});   // same storage
#pragma once

#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "tensor/shape.h"

GRADLAB_BEGIN

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  Tensor(const Tensor&) = default;  // shares storage
  Tensor& operator=(const Tensor&) = default;
  // A moved-from tensor is undefined (no storage, numel() 0), as with a moved shared_ptr.
  Tensor(Tensor&& o) noexcept
      : shape_(std::move(o.shape_)),
        owner_(std::move(o.owner_)),
        data_(std::exchange(o.data_, nullptr)),
        numel_(std::exchange(o.numel_, 0)) {}
  Tensor& operator=(Tensor&& o) noexcept {
    shape_ = std::move(o.shape_);
    owner_ = std::move(o.owner_);
    data_ = std::exchange(o.data_, nullptr);
    numel_ = std::exchange(o.numel_, 0);
    return *this;
  }
  explicit Tensor(Shape shape);  // zeros
  Tensor(Shape shape, std::vector<Scalar> data);  // data.size() must equal numel(shape); no copy

  static Tensor zeros(Shape shape) { return Tensor(std::move(shape)); }
  // Storage left uninitialised (torch.empty): for an output whose every element is written
  // before anything reads it (a GEMM with beta = 0, a kernel's full output). Zero-filling
  // megabytes a step that are overwritten at once cost ~4% of an LSTM forward in wasm.
  static Tensor empty(Shape shape);
  static Tensor full(Shape shape, Scalar value);
  static Tensor ones(Shape shape) { return full(std::move(shape), Scalar(1)); }
  static Tensor scalar(Scalar value) { return full({}, value); }
  static Tensor from(Shape shape, std::initializer_list<double> values);
  static Tensor zeros_like(const Tensor& t) { return Tensor(t.shape()); }

  bool defined() const { return owner_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int axis) const;  // negative counts from the end
  std::int64_t numel() const { return numel_; }

  Scalar* data() { return data_; }
  const Scalar* data() const { return data_; }
  Scalar& operator[](std::int64_t i) { return data_[i]; }
  Scalar operator[](std::int64_t i) const { return data_[i]; }
  Scalar at(std::initializer_list<std::int64_t> index) const;
  Scalar item() const;  // the single number of a one-element tensor
  std::vector<Scalar> to_vector() const { return std::vector<Scalar>(data_, data_ + numel_); }

  Tensor clone() const;
  Tensor reshape(Shape shape) const;  // shares storage; one dim may be -1
  void fill(Scalar value);
  bool same_storage(const Tensor& other) const { return owner_ == other.owner_; }

 private:
  enum class Fill { zeros, none };  // (an enum, so that Tensor(shape, {0.5}) still means the vector)
  Tensor(Shape shape, Fill fill);   // a new block, zero-filled or not
  Shape shape_;
  std::shared_ptr<void> owner_;  // what keeps data_ alive: a new[] block or a moved-in vector
  Scalar* data_ = nullptr;
  std::int64_t numel_ = 0;
};

// Largest |a - b| over elements; throws if shapes differ.
double max_abs_diff(const Tensor& a, const Tensor& b);

GRADLAB_END
