// Convolutional layers with PyTorch's names, shapes and default initialisation: Conv2d,
// MaxPool2d, AvgPool2d, Flatten to hand their output to a Linear, and Unflatten to make
// flat rows (CSV, a Linear's output) into images.
//
//   auto net = std::make_shared<Sequential>();
//   net->add(std::make_shared<Conv2d>(1, 8, /*kernel=*/3, /*stride=*/1, /*padding=*/1, rng));
//   net->add(std::make_shared<Activation>("relu"));
//   net->add(std::make_shared<MaxPool2d>(2));           // stride defaults to the kernel
//   net->add(std::make_shared<Flatten>());               // [N, 8, 14, 14] -> [N, 1568]
//   net->add(std::make_shared<Linear>(8 * 14 * 14, 10, rng));
#pragma once

#include <optional>

#include "nn/module.h"
#include "ops/conv.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// x [N, C, H, W] -> [N, O, Ho, Wo] (sizes as in ops/conv.h); weight [O, C, kh, kw], bias [O].
// Default init as PyTorch: weight, bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C*kh*kw.
class Conv2d : public Layer {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel, Size2 stride, Size2 padding, Rng& rng,
         bool bias = true);
  std::string type_name() const override { return "Conv2d"; }
  const Conv2d* as_conv2d() const override { return this; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }  // undefined without bias
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  std::string describe() const;               // "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"

 private:
  std::int64_t in_, out_;
  Size2 kernel_, stride_, padding_;
  Var weight_, bias_;
};

// x [N, C, H, W] -> [N, C, Ho, Wo]. The stride defaults to the kernel size, as in PyTorch;
// padding (at most half the kernel) never wins the max.
class MaxPool2d : public Layer {
 public:
  explicit MaxPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);
  std::string type_name() const override { return "MaxPool2d"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;

 private:
  Size2 kernel_, stride_, padding_;
};

// x [N, C, H, W] -> [N, C, Ho, Wo]: window means, zero padding counted (count_include_pad).
class AvgPool2d : public Layer {
 public:
  explicit AvgPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);
  std::string type_name() const override { return "AvgPool2d"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;

 private:
  Size2 kernel_, stride_, padding_;
};

// x [N, d1, d2, ...] -> [N, d1*d2*...] (PyTorch's nn.Flatten with start_dim 1). Needs rank >= 2.
class Flatten : public Layer {
 public:
  std::string type_name() const override { return "Flatten"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
};

// PyTorch's nn.Unflatten(dim, unflattened_size): dimension `dim` (negative counts from the
// end; never the batch dimension 0) becomes the sizes given, whose product must equal it;
// one size may be -1 (inferred). [N, 256] with (1, {1, 16, 16}) -> [N, 1, 16, 16].
class Unflatten : public Layer {
 public:
  Unflatten(int dim, std::vector<std::int64_t> unflattened_size);
  std::string type_name() const override { return "Unflatten"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  std::string describe() const;  // "Unflatten(dim=1, unflattened_size=(1, 16, 16))"

 private:
  int dim_;
  std::vector<std::int64_t> sizes_;
};

GRADLAB_END
