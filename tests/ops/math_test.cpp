// Elementwise math: exp, log, pow, sqrt, rsqrt, abs, square, clamp. Forward values by
// hand, gradients (first and second order) against finite differences, errors.
#include "ops/ops.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::random_var;
using test::weighted_sum;

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-14 : 1e-6;

void expect_values(const Var& y, const std::vector<double>& want) {
  ASSERT_EQ(y.numel(), static_cast<std::int64_t>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(y.value()[static_cast<std::int64_t>(i)], want[i], kTol * std::max(1.0, std::fabs(want[i]))) << i;
}

TEST(MathForward, ValuesByHand) {
  // exp(0) = 1, exp(1) = e = 2.718281828459045, exp(-1) = 1/e = 0.36787944117144233
  expect_values(exp(Var(Tensor::from({3}, {0, 1, -1}))), {1, 2.718281828459045, 0.36787944117144233});
  // log(1) = 0, log(e) = 1, log(0.5) = -ln 2 = -0.6931471805599453; log(0) = -inf
  expect_values(log(Var(Tensor::from({3}, {1, 2.718281828459045, 0.5}))), {0, 1, -0.6931471805599453});
  EXPECT_EQ(log(Var(Tensor::scalar(0))).item(), -INFINITY);
  // pow: 2^0.5 = 1.4142135623730951, 4^0.5 = 2, 9^0.5 = 3; (-2)^3 = -8; 4^-1 = 0.25; x^0 = 1
  expect_values(pow(Var(Tensor::from({3}, {2, 4, 9})), 0.5), {1.4142135623730951, 2, 3});
  expect_values(pow(Var(Tensor::from({2}, {-2, 3})), 3), {-8, 27});
  expect_values(pow(Var(Tensor::from({1}, {4})), -1), {0.25});
  expect_values(pow(Var(Tensor::from({2}, {-5, 7})), 0), {1, 1});
  expect_values(sqrt(Var(Tensor::from({3}, {4, 0.25, 0}))), {2, 0.5, 0});
  expect_values(rsqrt(Var(Tensor::from({2}, {4, 0.25}))), {0.5, 2});
  expect_values(abs(Var(Tensor::from({3}, {-2, 0, 3}))), {2, 0, 3});
  expect_values(square(Var(Tensor::from({2}, {-3, 0.5}))), {9, 0.25});
  // clamp to [-1, 0.5]: below -> -1, inside unchanged, above -> 0.5
  expect_values(clamp(Var(Tensor::from({5}, {-2, -0.5, 0, 0.7, 3})), -1, 0.5), {-1, -0.5, 0, 0.5, 0.5});
}

TEST(MathBackward, KinksTakePyTorchsGradient) {
  // abs: sign(x), 0 at 0
  Var a(Tensor::from({3}, {-2, 0, 3}), true);
  sum(abs(a)).backward();
  EXPECT_EQ(a.grad().to_vector(), (std::vector<Scalar>{-1, 0, 1}));
  // clamp to [-1, 0.5]: 1 inside and on the bounds (inclusive), 0 strictly outside
  Var c(Tensor::from({5}, {-2, -1, 0, 0.5, 3}), true);
  sum(clamp(c, -1, 0.5)).backward();
  EXPECT_EQ(c.grad().to_vector(), (std::vector<Scalar>{0, 1, 1, 1, 0}));
  // pow(x, 3) at x = -2: 3 * 4 = 12; sqrt at 4: 1 / (2 * 2) = 0.25; rsqrt at 4: -0.5 * 4^-1.5 = -1/16
  Var p(Tensor::from({1}, {-2}), true), s(Tensor::from({1}, {4}), true), r(Tensor::from({1}, {4}), true);
  sum(pow(p, 3)).backward();
  sum(sqrt(s)).backward();
  sum(rsqrt(r)).backward();
  EXPECT_NEAR(p.grad()[0], 12, kTol * 12);
  EXPECT_NEAR(s.grad()[0], 0.25, kTol);
  EXPECT_NEAR(r.grad()[0], -0.0625, kTol);
}

TEST(MathGrad, EveryOp) {
  Rng rng(41);
  Var x = random_var(rng, {3, 4}, -2, 2), pos = random_var(rng, {3, 4}, 0.5, 2);
  EXPECT_GRADCHECK([&] { return weighted_sum(exp(x)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(log(pos)); }, {pos});
  EXPECT_GRADCHECK([&] { return weighted_sum(pow(pos, 2.5)); }, {pos});
  EXPECT_GRADCHECK([&] { return weighted_sum(pow(pos, -1.5)); }, {pos});
  EXPECT_GRADCHECK([&] { return weighted_sum(pow(x, 3)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(pow(x, 1) + pow(x, 0)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(sqrt(pos)); }, {pos});
  EXPECT_GRADCHECK([&] { return weighted_sum(rsqrt(pos)); }, {pos});
  EXPECT_GRADCHECK([&] { return weighted_sum(square(x)); }, {x});
  // Values at least 0.05 from the kinks (0 for abs, +-1 for clamp): a kink inside the
  // finite-difference step (1e-2 in the float build) would fail the check.
  Var k(Tensor::from({3, 4}, {-1.9, -1.3, -0.6, -0.2, 0.3, 0.8, 1.4, 1.7, -1.1, 0.95, -0.85, 0.05}), true);
  EXPECT_GRADCHECK([&] { return weighted_sum(abs(k)); }, {k});
  EXPECT_GRADCHECK([&] { return weighted_sum(clamp(k, -1, 1)); }, {k});
}

TEST(MathSecondOrder, GradOfGradThroughEachOp) {
  Rng rng(42);
  Var x = random_var(rng, {2, 3}, 0.5, 1.5), w = random_var(rng, {3, 3}, 0.2, 1);
  // x and w positive, so x W > 0 where log, sqrt, rsqrt and non-integer pow need it.
  auto penalty = [&](auto f) {
    return [&, f] {
      Var gx = grad({weighted_sum(f(matmul(x, w)))}, {x}, {}, true)[0];
      return sum(gx * gx);
    };
  };
  EXPECT_GRADCHECK(penalty([](const Var& h) { return exp(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return log(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return pow(h, 2.5); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return sqrt(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return rsqrt(h); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return square(h); }), {x, w});
  // abs and clamp are piecewise linear (second derivative 0): curve them with tanh.
  EXPECT_GRADCHECK(penalty([](const Var& h) { return tanh(abs(h - 1.0)); }), {x, w});
  EXPECT_GRADCHECK(penalty([](const Var& h) { return tanh(clamp(h, 0.3, 1.2)); }), {x, w});
}

TEST(MathSecondOrder, SecondDerivativesByHand) {
  // d2/dx2 at x = 2:  exp -> e^2 = 7.38905609893065;  log -> -1/4;  pow(x, 3) -> 6x = 12;
  // sqrt -> -1/4 x^-1.5 = -0.08838834764831845;  square -> 2
  const std::vector<std::pair<Var (*)(const Var&), double>> cases = {
      {[](const Var& v) { return exp(v); }, 7.38905609893065},
      {[](const Var& v) { return log(v); }, -0.25},
      {[](const Var& v) { return pow(v, 3); }, 12},
      {[](const Var& v) { return sqrt(v); }, -0.08838834764831845},
      {[](const Var& v) { return square(v); }, 2}};
  for (const auto& [f, want] : cases) {
    Var x(Tensor::scalar(2), true);
    grad({f(x)}, {x}, {}, true)[0].backward();
    EXPECT_NEAR(x.grad().item(), want, 1e-5 * std::max(1.0, std::fabs(want))) << want;
  }
}

TEST(MathErrors, ClampBoundsOutOfOrder) {
  try {
    clamp(Var(Tensor::scalar(0)), 2, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("clamp"), std::string::npos) << msg;
    EXPECT_NE(msg.find("lo = 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("hi = 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("lo <= hi"), std::string::npos) << msg;
  }
  EXPECT_THROW(clamp(Var(Tensor::scalar(0)), NAN, 1), std::invalid_argument);
  EXPECT_EQ(clamp(Var(Tensor::scalar(3)), 1, 1).item(), 1);  // lo == hi is allowed
}

}  // namespace
}  // namespace gradlab
