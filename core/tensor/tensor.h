// Tensor: a shape plus contiguous row-major storage. Copies share storage (like a
// PyTorch tensor); clone() copies the numbers. No autograd here: see autograd/var.h.
//
//   Tensor x = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
//   x.at({1, 2});            // 6
//   Tensor y = x.reshape({3, 2});   // same storage
#pragma once

#include <initializer_list>
#include <memory>
#include <vector>

#include "tensor/shape.h"

GRADLAB_BEGIN

class Tensor {
 public:
  Tensor() = default;                             // undefined: defined() is false
  explicit Tensor(Shape shape);                   // zeros
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

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int axis) const;  // negative counts from the end
  std::int64_t numel() const { return storage_ ? storage_->size : 0; }

  Scalar* data() { return storage_->data; }
  const Scalar* data() const { return storage_->data; }
  Scalar& operator[](std::int64_t i) { return storage_->data[i]; }
  Scalar operator[](std::int64_t i) const { return storage_->data[i]; }
  Scalar at(std::initializer_list<std::int64_t> index) const;
  Scalar item() const;  // the single number of a one-element tensor
  std::vector<Scalar> to_vector() const {
    return storage_ ? std::vector<Scalar>(data(), data() + numel()) : std::vector<Scalar>{};
  }

  Tensor clone() const;
  Tensor reshape(Shape shape) const;  // shares storage; one dim may be -1
  void fill(Scalar value);
  bool same_storage(const Tensor& other) const { return storage_ == other.storage_; }

 private:
  enum class Fill { zeros, none };  // (an enum, so that Tensor(shape, {0.5}) still means the vector)
  Tensor(Shape shape, Fill fill);   // a new block, zero-filled or not
  // The numbers: a block of their own (zero-filled or not), or a vector moved in (no copy).
  // Copies of a Tensor share it; a moved-from Tensor has none (undefined, numel() 0).
  struct Storage {
    Scalar* data = nullptr;
    std::int64_t size = 0;
    std::unique_ptr<Scalar[]> block;
    std::vector<Scalar> vector;
  };
  Shape shape_;
  std::shared_ptr<Storage> storage_;
};

// Largest |a - b| over elements; throws if shapes differ.
double max_abs_diff(const Tensor& a, const Tensor& b);

GRADLAB_END
