// BatchNorm1d / BatchNorm2d as layers: PyTorch's state_dict (parameters and buffers),
// training steps that update running stats and num_batches_tracked, eval through
// Module::train(false), loading buffers, gradients, and errors naming the layer.
#include "nn/norm.h"

#include <cmath>

#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::expect_invalid;

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = kTol) {
  test::expect_values(t, expected, tol);
}

TEST(BatchNormLayer, StateDictMatchesPytorch) {
  BatchNorm2d bn(3);
  const auto params = bn.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.value().to_vector(), (std::vector<Scalar>{1, 1, 1}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.value().to_vector(), (std::vector<Scalar>{0, 0, 0}));
  const auto buffers = bn.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[0].second.to_vector(), (std::vector<Scalar>{0, 0, 0}));
  EXPECT_EQ(buffers[1].first, "running_var");
  EXPECT_EQ(buffers[1].second.to_vector(), (std::vector<Scalar>{1, 1, 1}));
  EXPECT_EQ(buffers[2].first, "num_batches_tracked");
  EXPECT_EQ(buffers[2].second.shape(), Shape{});
  EXPECT_EQ(bn.num_parameters(), 6);  // buffers are not parameters
  EXPECT_EQ(bn.type_name(), "BatchNorm2d");
}

TEST(BatchNormLayer, TwoTrainingStepsThenEval) {
  // Batches and hand-worked statistics as in tests/ops/norm_test.cpp:
  //   batch 1: ch0 {1,2,3,4} mean 2.5 unbiased var 5/3;  ch1 {2,2,6,6} mean 4 unbiased 16/3
  //   batch 2: ch0 {0,0,1,3} mean 1   unbiased var 2;    ch1 {1,1,1,5} mean 2 unbiased 4
  // rm = 0.9 (0.9*0 + 0.1 m1) + 0.1 m2 = {0.325, 0.56};  rv = 0.9 (0.9 + 0.1 v1) + 0.1 v2 = {1.16, 1.69}
  BatchNorm1d bn(2, /*eps=*/0);
  bn.load_state({{"weight", Tensor::from({2}, {2, 0.5})},
                 {"bias", Tensor::from({2}, {0.1, -1})},
                 {"running_mean", Tensor::zeros({2})},
                 {"running_var", Tensor::ones({2})},
                 {"num_batches_tracked", Tensor::zeros({})}});
  Var y1 = bn.forward(Var(Tensor::from({4, 2}, {1, 2, 2, 2, 3, 6, 4, 6})));
  // training output, ch1: 0.5 * (x - 4) / 2 - 1 = {-1.5, -1.5, -0.5, -0.5}
  EXPECT_NEAR(y1.value()[1], -1.5, kTol);
  EXPECT_NEAR(y1.value()[7], -0.5, kTol);
  bn.forward(Var(Tensor::from({4, 2}, {0, 1, 0, 1, 1, 1, 3, 5})));
  const double tol = sizeof(Scalar) == 8 ? 1e-12 : 1e-6;
  expect_values(bn.running_mean(), {0.325, 0.56}, tol);
  expect_values(bn.running_var(), {1.16, 1.69}, tol);
  EXPECT_EQ(bn.num_batches_tracked(), 2);

  bn.train(false);
  // eval: (x - rm) / sqrt(rv) * gamma + beta
  //   row 0: ch0 0 -> 0.1;   ch1 (1.86 - 0.56) / 1.3 = 1 -> -0.5
  //   row 1: ch0 1 -> 2.1;   ch1 (-2.04 - 0.56) / 1.3 = -2 -> -2
  Var y = bn.forward(Var(Tensor::from({2, 2}, {0.325, 1.86, 0.325 + std::sqrt(1.16), -2.04})));
  expect_values(y.value(), {0.1, -0.5, 2.1, -2}, sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
  EXPECT_EQ(bn.num_batches_tracked(), 2);  // eval does not count
  expect_values(bn.running_mean(), {0.325, 0.56}, tol);
}

TEST(BatchNormLayer, TrainSwitchReachesLayersInsideASequential) {
  Rng rng(1);
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Linear>(3, 2, rng));
  auto bn = std::make_shared<BatchNorm1d>(2);
  net->add(bn);
  EXPECT_EQ(net->named_buffers()[0].first, "1.running_mean");
  Var x(rng.uniform_tensor({5, 3}, -1, 1));
  net->forward(x);
  EXPECT_EQ(bn->num_batches_tracked(), 1);
  net->train(false);
  EXPECT_FALSE(bn->training());
  const Tensor before = bn->running_mean().clone();
  net->forward(x);
  EXPECT_EQ(bn->num_batches_tracked(), 1);
  EXPECT_EQ(max_abs_diff(before, bn->running_mean()), 0);
}

TEST(BatchNormLayer, BatchNorm2dStatisticsPerChannelOverBatchAndSpace) {
  // x [2, 2, 1, 2]: ch0 = {1, 3 | 5, 7} mean 4, var 5;  ch1 = {10, 10 | 20, 20} mean 15, var 25
  BatchNorm2d bn(2, /*eps=*/0);
  Var y = bn.forward(Var(Tensor::from({2, 2, 1, 2}, {1, 3, 10, 10, 5, 7, 20, 20})));
  const double r5 = std::sqrt(5.0);
  expect_values(y.value(), {-3 / r5, -1 / r5, -1, -1, 1 / r5, 3 / r5, 1, 1});
  expect_values(bn.running_mean(), {0.4, 1.5});  // 0.1 * {4, 15}
}

TEST(BatchNormLayer, Gradcheck) {
  Rng rng(2);
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    BatchNorm2d bn(3);
    bn.load_state({{"weight", rng.uniform_tensor({3}, 0.5, 1.5)},
                   {"bias", rng.uniform_tensor({3}, -1, 1)},
                   {"running_mean", rng.uniform_tensor({3}, -0.5, 0.5)},
                   {"running_var", rng.uniform_tensor({3}, 0.5, 2)},
                   {"num_batches_tracked", Tensor::zeros({})}});
    bn.train(training);
    bn.assign_names();
    Var x(rng.uniform_tensor({2, 3, 2, 3}, -1, 1), true);
    std::vector<Var> inputs = bn.parameters();
    inputs.push_back(x);
    EXPECT_GRADCHECK([&] { return test::weighted_sum(bn.forward(x)); }, inputs);
  }
  BatchNorm1d bn1(4);
  Var x1(rng.uniform_tensor({3, 4, 5}, -1, 1), true);  // [N, C, L], as PyTorch's BatchNorm1d
  EXPECT_GRADCHECK([&] { return test::weighted_sum(bn1.forward(x1)); }, {x1, bn1.parameter("weight")});
}

TEST(BatchNormLayer, ErrorsNameTheLayer) {
  BatchNorm1d bn1(3);
  BatchNorm2d bn2(3);
  expect_invalid([&] { bn1.output_shape({4, 5}); }, {"BatchNorm1d(3)", "[N, C] or [N, C, L]", "C = 3", "got [4, 5]"});
  expect_invalid([&] { bn2.output_shape({4, 3}); }, {"BatchNorm2d(3)", "[N, C, H, W]", "got [4, 3]"});
  expect_invalid([&] { bn2.forward(Var(Tensor({4, 2, 5, 5}))); }, {"BatchNorm2d(3)", "got [4, 2, 5, 5]"});
  expect_invalid([&] { bn1.forward(Var(Tensor({1, 3}))); }, {"BatchNorm1d(3)", "more than 1 value per channel"});
  EXPECT_EQ(bn1.num_batches_tracked(), 0);  // a rejected batch is not counted
  expect_invalid([] { BatchNorm1d(0); }, {"BatchNorm1d(0)", "num_features must be positive"});
  expect_invalid([] { BatchNorm2d(4, 1e-5, 2.0); }, {"BatchNorm2d(4)", "momentum"});
  EXPECT_EQ(bn2.output_shape({4, 3, 5, 6}), (Shape{4, 3, 5, 6}));
}

}  // namespace
}  // namespace gradlab
