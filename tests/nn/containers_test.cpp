// Residual (names under "fn", y = x + fn(x), shape errors) and the Dropout layer
// (train vs eval, reproducible masks from a shared Rng).
#include "nn/containers.h"

#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::expect_invalid;

TEST(Residual, InnerParametersLiveUnderFn) {
  Rng rng(1);
  Residual res(std::make_shared<Linear>(4, 4, rng));
  const auto params = res.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "fn.weight");
  EXPECT_EQ(params[1].first, "fn.bias");
  auto body = std::make_shared<Sequential>();
  body->add(std::make_shared<Linear>(4, 8, rng));
  body->add(std::make_shared<Activation>("tanh"));
  body->add(std::make_shared<Linear>(8, 4, rng));
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Residual>(body));
  EXPECT_EQ(net->named_parameters()[2].first, "0.fn.2.weight");
  EXPECT_EQ(net->num_parameters(), 4 * 8 + 8 + 8 * 4 + 4);
}

TEST(Residual, ForwardAddsTheSkip) {
  // fn(x) = W x + b with W = [[1, 0], [0, 2]], b = [0.5, -1]; x = [1, 3]:
  // fn(x) = [1.5, 5], y = x + fn(x) = [2.5, 8]
  Rng rng(2);
  auto lin = std::make_shared<Linear>(2, 2, rng);
  lin->load_state({{"weight", Tensor::from({2, 2}, {1, 0, 0, 2})}, {"bias", Tensor::from({2}, {0.5, -1})}});
  Residual res(lin);
  EXPECT_EQ(res.forward(Var(Tensor::from({1, 2}, {1, 3}))).value().to_vector(), (std::vector<Scalar>{2.5, 8}));
  EXPECT_EQ(res.output_shape({7, 2}), (Shape{7, 2}));
}

TEST(Residual, Gradcheck) {
  Rng rng(3);
  auto body = std::make_shared<Sequential>();
  body->add(std::make_shared<Linear>(3, 5, rng));
  body->add(std::make_shared<Activation>("tanh"));
  body->add(std::make_shared<Linear>(5, 3, rng));
  Residual res(body);
  res.assign_names();
  Var x(rng.uniform_tensor({4, 3}, -1, 1), true);
  std::vector<Var> inputs = res.parameters();
  inputs.push_back(x);
  EXPECT_GRADCHECK([&] { return test::weighted_sum(res.forward(x)); }, inputs);
}

TEST(Residual, ShapeChangesAreRejectedNotBroadcast) {
  Rng rng(4);
  Residual narrowing(std::make_shared<Linear>(4, 3, rng));
  expect_invalid([&] { narrowing.output_shape({2, 4}); }, {"Residual", "fn (Linear)", "[2, 4] to [2, 3]", "keep the shape"});
  // [2, 4] + [2, 1] would broadcast; the layer refuses instead.
  Residual to_one(std::make_shared<Linear>(4, 1, rng));
  expect_invalid([&] { to_one.forward(Var(Tensor({2, 4}))); }, {"Residual", "[2, 4] to [2, 1]"});
  Residual square(std::make_shared<Linear>(4, 4, rng));
  expect_invalid([&] { square.output_shape({2, 5}); }, {"Residual: fn (Linear)", "last dimension is 4", "[2, 5]"});
  expect_invalid([] { Residual(nullptr); }, {"Residual", "null"});
}

TEST(DropoutLayer, TrainingZeroesAndRescalesEvalIsIdentity) {
  Rng rng(5);
  Dropout drop(0.25, rng);
  Var x(Tensor::full({40, 50}, 2.0));
  Var y = drop.forward(x);
  std::int64_t zeros = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    if (y.value()[i] == 0) ++zeros;
    else EXPECT_NEAR(y.value()[i], 2.0 / 0.75, 1e-6);  // survivors scaled by 1 / (1 - p)
  }
  // 2000 draws at p = 0.25: 500 expected, standard deviation ~19.4; 6 sigma is ~116.
  EXPECT_GT(zeros, 500 - 116);
  EXPECT_LT(zeros, 500 + 116);

  drop.train(false);
  const Rng::State before = rng.state();
  EXPECT_EQ(drop.forward(x).value().to_vector(), x.value().to_vector());
  EXPECT_EQ(rng.state().state, before.state);  // eval draws nothing
  EXPECT_EQ(drop.output_shape({3, 7}), (Shape{3, 7}));
  expect_invalid([&] { Dropout(1.0, rng); }, {"Dropout", "[0, 1)", "1.0"});
}

TEST(DropoutLayer, GradcheckWithTheSameMask) {
  // Reseeding the shared Rng before each forward replays the same mask.
  Rng rng(6);
  Dropout drop(0.5, rng);
  Var x(Rng(7).uniform_tensor({6, 5}, -1, 1), true);
  EXPECT_GRADCHECK(
      [&] {
        rng = Rng(6);
        return test::weighted_sum(drop.forward(x));
      },
      {x});
}

TEST(DropoutLayer, TrainSwitchReachesDropoutInsideResidual) {
  // In eval, y = x + dropout(x) = 2x exactly.
  Rng rng(8);
  Residual res(std::make_shared<Dropout>(0.9, rng));
  res.train(false);
  Var x(Tensor::from({1, 3}, {1, -2, 3}));
  EXPECT_EQ(res.forward(x).value().to_vector(), (std::vector<Scalar>{2, -4, 6}));
}

}  // namespace
}  // namespace gradlab
