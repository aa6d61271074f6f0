// Every op against finite differences in double (relative error <= 1e-6), plus the
// forward values that pin what the op means. How to add an op: write it in ops/, then
// one TEST here with EXPECT_GRADCHECK (see support/check.h), then forward values.
#include "ops/ops.h"

#include "support/check.h"

namespace gradlab {
namespace {

using test::random_var;
using test::weighted_sum;

TEST(OpsGrad, AddSubMulDivWithBroadcasting) {
  Rng rng(1);
  Var a = random_var(rng, {3, 4}), b = random_var(rng, {4}), c = random_var(rng, {3, 1}, 0.5, 1.5);
  EXPECT_GRADCHECK([&] { return weighted_sum(add(a, b)); }, {a, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(sub(b, a)); }, {a, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(mul(a, c)); }, {a, c});
  EXPECT_GRADCHECK([&] { return weighted_sum(div(a, c)); }, {a, c});
  EXPECT_GRADCHECK([&] { return weighted_sum((a * 3.0 - 1.0) / 2.0); }, {a});
}

TEST(OpsGrad, ScalarBroadcastsBothWays) {
  Rng rng(2);
  Var s = random_var(rng, {}), m = random_var(rng, {2, 3});
  EXPECT_GRADCHECK([&] { return weighted_sum(mul(s, m)); }, {s, m});
  EXPECT_GRADCHECK([&] { return weighted_sum(sub(m, s)); }, {s, m});
}

TEST(OpsGrad, Activations) {
  Rng rng(3);
  Var x = random_var(rng, {4, 5}, -2, 2);
  EXPECT_GRADCHECK([&] { return weighted_sum(tanh(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(sigmoid(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(relu(x)); }, {x});
}

TEST(OpsGrad, Reductions) {
  Rng rng(4);
  Var x = random_var(rng, {2, 3, 4});
  EXPECT_GRADCHECK([&] { return sum(x * x); }, {x});
  EXPECT_GRADCHECK([&] { return mean(x * x); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(sum(x, 1)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(mean(x, -1, true)); }, {x});
}

TEST(OpsGrad, MatmulAllLayouts) {
  Rng rng(5);
  Var a = random_var(rng, {3, 4}), b = random_var(rng, {4, 5});
  Var a3 = random_var(rng, {2, 3, 4}), b3 = random_var(rng, {2, 4, 5});
  EXPECT_GRADCHECK([&] { return weighted_sum(matmul(a, b)); }, {a, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(matmul(a3, b)); }, {a3, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(matmul(a3, b3)); }, {a3, b3});
  Var at = random_var(rng, {2, 4, 3}), bt = random_var(rng, {2, 5, 4});
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      EXPECT_GRADCHECK([&] { return weighted_sum(bmm(ta ? at : a3, tb ? bt : b3, ta, tb)); }, {ta ? at : a3, tb ? bt : b3});
}

TEST(OpsGrad, Linear) {
  Rng rng(6);
  Var x = random_var(rng, {2, 3, 4}), w = random_var(rng, {5, 4}), b = random_var(rng, {5});
  EXPECT_GRADCHECK([&] { return weighted_sum(linear(x, w, b)); }, {x, w, b});
  EXPECT_GRADCHECK([&] { return weighted_sum(linear(x, w)); }, {x, w});
}

TEST(OpsGrad, ReshapeAndBroadcastTo) {
  Rng rng(7);
  Var x = random_var(rng, {2, 6}), v = random_var(rng, {3, 1});
  EXPECT_GRADCHECK([&] { return weighted_sum(reshape(x, {3, -1})); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(broadcast_to(v, {2, 3, 4})); }, {v});
}

TEST(OpsSecondOrder, GradOfGradMatchesFiniteDifferences) {
  // The gradient (with create_graph) is itself checked as a function of the inputs.
  Rng rng(8);
  Var x = random_var(rng, {3, 4}), w = random_var(rng, {2, 4}), b = random_var(rng, {2});
  auto penalty = [&] {
    Var y = tanh(linear(x, w, b));
    Var gx = grad({weighted_sum(sigmoid(y))}, {x}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(penalty, {w, b});
}

TEST(OpsForward, ValuesMeanWhatTheySay) {
  Var a(Tensor::from({2, 2}, {1, 2, 3, 4})), b(Tensor::from({2}, {10, 20}));
  EXPECT_EQ(add(a, b).value().to_vector(), (std::vector<Scalar>{11, 22, 13, 24}));
  EXPECT_EQ(matmul(a, a).value().to_vector(), (std::vector<Scalar>{7, 10, 15, 22}));
  EXPECT_EQ(sum(a, 0).value().to_vector(), (std::vector<Scalar>{4, 6}));
  EXPECT_EQ(mean(a).item(), Scalar(2.5));
  Var w(Tensor::from({1, 2}, {1, -1}));
  EXPECT_EQ(linear(a, w, Var(Tensor::from({1}, {0.5}))).value().to_vector(), (std::vector<Scalar>{-0.5, -0.5}));
}

TEST(OpsErrors, ShapesThatDoNotFitAreNamed) {
  Var a(Tensor({2, 3})), b(Tensor({2}));
  EXPECT_THROW(add(a, b), std::invalid_argument);
  try {
    matmul(a, a);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(linear(a, Var(Tensor({4, 2}))), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
