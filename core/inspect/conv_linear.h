// A convolution as the Linear layer it is: for one input shape, the dense matrix M with
// conv2d(x) = M x + b (x and the output flattened), which entries of M are copies of which
// kernel entry (weight tying), and how few are not structurally zero (sparsity). Used to
// show that a conv layer is a sparse, tied Linear layer, and that the kernel's gradient is
// the sum of the gradients of the dense entries tied to it.
//
// Shape letters: C input channels, H x W input, O output channels, kh x kw kernel,
// Ho x Wo output; R = O*Ho*Wo rows and K = C*H*W columns of M.
//
//   ConvAsLinear m = conv_as_linear(layer.weight().value(), {C, H, W}, layer.stride(), layer.padding());
//   // m.dense [R, K]; m.tie[r*K + k] = flat index into weight, or -1 (always zero)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/conv.h"

GRADLAB_BEGIN

struct ConvAsLinear {
  Tensor dense;                   // M [R, K]: row (o*Ho + oh)*Wo + ow, column (c*H + h)*W + w
  std::vector<std::int64_t> tie;  // per entry of M: the flat index of its weight entry [O, C, kh, kw], or -1
  Shape weight, input, output;    // [O, C, kh, kw], [C, H, W] and [O, Ho, Wo]
};

// weight [O, C, kh, kw]; input [C, H, W]. M[(o, oh, ow), (c, oh*sh + i - ph, ow*sw + j - pw)]
// = weight[o, c, i, j] wherever that input position is inside the image (padding drops it).
ConvAsLinear conv_as_linear(const Tensor& weight, const Shape& input, Size2 stride, Size2 padding);

// dM [R, K] (gradients of the dense entries) -> [O, C, kh, kw]: for each kernel entry, the
// sum of dM over the entries of M tied to it.
Tensor tied_sum(const ConvAsLinear& m, const Tensor& dM);

// The comparison the conv_as_linear snapshot reports, for a conv layer on a batch:
// x [N, C, H, W] its inputs, dy [N, O, Ho, Wo] the loss gradient reaching its output,
// dW [O, C, kh, kw] the kernel gradient backward() gave. Computes y = M x_n + b per example
// against the conv's own output, and dM = sum_n dy_n x_n^T, tied_sum(dM) against dW.
struct ConvLinearReport {
  std::string layer;                       // the conv layer's PyTorch name ("layers.0")
  Shape input, output, dense_shape;        // [C, H, W], [O, Ho, Wo], [R, K]
  std::int64_t dense_entries = 0;          // R*K
  std::int64_t nonzero_entries = 0;        // entries tied to a kernel entry (structural non-zeros)
  double nonzero_fraction = 0;             // nonzero_entries / dense_entries
  std::int64_t kernel_entries = 0;         // O*C*kh*kw: the free weights the conv has
  std::int64_t linear_parameters = 0;      // R*K + R: a Linear layer of that size (own bias per output)
  std::int64_t conv_parameters = 0;        // O*C*kh*kw + O
  std::int64_t min_uses = 0, max_uses = 0; // how many entries of M each kernel entry fills
  double max_output_difference = 0;        // max |conv(x) - (M x + b)| over the batch
  double max_weight_gradient_difference = 0;  // max |dW - tied_sum(dM)|
  double weight_gradient_norm = 0;         // ||dW||, for scale
  Tensor dense, tie, dense_gradient;       // M, tie indices (as numbers) and dM: only when R*K <= max_dense
};
ConvLinearReport compare_conv_linear(const Conv2d& layer, const std::string& name, const Tensor& x, const Tensor& y,
                                     const Tensor& dy, const Tensor& dW, std::int64_t max_dense = 4096);
nlohmann::json to_json(const ConvLinearReport& r);

GRADLAB_END
