// Activations: softmax, log_softmax (any axis), leaky_relu, gelu. Gradient checks (first
// and second order), forward values worked out by hand, and errors.
#include <cmath>
#include <cstring>
#include <limits>

#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

// Float keeps ~7 digits, double ~16: forward values are compared to this.
constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 1e-6;

TEST(ActivationForward, SoftmaxRowsByHand) {
  // row [0, ln 2, ln 3]: exp = [1, 2, 3], total 6 -> [1/6, 2/6, 3/6]
  // row [5, 5, 5]: uniform -> 1/3 each
  const double l2 = std::log(2.0), l3 = std::log(3.0);
  Var x(Tensor::from({2, 3}, {0, l2, l3, 5, 5, 5}));
  Tensor y = softmax(x).value();
  const double want[] = {1.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(y[i], want[i], kTol) << i;
  // log_softmax = log of the same: ln(1/6) = -ln 6, ln(2/6) = -ln 3, ln(3/6) = -ln 2, ln(1/3) = -ln 3
  Tensor ly = log_softmax(x).value();
  const double lwant[] = {-std::log(6.0), -l3, -l2, -l3, -l3, -l3};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(ly[i], lwant[i], kTol) << i;
}

TEST(ActivationForward, SoftmaxAlongAFirstOrMiddleAxis) {
  // Along axis 0 of [[0, 0], [ln 3, 0]]: columns [0, ln 3] -> [1/4, 3/4] and [0, 0] -> [1/2, 1/2]
  Var x(Tensor::from({2, 2}, {0, 0, std::log(3.0), 0}));
  Tensor y = softmax(x, 0).value();
  const double want[] = {0.25, 0.5, 0.75, 0.5};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], want[i], kTol) << i;
  // The middle axis of a [2, 3, 2] tensor agrees with moving that axis last, softmaxing, moving back.
  Rng rng(31);
  Var z(rng.uniform_tensor({2, 3, 2}, -3, 3));
  Tensor a = softmax(z, 1).value();
  Tensor b = transpose(softmax(transpose(z, 1, 2)), 1, 2).value();
  EXPECT_LT(max_abs_diff(a, b), kTol);
  Tensor la = log_softmax(z, -2).value();
  Tensor lb = transpose(log_softmax(transpose(z, 1, 2), -1), 1, 2).value();
  EXPECT_LT(max_abs_diff(la, lb), kTol);
}

TEST(ActivationForward, SoftmaxDoesNotOverflowForLargeInputs) {
  // [1e4, 0] -> softmax [1, e^-1e4 = 0], log_softmax [0, -1e4], on both axes' code paths
  Var x(Tensor::from({1, 2}, {1e4, 0}));
  EXPECT_EQ(softmax(x).value().to_vector(), (std::vector<Scalar>{1, 0}));
  EXPECT_EQ(log_softmax(x).value().to_vector(), (std::vector<Scalar>{0, -1e4}));
  Var xt(Tensor::from({2, 1}, {1e4, 0}));
  EXPECT_EQ(softmax(xt, 0).value().to_vector(), (std::vector<Scalar>{1, 0}));
  EXPECT_EQ(log_softmax(xt, 0).value().to_vector(), (std::vector<Scalar>{0, -1e4}));
}

TEST(ActivationForward, LeakyReluAndGelu) {
  Var x(Tensor::from({4}, {-2, -0.5, 0, 3}));
  // slope 0.1: [-0.2, -0.05, 0, 3]
  Tensor l = leaky_relu(x, 0.1).value();
  const double lwant[] = {-0.2, -0.05, 0, 3};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(l[i], lwant[i], kTol) << i;
  EXPECT_NEAR(leaky_relu(x).value()[0], -0.02, kTol);  // default slope 0.01
  // gelu(x) = x * (1 + erf(x / sqrt 2)) / 2. With erf(sqrt 2) = 0.9544997361036416 (Phi(2) = 0.9772498680518208):
  //   gelu(2) = 2 * 0.9772498680518208 = 1.9544997361036416, gelu(-2) = -2 * (1 - Phi(2)) = -0.04550026389635842
  // erf(1/sqrt 2) = 0.6826894921370859 (Phi(1) = 0.8413447460685429): gelu(1) = 0.8413447460685429,
  //   gelu(-1) = -0.15865525393145707; gelu(0) = 0
  Var g(Tensor::from({5}, {-2, -1, 0, 1, 2}));
  Tensor y = gelu(g).value();
  const double want[] = {-0.04550026389635842, -0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(y[i], want[i], kTol) << i;
}

TEST(ActivationBackward, GeluDerivativeByHand) {
  // d/dx gelu = Phi(x) + x phi(x); at x = 1: 0.8413447460685429 + 0.24197072451914337 = 1.0833154705876863
  Var x(Tensor::scalar(1), true);
  gelu(x).backward();
  EXPECT_NEAR(x.grad().item(), 1.0833154705876863, kTol * 10);
  // leaky_relu: slope on the left, 1 on the right, slope at exactly 0 (x > 0 is false there)
  Var z(Tensor::from({3}, {-1, 0, 2}), true);
  sum(leaky_relu(z, 0.2)).backward();
  EXPECT_EQ(z.grad().to_vector(), (std::vector<Scalar>{Scalar(0.2), Scalar(0.2), 1}));
}

TEST(ActivationGrad, EveryActivationAndAxis) {
  Rng rng(32);
  Var x = random_var(rng, {3, 4}, -3, 3), x3 = random_var(rng, {2, 3, 4}, -3, 3);
  EXPECT_GRADCHECK([&] { return weighted_sum(softmax(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(softmax(x, 0)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(softmax(x3, 1)); }, {x3});
  EXPECT_GRADCHECK([&] { return weighted_sum(log_softmax(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(log_softmax(x3, 0)); }, {x3});
  EXPECT_GRADCHECK([&] { return weighted_sum(log_softmax(x3, -2)); }, {x3});
  // Away from the kink at 0 (random values in [-3, 3] are never exactly 0).
  EXPECT_GRADCHECK([&] { return weighted_sum(leaky_relu(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(leaky_relu(x3, 0.3)); }, {x3});
  EXPECT_GRADCHECK([&] { return weighted_sum(gelu(x3)); }, {x3});
}

// relu's and leaky_relu's gradients are dy times a piecewise-constant factor, with and
// without create_graph (the kernel over the factor tensor, or the Var product): -0 where a
// negative dy meets a factor of 0, NaN where a NaN dy does, inf times 1 stays inf.
TEST(ActivationBackward, ReluBackwardIsTheFactorProductBitForBit) {
  const Scalar nan = std::numeric_limits<Scalar>::quiet_NaN(), inf = std::numeric_limits<Scalar>::infinity();
  const Var x(Tensor::from({2, 4}, {-1, 0, 2, 3, -0.0f, 5, -2, 1}));
  const Tensor seed = Tensor::from({2, 4}, {-1.5f, -2, 0.25f, nan, nan, inf, inf, -0.0f});
  auto bits = [](const Tensor& t) {
    std::vector<unsigned char> b(static_cast<std::size_t>(t.numel()) * sizeof(Scalar));
    std::memcpy(b.data(), t.data(), b.size());
    return b;
  };
  for (const Scalar slope : {Scalar(0), Scalar(0.2)})
    for (bool create_graph : {false, true}) {
      const Var leaf(x.value().clone(), true);
      const Var y = slope == 0 ? relu(leaf) : leaky_relu(leaf, slope);
      const Var dx = grad({y}, {leaf}, {seed}, create_graph)[0];
      std::vector<Scalar> want(8);
      for (int i = 0; i < 8; ++i)
        want[static_cast<std::size_t>(i)] = seed.data()[i] * (x.value().data()[i] > 0 ? Scalar(1) : slope);
      EXPECT_EQ(bits(dx.value()), bits(Tensor({2, 4}, want))) << "slope " << slope << " create_graph " << create_graph;
    }
}

TEST(ActivationSecondOrder, GradOfGradThroughEachActivation) {
  Rng rng(33);
  Var x = random_var(rng, {3, 4}, -2, 2), w = random_var(rng, {4, 4});
  // A gradient penalty through each activation: L(x, w) = ||d/dx weighted_sum(f(x W))||^2,
  // checked as a function of both x and w.
  auto penalty = [&](auto f) {
    return [&, f] {
      Var gx = grad({weighted_sum(f(matmul(x, w)))}, {x}, {}, true)[0];
      return sum(gx * gx);
    };
  };
  EXPECT_GRADCHECK(penalty([](const Var& h) { return softmax(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return softmax(h, 0); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return log_softmax(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return log_softmax(h, 0); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return gelu(h); }), {x, w});
  // leaky_relu is piecewise linear: its second derivative is 0, so the penalty's gradient
  // comes through w (and through x only via w's path); multiply by tanh to make it curve.
  EXPECT_GRADCHECK(penalty([](const Var& h) { return tanh(leaky_relu(h, 0.2)); }), {x, w});
}

TEST(ActivationSecondOrder, GeluSecondDerivativeByHand) {
  // d2/dx2 gelu = phi(x) (2 - x^2); at x = 0.5: phi = 0.3520653267642995, times 1.75 = 0.6161143218375241
  Var x(Tensor::scalar(0.5), true);
  Var d = grad({gelu(x)}, {x}, {}, true)[0];
  d.backward();
  EXPECT_NEAR(x.grad().item(), 0.6161143218375241, sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
}

TEST(ActivationErrors, AxisOutOfRangeNamesTheOp) {
  Var x(Tensor({2, 3}));
  for (auto [name, f] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"softmax", [&] { softmax(x, 2); }}, {"log_softmax", [&] { log_softmax(x, -3); }}}) {
    const std::string msg = message_of(f);
    EXPECT_NE(msg.find(name + ": axis"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("-2 to 1"), std::string::npos) << msg;
  }
  const std::string msg = message_of([] { softmax(Var(Tensor::scalar(1))); });
  EXPECT_NE(msg.find("softmax"), std::string::npos) << msg;
  EXPECT_NE(msg.find("a scalar has no axes"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gradlab
