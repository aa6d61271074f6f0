// The smaller pieces the course needs (issue 9), end to end through the Session: a loss
// scale for backprop by hand (Q2), the seeded objective `gradlab grad` prints, proximal L1
// that reaches exact zeros where subgradient L1 does not (Q10), the normal-equation
// snapshot saying when it does not apply, and final_state in a trained spec (Q37).
#include "session/session.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/files.h"
#include "tensor/rng.h"
#include "train/linear_regression.h"

namespace gradlab {
namespace {

using nlohmann::json;
constexpr double kTol = sizeof(Scalar) == 4 ? 1e-6 : 1e-12;

// Linear(1,1) -> sigmoid -> Linear(1,1) with pinned parameters, one example (Q2).
json by_hand_spec(double scale) {
  json spec = {{"version", 1},
               {"data", {{"batch", {{"inputs", {{0.8}}}, {"targets", {{1.0}}}}}}},
               {"model",
                {{"layers", {{{"type", "linear"}, {"in", 1}, {"out", 1}}, {{"type", "sigmoid"}}, {{"type", "linear"}, {"in", 1}, {"out", 1}}}},
                 {"parameters", {{"layers.0.weight", {{0.6}}}, {"layers.0.bias", {-0.1}}, {"layers.2.weight", {{1.5}}}, {"layers.2.bias", {0.2}}}}}},
               {"loss", {{"type", "mse"}}}};
  if (scale != 1) spec["loss"]["scale"] = scale;
  return spec;
}

TEST(LossScale, HalfMseGradientsAreTheHandFormulas) {
  // z1 = w1 x + b1, a1 = sigmoid(z1), a2 = w2 a1 + b2, L = 1/2 (a2 - y)^2.
  const double x = 0.8, y = 1, w1 = 0.6, b1 = -0.1, w2 = 1.5, b2 = 0.2;
  const double a1 = 1 / (1 + std::exp(-(w1 * x + b1))), a2 = w2 * a1 + b2;
  const double dL_da2 = a2 - y;                      // no factor 2 with the 1/2
  const double dL_dz1 = dL_da2 * w2 * a1 * (1 - a1);
  Session half(by_hand_spec(0.5).dump());
  const json j = json::parse(half.grad_json());
  EXPECT_NEAR(j["loss"].get<double>(), 0.5 * (a2 - y) * (a2 - y), kTol);
  EXPECT_NEAR(j["objective"].get<double>(), 0.5 * (a2 - y) * (a2 - y), kTol);
  const auto& g = j["gradients"];
  EXPECT_NEAR(g["layers.2.weight"]["data"][0].get<double>(), dL_da2 * a1, kTol);
  EXPECT_NEAR(g["layers.2.bias"]["data"][0].get<double>(), dL_da2, kTol);
  EXPECT_NEAR(g["layers.0.weight"]["data"][0].get<double>(), dL_dz1 * x, kTol);
  EXPECT_NEAR(g["layers.0.bias"]["data"][0].get<double>(), dL_dz1, kTol);
  // PyTorch's MSE (scale 1) doubles every gradient.
  Session full(by_hand_spec(1).dump());
  const json f = json::parse(full.grad_json());
  for (const char* name : {"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"})
    EXPECT_NEAR(f["gradients"][name]["data"][0].get<double>(), 2 * g[name]["data"][0].get<double>(), kTol) << name;
  // Training metrics report the scaled loss too.
  const auto m = half.train(1);
  EXPECT_NEAR(m.at(0)["loss"].get<double>(), 0.5 * (a2 - y) * (a2 - y), kTol);
}

TEST(GradObjective, IsTheSeededOneWithPenalties) {
  // output o = W x + b, objective sum(seed * o) + l2 * sum(p^2): dW = seed x^T + 2 l2 W.
  auto spec = json::parse(test::example("vector-output-needs-seed.json"));
  spec["loss"]["seed"] = {{1.0, 2.0}};
  spec["training"] = {{"l2", 0.1}};
  Session s(spec.dump());
  const json j = json::parse(s.grad_json());
  const auto& o = j["outputs"]["data"];
  double penalty = 0;
  std::vector<double> W;
  for (const auto& [name, t] : s.parameter_values())
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      penalty += static_cast<double>(t[i]) * t[i];
      if (name == "layers.0.weight") W.push_back(t[i]);
    }
  const double seeded = o[0].get<double>() + 2 * o[1].get<double>();
  EXPECT_NEAR(j["objective"].get<double>(), seeded + 0.1 * penalty, 1e-5);
  EXPECT_TRUE(j["loss"].is_object()) << "the loss stays the vector output: " << j["loss"].dump();
  const auto& dW = j["gradients"]["layers.0.weight"]["data"];
  const double x[2] = {1, 2}, seed[2] = {1, 2};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c)
      EXPECT_NEAR(dW[r * 2 + c].get<double>(), seed[r] * x[c] + 0.2 * W[r * 2 + c], 1e-5) << r << "," << c;
  // Without penalties the objective is the seeded sum alone; without a seed, the loss.
  spec.erase("training");
  Session plain(spec.dump());
  const json p = json::parse(plain.grad_json());
  EXPECT_NEAR(p["objective"].get<double>(), p["outputs"]["data"][0].get<double>() + 2 * p["outputs"]["data"][1].get<double>(), kTol);
  Session xor_session(test::example("tiny-chain-rule.json"));
  const json t = json::parse(xor_session.grad_json());
  EXPECT_EQ(t["objective"], t["loss"]);
}

// y = 2 x0 - x1 + 0.3 + noise; features x2 and x3 are irrelevant.
json lasso_spec(const std::string& l1_mode, double l1) {
  Rng rng(21);
  json inputs = json::array(), targets = json::array();
  for (int n = 0; n < 64; ++n) {
    std::vector<double> x(4);
    for (double& v : x) v = rng.uniform(-1, 1);
    inputs.push_back(x);
    targets.push_back({2 * x[0] - x[1] + 0.3 + 0.1 * rng.normal()});
  }
  return {{"version", 1},
          {"seed", 2},
          {"data", {{"batch", {{"inputs", inputs}, {"targets", targets}}}}},
          {"model", {{"layers", {{{"type", "linear"}, {"in", 4}, {"out", 1}}}}}},
          {"loss", {{"type", "mse"}}},
          {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
          {"training", {{"steps", 1500}, {"batch_size", 64}, {"l1", l1}, {"l1_mode", l1_mode}}}};
}

json weight_entry(Session& s) {
  for (const auto& p : s.snapshot("params"))
    if (p["name"] == "layers.0.weight") return p;
  return nullptr;
}

TEST(ProximalL1, IrrelevantWeightsReachExactlyZero) {
  Session prox(lasso_spec("proximal", 0.05).dump());
  Session sub(lasso_spec("subgradient", 0.05).dump());
  prox.train(1500);
  sub.train(1500);
  const Tensor wp = prox.parameter_values().at(0).second, ws = sub.parameter_values().at(0).second;
  ASSERT_EQ(prox.parameter_values().at(0).first, "layers.0.weight");
  // The relevant weights survive, shrunk a little toward 0.
  for (const Tensor* w : {&wp, &ws}) {
    EXPECT_NEAR((*w)[0], 2.0, 0.15);
    EXPECT_NEAR((*w)[1], -1.0, 0.15);
  }
  for (int j = 2; j < 4; ++j) {
    EXPECT_EQ(wp[j], Scalar(0)) << "proximal L1, irrelevant weight " << j;
    EXPECT_NE(ws[j], Scalar(0)) << "subgradient L1, irrelevant weight " << j;
    EXPECT_LT(std::fabs(ws[j]), 0.02) << "subgradient L1 keeps it small, jumping around 0 by about lr * l1";
  }
  const json ep = weight_entry(prox), es = weight_entry(sub);
  EXPECT_DOUBLE_EQ(ep["zero_fraction"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(ep["small_fraction"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(es["zero_fraction"].get<double>(), 0.0);
  // The objective counts l1 * sum|w| in both modes.
  double l1_sum = 0;  // over the weights and the bias the step starts from
  for (const auto& [name, t] : prox.parameter_values())
    for (std::int64_t i = 0; i < t.numel(); ++i) l1_sum += std::fabs(static_cast<double>(t[i]));
  const auto m = prox.train(1);
  EXPECT_NEAR(m.at(0)["objective"].get<double>() - m.at(0)["loss"].get<double>(), 0.05 * l1_sum, 1e-5);
}

TEST(ProximalL1, ARunningExperimentSwitchesMode) {
  // Subgradient for 500 steps, then proximal: the irrelevant weights drop to exactly 0.
  Session s(lasso_spec("subgradient", 0.05).dump());
  s.train(500);
  EXPECT_DOUBLE_EQ(weight_entry(s)["zero_fraction"].get<double>(), 0.0);
  const auto changed = s.update(lasso_spec("proximal", 0.05).dump());
  EXPECT_EQ(changed, std::vector<std::string>{"/training/l1_mode"});
  s.train(500);
  EXPECT_DOUBLE_EQ(weight_entry(s)["zero_fraction"].get<double>(), 0.5);
}

TEST(ProximalL1, OneStepByHand) {
  // Linear(2,1), x = I, y = (1, 0), W = (0.5, 0.02), b = 0; SGD lr 0.5, l1 0.1.
  // mse gradient: dW = (-0.5, 0.02), db = -0.48; SGD: W = (0.75, 0.01), b = 0.24;
  // soft-threshold by lr * l1 = 0.05: W = (0.70, 0), b = 0.19.
  json spec = {{"version", 1},
               {"data", {{"batch", {{"inputs", {{1.0, 0.0}, {0.0, 1.0}}}, {"targets", {{1.0}, {0.0}}}}}}},
               {"model", {{"layers", {{{"type", "linear"}, {"in", 2}, {"out", 1}}}},
                          {"parameters", {{"layers.0.weight", {{0.5, 0.02}}}, {"layers.0.bias", {0.0}}}}}},
               {"loss", {{"type", "mse"}}},
               {"optimizer", {{"type", "sgd"}, {"lr", 0.5}}},
               {"training", {{"batch_size", 2}, {"l1", 0.1}, {"l1_mode", "proximal"}}}};
  Session s(spec.dump());
  const json g = json::parse(s.grad_json());  // the L1 term is not differentiated
  EXPECT_NEAR(g["gradients"]["layers.0.weight"]["data"][0].get<double>(), -0.5, 1e-6);
  EXPECT_NEAR(g["gradients"]["layers.0.weight"]["data"][1].get<double>(), 0.02, 1e-6);
  EXPECT_NEAR(g["objective"].get<double>(), (0.25 + 0.0004) / 2 + 0.1 * 0.52, 1e-6);
  const auto m = s.train(1);
  EXPECT_NEAR(m.at(0)["objective"].get<double>(), (0.25 + 0.0004) / 2 + 0.1 * 0.52, 1e-6);
  const auto p = s.parameter_values();
  EXPECT_NEAR(p.at(0).second[0], 0.70, 1e-6);
  EXPECT_EQ(p.at(0).second[1], Scalar(0));
  EXPECT_NEAR(p.at(1).second[0], 0.19, 1e-6);
  // The same step with the subgradient: W1 = 0.01 - 0.5 * 0.1 = -0.04, past zero.
  spec["training"]["l1_mode"] = "subgradient";
  Session sub(spec.dump());
  sub.train(1);
  EXPECT_NEAR(sub.parameter_values().at(0).second[1], -0.04, 1e-6);
}

TEST(NormalEquation, SaysWhenItDoesNotApply) {
  auto spec = json::parse(test::example("plane-normal-equation.json"));
  Session plain(spec.dump());
  json j = plain.snapshot("normal_equation");
  EXPECT_TRUE(j["applies"].get<bool>());
  EXPECT_TRUE(j["reason"].is_null());
  EXPECT_EQ(j["penalties"]["ridge"], 0.0);

  for (const char* mode : {"subgradient", "proximal"}) {
    spec["training"]["l1"] = 0.01;
    spec["training"]["l1_mode"] = mode;
    Session lasso(spec.dump());
    j = lasso.snapshot("normal_equation");
    EXPECT_FALSE(j["applies"].get<bool>()) << mode;
    const std::string reason = j["reason"].get<std::string>();
    EXPECT_NE(reason.find("L1"), std::string::npos) << reason;
    EXPECT_NE(reason.find("lasso has no closed form"), std::string::npos) << reason;
    EXPECT_NE(reason.find(mode), std::string::npos) << reason;
  }
}

TEST(NormalEquation, RidgeFollowsL2AndTheLossScale) {
  // Training minimises 0.5 * mse + 0.01 * sum(p^2): the minimiser of mse + 0.02 * sum(p^2).
  auto spec = json::parse(test::example("plane-normal-equation.json"));
  spec["training"]["l2"] = 0.01;
  spec["training"]["steps"] = 1000;
  spec["loss"]["scale"] = 0.5;
  Session s(spec.dump());
  s.train(1000);
  const json j = s.snapshot("normal_equation");
  EXPECT_TRUE(j["applies"].get<bool>());
  EXPECT_NEAR(j["penalties"]["ridge"].get<double>(), 0.02, 1e-12);
  const auto& closed = j["closed_form"];
  const auto& gd = j["gradient_descent"];
  for (int k = 0; k < 2; ++k)
    EXPECT_NEAR(gd["weight"]["data"][k].get<double>(), closed["weight"]["data"][k].get<double>(), 1e-3) << "weight " << k;
  EXPECT_NEAR(gd["bias"]["data"][0].get<double>(), closed["bias"]["data"][0].get<double>(), 1e-3);
  // Unscaled mse on both sides (the closed form's is not the trained loss's 0.5 * mse).
  EXPECT_NEAR(gd["mse"].get<double>(), closed["mse"].get<double>(), 1e-5);
  // The ridge minimiser differs from plain least squares: it is what was trained toward.
  spec["training"].erase("l2");
  Session ls(spec.dump());
  const json plain = ls.snapshot("normal_equation");
  EXPECT_GT(std::fabs(plain["closed_form"]["weight"]["data"][0].get<double>() - closed["weight"]["data"][0].get<double>()), 1e-3);
}

TEST(NormalEquation, CostIsCountedAndTimedWithoutTouchingTheModel) {
  auto spec = json::parse(test::example("plane-normal-equation.json"));
  spec["data"] = {{"dataset", "hyperplane"}, {"options", {{"n_samples", 500}, {"n_features", 40}}}};
  spec["model"]["layers"][0]["in"] = 40;
  Session s(spec.dump());
  const json before = s.snapshot("params");
  const json j = s.snapshot("normal_equation");
  const json& cost = j["cost"];
  EXPECT_EQ(cost["samples"].get<int>(), 400);
  EXPECT_EQ(cost["features"].get<int>(), 40);
  const LeastSquaresCost expected = least_squares_cost(400, 40, 1, true);
  EXPECT_DOUBLE_EQ(cost["flops"]["normal_equations"].get<double>(), expected.normal_equations);
  EXPECT_DOUBLE_EQ(cost["flops"]["gradient_step"].get<double>(), expected.gradient_step);
  EXPECT_DOUBLE_EQ(cost["flops"]["normal_equations_per_step"].get<double>(), expected.normal_equations / expected.gradient_step);
  EXPECT_GT(cost["seconds"]["closed_form"].get<double>(), 0);
  EXPECT_GT(cost["seconds"]["gradient_step"].get<double>(), 0);
  EXPECT_TRUE(cost["formulas"]["normal_equations"].is_string());
  // The timed step ran on copies: the model's weights and (absent) gradients are unchanged.
  EXPECT_EQ(s.snapshot("params"), before);
}

TEST(FinalStateSession, BidirectionalLstmGradientsCheckAndTrain) {
  json spec = {{"version", 1},
               {"seed", 4},
               {"data", {{"dataset", "adding"}, {"options", {{"n_samples", 64}, {"seq_len", 6}}}}},
               {"model", {{"layers", {{{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 3}, {"bidirectional", true}},
                                      {{"type", "final_state"}},
                                      {{"type", "linear"}, {"in", 6}, {"out", 1}}}}}},
               {"loss", {{"type", "mse"}}},
               {"optimizer", {{"type", "adam"}, {"lr", 0.01}}},
               {"training", {{"batch_size", 8}}}};
  Session s(spec.dump());
  GradCheckOptions options;
  if constexpr (sizeof(Scalar) == 4) options = {1e-2, 5e-2};  // float: a few digits only
  const GradCheckResult r = s.check_gradients(options);
  EXPECT_TRUE(r.ok) << "worst relative error " << r.worst_rel_error();
  EXPECT_EQ(r.entries.size(), 10u);  // the LSTM's 4 tensors per direction, the head's weight and bias
  const json g = json::parse(s.grad_json());
  EXPECT_EQ(g["outputs"]["shape"], json::array({8, 1}));
  // Every LSTM parameter of the reverse direction gets a gradient through final_state.
  double reverse_norm = 0;
  for (const auto& x : g["gradients"]["layers.0.weight_ih_l0_reverse"]["data"]) reverse_norm += std::fabs(x.get<double>());
  EXPECT_GT(reverse_norm, 0);
  const double before = s.evaluate("train")["loss"].get<double>();
  s.train(300);
  EXPECT_LT(s.evaluate("train")["loss"].get<double>(), 0.5 * before);
}

}  // namespace
}  // namespace gradlab
