// conv2d, max/avg pooling, im2col/col2im: values against a naive direct convolution and
// hand-worked examples, gradients against finite differences (first and second order),
// and the errors for shapes that do not fit.
#include "ops/conv.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::expect_invalid;

using test::random_var;
using test::weighted_sum;

// Forward agreement: exact-ish in double, float gemm vs a double loop in f32.
constexpr double kForwardTolerance = sizeof(Scalar) == 8 ? 1e-12 : 1e-4;

// The definition, written as plainly as possible: zero padding, no im2col, no gemm.
Tensor naive_conv2d(const Tensor& x, const Tensor& w, const Tensor* b, Size2 s, Size2 p) {
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t O = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  const std::int64_t Ho = (H + 2 * p.h - kh) / s.h + 1, Wo = (W + 2 * p.w - kw) / s.w + 1;
  Tensor y({N, O, Ho, Wo});
  std::int64_t k = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double acc = b ? (*b)[o] : 0.0;
          for (std::int64_t c = 0; c < C; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * s.h - p.h + i, iw = ow * s.w - p.w + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += static_cast<double>(w.at({o, c, i, j})) * x.at({n, c, ih, iw});
              }
          y[k++] = static_cast<Scalar>(acc);
        }
  return y;
}

struct ConvCase {
  Shape x, w;
  Size2 stride, padding;
};

TEST(Conv2dForward, MatchesNaiveConvolutionForStridesPaddingsAndNonSquareSizes) {
  const std::vector<ConvCase> cases = {
      {{2, 3, 5, 7}, {4, 3, 3, 2}, 1, 0},            // non-square input and kernel
      {{1, 2, 6, 5}, {3, 2, 3, 3}, {2, 1}, {1, 0}},  // different strides and paddings per axis
      {{2, 1, 7, 4}, {2, 1, 2, 3}, {3, 2}, {2, 1}},  // padding wider than needed, stride 3
      {{3, 3, 4, 4}, {2, 3, 1, 1}, 1, 0},            // 1x1 convolution
      {{1, 2, 3, 3}, {1, 2, 5, 5}, 1, 1},            // kernel as big as the padded input: 1x1 out
      {{2, 2, 9, 8}, {3, 2, 3, 3}, 2, 1},            // stride that does not divide evenly
  };
  Rng rng(11);
  for (const auto& c : cases) {
    SCOPED_TRACE("x " + to_string(c.x) + " w " + to_string(c.w) + " stride " + c.stride.str() + " padding " +
                 c.padding.str());
    Var x(rng.uniform_tensor(c.x, -1, 1)), w(rng.uniform_tensor(c.w, -1, 1)), b(rng.uniform_tensor({c.w[0]}, -1, 1));
    const Tensor with_bias = conv2d(x, w, b, c.stride, c.padding).value();
    const Tensor expected = naive_conv2d(x.value(), w.value(), &b.value(), c.stride, c.padding);
    ASSERT_EQ(with_bias.shape(), expected.shape());
    EXPECT_LE(max_abs_diff(with_bias, expected), kForwardTolerance);
    const Tensor without = conv2d(x, w, Var(), c.stride, c.padding).value();
    EXPECT_LE(max_abs_diff(without, naive_conv2d(x.value(), w.value(), nullptr, c.stride, c.padding)), kForwardTolerance);
    EXPECT_EQ(conv2d_output_shape(c.x, c.w, c.stride, c.padding), expected.shape());
  }
}

TEST(Conv2dForward, HandWorkedValues) {
  // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w = [[1, 2], [3, 4]], bias 0.5.
  Var x(Tensor::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Var w(Tensor::from({1, 1, 2, 2}, {1, 2, 3, 4}));
  Var b(Tensor::from({1}, {0.5}));
  // stride 1, no padding: 1+4+12+20 = 37, 2+6+15+24 = 47, 4+10+21+32 = 67, 5+12+24+36 = 77; + 0.5
  EXPECT_EQ(conv2d(x, w, b).value().to_vector(), (std::vector<Scalar>{37.5, 47.5, 67.5, 77.5}));
  // stride 2, padding 1 (5x5 padded, 2x2 out). Windows start at (-1,-1), (-1,1), (1,-1), (1,1):
  //   (-1,-1): only x[0][0] under w[1][1]: 4*1 = 4
  //   (-1, 1): x[0][1], x[0][2] under w[1][0], w[1][1]: 3*2 + 4*3 = 18
  //   ( 1,-1): x[1][0], x[2][0] under w[0][1], w[1][1]: 2*4 + 4*7 = 36
  //   ( 1, 1): 1*5 + 2*6 + 3*8 + 4*9 = 77
  EXPECT_EQ(conv2d(x, w, Var(), 2, 1).value().to_vector(), (std::vector<Scalar>{4, 18, 36, 77}));
}

TEST(Conv2dGrad, MatchesFiniteDifferences) {
  Rng rng(12);
  Var x = random_var(rng, {2, 3, 5, 4}), w = random_var(rng, {4, 3, 3, 2}), b = random_var(rng, {4});
  EXPECT_GRADCHECK([&] { return weighted_sum(conv2d(x, w, b, {2, 1}, {1, 2})); }, {x, w, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(conv2d(x, w)); }, {x, w});
  Var x1 = random_var(rng, {1, 2, 6, 7}), w1 = random_var(rng, {3, 2, 2, 3});
  EXPECT_GRADCHECK([&] { return weighted_sum(conv2d(x1, w1, Var(), 3, {0, 1})); }, {x1, w1});
}

TEST(Conv2dGrad, OnlyTheInputsThatNeedItGetAGradient) {
  Rng rng(13);
  Var x(rng.uniform_tensor({1, 2, 4, 4}, -1, 1)), w = random_var(rng, {2, 2, 3, 3}), b(Tensor::from({2}, {0, 0}));
  weighted_sum(conv2d(x, w, b)).backward();
  EXPECT_TRUE(w.has_grad());
  EXPECT_FALSE(x.has_grad());
  EXPECT_FALSE(b.has_grad());
}

TEST(Conv2dGrad, CreateGraphGivesTheSameGradientAsTheFusedBackward) {
  Rng rng(14);
  Var x = random_var(rng, {2, 2, 5, 6}), w = random_var(rng, {3, 2, 3, 2}), b = random_var(rng, {3});
  auto loss = [&] { return weighted_sum(conv2d(x, w, b, {1, 2}, 1)); };
  const auto fused = grad({loss()}, {x, w, b});
  const auto graph = grad({loss()}, {x, w, b}, {}, /*create_graph=*/true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(fused[static_cast<std::size_t>(i)].requires_grad());
    EXPECT_TRUE(graph[static_cast<std::size_t>(i)].requires_grad() || i == 2);  // db does not depend on x, w, b
    EXPECT_LE(max_abs_diff(fused[static_cast<std::size_t>(i)].value(), graph[static_cast<std::size_t>(i)].value()),
              kForwardTolerance * 100)
        << "input " << i;
  }
}

TEST(Conv2dGrad, SecondOrderMatchesFiniteDifferences) {
  // A gradient penalty through a conv critic (WGAN-GP): d/dtheta of |dL/dx|^2.
  Rng rng(15);
  Var x = random_var(rng, {2, 2, 4, 5}), w = random_var(rng, {3, 2, 2, 3}), b = random_var(rng, {3});
  auto penalty = [&] {
    Var gx = grad({weighted_sum(tanh(conv2d(x, w, b, 1, {1, 0})))}, {x}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(penalty, {w, b});
  auto penalty_w = [&] {
    Var gw = grad({weighted_sum(tanh(conv2d(x, w, b, 2, 1)))}, {w}, {}, true)[0];
    return sum(gw * gw);
  };
  EXPECT_GRADCHECK(penalty_w, {x, w, b});
}

TEST(Im2col, LayoutIsChannelThenKernelRowThenKernelColumn) {
  // x [1, 1, 2, 3] = [[1, 2, 3], [4, 5, 6]], 2x2 windows, stride 1: two windows (Ho=1, Wo=2).
  Var x(Tensor::from({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6}));
  Var cols = im2col(x, 2, 1);
  ASSERT_EQ(cols.shape(), (Shape{1, 4, 2}));
  // rows (i, j) = (0,0): [1, 2]; (0,1): [2, 3]; (1,0): [4, 5]; (1,1): [5, 6]
  EXPECT_EQ(cols.value().to_vector(), (std::vector<Scalar>{1, 2, 2, 3, 4, 5, 5, 6}));
  // col2im of ones counts how many windows cover each pixel: the middle column twice.
  Var back = col2im(Var(Tensor::ones({1, 4, 2})), {1, 1, 2, 3}, 2, 1);
  EXPECT_EQ(back.value().to_vector(), (std::vector<Scalar>{1, 2, 1, 1, 2, 1}));
}

TEST(Im2col, Col2imIsTheAdjoint) {
  // <im2col(x), c> == <x, col2im(c)> for any x and c.
  Rng rng(16);
  const Shape xs = {2, 3, 5, 4};
  Var x(rng.uniform_tensor(xs, -1, 1));
  Var cols = im2col(x, {3, 2}, {2, 1}, {1, 1});
  Var c(rng.uniform_tensor(cols.shape(), -1, 1));
  const double lhs = sum(cols * c).item();
  const double rhs = sum(x * col2im(c, xs, {3, 2}, {2, 1}, {1, 1})).item();
  EXPECT_NEAR(lhs, rhs, sizeof(Scalar) == 8 ? 1e-12 : 1e-4);
}

TEST(Im2col, GradcheckBothWaysAndSecondOrder) {
  Rng rng(17);
  Var x = random_var(rng, {1, 2, 4, 5});
  EXPECT_GRADCHECK([&] { return weighted_sum(im2col(x, {2, 3}, {1, 2}, {1, 0})); }, {x});
  Var c = random_var(rng, {1, 2 * 2 * 3, 5 * 2});  // Ho = (4+2-2)/1+1 = 5, Wo = (5-3)/2+1 = 2
  EXPECT_GRADCHECK([&] { return weighted_sum(col2im(c, {1, 2, 4, 5}, {2, 3}, {1, 2}, {1, 0})); }, {c});
  auto penalty = [&] {
    Var gx = grad({weighted_sum(tanh(im2col(x, 2, 1)))}, {x}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(penalty, {x});
}

TEST(MaxPool2d, HandWorkedValues) {
  Var x(Tensor::from({1, 1, 4, 4}, {1, 3, 2, 0,  //
                                    4, 2, 1, 5,  //
                                    0, 1, 7, 6,  //
                                    2, 8, 3, 3}));
  // 2x2 windows, stride 2: max{1,3,4,2} = 4, max{2,0,1,5} = 5, max{0,1,2,8} = 8, max{7,6,3,3} = 7
  EXPECT_EQ(max_pool2d(x, 2, 2).value().to_vector(), (std::vector<Scalar>{4, 5, 8, 7}));
  // 3x3, stride 2, padding 1 (windows start at rows/cols -1 and 1; padding never wins):
  //   rows 0-1, cols 0-1: 4;  rows 0-1, cols 1-3: 5;  rows 1-3, cols 0-1: 8;  rows 1-3, cols 1-3: 8
  EXPECT_EQ(max_pool2d(x, 3, 2, 1).value().to_vector(), (std::vector<Scalar>{4, 5, 8, 8}));
  // Padding never wins even when everything is negative.
  Var neg(Tensor::from({1, 1, 2, 2}, {-4, -3, -2, -1}));
  EXPECT_EQ(max_pool2d(neg, 2, 1, 1).value().to_vector(), (std::vector<Scalar>{-4, -3, -3, -2, -1, -1, -2, -1, -1}));
}

TEST(MaxPool2d, GradientGoesToTheFirstMaximumAndAddsUpOverOverlaps) {
  Var ties(Tensor::from({1, 1, 2, 2}, {1, 1, 1, 1}), true);
  sum(max_pool2d(ties, 2, 2)).backward();
  EXPECT_EQ(ties.grad().to_vector(), (std::vector<Scalar>{1, 0, 0, 0}));
  Var later(Tensor::from({1, 1, 2, 2}, {0, 2, 2, 1}), true);
  sum(max_pool2d(later, 2, 2)).backward();
  EXPECT_EQ(later.grad().to_vector(), (std::vector<Scalar>{0, 1, 0, 0}));
  // 1x2 windows, stride 1 over [1, 5, 2]: both windows pick the 5, so it gets 2 * dy.
  Var overlap(Tensor::from({1, 1, 1, 3}, {1, 5, 2}), true);
  Var y = max_pool2d(overlap, {1, 2}, 1);
  EXPECT_EQ(y.value().to_vector(), (std::vector<Scalar>{5, 5}));
  y.backward(Tensor::from({1, 1, 1, 2}, {0.5, 2}));
  EXPECT_EQ(overlap.grad().to_vector(), (std::vector<Scalar>{0, 2.5, 0}));
}

TEST(MaxPool2d, NanPropagatesAsInPytorch) {
  Var x(Tensor::from({1, 1, 1, 3}, {1, NAN, 2}));
  const Tensor y = max_pool2d(x, {1, 3}, 1).value();
  EXPECT_TRUE(std::isnan(y[0]));
}

// Distinct values 0.1 apart in shuffled order: no finite-difference step (1e-6 in double,
// 1e-2 in float) can change which element of a window is the largest.
Var shuffled_distinct(Rng& rng, const Shape& shape) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<Scalar>(0.1 * static_cast<double>(i));
  for (std::int64_t i = t.numel() - 1; i > 0; --i)
    std::swap(t[i], t[static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(i + 1)))]);
  return Var(t, true);
}

TEST(MaxPool2d, GradcheckAndSecondOrder) {
  Rng rng(18);
  Var x = shuffled_distinct(rng, {2, 3, 5, 6});
  EXPECT_GRADCHECK([&] { return weighted_sum(max_pool2d(x, 2, 2)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(max_pool2d(x, {3, 2}, {2, 1}, {1, 1})); }, {x});
  // Through a conv the pooled values move with w; uniform random values keep ties unlikely,
  // and the f64 step is far below the gaps.
  Var w = random_var(rng, {2, 3, 2, 2}), xi = random_var(rng, {1, 3, 5, 5});
  auto penalty = [&] {
    Var gx = grad({weighted_sum(tanh(max_pool2d(conv2d(xi, w), 2, 2)))}, {xi}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(penalty, {w});
}

TEST(AvgPool2d, HandWorkedValuesCountPadding) {
  // x = [[1, 2], [3, 4]], 2x2 windows, stride 1, padding 1 -> 3x3, every window divided by 4
  // (count_include_pad): 1/4, (1+2)/4, 2/4 / (1+3)/4, 10/4, (2+4)/4 / 3/4, (3+4)/4, 4/4
  Var x(Tensor::from({1, 1, 2, 2}, {1, 2, 3, 4}));
  EXPECT_EQ(avg_pool2d(x, 2, 1, 1).value().to_vector(),
            (std::vector<Scalar>{0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}));
  // No padding, 1x2 windows, stride (1, 2) over two channels: (1+2)/2, (3+4)/2; (5+7)/2
  Var y(Tensor::from({1, 2, 2, 2}, {1, 2, 3, 4, 5, 7, 0, -2}));
  EXPECT_EQ(avg_pool2d(y, {1, 2}, {1, 2}).value().to_vector(), (std::vector<Scalar>{1.5, 3.5, 6, -1}));
}

TEST(AvgPool2d, GradcheckAndSecondOrder) {
  Rng rng(19);
  Var x = random_var(rng, {2, 2, 5, 4});
  EXPECT_GRADCHECK([&] { return weighted_sum(avg_pool2d(x, 2, 2)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(avg_pool2d(x, {3, 2}, {1, 2}, {1, 1})); }, {x});
  auto penalty = [&] {
    Var gx = grad({weighted_sum(tanh(avg_pool2d(x * x, 2, 1, 1)))}, {x}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(penalty, {x});
}

TEST(ConvErrors, ShapesThatDoNotFitAreNamed) {
  Var x(Tensor({2, 3, 8, 8})), w(Tensor({4, 3, 3, 3}));
  expect_invalid([&] { conv2d(Var(Tensor({3, 8, 8})), w); }, {"conv2d", "[N, C, H, W]", "[3, 8, 8]"});
  expect_invalid([&] { conv2d(x, Var(Tensor({4, 3, 3}))); }, {"conv2d", "[O, C, kh, kw]", "[4, 3, 3]"});
  expect_invalid([&] { conv2d(x, Var(Tensor({4, 2, 3, 3}))); }, {"conv2d", "3 channels", "[4, 2, 3, 3]", "expects 2"});
  expect_invalid([&] { conv2d(x, w, Var(Tensor({3}))); }, {"conv2d", "bias must be [4]", "got [3]"});
  expect_invalid([&] { conv2d(x, w, Var(), {0, 1}); }, {"conv2d", "stride must be positive", "(0, 1)"});
  expect_invalid([&] { conv2d(x, w, Var(), 1, -1); }, {"conv2d", "padding must be non-negative"});
  expect_invalid([&] { conv2d(Var(Tensor({1, 3, 2, 8})), w); },
                 {"conv2d", "[1, 3, 2, 8]", "smaller than the kernel (3, 3)", "output would be empty"});
  EXPECT_NO_THROW(conv2d(Var(Tensor({1, 3, 2, 8})), w, Var(), 1, 1));  // padding makes it fit
}

TEST(PoolErrors, ShapesThatDoNotFitAreNamed) {
  Var x(Tensor({1, 2, 4, 4}));
  expect_invalid([&] { max_pool2d(Var(Tensor({4, 4})), 2, 2); }, {"max_pool2d", "[N, C, H, W]", "[4, 4]"});
  expect_invalid([&] { max_pool2d(x, 3, 1, 2); }, {"max_pool2d", "padding (2, 2)", "at most half", "(3, 3)"});
  expect_invalid([&] { avg_pool2d(x, {5, 1}, 1); }, {"avg_pool2d", "[1, 2, 4, 4]", "smaller than the kernel (5, 1)"});
  expect_invalid([&] { avg_pool2d(x, 0, 1); }, {"avg_pool2d", "kernel size must be positive"});
  expect_invalid([&] { max_pool2d(x, 2, 0); }, {"max_pool2d", "stride must be positive"});
  expect_invalid([&] { col2im(Var(Tensor({1, 4, 3})), {1, 1, 2, 3}, 2, 1); },
                 {"col2im", "[1, 4, 2]", "got [1, 4, 3]"});
  EXPECT_EQ(pool2d_output_shape("max_pool2d", {3, 2, 7, 5}, 2, 2, 0), (Shape{3, 2, 3, 2}));
}

}  // namespace
}  // namespace gradlab
