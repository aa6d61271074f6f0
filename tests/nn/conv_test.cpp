// Conv2d, MaxPool2d, AvgPool2d, Flatten, Unflatten as layers: PyTorch names, shapes and init,
// hand-worked forwards through loaded weights, output_shape and its errors, and a small
// CNN (Conv2d -> ReLU -> MaxPool2d -> Flatten -> Linear) counted and gradient-checked.
#include "nn/conv.h"

#include <cmath>

#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::expect_invalid;

TEST(Conv2dLayer, ParametersHavePytorchNamesShapesAndInit) {
  Rng rng(1);
  Conv2d conv(3, 8, {3, 2}, 1, 0, rng);
  const auto params = conv.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{8, 3, 3, 2}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{8}));
  EXPECT_EQ(conv.num_parameters(), 8 * 3 * 3 * 2 + 8);
  // U(-b, b) with b = 1/sqrt(fan_in), fan_in = C*kh*kw = 18: all inside, and spread out.
  const double bound = 1 / std::sqrt(18.0);
  double largest = 0;
  for (const auto& [name, p] : params)
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      EXPECT_LE(std::fabs(p.value()[i]), bound) << name;
      largest = std::max(largest, std::fabs(static_cast<double>(p.value()[i])));
    }
  EXPECT_GT(largest, 0.8 * bound);
  Conv2d no_bias(3, 8, 3, 1, 0, rng, /*bias=*/false);
  EXPECT_EQ(no_bias.named_parameters().size(), 1u);
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(conv.describe(), "Conv2d(3, 8, kernel_size=(3, 2), stride=(1, 1), padding=(0, 0))");
}

TEST(Conv2dLayer, ForwardWithLoadedWeightsMatchesHandWorkedValues) {
  // Same numbers as the op test: x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], bias 0.5.
  Rng rng(2);
  Var x(Tensor::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Conv2d plain(1, 1, 2, 1, 0, rng);
  plain.load_state({{"weight", Tensor::from({1, 1, 2, 2}, {1, 2, 3, 4})}, {"bias", Tensor::from({1}, {0.5})}});
  EXPECT_EQ(plain.forward(x).value().to_vector(), (std::vector<Scalar>{37.5, 47.5, 67.5, 77.5}));
  // stride 2, padding 1: 4, 18, 36, 77 (see ops/conv_test.cpp), + 0.5
  Conv2d strided(1, 1, 2, 2, 1, rng);
  strided.load_state({{"weight", Tensor::from({1, 1, 2, 2}, {1, 2, 3, 4})}, {"bias", Tensor::from({1}, {0.5})}});
  EXPECT_EQ(strided.forward(x).value().to_vector(), (std::vector<Scalar>{4.5, 18.5, 36.5, 77.5}));
}

TEST(Conv2dLayer, OutputShapeAndErrorsNameTheLayer) {
  Rng rng(3);
  Conv2d conv(3, 8, {3, 2}, {2, 1}, {1, 0}, rng);
  // Ho = (9 + 2 - 3) / 2 + 1 = 5, Wo = (7 + 0 - 2) / 1 + 1 = 6
  EXPECT_EQ(conv.output_shape({5, 3, 9, 7}), (Shape{5, 8, 5, 6}));
  EXPECT_EQ(conv.forward(Var(Tensor({5, 3, 9, 7}))).shape(), (Shape{5, 8, 5, 6}));
  expect_invalid([&] { conv.output_shape({5, 4, 9, 7}); },
                 {"Conv2d(3, 8, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))", "[N, 3, H, W]", "got [5, 4, 9, 7]"});
  expect_invalid([&] { conv.forward(Var(Tensor({3, 9, 7}))); }, {"Conv2d(3, 8", "got [3, 9, 7]"});
  expect_invalid([&] { conv.output_shape({5, 3, 9, 1}); }, {"Conv2d(3, 8", "smaller than the kernel (3, 2)"});
  expect_invalid([&] { Conv2d(0, 8, 3, 1, 0, rng); }, {"Conv2d(0, 8", "must be positive"});
  expect_invalid([&] { Conv2d(3, 8, 3, 0, 0, rng); }, {"Conv2d(3, 8", "stride must be positive"});
}

TEST(PoolLayers, StrideDefaultsToKernelAndValuesMatchTheOps) {
  Var x(Tensor::from({1, 1, 4, 4}, {1, 3, 2, 0, 4, 2, 1, 5, 0, 1, 7, 6, 2, 8, 3, 3}));
  MaxPool2d max2(2);  // stride 2: max{1,3,4,2}=4, max{2,0,1,5}=5, max{0,1,2,8}=8, max{7,6,3,3}=7
  EXPECT_EQ(max2.output_shape({1, 1, 4, 4}), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(max2.forward(x).value().to_vector(), (std::vector<Scalar>{4, 5, 8, 7}));
  AvgPool2d avg2(2);  // (1+3+4+2)/4, (2+0+1+5)/4, (0+1+2+8)/4, (7+6+3+3)/4
  EXPECT_EQ(avg2.forward(x).value().to_vector(), (std::vector<Scalar>{2.5, 2, 2.75, 4.75}));
  AvgPool2d padded(2, 1, 1);  // 4x4 padded to 6x6, 2x2 windows at stride 1 -> 5x5
  EXPECT_EQ(padded.output_shape({2, 3, 4, 4}), (Shape{2, 3, 5, 5}));
  EXPECT_EQ(padded.forward(x).value()[0], Scalar(0.25));  // only x[0][0] = 1 in the first window
  MaxPool2d rect({2, 1}, Size2{1, 1});  // Ho = (4-2)/1+1 = 3, Wo = (4-1)/1+1 = 4
  EXPECT_EQ(rect.output_shape({1, 1, 4, 4}), (Shape{1, 1, 3, 4}));
}

TEST(PoolLayers, ErrorsNameTheLayer) {
  expect_invalid([] { MaxPool2d(3, 1, 2); }, {"MaxPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(2, 2))", "at most half"});
  expect_invalid([] { AvgPool2d(0); }, {"AvgPool2d", "kernel_size must be positive"});
  MaxPool2d pool(3);
  expect_invalid([&] { pool.output_shape({1, 2, 2, 5}); },
                 {"MaxPool2d(kernel_size=(3, 3), stride=(3, 3)", "[1, 2, 2, 5]", "smaller than the kernel"});
  AvgPool2d avg(2);
  expect_invalid([&] { avg.forward(Var(Tensor({2, 4}))); }, {"AvgPool2d", "[N, C, H, W]", "got [2, 4]"});
}

TEST(FlattenLayer, KeepsTheBatchAndRowMajorOrder) {
  Flatten flatten;
  EXPECT_EQ(flatten.output_shape({2, 3, 4, 5}), (Shape{2, 60}));
  EXPECT_EQ(flatten.output_shape({7, 3}), (Shape{7, 3}));
  Var x(Tensor::from({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  Var y = flatten.forward(x);
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_EQ(y.value().to_vector(), (std::vector<Scalar>{1, 2, 3, 4, 5, 6, 7, 8}));
  expect_invalid([&] { flatten.output_shape({5}); }, {"Flatten", "at least 2 dimensions", "got [5]"});
}

TEST(UnflattenLayer, SplitsOneDimensionAsPytorch) {
  Unflatten images(1, {1, 4, 4});
  EXPECT_EQ(images.output_shape({3, 16}), (Shape{3, 1, 4, 4}));
  EXPECT_EQ(images.describe(), "Unflatten(dim=1, unflattened_size=(1, 4, 4))");
  EXPECT_EQ(Unflatten(-1, {2, -1}).output_shape({5, 3, 12}), (Shape{5, 3, 2, 6}));  // -1 inferred, negative dim
  EXPECT_EQ(Unflatten(1, {6}).describe(), "Unflatten(dim=1, unflattened_size=(6,))");
  // Row-major: [N, 8] -> [N, 2, 2, 2] keeps every number in place, as torch.unflatten.
  Var x(Tensor::from({2, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  Var y = Unflatten(1, {2, 2, 2}).forward(x);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2, 2}));
  EXPECT_EQ(y.value().to_vector(), x.value().to_vector());
  // Flatten undoes it.
  EXPECT_EQ(Flatten().forward(y).value().to_vector(), x.value().to_vector());
  expect_invalid([&] { images.output_shape({3, 15}); }, {"Unflatten(dim=1, unflattened_size=(1, 4, 4))", "multiply to 16", "is 15"});
  expect_invalid([&] { Unflatten(0, {3}).output_shape({3, 4}); }, {"dim 0", "batch dimension"});
  expect_invalid([&] { Unflatten(2, {2, 2}).output_shape({3, 4}); }, {"dim 2", "allowed: 1 to 1"});
  expect_invalid([&] { Unflatten(1, {-1, -1}); }, {"at most one size may be -1"});
  expect_invalid([&] { Unflatten(1, {0, 4}); }, {"sizes must be positive"});
  expect_invalid([&] { Unflatten(1, {5, -1}).output_shape({2, 12}); }, {"no whole number"});
}

TEST(UnflattenLayer, FlatRowsIntoAConvPassGradcheck) {
  // [N, 36] rows -> [N, 1, 6, 6] images -> conv -> flatten: the gradient reaches the flat input.
  Rng rng(8);
  Sequential net;
  net.add(std::make_shared<Unflatten>(1, std::vector<std::int64_t>{1, 6, 6}));
  net.add(std::make_shared<Conv2d>(1, 2, 3, 1, 1, rng));
  net.add(std::make_shared<Activation>("tanh"));
  net.add(std::make_shared<Flatten>());
  EXPECT_EQ(net.output_shape({2, 36}), (Shape{2, 72}));
  Var x(rng.uniform_tensor({2, 36}, -1, 1), true);
  std::vector<Var> inputs = net.parameters();
  inputs.push_back(x);
  EXPECT_TRUE(test::gradcheck_passes([&] { return test::weighted_sum(net.forward(x)); }, inputs));
}

std::shared_ptr<Sequential> small_cnn(Rng& rng) {
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Conv2d>(1, 4, 3, 1, 1, rng));  // [N, 1, 6, 6] -> [N, 4, 6, 6]
  net->add(std::make_shared<Activation>("relu"));
  net->add(std::make_shared<MaxPool2d>(2));                // -> [N, 4, 3, 3]
  net->add(std::make_shared<Flatten>());                   // -> [N, 36]
  net->add(std::make_shared<Linear>(36, 2, rng));          // -> [N, 2]
  return net;
}

TEST(SmallCnn, ParameterCountNamesAndShapes) {
  Rng rng(4);
  auto net = small_cnn(rng);
  // conv: 4*1*3*3 + 4 = 40; linear: 36*2 + 2 = 74; total 114
  EXPECT_EQ(net->num_parameters(), 114);
  const auto params = net->named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "0.weight");
  EXPECT_EQ(params[1].first, "0.bias");
  EXPECT_EQ(params[2].first, "4.weight");
  EXPECT_EQ(params[3].first, "4.bias");
  EXPECT_EQ(net->output_shape({2, 1, 6, 6}), (Shape{2, 2}));
  expect_invalid([&] { net->output_shape({2, 1, 6, 5}); }, {"layer 4 (Linear)"});  // 4*3*2 = 24 features, not 36
}

TEST(SmallCnn, PassesGradcheck) {
  Rng rng(6);
  auto net = small_cnn(rng);
  net->assign_names();
  Var x(rng.uniform_tensor({2, 1, 6, 6}, -1, 1), true);
  x.set_name("x");
  std::vector<Var> inputs = net->parameters();
  inputs.push_back(x);
  // The f64 check is the tight one. In f32 a finite-difference step of 1e-3 can cross a
  // ReLU kink or swap a window's max (seed 5 has one within 5e-4 of x[34]), so the loose
  // f32 check uses a seed whose kinks are all farther away than the step.
  GradCheckOptions options = test::default_gradcheck_options();
  if constexpr (sizeof(Scalar) == 4) options = {1e-3, 5e-2};
  EXPECT_TRUE(test::gradcheck_passes([&] { return test::weighted_sum(net->forward(x)); }, inputs, options));
}

}  // namespace
}  // namespace gradlab
