// conv_as_linear: the dense matrix of a conv layer reproduces conv2d's output (strides,
// padding, several channels), its non-zeros are exactly the tied kernel copies, and the sum
// of the dense entries' gradients over each tie is conv2d's kernel gradient (COURSE.md Q18).
#include "inspect/conv_linear.h"

#include <cmath>

#include "nn/layers.h"
#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;

struct Case {
  std::int64_t C, O, H, W, k;
  Size2 stride, padding;
};

TEST(ConvAsLinear, DenseMatrixTimesInputIsTheConvOutput) {
  for (const Case& c : {Case{1, 1, 4, 4, 3, 1, 0}, Case{2, 3, 5, 6, 3, 1, 1}, Case{3, 2, 7, 5, 2, {2, 1}, {1, 0}}}) {
    SCOPED_TRACE(std::to_string(c.C) + " -> " + std::to_string(c.O) + " on " + std::to_string(c.H) + "x" + std::to_string(c.W));
    Rng rng(static_cast<std::uint64_t>(c.C * 10 + c.O));
    const Tensor w = rng.uniform_tensor({c.O, c.C, c.k, c.k}, -1, 1);
    const Tensor x = rng.uniform_tensor({1, c.C, c.H, c.W}, -1, 1);
    const Tensor y = conv2d(Var(x), Var(w), Var(), c.stride, c.padding).value();
    const ConvAsLinear m = conv_as_linear(w, {c.C, c.H, c.W}, c.stride, c.padding);
    ASSERT_EQ(m.dense.shape(), (Shape{y.numel(), c.C * c.H * c.W}));
    EXPECT_EQ(m.output, (Shape{c.O, y.dim(2), y.dim(3)}));
    const Tensor mx = matmul(Var(m.dense), Var(x.reshape({c.C * c.H * c.W, 1}))).value();
    for (std::int64_t r = 0; r < y.numel(); ++r) ASSERT_NEAR(mx[r], y[r], kTol) << "output " << r;
    // Every non-zero is a copy of the kernel entry it is tied to; untied entries are 0.
    std::int64_t tied = 0;
    for (std::int64_t e = 0; e < m.dense.numel(); ++e) {
      const std::int64_t t = m.tie[static_cast<std::size_t>(e)];
      if (t < 0) {
        ASSERT_EQ(m.dense[e], 0);
      } else {
        ASSERT_EQ(m.dense[e], w[t]);
        ++tied;
      }
    }
    // Without padding each output position sees the full kernel: R * C*k*k tied entries.
    if (c.padding == Size2(0)) EXPECT_EQ(tied, y.numel() * c.C * c.k * c.k);
    EXPECT_LT(tied, m.dense.numel());
  }
}

TEST(ConvAsLinear, TiedSumOfDenseGradientsIsTheKernelGradient) {
  Rng rng(3);
  const Size2 stride = 1, padding = 1;
  Var w(rng.uniform_tensor({2, 2, 3, 3}, -1, 1), true);
  const Tensor x = rng.uniform_tensor({3, 2, 5, 4}, -1, 1);
  test::weighted_sum(conv2d(Var(x), w, Var(), stride, padding)).backward();
  // The same loss through y_n = M x_n: dL/dM = sum_n dy_n x_n^T with dy the weights of
  // weighted_sum; its tied sums must equal w's gradient.
  const ConvAsLinear m = conv_as_linear(w.value(), {2, 5, 4}, stride, padding);
  const std::int64_t R = m.dense.dim(0), K = m.dense.dim(1);
  Var probe(Tensor::zeros({3, R}), true);
  test::weighted_sum(reshape(probe, {3, 2, 5, 4})).backward();  // dy, in the output's layout
  const Tensor dy = probe.grad();
  Tensor dM = Tensor::zeros({R, K});
  for (std::int64_t n = 0; n < 3; ++n)
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t k = 0; k < K; ++k) dM[r * K + k] += dy[n * R + r] * x[n * K + k];
  const Tensor summed = tied_sum(m, dM);
  ASSERT_EQ(summed.shape(), w.shape());
  for (std::int64_t i = 0; i < summed.numel(); ++i) ASSERT_NEAR(summed[i], w.grad()[i], 10 * kTol) << "kernel entry " << i;
}

TEST(ConvAsLinear, ReportOfALayerCountsSparsityAndAgrees) {
  Rng rng(5);
  Conv2d conv(1, 2, 3, 1, 0, rng);
  Var x(rng.uniform_tensor({4, 1, 6, 6}, 0, 1));
  Var y = conv.forward(x);
  y.retain_grad();
  test::weighted_sum(tanh(y)).backward();
  const ConvLinearReport r = compare_conv_linear(conv, "layers.0", x.value(), y.value(), y.grad(), conv.weight().grad());
  // Output 2 x 4 x 4 = 32 rows, input 36 columns; each row holds the 9 kernel entries of its channel.
  EXPECT_EQ(r.dense_shape, (Shape{32, 36}));
  EXPECT_EQ(r.dense_entries, 1152);
  EXPECT_EQ(r.nonzero_entries, 32 * 9);
  EXPECT_DOUBLE_EQ(r.nonzero_fraction, 0.25);
  EXPECT_EQ(r.kernel_entries, 18);
  EXPECT_EQ(r.conv_parameters, 20);
  EXPECT_EQ(r.linear_parameters, 32 * 36 + 32);
  EXPECT_EQ(r.min_uses, 16);  // every kernel entry fills one entry per output position
  EXPECT_EQ(r.max_uses, 16);
  EXPECT_LT(r.max_output_difference, 10 * kTol);
  EXPECT_LT(r.max_weight_gradient_difference, 10 * kTol * std::max(1.0, r.weight_gradient_norm));
  EXPECT_GT(r.weight_gradient_norm, 0.01);
  EXPECT_EQ(r.dense.numel(), 1152);  // small enough to hand out
  // A wrong kernel gradient is caught.
  Tensor wrong = conv.weight().grad().clone();
  wrong[4] += Scalar(0.01);
  EXPECT_GT(compare_conv_linear(conv, "layers.0", x.value(), y.value(), y.grad(), wrong).max_weight_gradient_difference, 0.009);
  EXPECT_FALSE(compare_conv_linear(conv, "layers.0", x.value(), y.value(), y.grad(), conv.weight().grad(), 100).dense.defined());
  test::expect_invalid([&] { conv_as_linear(conv.weight().value(), {2, 6, 6}, 1, 0); }, {"conv_as_linear", "the same C"});
}

}  // namespace
}  // namespace gradlab
