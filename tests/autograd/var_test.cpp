// The tape itself: accumulation, seeds, grad mode, hooks, higher-order gradients.
#include "autograd/var.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ops/ops.h"

namespace gradlab {
namespace {

TEST(Autograd, ChainRuleOnATinyExpression) {
  // L = (a*b + a)^2 at a=2, b=3: L=64, dL/da = 2*8*(b+1) = 64, dL/db = 2*8*a = 32
  Var a(Tensor::scalar(2), true), b(Tensor::scalar(3), true);
  Var t = a * b + a;
  Var L = t * t;
  L.backward();
  EXPECT_EQ(L.item(), 64);
  EXPECT_EQ(a.grad().item(), 64);
  EXPECT_EQ(b.grad().item(), 32);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Var w(Tensor::from({2}, {1, 2}), true);
  sum(w * w).backward();
  sum(w * w).backward();
  EXPECT_EQ(w.grad()[0], 4);
  EXPECT_EQ(w.grad()[1], 8);
  w.zero_grad();
  EXPECT_FALSE(w.has_grad());
}

TEST(Autograd, NonScalarBackwardWithoutSeedExplainsTheJacobian) {
  Var w(Tensor::from({3}, {1, 2, 3}), true);
  Var y = w * w;
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("shape [3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Jacobian"), std::string::npos) << msg;
    EXPECT_NE(msg.find("seed"), std::string::npos) << msg;
  }
  y.backward(Tensor::from({3}, {1, 0, 1}));  // a vector-Jacobian product
  EXPECT_EQ(w.grad()[0], 2);
  EXPECT_EQ(w.grad()[1], 0);
  EXPECT_EQ(w.grad()[2], 6);
  EXPECT_THROW(y.backward(Tensor::from({2}, {1, 1})), std::invalid_argument);
}

TEST(Autograd, NoGradModeRecordsNothing) {
  Var w(Tensor::from({2}, {1, 2}), true);
  Var y;
  {
    NoGradGuard guard;
    y = w * w;
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(grad_enabled());
  EXPECT_THROW(sum(y).backward(), std::logic_error);
}

TEST(Autograd, HooksSeeIntermediateGradients) {
  Var x(Tensor::from({2}, {0.5, -1}), true);
  Var h = tanh(x);
  Tensor seen;
  h.register_hook([&](const Tensor& g) { seen = g.clone(); });
  sum(h * 3.0).backward();
  ASSERT_TRUE(seen.defined());
  EXPECT_EQ(seen[0], 3);
  EXPECT_EQ(seen[1], 3);
}

TEST(Autograd, RetainGradKeepsNonLeafGradient) {
  Var x(Tensor::from({2}, {1, 2}), true);
  Var h = x * 2.0;
  h.retain_grad();
  sum(h * h).backward();
  EXPECT_EQ(h.grad()[1], 8);  // d(h^2)/dh = 2h = 8
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  Var x(Tensor::scalar(3), true);
  Var a = x * 2.0, b = x * x;
  (a + b).backward();  // d/dx (2x + x^2) = 2 + 2x = 8
  EXPECT_EQ(x.grad().item(), 8);
}

TEST(Autograd, SecondDerivativeThroughCreateGraph) {
  // y = x^3 -> dy/dx = 3x^2 -> d2y/dx2 = 6x; at x = 2: 12 and 12
  Var x(Tensor::scalar(2), true);
  Var y = x * x * x;
  Var dx = grad({y}, {x}, {}, /*create_graph=*/true)[0];
  EXPECT_DOUBLE_EQ(dx.item(), 12);
  EXPECT_TRUE(dx.requires_grad());
  dx.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 6 * 2);
}

TEST(Autograd, SecondDerivativeOfTanhAndSigmoid) {
  // d2/dx2 tanh = -2 tanh (1 - tanh^2); d2/dx2 sigmoid = s (1-s)(1-2s)
  const double v = 0.3;
  Var x(Tensor::scalar(Scalar(v)), true);
  Var d = grad({tanh(x) + sigmoid(x)}, {x}, {}, true)[0];
  d.backward();
  const double t = std::tanh(v), s = 1 / (1 + std::exp(-v));
  EXPECT_NEAR(x.grad().item(), -2 * t * (1 - t * t) + s * (1 - s) * (1 - 2 * s), 1e-6);
}

TEST(Autograd, GradDoesNotTouchDotGrad) {
  Var x(Tensor::scalar(2), true), unused(Tensor::scalar(1), true);
  auto g = grad({x * x}, {x, unused});
  EXPECT_EQ(g[0].item(), 4);
  EXPECT_EQ(g[1].item(), 0);
  EXPECT_FALSE(x.has_grad());
}

TEST(Autograd, GradientPenaltyShapeOfWganGp) {
  // penalty = (||d/dx sum(w*x)||^2 - 1)^2 = (||w||^2 - 1)^2; d/dw = 4 (||w||^2 - 1) w
  Var w(Tensor::from({2}, {0.5, 1}), true);
  Var x(Tensor::from({2}, {0.2, -0.4}), true);
  Var gx = grad({sum(w * x)}, {x}, {}, true)[0];
  Var n2 = sum(gx * gx);
  Var penalty = (n2 - 1.0) * (n2 - 1.0);
  penalty.backward();
  const double norm2 = 0.25 + 1.0;
  EXPECT_NEAR(w.grad()[0], 4 * (norm2 - 1) * 0.5, 1e-6);
  EXPECT_NEAR(w.grad()[1], 4 * (norm2 - 1) * 1.0, 1e-6);
}

}  // namespace
}  // namespace gradlab
