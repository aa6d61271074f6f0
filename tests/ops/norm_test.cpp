// batch_norm: hand-worked training and eval values, PyTorch's running-statistics update,
// gradients (through the batch statistics) against finite differences, first and second
// order, and the errors. layer_norm: per-row statistics, its gradient and its errors.
#include "ops/norm.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::expect_invalid;

using test::random_var;
using test::weighted_sum;

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = kTol) {
  test::expect_values(t, expected, tol);
}

// Two training batches [N=4, C=2] and the statistics worked by hand.
//   batch 1: channel 0 = {1, 2, 3, 4}: mean 2.5, biased var 5/4, unbiased 5/3
//            channel 1 = {2, 2, 6, 6}: mean 4,   biased var 4,   unbiased 16/3
//   batch 2: channel 0 = {0, 0, 1, 3}: mean 1,   biased var 3/2, unbiased 2
//            channel 1 = {1, 1, 1, 5}: mean 2,   biased var 3,   unbiased 4
Tensor batch1() { return Tensor::from({4, 2}, {1, 2, 2, 2, 3, 6, 4, 6}); }
Tensor batch2() { return Tensor::from({4, 2}, {0, 1, 0, 1, 1, 1, 3, 5}); }

TEST(BatchNormForward, TrainingNormalisesWithTheBiasedBatchVariance) {
  Var x(batch1());
  Var gamma(Tensor::from({2}, {2, 0.5})), beta(Tensor::from({2}, {0.1, -1}));
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  Var y = batch_norm(x, gamma, beta, rm, rv, /*training=*/true, 0.1, /*eps=*/0);
  // channel 0: xhat = (x - 2.5) / sqrt(5/4) = {-3, -1, 1, 3} / sqrt(5); y = 2 xhat + 0.1
  // channel 1: xhat = (x - 4) / 2 = {-1, -1, 1, 1};                     y = 0.5 xhat - 1
  const double r5 = std::sqrt(5.0);
  expect_values(y.value(), {-6 / r5 + 0.1, -1.5, -2 / r5 + 0.1, -1.5, 2 / r5 + 0.1, -0.5, 6 / r5 + 0.1, -0.5});
}

TEST(BatchNormForward, RunningStatsAfterTwoStepsFollowPytorchsFormula) {
  Var gamma(Tensor::from({2}, {2, 0.5})), beta(Tensor::from({2}, {0.1, -1}));
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  batch_norm(Var(batch1()), gamma, beta, rm, rv, true);  // momentum 0.1
  // step 1: rm = 0.9 * 0 + 0.1 * {2.5, 4} = {0.25, 0.4}
  //         rv = 0.9 * 1 + 0.1 * {5/3, 16/3} = {16/15, 43/30}
  expect_values(rm, {0.25, 0.4});
  expect_values(rv, {16.0 / 15, 43.0 / 30}, sizeof(Scalar) == 8 ? 1e-12 : 1e-6);
  batch_norm(Var(batch2()), gamma, beta, rm, rv, true);
  // step 2: rm = 0.9 * {0.25, 0.4} + 0.1 * {1, 2} = {0.325, 0.56}
  //         rv = 0.9 * {16/15, 43/30} + 0.1 * {2, 4} = {0.96 + 0.2, 1.29 + 0.4} = {1.16, 1.69}
  expect_values(rm, {0.325, 0.56}, sizeof(Scalar) == 8 ? 1e-12 : 1e-6);
  expect_values(rv, {1.16, 1.69}, sizeof(Scalar) == 8 ? 1e-12 : 1e-6);

  // Eval uses them and changes nothing: y = (x - rm) / sqrt(rv) * gamma + beta (eps = 0)
  //   row 0: ch0 (0.325 - 0.325) / sqrt(1.16) = 0 -> 2*0 + 0.1 = 0.1
  //          ch1 (1.86 - 0.56) / 1.3 = 1             -> 0.5*1 - 1 = -0.5
  //   row 1: ch0 (0.325 + sqrt(1.16) - 0.325) / sqrt(1.16) = 1 -> 2*1 + 0.1 = 2.1
  //          ch1 (-2.04 - 0.56) / 1.3 = -2                    -> 0.5*-2 - 1 = -2
  Var x(Tensor::from({2, 2}, {0.325, 1.86, 0.325 + std::sqrt(1.16), -2.04}));
  Var y = batch_norm(x, gamma, beta, rm, rv, /*training=*/false, 0.1, /*eps=*/0);
  expect_values(y.value(), {0.1, -0.5, 2.1, -2}, sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
  expect_values(rm, {0.325, 0.56}, sizeof(Scalar) == 8 ? 1e-12 : 1e-6);
  expect_values(rv, {1.16, 1.69}, sizeof(Scalar) == 8 ? 1e-12 : 1e-6);
}

TEST(BatchNormForward, TrainAndEvalDifferOnTheSameInput) {
  // Fresh running stats (0, 1): eval is then (almost) the identity, training is not.
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  Var x(batch1());
  const Tensor eval = batch_norm(x, Var(), Var(), rm, rv, false).value();
  // eval: x / sqrt(1 + 1e-5)
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_NEAR(eval[i], x.value()[i] / std::sqrt(1 + 1e-5), kTol);
  const Tensor train = batch_norm(x, Var(), Var(), rm, rv, true).value();
  // training, channel 1 = {2, 2, 6, 6}: (x - 4) / sqrt(4 + 1e-5)
  EXPECT_NEAR(train[1], -2 / std::sqrt(4 + 1e-5), kTol);
  EXPECT_NEAR(train[7], 2 / std::sqrt(4 + 1e-5), kTol);
}

TEST(BatchNormForward, FourDimensionalInputHasStatisticsPerChannelOverBatchAndSpace) {
  // x [N=2, C=2, H=1, W=2]: channel 0 = {1, 3 | 5, 7}: mean 4, biased var 5, unbiased 20/3
  //                         channel 1 = {10, 10 | 20, 20}: mean 15, biased var 25, unbiased 100/3
  Var x(Tensor::from({2, 2, 1, 2}, {1, 3, 10, 10, 5, 7, 20, 20}));
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  Var y = batch_norm(x, Var(), Var(), rm, rv, true, 0.5, /*eps=*/0);
  const double r5 = std::sqrt(5.0);
  expect_values(y.value(), {-3 / r5, -1 / r5, -1, -1, 1 / r5, 3 / r5, 1, 1});
  // momentum 0.5: rm = 0.5 * {4, 15} = {2, 7.5}; rv = 0.5 + 0.5 * {20/3, 100/3} = {23/6, 103/6}
  expect_values(rm, {2, 7.5});
  expect_values(rv, {23.0 / 6, 103.0 / 6}, sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
}

TEST(BatchNormForward, RunningStatsUpdateWithoutGradModeAndWithoutThemNothingIsUpdated) {
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  {
    NoGradGuard no_grad;
    batch_norm(Var(batch1()), Var(), Var(), rm, rv, true);
  }
  expect_values(rm, {0.25, 0.4});  // as PyTorch: updates are not part of autograd
  Var y = batch_norm(Var(batch1()), Var(), Var(), Tensor(), Tensor(), true, 0.1, 0);
  EXPECT_NEAR(y.value()[1], -1, kTol);  // still normalised with batch statistics
}

TEST(BatchNormGrad, TrainingGradientIncludesThePathThroughTheBatchStatistics) {
  Rng rng(21);
  Var x = random_var(rng, {5, 3}), gamma = random_var(rng, {3}, 0.5, 1.5), beta = random_var(rng, {3});
  Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
  EXPECT_GRADCHECK([&] { return weighted_sum(batch_norm(x, gamma, beta, rm, rv, true)); }, {x, gamma, beta});
  Var x4 = random_var(rng, {2, 3, 3, 2});
  EXPECT_GRADCHECK([&] { return weighted_sum(batch_norm(x4, gamma, beta, rm, rv, true)); }, {x4, gamma, beta});
  EXPECT_GRADCHECK([&] { return weighted_sum(batch_norm(x4, Var(), Var(), Tensor(), Tensor(), true)); }, {x4});
  // The statistics path matters: sum(y) does not depend on x at all in training mode
  // (sum of xhat per channel is 0), so its gradient must vanish.
  Var g = grad({sum(batch_norm(x4, gamma, beta, rm, rv, true))}, {x4})[0];
  EXPECT_LT(std::fabs(g.value()[0]) + std::fabs(g.value()[7]), sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
}

TEST(BatchNormGrad, EvalTreatsRunningStatsAsConstants) {
  Rng rng(22);
  Var x = random_var(rng, {2, 3, 2, 2}), gamma = random_var(rng, {3}, 0.5, 1.5), beta = random_var(rng, {3});
  Tensor rm = rng.uniform_tensor({3}, -0.5, 0.5), rv = rng.uniform_tensor({3}, 0.5, 2);
  EXPECT_GRADCHECK([&] { return weighted_sum(batch_norm(x, gamma, beta, rm, rv, false)); }, {x, gamma, beta});
  // dx = gamma / sqrt(rv + eps) * dy, with dy = 1 from sum
  Var g = grad({sum(batch_norm(x, gamma, beta, rm, rv, false))}, {x})[0];
  EXPECT_NEAR(g.value().at({1, 2, 1, 0}), gamma.value()[2] / std::sqrt(rv[2] + 1e-5), kTol);
}

TEST(BatchNormGrad, CreateGraphGivesTheSameGradientAsTheFusedBackward) {
  Rng rng(23);
  Var x = random_var(rng, {3, 2, 2, 3}), gamma = random_var(rng, {2}, 0.5, 1.5), beta = random_var(rng, {2});
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor rm = Tensor::full({2}, 0.1), rv = Tensor::full({2}, 0.8);
    auto loss = [&] { return weighted_sum(batch_norm(x, gamma, beta, rm, rv, training)); };
    const auto fused = grad({loss()}, {x, gamma, beta});
    const auto graph = grad({loss()}, {x, gamma, beta}, {}, /*create_graph=*/true);
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_LE(max_abs_diff(fused[i].value(), graph[i].value()), sizeof(Scalar) == 8 ? 1e-12 : 1e-4) << "input " << i;
    EXPECT_TRUE(graph[0].requires_grad());  // dx depends on gamma
  }
}

TEST(BatchNormGrad, SecondOrderMatchesFiniteDifferences) {
  Rng rng(24);
  Var x = random_var(rng, {4, 3}), gamma = random_var(rng, {3}, 0.5, 1.5), beta = random_var(rng, {3});
  Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    auto penalty = [&] {
      Var gx = grad({weighted_sum(tanh(batch_norm(x, gamma, beta, rm, rv, training)))}, {x}, {}, true)[0];
      return sum(gx * gx);
    };
    EXPECT_GRADCHECK(penalty, {x, gamma, beta});
  }
}

TEST(BatchNormErrors, ShapesThatDoNotFitAreNamed) {
  Var x(Tensor({4, 3})), g3(Tensor::ones({3}));
  Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
  expect_invalid([&] { batch_norm(Var(Tensor({4})), Var(), Var(), rm, rv, true); }, {"batch_norm", "[N, C]", "got [4]"});
  expect_invalid([&] { batch_norm(x, Var(Tensor({2})), Var(), rm, rv, true); },
                 {"batch_norm", "weight (gamma) must be [C] = [3]", "[4, 3]", "got [2]"});
  expect_invalid([&] { batch_norm(x, g3, Var(Tensor({3, 1})), rm, rv, true); }, {"batch_norm", "bias (beta)", "got [3, 1]"});
  expect_invalid([&] { batch_norm(x, g3, g3, Tensor::zeros({4}), rv, true); }, {"batch_norm", "running_mean", "got [4]"});
  expect_invalid([&] { batch_norm(x, g3, g3, rm, Tensor(), true); }, {"batch_norm", "both"});
  expect_invalid([&] { batch_norm(Var(Tensor({1, 3})), g3, g3, rm, rv, true); },
                 {"batch_norm", "more than 1 value per channel", "[1, 3]"});
  expect_invalid([&] { batch_norm(x, g3, g3, Tensor(), Tensor(), false); }, {"batch_norm", "eval mode needs running_mean"});
  expect_invalid([&] { batch_norm(x, g3, g3, rm, rv, true, 1.5); }, {"batch_norm", "momentum must be in [0, 1]"});
  // One value per channel is fine in eval (no batch statistics are taken).
  EXPECT_NO_THROW(batch_norm(Var(Tensor({1, 3})), g3, g3, rm, rv, false));
}

TEST(LayerNorm, NormalisesEachRowAndItsGradientsPass) {
  // Row (0, 2, 4): mean 2, biased var 8/3; weight (1, 2, 3), bias (0, 0, 1).
  Var w(Tensor::from({3}, {1, 2, 3}), true), b(Tensor::from({3}, {0, 0, 1}), true);
  const double s = 1.0 / std::sqrt(8.0 / 3 + 1e-5);
  expect_values(layer_norm(Var(Tensor::from({1, 3}, {0, 2, 4})), w, b).value(), {-2 * s, 0, 6 * s + 1}, 1e-6);
  Rng rng(5);
  Var x = random_var(rng, {2, 3, 4}), g = random_var(rng, {4}), beta = random_var(rng, {4});
  EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(layer_norm(x, g, beta)); }, {x, g, beta}));
  // Twice differentiable (it is built from ops): the gradient of a gradient norm.
  EXPECT_TRUE(test::gradcheck_passes(
      [&] {
        Var y = weighted_sum(layer_norm(x, g, beta));
        return sum(square(grad({y}, {x}, {}, /*create_graph=*/true)[0]));
      },
      {x, g}));
  expect_invalid([&] { layer_norm(x, Var(Tensor({3})), Var()); }, {"layer_norm", "weight must be [D] = [4]"});
}

}  // namespace
}  // namespace gradlab
