// 2-D fields (inspect/field.h): decision fields of linear models whose boundaries are
// known lines, softmax/sigmoid/exp by hand, eval mode (dropout off, flag restored), the
// chunk boundary, and critic gradients against hand-derived formulas and finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "inspect/inspect.h"
#include "nn/containers.h"
#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr double kTol = kDouble ? 1e-12 : 1e-5;

std::shared_ptr<Linear> linear_with(std::int64_t in, std::int64_t out, std::initializer_list<double> w,
                                    std::initializer_list<double> b) {
  Rng rng(0);
  auto lin = std::make_shared<Linear>(in, out, rng);
  lin->load_state({{"weight", Tensor::from({out, in}, w)}, {"bias", Tensor::from({out}, b)}});
  return lin;
}

double sigmoid_of(double v) { return 1 / (1 + std::exp(-v)); }

TEST(GridPoints, LayoutAndCorners) {
  const GridSpec g{.x_min = -2, .x_max = 2, .y_min = 0, .y_max = 1, .nx = 5, .ny = 3};
  const Tensor p = grid_points(g);
  EXPECT_EQ(p.shape(), (Shape{15, 2}));
  EXPECT_EQ(p.at({0, 0}), -2);  // row 0 is y_min, column 0 x_min
  EXPECT_EQ(p.at({0, 1}), 0);
  EXPECT_EQ(p.at({1, 0}), -1);   // x steps of 1
  EXPECT_EQ(p.at({5, 1}), 0.5);  // row 1
  EXPECT_EQ(p.at({14, 0}), 2);
  EXPECT_EQ(p.at({14, 1}), 1);
  EXPECT_THROW(grid_points({.nx = 1}), std::invalid_argument);
  EXPECT_THROW(grid_points({.nx = 2049}), std::invalid_argument);
  EXPECT_THROW(grid_points({.x_min = 1, .x_max = 1}), std::invalid_argument);
  EXPECT_THROW(grid_points({.y_max = NAN}), std::invalid_argument);
}

// logits = [x, -x] + [0, 0]: class 0 wins exactly where x > 0, with p0 = s(2x).
TEST(DecisionField, SoftmaxOfALinearClassifier) {
  auto net = std::make_shared<Sequential>();
  net->add(linear_with(2, 2, {1, 0, -1, 0}, {0, 0}));
  const GridSpec g{.x_min = -1, .x_max = 1, .y_min = -1, .y_max = 1, .nx = 9, .ny = 4};
  const DecisionField f = decision_field(*net, g, "softmax");
  EXPECT_TRUE(f.classification);
  EXPECT_EQ(f.channels, 2);
  EXPECT_EQ(f.values.shape(), (Shape{4, 9, 2}));
  EXPECT_EQ(f.predicted.shape(), (Shape{4, 9}));
  for (int j = 0; j < g.ny; ++j)
    for (int k = 0; k < g.nx; ++k) {
      const double x = -1 + 0.25 * k;
      const std::int64_t i = j * g.nx + k;
      EXPECT_NEAR(f.values[2 * i], sigmoid_of(2 * x), kTol);
      EXPECT_NEAR(f.values[2 * i] + f.values[2 * i + 1], 1, kTol);
      if (x != 0) {
        EXPECT_EQ(f.predicted[i], x > 0 ? 0 : 1) << "x = " << x;
      }
    }
  const nlohmann::json j = to_json(f);
  EXPECT_EQ(j["values"]["shape"], nlohmann::json({4, 9, 2}));
  EXPECT_EQ(j["grid"]["nx"], 9);
  EXPECT_EQ(j["output"], "softmax");
}

// One logit x + y - 0.5: p(class 1) = s(x + y - 0.5), predicted 1 above the line x + y = 0.5.
TEST(DecisionField, SigmoidOfABinaryClassifier) {
  auto lin = linear_with(2, 1, {1, 1}, {-0.5});
  const GridSpec g{.x_min = -1, .x_max = 1, .y_min = -1, .y_max = 1, .nx = 5, .ny = 5};
  const DecisionField f = decision_field(*lin, g, "sigmoid");
  EXPECT_EQ(f.values.shape(), (Shape{5, 5, 1}));
  for (int j = 0; j < 5; ++j)
    for (int k = 0; k < 5; ++k) {
      const double x = -1 + 0.5 * k, y = -1 + 0.5 * j, z = x + y - 0.5;
      EXPECT_NEAR(f.values[j * 5 + k], sigmoid_of(z), kTol);
      EXPECT_EQ(f.predicted[j * 5 + k], z > 0 ? 1 : 0);
    }
}

TEST(DecisionField, ExpOfLogSoftmaxEqualsSoftmax) {
  auto logits = linear_with(2, 3, {1, 2, -1, 0.5, 0, -2}, {0.1, 0, -0.3});
  auto net = std::make_shared<Sequential>();
  net->add(logits);
  net->add(std::make_shared<Activation>("log_softmax"));
  const GridSpec g{.nx = 7, .ny = 6};
  const DecisionField a = decision_field(*net, g, "exp"), b = decision_field(*logits, g, "softmax");
  EXPECT_LT(max_abs_diff(a.values, b.values), kDouble ? 1e-12 : 1e-6);
  EXPECT_EQ(max_abs_diff(a.predicted, b.predicted), 0);
}

// A regressor's field is its value: 2x - y + 1, also past the 4096-point chunk boundary.
TEST(DecisionField, RegressionValuesAcrossChunks) {
  auto lin = linear_with(2, 1, {2, -1}, {1});
  const GridSpec g{.x_min = -3, .x_max = 3, .y_min = -1, .y_max = 2, .nx = 70, .ny = 65};  // 4550 points
  const DecisionField f = decision_field(*lin, g, "identity");
  EXPECT_FALSE(f.classification);
  EXPECT_FALSE(f.predicted.defined());
  const Tensor p = grid_points(g);
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{4095}, std::int64_t{4096}, std::int64_t{4549}})
    EXPECT_NEAR(f.values[i], 2 * p.at({i, 0}) - p.at({i, 1}) + 1, kDouble ? 1e-12 : 1e-5) << "point " << i;
  EXPECT_TRUE(to_json(f)["predicted"].is_null());
}

// Dropout would make the field random; in eval mode it is the identity. The flag comes back.
TEST(DecisionField, RunsInEvalModeAndRestoresTheFlag) {
  Rng rng(1);
  auto net = std::make_shared<Sequential>();
  net->add(linear_with(2, 2, {1, 0, 0, 1}, {0, 0}));
  net->add(std::make_shared<Dropout>(0.5, rng));
  net->train(true);
  const GridSpec g{.nx = 4, .ny = 4};
  const DecisionField f = decision_field(*net, g, "identity");
  EXPECT_TRUE(net->training());
  const Tensor p = grid_points(g);
  EXPECT_EQ(max_abs_diff(f.values.reshape({16, 2}), p), 0);
}

TEST(DecisionField, Errors) {
  auto three = linear_with(3, 2, {1, 0, 0, 0, 1, 0}, {0, 0});
  try {
    decision_field(*three, {}, "softmax");
    FAIL() << "a model of 3 inputs accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[N, 2]"), std::string::npos) << e.what();
  }
  auto two = linear_with(2, 2, {1, 0, 0, 1}, {0, 0});
  try {
    decision_field(*two, {}, "argmax");
    FAIL() << "output 'argmax' accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: softmax, exp, sigmoid, identity"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decision_field(*two, {.ny = 0}, "softmax"), std::invalid_argument);
  EXPECT_THROW(critic_field(*two, {}), std::invalid_argument);  // a critic has one output
  EXPECT_THROW(critic_field(*linear_with(2, 1, {1, 1}, {0}), {}, "softmax"), std::invalid_argument);
  EXPECT_THROW(critic_gradients(*linear_with(2, 1, {1, 1}, {0}), Tensor::zeros({3, 3})), std::invalid_argument);
}

TEST(ObjectiveOutputs, MatchTheLoss) {
  auto objective = [](const char* type) {
    Objective o;
    o.type = type;
    return o;
  };
  EXPECT_EQ(field_output_for(objective("cross_entropy")), "softmax");
  EXPECT_EQ(field_output_for(objective("nll")), "exp");
  EXPECT_EQ(field_output_for(objective("bce_with_logits")), "sigmoid");
  EXPECT_EQ(field_output_for(objective("mse")), "identity");
}

// D(x) = v . tanh(W x + b): dD/dx = W^T (v * (1 - tanh^2(W x + b))).
struct Critic {
  std::shared_ptr<Sequential> net = std::make_shared<Sequential>();
  Critic() {
    net->add(linear_with(2, 3, {1, -0.5, 0.3, 2, -1, 0.2}, {0.1, -0.2, 0.3}));
    net->add(std::make_shared<Activation>("tanh"));
    net->add(linear_with(3, 1, {0.7, -1.2, 0.4}, {0.05}));
  }
  static constexpr double W[3][2] = {{1, -0.5}, {0.3, 2}, {-1, 0.2}};
  static constexpr double b[3] = {0.1, -0.2, 0.3}, v[3] = {0.7, -1.2, 0.4};
  static double value(double x, double y) {
    double d = 0.05;
    for (int a = 0; a < 3; ++a) d += v[a] * std::tanh(W[a][0] * x + W[a][1] * y + b[a]);
    return d;
  }
  static std::pair<double, double> gradient(double x, double y) {
    double gx = 0, gy = 0;
    for (int a = 0; a < 3; ++a) {
      const double t = std::tanh(W[a][0] * x + W[a][1] * y + b[a]), s = v[a] * (1 - t * t);
      gx += W[a][0] * s;
      gy += W[a][1] * s;
    }
    return {gx, gy};
  }
};

TEST(CriticGradients, MatchTheFormulaAndFiniteDifferences) {
  Critic c;
  const Tensor samples = Tensor::from({3, 2}, {0.2, -0.4, -1.5, 0.7, 0.9, 1.1});
  const SampleGradients s = critic_gradients(*c.net, samples);
  EXPECT_EQ(s.values.shape(), (Shape{3}));
  EXPECT_EQ(s.gradient.shape(), (Shape{3, 2}));
  for (std::int64_t n = 0; n < 3; ++n) {
    const double x = samples.at({n, 0}), y = samples.at({n, 1});
    EXPECT_NEAR(s.values[n], Critic::value(x, y), kTol);
    const auto [gx, gy] = Critic::gradient(x, y);
    EXPECT_NEAR(s.gradient[2 * n], gx, kTol);
    EXPECT_NEAR(s.gradient[2 * n + 1], gy, kTol);
    const double h = 1e-6;  // finite differences of the formula, as a check on the formula
    EXPECT_NEAR((Critic::value(x + h, y) - Critic::value(x - h, y)) / (2 * h), gx, 1e-8);
    EXPECT_NEAR((Critic::value(x, y + h) - Critic::value(x, y - h)) / (2 * h), gy, 1e-8);
  }
  // Through the sigmoid: d s(D)/dx = s(D) (1 - s(D)) dD/dx.
  const SampleGradients p = critic_gradients(*c.net, samples, "sigmoid");
  for (std::int64_t n = 0; n < 3; ++n) {
    const double d = Critic::value(samples.at({n, 0}), samples.at({n, 1})), sd = sigmoid_of(d);
    EXPECT_NEAR(p.values[n], sd, kTol);
    EXPECT_NEAR(p.gradient[2 * n], sd * (1 - sd) * s.gradient[2 * n], kTol);
  }
  // No parameter gradient was left behind.
  for (auto& [name, w] : c.net->named_parameters()) EXPECT_FALSE(w.has_grad()) << name;
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["gradient"]["shape"], nlohmann::json({3, 2}));
}

TEST(CriticField, ValuesAndGradientOnTheGrid) {
  Critic c;
  const GridSpec g{.x_min = -2, .x_max = 2, .y_min = -1, .y_max = 1, .nx = 6, .ny = 5};
  const CriticField plain = critic_field(*c.net, g);
  EXPECT_FALSE(plain.gradient.defined());
  const CriticField f = critic_field(*c.net, g, "identity", true);
  EXPECT_EQ(f.values.shape(), (Shape{5, 6}));
  EXPECT_EQ(f.gradient.shape(), (Shape{5, 6, 2}));
  EXPECT_EQ(max_abs_diff(f.values, plain.values), 0);
  const Tensor p = grid_points(g);
  for (std::int64_t i = 0; i < 30; ++i) {
    const double x = p.at({i, 0}), y = p.at({i, 1});
    EXPECT_NEAR(f.values[i], Critic::value(x, y), kTol);
    EXPECT_NEAR(f.gradient[2 * i + 1], Critic::gradient(x, y).second, kTol);
  }
  const CriticField prob = critic_field(*c.net, g, "sigmoid");
  EXPECT_NEAR(prob.values[7], sigmoid_of(Critic::value(p.at({7, 0}), p.at({7, 1}))), kTol);
}

}  // namespace
}  // namespace gradlab
