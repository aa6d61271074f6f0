#include "nn/module.h"

#include <cmath>

#include "nn/init.h"
#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

std::shared_ptr<Sequential> mlp(Rng& rng) {
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Linear>(2, 3, rng));
  net->add(std::make_shared<Activation>("tanh"));
  net->add(std::make_shared<Linear>(3, 1, rng));
  return net;
}

TEST(Module, NamesFollowPytorchStateDict) {
  Rng rng(1);
  auto net = mlp(rng);
  auto params = net->named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "0.weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{3, 2}));
  EXPECT_EQ(params[1].first, "0.bias");
  EXPECT_EQ(params[2].first, "2.weight");
  EXPECT_EQ(params[3].second.shape(), (Shape{1}));
  EXPECT_EQ(net->num_parameters(), 3 * 2 + 3 + 3 + 1);
}

TEST(Module, ParameterLookupListsNamesOnMiss) {
  Rng rng(1);
  auto net = mlp(rng);
  try {
    net->parameter("1.weight");
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("0.weight, 0.bias, 2.weight, 2.bias"), std::string::npos) << e.what();
  }
}

TEST(Module, LoadStateIsAllOrNothing) {
  Rng rng(1);
  auto net = mlp(rng);
  const Scalar before = net->parameter("0.bias").value()[0];
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : net->named_parameters()) state.emplace_back(n, Tensor::full(v.shape(), 0.25));
  state.back().second = Tensor({2});  // wrong shape for 2.bias
  EXPECT_THROW(net->load_state(state), std::invalid_argument);
  EXPECT_EQ(net->parameter("0.bias").value()[0], before);
  state.back().second = Tensor::full({1}, 0.25);
  net->load_state(state);
  EXPECT_EQ(net->parameter("0.bias").value()[0], Scalar(0.25));
}

TEST(Module, LinearDefaultInitIsBoundedByOneOverSqrtFanIn) {
  Rng rng(3);
  Linear l(16, 4, rng);
  for (std::int64_t i = 0; i < l.weight().numel(); ++i) EXPECT_LE(std::fabs(l.weight().value()[i]), 0.25);
}

TEST(Module, OutputShapeNamesTheLayerThatDoesNotFit) {
  Rng rng(1);
  auto net = mlp(rng);
  EXPECT_EQ(net->output_shape({5, 2}), (Shape{5, 1}));
  try {
    net->output_shape({5, 3});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("layer 0 (Linear)"), std::string::npos) << e.what();
  }
}

TEST(Module, MlpPassesGradcheck) {
  Rng rng(4);
  auto net = mlp(rng);
  net->assign_names();
  Var x(rng.uniform_tensor({5, 2}, -1, 1));
  EXPECT_GRADCHECK([&] { return test::weighted_sum(net->forward(x)); }, net->parameters());
}

// With tracing on, each layer's output keeps its gradient: for y = W2 tanh(W1 x + b1) + b2
// and L = sum(y), dL/dy = 1 and dL/dh[n, j] = W2[0, j].
TEST(Sequential, TraceKeepsEachLayersOutputGradient) {
  Rng rng(5);
  auto net = mlp(rng);
  Var x(rng.uniform_tensor({4, 2}, -1, 1));
  sum(net->forward(x)).backward();
  EXPECT_TRUE(net->outputs().empty());  // off by default: nothing kept

  net->set_trace(true);
  Var y = net->forward(x);
  ASSERT_EQ(net->outputs().size(), 3u);
  EXPECT_TRUE(net->outputs()[2].same_node(y));
  net->zero_grad();
  sum(y).backward();
  const Tensor& dy = net->outputs()[2].grad();
  const Tensor& dh = net->outputs()[1].grad();
  ASSERT_TRUE(dy.defined() && dh.defined());
  EXPECT_EQ(dh.shape(), (Shape{4, 3}));
  const Tensor& w2 = net->named_parameters()[2].second.value();
  for (std::int64_t n = 0; n < 4; ++n) {
    EXPECT_EQ(dy[n], 1);
    for (std::int64_t j = 0; j < 3; ++j) EXPECT_EQ(dh[n * 3 + j], w2[j]);
  }
  net->set_trace(false);
  EXPECT_TRUE(net->outputs().empty());
}

TEST(Init, OrthogonalRowsAreOrthonormal) {
  Rng rng(5);
  Tensor w({4, 6});
  init::orthogonal(w, rng);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double d = 0;
      for (int k = 0; k < 6; ++k) d += double(w[i * 6 + k]) * w[j * 6 + k];
      EXPECT_NEAR(d, i == j ? 1.0 : 0.0, 1e-5);
    }
}

TEST(Init, XavierAndKaimingScales) {
  Rng rng(6);
  Tensor w({200, 300});
  init::xavier_normal(w, rng);
  double s2 = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) s2 += double(w[i]) * w[i];
  EXPECT_NEAR(s2 / double(w.numel()), 2.0 / 500, 2.0 / 500 * 0.03);
  init::kaiming_uniform(w, rng);
  const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 300);
  for (std::int64_t i = 0; i < w.numel(); ++i) ASSERT_LE(std::fabs(w[i]), bound + 1e-6);
  EXPECT_THROW(init::by_name("glorot", w, rng), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
