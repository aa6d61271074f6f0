// conv_as_linear: the dense, tied matrix of a conv layer, and the report that compares it
// with the conv op (outputs and kernel gradients), in double whatever the build's Scalar.
#include "inspect/conv_linear.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "inspect/json.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
// Per kernel entry k: the sum of dM(e) over the entries e of M with tie[e] == k.
template <class DM>
std::vector<double> sum_tied(const std::vector<std::int64_t>& tie, std::int64_t kernel_entries, DM dM) {
  std::vector<double> sums(static_cast<std::size_t>(kernel_entries), 0.0);
  for (std::size_t e = 0; e < tie.size(); ++e)
    if (tie[e] >= 0) sums[static_cast<std::size_t>(tie[e])] += dM(e);
  return sums;
}
}  // namespace

ConvAsLinear conv_as_linear(const Tensor& weight, const Shape& input, Size2 stride, Size2 padding) {
  if (weight.rank() != 4 || input.size() != 3 || input[0] != weight.dim(1))
    throw_invalid_argument("conv_as_linear: weight " + to_string(weight.shape()) + " and input " + to_string(input) +
                           " (allowed: weight [O, C, kh, kw] and input [C, H, W] with the same C)");
  const Shape out = conv2d_output_shape({1, input[0], input[1], input[2]}, weight.shape(), stride, padding);
  const std::int64_t O = weight.dim(0), C = input[0], H = input[1], W = input[2];
  const std::int64_t kh = weight.dim(2), kw = weight.dim(3), Ho = out[2], Wo = out[3];
  const std::int64_t R = O * Ho * Wo, K = C * H * W;
  ConvAsLinear m;
  m.weight = weight.shape();
  m.input = input;
  m.output = {O, Ho, Wo};
  m.dense = Tensor::zeros({R, K});
  m.tie.assign(static_cast<std::size_t>(R * K), -1);
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t oh = 0; oh < Ho; ++oh)
      for (std::int64_t ow = 0; ow < Wo; ++ow) {
        const std::int64_t row = (o * Ho + oh) * Wo + ow;
        for (std::int64_t c = 0; c < C; ++c)
          for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t h = oh * stride.h + i - padding.h, w = ow * stride.w + j - padding.w;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;  // a padding zero: no entry of M
              const std::int64_t k = ((o * C + c) * kh + i) * kw + j;
              const std::int64_t e = row * K + (c * H + h) * W + w;
              m.dense[e] = weight[k];
              m.tie[static_cast<std::size_t>(e)] = k;
            }
      }
  return m;
}

Tensor tied_sum(const ConvAsLinear& m, const Tensor& dM) {
  if (dM.shape() != m.dense.shape())
    throw_invalid_argument("tied_sum: dM of shape " + to_string(dM.shape()) + " for a dense matrix of shape " +
                           to_string(m.dense.shape()));
  const auto sums = sum_tied(m.tie, numel(m.weight), [&](std::size_t e) { return static_cast<double>(dM[static_cast<std::int64_t>(e)]); });
  Tensor out(m.weight);
  for (std::int64_t k = 0; k < out.numel(); ++k) out[k] = static_cast<Scalar>(sums[static_cast<std::size_t>(k)]);
  return out;
}

ConvLinearReport compare_conv_linear(const Conv2d& layer, const std::string& name, const Tensor& x, const Tensor& y,
                                     const Tensor& dy, const Tensor& dW, std::int64_t max_dense) {
  const Tensor& weight = layer.weight().value();
  if (x.rank() != 4) throw_invalid_argument("compare_conv_linear: inputs " + to_string(x.shape()) + " (allowed: [N, C, H, W])");
  const std::int64_t N = x.dim(0);
  ConvAsLinear m = conv_as_linear(weight, {x.dim(1), x.dim(2), x.dim(3)}, layer.stride(), layer.padding());
  const std::int64_t R = m.dense.dim(0), K = m.dense.dim(1);
  const Shape out_shape = {N, m.output[0], m.output[1], m.output[2]};
  if (y.shape() != out_shape || dy.shape() != out_shape || dW.shape() != weight.shape())
    throw_invalid_argument("compare_conv_linear: outputs " + to_string(y.shape()) + ", output gradients " +
                           to_string(dy.shape()) + " and kernel gradient " + to_string(dW.shape()) + " (expected " +
                           to_string(out_shape) + ", " + to_string(out_shape) + " and " + to_string(weight.shape()) + ")");
  const Tensor& bias = layer.bias().defined() ? layer.bias().value() : Tensor();
  const std::int64_t HoWo = m.output[1] * m.output[2];
  ConvLinearReport r;
  r.layer = name;
  r.input = m.input;
  r.output = m.output;
  r.dense_shape = {R, K};
  r.dense_entries = R * K;
  r.kernel_entries = weight.numel();
  r.conv_parameters = weight.numel() + (bias.defined() ? bias.numel() : 0);
  r.linear_parameters = R * K + R;
  std::vector<std::int64_t> uses(static_cast<std::size_t>(weight.numel()), 0);
  for (std::int64_t t : m.tie)
    if (t >= 0) {
      ++r.nonzero_entries;
      ++uses[static_cast<std::size_t>(t)];
    }
  r.nonzero_fraction = static_cast<double>(r.nonzero_entries) / static_cast<double>(std::max<std::int64_t>(r.dense_entries, 1));
  r.min_uses = *std::min_element(uses.begin(), uses.end());
  r.max_uses = *std::max_element(uses.begin(), uses.end());
  // y_n = M x_n + b (b repeated over each output channel's positions); dM = sum_n dy_n x_n^T.
  std::vector<double> dM(static_cast<std::size_t>(R * K), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const Scalar* xn = x.data() + n * K;
    for (std::int64_t row = 0; row < R; ++row) {
      double acc = bias.defined() ? static_cast<double>(bias[row / HoWo]) : 0.0;
      const Scalar* mrow = m.dense.data() + row * K;
      for (std::int64_t k = 0; k < K; ++k) acc += static_cast<double>(mrow[k]) * static_cast<double>(xn[k]);
      r.max_output_difference = std::max(r.max_output_difference, std::fabs(acc - static_cast<double>(y[n * R + row])));
      const double g = dy[n * R + row];
      if (g != 0)
        for (std::int64_t k = 0; k < K; ++k) dM[static_cast<std::size_t>(row * K + k)] += g * static_cast<double>(xn[k]);
    }
  }
  const auto tied = sum_tied(m.tie, weight.numel(), [&](std::size_t e) { return dM[e]; });
  double sum_sq = 0;
  for (std::int64_t k = 0; k < dW.numel(); ++k) {
    r.max_weight_gradient_difference =
        std::max(r.max_weight_gradient_difference, std::fabs(tied[static_cast<std::size_t>(k)] - static_cast<double>(dW[k])));
    sum_sq += static_cast<double>(dW[k]) * static_cast<double>(dW[k]);
  }
  r.weight_gradient_norm = std::sqrt(sum_sq);
  if (r.dense_entries <= max_dense) {
    r.dense = m.dense;
    r.tie = Tensor({R, K});
    r.dense_gradient = Tensor({R, K});
    for (std::int64_t e = 0; e < R * K; ++e) {
      r.tie[e] = static_cast<Scalar>(m.tie[static_cast<std::size_t>(e)]);
      r.dense_gradient[e] = static_cast<Scalar>(dM[static_cast<std::size_t>(e)]);
    }
  }
  return r;
}

nlohmann::json to_json(const ConvLinearReport& r) {
  nlohmann::json o;
  o["layer"] = r.layer;
  o["input_shape"] = r.input;
  o["output_shape"] = r.output;
  o["dense_shape"] = r.dense_shape;
  o["dense_entries"] = r.dense_entries;
  o["nonzero_entries"] = r.nonzero_entries;
  o["nonzero_fraction"] = r.nonzero_fraction;
  o["kernel_entries"] = r.kernel_entries;
  o["conv_parameters"] = r.conv_parameters;
  o["linear_parameters"] = r.linear_parameters;
  o["min_uses"] = r.min_uses;
  o["max_uses"] = r.max_uses;
  o["max_output_difference"] = r.max_output_difference;
  o["max_weight_gradient_difference"] = r.max_weight_gradient_difference;
  o["weight_gradient_norm"] = r.weight_gradient_norm;
  o["dense"] = tensor_json(r.dense);
  o["tie"] = tensor_json(r.tie);
  o["dense_gradient"] = tensor_json(r.dense_gradient);
  return o;
}

GRADLAB_END
