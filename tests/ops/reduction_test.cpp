// Reductions: max, min, argmax, logsumexp, norm (sum and mean are in ops_test.cpp, and
// get their second-order check here). Forward values by hand, gradients against finite
// differences (first and second order), errors.
#include "ops/ops.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-14 : 1e-6;

std::vector<Scalar> values(const Var& v) { return v.value().to_vector(); }
std::vector<Scalar> values(const Tensor& t) { return t.to_vector(); }

// [[1, 5, 5], [-2, 0, 3]]: a tie for the maximum in row 0
Tensor sample() { return Tensor::from({2, 3}, {1, 5, 5, -2, 0, 3}); }

TEST(ReductionForward, MaxMinArgmax) {
  Var x(sample());
  EXPECT_EQ(max(x).shape(), Shape{});
  EXPECT_EQ(max(x).item(), 5);
  EXPECT_EQ(min(x).item(), -2);
  EXPECT_EQ(values(max(x, 1)), (std::vector<Scalar>{5, 3}));
  EXPECT_EQ(values(max(x, 0)), (std::vector<Scalar>{1, 5, 5}));
  EXPECT_EQ(values(min(x, -1)), (std::vector<Scalar>{1, -2}));
  EXPECT_EQ(values(min(x, 0)), (std::vector<Scalar>{-2, 0, 3}));
  EXPECT_EQ(max(x, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(min(x, 0, true).shape(), (Shape{1, 3}));
  // argmax: first of the tie in row 0 (1, not 2); column-wise 1 > -2, 5 > 0, 5 > 3 -> row 0
  EXPECT_EQ(values(argmax(sample(), 1)), (std::vector<Scalar>{1, 2}));
  EXPECT_EQ(values(argmax(sample(), 0)), (std::vector<Scalar>{0, 0, 0}));
  EXPECT_EQ(argmax(sample(), -1).shape(), (Shape{2}));
  // NaN propagates, as in PyTorch
  Var n(Tensor::from({3}, {1, NAN, 3}));
  EXPECT_TRUE(std::isnan(max(n).item()));
  EXPECT_TRUE(std::isnan(min(n).item()));
  EXPECT_EQ(values(argmax(n.value(), 0)), (std::vector<Scalar>{1}));
}

TEST(ReductionBackward, MaxAndMinRouteTheGradientToTheFirstExtreme) {
  Var x(sample(), true);
  sum(max(x, 1) * Var(Tensor::from({2}, {10, 20}))).backward();
  // row 0: max 5 at positions 1 and 2 -> first (1) gets 10; row 1: max 3 at 2 gets 20
  EXPECT_EQ(x.grad().to_vector(), (std::vector<Scalar>{0, 10, 0, 0, 0, 20}));
  x.zero_grad();
  max(x).backward();  // the first 5 in row-major order
  EXPECT_EQ(x.grad().to_vector(), (std::vector<Scalar>{0, 1, 0, 0, 0, 0}));
  x.zero_grad();
  sum(min(x, 0, true)).backward();  // column minima: -2, 0, 3 in row 1
  EXPECT_EQ(x.grad().to_vector(), (std::vector<Scalar>{0, 0, 0, 1, 1, 1}));
}

TEST(ReductionForward, LogsumexpByHand) {
  // rows [0, ln 3] -> ln(1 + 3) = ln 4 = 1.3862943611198906; [1e4, 1e4] -> 1e4 + ln 2 (no overflow)
  Var x(Tensor::from({2, 2}, {0, std::log(3.0), 1e4, 1e4}));
  Tensor y = logsumexp(x, 1).value();
  EXPECT_NEAR(y[0], 1.3862943611198906, kTol);
  EXPECT_NEAR(y[1], 1e4 + 0.6931471805599453, 1e4 * kTol);
  EXPECT_EQ(logsumexp(x, 1, true).shape(), (Shape{2, 1}));
  // along axis 0: columns [0, 1e4] -> 1e4 + ln(1 + e^-1e4) = 1e4; [ln 3, 1e4] -> 1e4
  EXPECT_EQ(values(logsumexp(x, 0)), (std::vector<Scalar>{1e4, 1e4}));
  // all -inf -> -inf (the sum of nothing positive), not NaN
  EXPECT_EQ(logsumexp(Var(Tensor::from({2}, {-INFINITY, -INFINITY})), 0).item(), -INFINITY);
}

TEST(ReductionForward, NormByHandAndSafeAtZero) {
  // ||[3, 4]|| = 5; per row of [[3, 4], [0, 0]]: [5, 0]
  EXPECT_EQ(norm(Var(Tensor::from({2}, {3, 4}))).item(), 5);
  Var x(Tensor::from({2, 2}, {3, 4, 0, 0}), true);
  Var n = norm(x, 1);
  EXPECT_EQ(values(n), (std::vector<Scalar>{5, 0}));
  EXPECT_EQ(norm(x, 1, true).shape(), (Shape{2, 1}));
  // d||x||/dx = x / ||x|| = [0.6, 0.8] for row 0; 0 (not NaN) for the zero row
  sum(n).backward();
  EXPECT_NEAR(x.grad()[0], 0.6, kTol);
  EXPECT_NEAR(x.grad()[1], 0.8, kTol);
  EXPECT_EQ(x.grad()[2], 0);
  EXPECT_EQ(x.grad()[3], 0);
  Var z(Tensor::zeros({3}), true);
  norm(z).backward();
  EXPECT_EQ(z.grad().to_vector(), (std::vector<Scalar>{0, 0, 0}));
  // along axis 0 of [[3, 4], [0, 0]]: [3, 4]
  EXPECT_EQ(values(norm(x, 0)), (std::vector<Scalar>{3, 4}));
}

TEST(ReductionGrad, EveryReduction) {
  Rng rng(51);
  Var x = random_var(rng, {3, 4, 2}, -2, 2);  // distinct values: no ties, so max/min are smooth
  EXPECT_GRADCHECK([&] { return max(x) * 2.0; }, {x});
  EXPECT_GRADCHECK([&] { return min(x) * 2.0; }, {x});
  for (int axis : {0, 1, -1}) {
    EXPECT_GRADCHECK([&] { return weighted_sum(max(x, axis)); }, {x});
    EXPECT_GRADCHECK([&] { return weighted_sum(min(x, axis, true)); }, {x});
    EXPECT_GRADCHECK([&] { return weighted_sum(logsumexp(x, axis)); }, {x});
    EXPECT_GRADCHECK([&] { return weighted_sum(norm(x, axis, axis == 0)); }, {x});
  }
  EXPECT_GRADCHECK([&] { return norm(x); }, {x});
}

TEST(ReductionSecondOrder, GradientPenaltiesThroughEachReduction) {
  Rng rng(52);
  Var x = random_var(rng, {3, 4}), w = random_var(rng, {4, 4}), b = random_var(rng, {4});
  auto gradient_of = [&](auto f) { return grad({f(tanh(linear(x, w, b)))}, {x}, {}, true)[0]; };
  // sum / mean: the penalty ||dL/dx||^2 is checked as a function of the weights
  EXPECT_GRADCHECK([&] { return sum(square(gradient_of([](const Var& h) { return sum(h * h); }))); }, {w, b});
  EXPECT_GRADCHECK([&] { return sum(square(gradient_of([](const Var& h) { return sum(mean(h * h, 1)); }))); }, {w, b});
  // max / min: piecewise, but the tanh around them keeps the penalty curved in w
  EXPECT_GRADCHECK([&] { return sum(square(gradient_of([](const Var& h) { return sum(max(h, 1)); }))); }, {w, b});
  EXPECT_GRADCHECK([&] { return sum(square(gradient_of([](const Var& h) { return max(h) - min(h); }))); }, {w, b});
  EXPECT_GRADCHECK([&] { return sum(square(gradient_of([](const Var& h) { return sum(logsumexp(h, 0)); }))); },
                   {w, b});
  // WGAN-GP: mean over the batch of (||dD/dx_i|| - 1)^2, and the norm of everything
  EXPECT_GRADCHECK([&] { return mean(square(norm(gradient_of([](const Var& h) { return sum(h); }), 1) - 1.0)); },
                   {w, b, x});
  EXPECT_GRADCHECK([&] { return square(norm(gradient_of([](const Var& h) { return sum(h * h); })) - 1.0); }, {w, b});
}

TEST(ReductionSecondOrder, NormPenaltyAtAZeroGradientIsFinite) {
  // D(x) = sum(w * x) with w = 0: dD/dx = 0, so ||.|| = 0 and (||.|| - 1)^2 = 1; the
  // gradient wrt w must be a number (PyTorch gives 0 here too), not NaN.
  Var w(Tensor::zeros({2, 3}), true);
  Var x(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}), true);
  Var gx = grad({sum(w * x)}, {x}, {}, true)[0];
  Var penalty = mean(square(norm(gx, 1) - 1.0));
  EXPECT_EQ(penalty.item(), 1);
  penalty.backward();
  for (Scalar v : w.grad().to_vector()) EXPECT_EQ(v, 0);
}

TEST(ReductionErrors, MessagesNameTheOp) {
  Var x(Tensor({2, 3}));
  EXPECT_MESSAGE_HAS(max(x, 2), "max: axis 2", "[2, 3]", "-2 to 1");
  EXPECT_MESSAGE_HAS(min(x, -3), "min: axis -3", "[2, 3]");
  EXPECT_MESSAGE_HAS(argmax(x.value(), 5), "argmax: axis 5");
  EXPECT_MESSAGE_HAS(logsumexp(x, 2), "logsumexp: axis 2");
  EXPECT_MESSAGE_HAS(norm(x, 2), "norm: axis 2");
  Var empty(Tensor({2, 0}));
  EXPECT_MESSAGE_HAS(max(empty), "max", "[2, 0]", "at least one element");
  EXPECT_MESSAGE_HAS(min(empty, 1), "min", "axis 1", "[2, 0]", "non-empty");
  EXPECT_MESSAGE_HAS(argmax(empty.value(), 1), "argmax", "[2, 0]", "non-empty");
}

}  // namespace
}  // namespace gradlab
