// A lesson as a test: on an ill-conditioned quadratic, momentum wins. With
// f(w) = (w1^2 + 100 w2^2) / 2 and lr 0.015, plain SGD shrinks the w2 error by |1 - 1.5|
// each step but w1 only by 0.985 (100 steps: 0.985^100 = 0.22, f = 0.0243); heavy-ball
// momentum 0.9 contracts both directions at about sqrt(0.9) = 0.949 per step
// (0.949^100 = 0.005, f ~ 6e-5), oscillating on the way.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/ops.h"
#include "optim/optimizers.h"

namespace gradlab {
namespace {

std::vector<double> train(double momentum, int steps) {
  Var w(Tensor::from({2}, {1, 1}), true);
  const Var curvature(Tensor::from({2}, {1, 100}));
  SGD opt({{"w", w}}, {.lr = 0.015, .momentum = momentum});
  std::vector<double> losses;
  for (int k = 0; k <= steps; ++k) {
    opt.zero_grad();
    Var loss = mul_scalar(sum(mul(curvature, mul(w, w))), 0.5);
    losses.push_back(loss.item());
    if (k == steps) break;
    loss.backward();
    opt.step();
  }
  return losses;
}

TEST(MomentumLesson, HeavyBallBeatsPlainSgdOnAnIllConditionedQuadratic) {
  const std::vector<double> plain = train(0, 100), heavy = train(0.9, 100);
  EXPECT_DOUBLE_EQ(plain.front(), 50.5);  // (1 + 100) / 2
  EXPECT_DOUBLE_EQ(heavy.front(), 50.5);
  // Both decrease...
  EXPECT_LT(plain.back(), plain.front());
  EXPECT_LT(heavy.back(), heavy.front());
  for (std::size_t k = 1; k < plain.size(); ++k) EXPECT_LE(plain[k], plain[k - 1]) << "plain SGD, step " << k;
  // ...plain SGD as the closed form says: w1 = 0.985^100, w2 = (-0.5)^100.
  EXPECT_NEAR(plain.back(), 0.5 * (std::pow(0.985, 200) + 100 * std::pow(0.25, 100)),
              sizeof(Scalar) == 8 ? 1e-12 : 1e-6);  // 0.0243341
  // ...and momentum much further in the same number of steps.
  EXPECT_LT(heavy.back(), plain.back() / 100);
}

}  // namespace
}  // namespace gradlab
