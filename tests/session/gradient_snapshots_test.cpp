// The gradient snapshots: "params" runs the same forward/backward as `gradlab grad` (so a
// fresh model reports real gradients) and leaves training where it was; "layers" gives
// ||dL/dW_l|| and ||dL/da_l|| per top-level layer, checked by hand on a tiny net and for
// their meaning on deep sigmoid and ReLU MLPs (vanishing gradients, or not).
#include "session/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "support/files.h"

namespace gradlab {
namespace {

using test::example;

constexpr double kTol = sizeof(Scalar) == 4 ? 1e-6 : 1e-12;

double norm(const Tensor& t) {
  double s = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) s += static_cast<double>(t[i]) * static_cast<double>(t[i]);
  return std::sqrt(s);
}

// Every parameter in the params snapshot has the gradient gradients() gives (the numbers
// `gradlab grad` prints), and at least one is non-zero.
void expect_params_snapshot_matches_grad(Session& s) {
  const auto snap = s.snapshot("params");
  const auto grads = s.gradients();
  ASSERT_EQ(snap.size(), grads.size());
  double total = 0;
  for (std::size_t k = 0; k < grads.size(); ++k) {
    const auto& p = snap[k];
    EXPECT_EQ(p["name"], grads[k].first);
    EXPECT_TRUE(p["has_grad"].get<bool>()) << grads[k].first;
    const double expected = norm(grads[k].second);
    EXPECT_NEAR(p["grad"]["norm"].get<double>(), expected, 1e-12 + 1e-9 * expected) << grads[k].first;
    total += expected;
  }
  EXPECT_GT(total, 0);
}

TEST(ParamsSnapshot, AFreshSpecReportsTheGradientsOfGrad) {
  Session s(example("xor.json"));
  expect_params_snapshot_matches_grad(s);
  // And they are grad_json's numbers, element for element in the norm.
  const auto j = nlohmann::json::parse(s.grad_json());
  for (const auto& p : s.snapshot("params")) {
    double sq = 0;
    for (const auto& v : j["gradients"][p["name"].get<std::string>()]["data"]) sq += v.get<double>() * v.get<double>();
    EXPECT_NEAR(p["grad"]["norm"].get<double>(), std::sqrt(sq), 1e-6 * (1 + std::sqrt(sq))) << p["name"];
  }
}

TEST(ParamsSnapshot, GanAndSeq2seqReportGradientsToo) {
  auto gan = nlohmann::json::parse(example("gan-ring-minimax.json"));
  Session g(gan.dump());
  expect_params_snapshot_matches_grad(g);
  auto dates = nlohmann::json::parse(example("dates-attention.json"));
  dates["data"]["options"]["n_samples"] = 200;
  Session d(dates.dump());
  expect_params_snapshot_matches_grad(d);
}

TEST(ParamsSnapshot, SmallAndZeroFractions) {
  auto spec = nlohmann::json::parse(example("tiny-chain-rule.json"));
  // layers.0.weight: one exact zero and one |w| = 5e-4 < 1e-3; layers.0.bias: 1e-3 is not below.
  spec["model"]["parameters"]["layers.0.weight"] = {{0.0}, {-5e-4}};
  spec["model"]["parameters"]["layers.0.bias"] = {1e-3, 0.2};
  Session s(spec.dump());
  const auto snap = s.snapshot("params");
  EXPECT_EQ(snap[0]["name"], "layers.0.weight");
  EXPECT_EQ(snap[0]["small_eps"], 1e-3);
  EXPECT_EQ(snap[0]["small_fraction"], 1.0);
  EXPECT_EQ(snap[0]["zero_fraction"], 0.5);
  EXPECT_EQ(snap[1]["small_fraction"], 0.0);
  EXPECT_EQ(snap[1]["zero_fraction"], 0.0);
}

// Dropout masks and BatchNorm's running statistics are what a training-mode forward
// changes besides gradients; the snapshots and grad() must put them back.
TEST(ParamsSnapshot, TrainingAfterSnapshotsIsBitIdentical) {
  auto spec = nlohmann::json::parse(example("xor.json"));
  spec["model"]["layers"] = {{{"type", "linear"}, {"in", 2}, {"out", 8}},
                             {{"type", "batch_norm1d"}, {"num_features", 8}},
                             {{"type", "relu"}},
                             {{"type", "dropout"}, {"p", 0.3}},
                             {{"type", "linear"}, {"in", 8}, {"out", 2}}};
  Session with(spec.dump()), without(spec.dump());
  with.train(5);
  without.train(5);
  with.snapshot("params");
  with.snapshot("layers");
  with.grad_json();
  with.gradients();
  const auto a = with.train(5);
  const auto b = without.train(5);
  EXPECT_EQ(a, b);
  EXPECT_EQ(with.checkpoint_json(), without.checkpoint_json());
}

TEST(LayersSnapshot, NamesPointersAndShapes) {
  Session s(example("xor.json"));
  const auto names = s.snapshot_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "layers"), names.end());
  const auto j = s.snapshot("layers");
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["batch_size"], 32);
  const auto& l0 = j["layers"][0];
  EXPECT_EQ(l0["pointer"], "/model/layers/0");
  EXPECT_EQ(l0["type"], "linear");
  EXPECT_EQ(l0["name"], "layers.0");
  EXPECT_EQ(l0["output_shape"], nlohmann::json::array({32, 8}));
  EXPECT_EQ(l0["parameters"], nlohmann::json::array({"layers.0.weight", "layers.0.bias"}));
  const auto& act = j["layers"][1];
  EXPECT_EQ(act["type"], "tanh");
  EXPECT_TRUE(act["weight_grad_norm"].is_null());
  EXPECT_TRUE(act["bias_grad_norm"].is_null());
  EXPECT_GT(act["output_grad_norm"].get<double>(), 0);
  // The layer's weight gradient is the params snapshot's (the same pass).
  const auto grads = s.gradients();
  EXPECT_NEAR(l0["weight_grad_norm"].get<double>(), norm(grads[0].second), 1e-9);
  EXPECT_NEAR(l0["bias_grad_norm"].get<double>(), norm(grads[1].second), 1e-9);
}

// A residual block is one top-level layer; its inner biases count as biases.
TEST(LayersSnapshot, ResidualBlockWeightsAndBiasesApart) {
  auto spec = nlohmann::json::parse(example("xor.json"));
  spec["model"]["layers"] = {{{"type", "linear"}, {"in", 2}, {"out", 4}},
                             {{"type", "residual"},
                              {"layers", {{{"type", "linear"}, {"in", 4}, {"out", 4}}, {{"type", "tanh"}}}}},
                             {{"type", "linear"}, {"in", 4}, {"out", 2}}};
  Session s(spec.dump());
  const auto block = s.snapshot("layers")["layers"][1];
  EXPECT_EQ(block["type"], "residual");
  EXPECT_EQ(block["parameters"], nlohmann::json::array({"layers.1.fn.0.weight", "layers.1.fn.0.bias"}));
  Tensor dW, db;
  for (const auto& [name, g] : s.gradients()) {
    if (name == "layers.1.fn.0.weight") dW = g;
    if (name == "layers.1.fn.0.bias") db = g;
  }
  ASSERT_TRUE(dW.defined() && db.defined());
  EXPECT_NEAR(block["weight_grad_norm"].get<double>(), norm(dW), 1e-9);
  EXPECT_NEAR(block["bias_grad_norm"].get<double>(), norm(db), 1e-9);
}

TEST(LayersSnapshot, OutputGradientsByHandOnTheTinyNet) {
  Session s(example("tiny-chain-rule.json"));
  const auto j = s.snapshot("layers");
  // As in session_test: z = W1 x + b1, h = sigmoid(z), y = W2 h + b2, L = (y - 1)^2.
  const double x = 0.5;
  const double z1 = 0.15 * x + 0.1, z2 = -0.25 * x + 0.2;
  const double h1 = 1 / (1 + std::exp(-z1)), h2 = 1 / (1 + std::exp(-z2));
  const double y = 0.4 * h1 - 0.3 * h2 + 0.05;
  const double dy = 2 * (y - 1);
  const double dh1 = dy * 0.4, dh2 = dy * -0.3;
  const double dz1 = dh1 * h1 * (1 - h1), dz2 = dh2 * h2 * (1 - h2);
  const auto& L = j["layers"];
  EXPECT_NEAR(L[2]["output_grad_norm"].get<double>(), std::abs(dy), kTol);
  EXPECT_NEAR(L[1]["output_grad_norm"].get<double>(), std::hypot(dh1, dh2), kTol);
  EXPECT_NEAR(L[0]["output_grad_norm"].get<double>(), std::hypot(dz1, dz2), kTol);
  EXPECT_NEAR(L[2]["weight_grad_norm"].get<double>(), std::hypot(dy * h1, dy * h2), kTol);
  EXPECT_NEAR(L[2]["bias_grad_norm"].get<double>(), std::abs(dy), kTol);
  EXPECT_NEAR(L[0]["weight_grad_norm"].get<double>(), std::hypot(dz1 * x, dz2 * x), kTol);
  EXPECT_NEAR(j["loss"].get<double>(), (y - 1) * (y - 1), kTol);
}

// With a batch, L is the mean over its B x O elements, so dL/da of the last layer is
// 2 (a - y) / (B O) and its norm is taken over the whole [B, O] tensor.
TEST(LayersSnapshot, LastOutputGradientOfABatchIsTheMeansDerivative) {
  auto spec = nlohmann::json::parse(example("tiny-chain-rule.json"));
  spec["data"]["batch"] = {{"inputs", {{0.5}, {-1.0}, {2.0}}}, {"targets", {{1.0}, {0.0}, {-0.5}}}};
  spec["training"]["batch_size"] = 3;
  Session s(spec.dump());
  const auto outputs = nlohmann::json::parse(s.grad_json())["outputs"]["data"];
  const double targets[3] = {1.0, 0.0, -0.5};
  double sq = 0;
  for (int b = 0; b < 3; ++b) {
    const double d = 2 * (outputs[b].get<double>() - targets[b]) / 3;
    sq += d * d;
  }
  const auto j = s.snapshot("layers");
  EXPECT_EQ(j["batch_size"], 3);
  EXPECT_NEAR(j["layers"][2]["output_grad_norm"].get<double>(), std::sqrt(sq), kTol);
}

// A 10-Linear-layer MLP (width 16) on the spiral with `act` between the layers, and its
// gradient profile from the "layers" snapshot on the grad batch (64 examples).
struct Profile {
  double dW_last_over_first = 0, dW_max_over_min = 0;  // over the 10 Linear layers
  double da_last_over_first = 0, da_max_over_min = 0;  // over all 19 layers
};

Profile deep_mlp_profile(const std::string& act, const std::string& init, std::uint64_t seed) {
  nlohmann::json layers = nlohmann::json::array();
  for (int l = 0; l < 10; ++l) {
    layers.push_back({{"type", "linear"}, {"in", l == 0 ? 2 : 16}, {"out", l == 9 ? 2 : 16}});
    if (l < 9) layers.push_back({{"type", act}});
  }
  const nlohmann::json spec = {{"version", 1},
                               {"seed", seed},
                               {"data", {{"dataset", "spiral"}, {"options", {{"n_samples", 200}}}}},
                               {"model", {{"layers", layers}, {"init", init}}},
                               {"loss", {{"type", "cross_entropy"}}},
                               {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
                               {"training", {{"steps", 1}, {"batch_size", 64}}}};
  Session s(spec.dump());
  const auto j = s.snapshot("layers")["layers"];
  EXPECT_EQ(j.size(), 19u);
  double dW_lo = 1e300, dW_hi = 0, da_lo = 1e300, da_hi = 0;
  for (const auto& l : j) {
    const double da = l["output_grad_norm"].get<double>();
    da_lo = std::min(da_lo, da);
    da_hi = std::max(da_hi, da);
    if (l["type"] != "linear") continue;
    const double dW = l["weight_grad_norm"].get<double>();
    dW_lo = std::min(dW_lo, dW);
    dW_hi = std::max(dW_hi, dW);
  }
  Profile p;
  p.dW_last_over_first = j[18]["weight_grad_norm"].get<double>() / j[0]["weight_grad_norm"].get<double>();
  p.dW_max_over_min = dW_hi / dW_lo;
  p.da_last_over_first = j[18]["output_grad_norm"].get<double>() / j[0]["output_grad_norm"].get<double>();
  p.da_max_over_min = da_hi / da_lo;
  return p;
}

// sigmoid' <= 1/4, so each layer scales the backward signal down by about 1/4 times the
// weights' gain. Measured last/first on seeds 1, 2, 3 (f64): ||dL/dW|| 6.0e6, 3.8e7, 6.0e7;
// ||dL/da|| 8.8e7, 9.8e7, 2.7e7 (seeds 1-10: dW >= 6.0e6, da >= 2.5e7).
TEST(LayersSnapshot, DeepSigmoidGradientsVanishTowardsTheInput) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Profile p = deep_mlp_profile("sigmoid", "default", seed);
    EXPECT_GT(p.dW_last_over_first, 1e5) << "seed " << seed;
    EXPECT_GT(p.da_last_over_first, 1e5) << "seed " << seed;
  }
}

// ReLU with He initialisation (kaiming_normal: variance 2 / fan_in, which is what the
// halving of the second moment by ReLU asks for) keeps the backward signal level.
// Measured on seeds 1, 2, 3 (f64): ||dL/da|| max/min over the 19 layers 5.2, 2.4, 3.8
// (seeds 1-10: at most 5.2); ||dL/dW|| max/min over the 10 Linear layers 4.6, 4.9, 5.2,
// but up to 17.9 on seeds 1-10 (seed 4): the first layer's dW = da^T x also carries the
// scale of the raw 2-D inputs, which differs from the hidden activations'. So the weight
// gradients are within about one order of magnitude, not always within a factor 10.
TEST(LayersSnapshot, DeepReluWithHeInitKeepsGradientsWithinAnOrderOfMagnitude) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Profile p = deep_mlp_profile("relu", "kaiming_normal", seed);
    EXPECT_LT(p.da_max_over_min, 10) << "seed " << seed;
    EXPECT_GT(p.dW_last_over_first, 0.1) << "seed " << seed;
    EXPECT_LT(p.dW_max_over_min, 30) << "seed " << seed;
  }
}

// ReLU alone is not enough: PyTorch's default Linear init, U(+-1/sqrt(fan_in)), has
// variance 1 / (3 fan_in), so with ReLU halving it the backward signal shrinks by about
// sqrt(1/6) ~ 0.41 per layer, 0.41^9 ~ 3e-4 over the nine below the last. Measured
// last/first on seeds 1, 2, 3 (f64): ||dL/da|| 1.2e4, 1.3e4, 1.0e4 (seeds 1-10 >= 2.5e3);
// ||dL/dW|| 1.1e4, 9.4e3, 1.0e3 (seeds 1-10 >= 89).
TEST(LayersSnapshot, DeepReluWithDefaultInitVanishesToo) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Profile p = deep_mlp_profile("relu", "default", seed);
    EXPECT_GT(p.da_last_over_first, 300) << "seed " << seed;
    EXPECT_GT(p.dW_last_over_first, 100) << "seed " << seed;
  }
}

}  // namespace
}  // namespace gradlab
