// The recurrent instruments through the Session: the unrolled computation graph of a
// scalar RNN (every step's nodes, one shared W_hh leaf whose gradient is the sum of four
// per-step contributions equal to BPTT by hand), the jacobian and recurrent snapshots'
// gains, products and cell-path fields, and /training/clamp (an LSTM with its forget gate
// clamped to 0 cannot learn the adding problem; unclamped it does).
#include "session/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace gradlab {
namespace {

constexpr double kTol = sizeof(Scalar) == 4 ? 1e-5 : 1e-12;

// input 1, hidden 1, tanh, T = 4; last_step, then linear; mse on one example.
constexpr double kWih = 0.7, kWhh = 0.9, kBih = 0.1, kBhh = -0.05, kV = 1.5, kC = 0.2, kTarget = 0.4;
constexpr double kX[4] = {0.5, -1.0, 0.8, 0.3};

const char* kScalarRnn = R"({
  "version": 1,
  "data": {"batch": {"inputs": {"shape": [1, 4, 1], "data": [0.5, -1.0, 0.8, 0.3]}, "targets": [[0.4]]}},
  "model": {"layers": [{"type": "rnn", "input_size": 1, "hidden_size": 1}, {"type": "last_step"},
                       {"type": "linear", "in": 1, "out": 1}],
            "parameters": {"layers.0.weight_ih_l0": [[0.7]], "layers.0.weight_hh_l0": [[0.9]],
                           "layers.0.bias_ih_l0": [0.1], "layers.0.bias_hh_l0": [-0.05],
                           "layers.2.weight": [[1.5]], "layers.2.bias": [0.2]}},
  "loss": {"type": "mse"}
})";

const nlohmann::json* node_named(const nlohmann::json& g, const std::string& name) {
  for (const auto& n : g["nodes"])
    if (n["name"] == name) return &n;
  return nullptr;
}

const nlohmann::json* shared_leaf(const nlohmann::json& g, const std::string& name) {
  for (const auto& s : g["shared_leaves"])
    if (s["name"] == name) return &s;
  return nullptr;
}

// BPTT by hand, in double: h_t = tanh(w_ih x_t + b_ih + w_hh h_{t-1} + b_hh), h_{-1} = 0;
// y = v h_3 + c; L = (y - target)^2. dL/dh_3 = 2 (y - target) v; delta_t = dL/dh_t (1 - h_t^2);
// dL/dh_{t-1} = delta_t w_hh. dL/dW_hh = sum_t delta_t h_{t-1}, dL/dW_ih = sum_t delta_t x_t.
TEST(UnrolledGraph, ScalarRnnWeightGradientIsTheSumOfFourStepContributions) {
  double h[5] = {0, 0, 0, 0, 0};  // h[t + 1] = h_t
  for (int t = 0; t < 4; ++t) h[t + 1] = std::tanh(kWih * kX[t] + kBih + kWhh * h[t] + kBhh);
  const double y = kV * h[4] + kC;
  double dh = 2 * (y - kTarget) * kV, delta[4], hh_part[4], ih_part[4], dWhh = 0;
  for (int t = 3; t >= 0; --t) {
    delta[t] = dh * (1 - h[t + 1] * h[t + 1]);
    hh_part[t] = delta[t] * h[t];
    ih_part[t] = delta[t] * kX[t];
    dWhh += hh_part[t];
    dh = delta[t] * kWhh;
  }

  Session s(kScalarRnn);
  const auto names = s.snapshot_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "graph"), names.end());
  const nlohmann::json g = s.snapshot("graph");
  EXPECT_TRUE(g["unrolled"].get<bool>());
  EXPECT_EQ(g["steps"], 4);
  // Every step's nodes, labelled with their step, with the values of the forward by hand.
  for (int t = 0; t < 4; ++t) {
    for (const char* what : {"ih", "hh", "a", "h"}) {  // x_t needs no gradient: only its value enters ih
      const nlohmann::json* n = node_named(g, std::string(what) + "[" + std::to_string(t) + "]");
      ASSERT_NE(n, nullptr) << what << "[" << t << "]";
      EXPECT_EQ((*n)["step"], t);
    }
    EXPECT_NEAR((*node_named(g, "h[" + std::to_string(t) + "]"))["value"]["data"][0].get<double>(), h[t + 1], kTol);
    EXPECT_EQ((*node_named(g, "h[" + std::to_string(t) + "]"))["op"], "tanh");
  }
  // One W_hh leaf, four edges into the steps' W_hh h_{t-1} nodes.
  int leaves = 0;
  for (const auto& n : g["nodes"]) leaves += n["name"] == "layers.0.weight_hh_l0";
  EXPECT_EQ(leaves, 1);
  const nlohmann::json* whh = shared_leaf(g, "layers.0.weight_hh_l0");
  ASSERT_NE(whh, nullptr);
  ASSERT_EQ((*whh)["contributions"].size(), 4u);
  double sum = 0;
  for (int t = 0; t < 4; ++t) {
    const auto& c = (*whh)["contributions"][t];
    EXPECT_EQ(c["step"], t);
    const double v = c["grad"]["data"][0].get<double>();
    EXPECT_NEAR(v, hh_part[t], kTol) << "t = " << t;
    // The edge's own record carries the same number.
    EXPECT_EQ(g["edges"][c["edge"].get<int>()]["grad"]["data"][0].get<double>(), v);
    sum += v;
  }
  EXPECT_EQ(hh_part[0], 0.0);  // h_{-1} = 0: the first step adds nothing
  EXPECT_NEAR(sum, dWhh, kTol);
  EXPECT_NEAR((*whh)["sum"]["data"][0].get<double>(), dWhh, kTol);
  EXPECT_NEAR((*whh)["grad"]["data"][0].get<double>(), dWhh, kTol);
  EXPECT_LT((*whh)["max_abs_difference"].get<double>(), kTol);
  // The same gradient as `gradlab grad` (the fused path) gives.
  for (const auto& [name, grad] : s.gradients()) {
    if (name == "layers.0.weight_hh_l0") {
      EXPECT_NEAR(grad[0], dWhh, kTol);
    }
  }
  const nlohmann::json* wih = shared_leaf(g, "layers.0.weight_ih_l0");
  ASSERT_NE(wih, nullptr);
  for (int t = 0; t < 4; ++t) EXPECT_NEAR((*wih)["contributions"][t]["grad"]["data"][0].get<double>(), ih_part[t], kTol);
  // The readout is used once: not a shared leaf.
  EXPECT_EQ(shared_leaf(g, "layers.2.weight"), nullptr);
  // The session trains on the fused path afterwards.
  EXPECT_NO_THROW(s.step());
  std::printf("  dL/dW_hh = %.6f = %.6f + %.6f + %.6f + %.6f\n", dWhh, hh_part[0], hh_part[1], hh_part[2], hh_part[3]);
}

// Hidden size 2 with its readout has 13 parameters (W_ih 2, W_hh 4, two biases of 2, the
// readout 3: more than the 12 of a plain network's graph): a recurrent model's graph is
// offered up to 64, unrolled with vector nodes.
TEST(UnrolledGraph, HiddenSizeTwoIsOffered) {
  nlohmann::json spec = nlohmann::json::parse(kScalarRnn);
  spec["model"]["layers"][0]["hidden_size"] = 2;
  spec["model"]["layers"][2]["in"] = 2;
  spec["model"].erase("parameters");
  Session s(spec.dump());
  EXPECT_EQ(s.total_params(), 13);
  const nlohmann::json g = s.snapshot("graph");
  EXPECT_TRUE(g["unrolled"].get<bool>());
  EXPECT_EQ(g["steps"], 4);
  const nlohmann::json* whh = shared_leaf(g, "layers.0.weight_hh_l0");
  ASSERT_NE(whh, nullptr);
  ASSERT_EQ((*whh)["contributions"].size(), 4u);
  double dW[4] = {0, 0, 0, 0};
  for (const auto& c : (*whh)["contributions"])
    for (int k = 0; k < 4; ++k) dW[k] += c["grad"]["data"][k].get<double>();
  for (const auto& [name, grad] : s.gradients()) {
    if (name == "layers.0.weight_hh_l0") {
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(dW[k], grad[k], kTol * 10);
    }
  }
}

// A long sequence unrolls to more nodes than the picture takes: the fused graph instead.
TEST(UnrolledGraph, LongSequencesFallBackToTheFusedGraph) {
  nlohmann::json spec = nlohmann::json::parse(kScalarRnn);
  std::vector<double> xs(60, 0.1);
  spec["data"]["batch"]["inputs"] = {{"shape", {1, 60, 1}}, {"data", xs}};
  Session s(spec.dump());
  const nlohmann::json g = s.snapshot("graph");
  EXPECT_FALSE(g["unrolled"].get<bool>());
  EXPECT_EQ(g["steps"], 0);
}

const char* kLstm = R"({
  "version": 1, "seed": 4,
  "data": {"dataset": "adding", "options": {"n_samples": 64, "seq_len": 6}},
  "model": {"layers": [{"type": "lstm", "input_size": 2, "hidden_size": 3}, {"type": "last_step"},
                       {"type": "linear", "in": 3, "out": 1}]},
  "loss": {"type": "mse"},
  "training": {"batch_size": 8}
})";

TEST(RecurrentSnapshots, JacobianAndRecurrentCarryGainsProductsAndTheCellPath) {
  Session s(kLstm);
  const nlohmann::json j = s.snapshot("jacobian");
  ASSERT_EQ(j.size(), 6u);
  for (std::size_t t = 0; t < 6; ++t) {
    const auto& e = j[t];
    EXPECT_EQ(e["hh_singular_values"].size(), 3u);    // all of them
    EXPECT_EQ(e["full_singular_values"].size(), 6u);  // 2H
    EXPECT_EQ(e["product_steps"], 6 - static_cast<int>(t));
    EXPECT_EQ(e["full_product_singular_values"].size(), 6u);
    // RMS gain <= spectral norm, for the step and the product.
    EXPECT_LE(e["full_rms_gain"].get<double>(), e["full_singular_values"][0].get<double>() * (1 + 1e-6));
    EXPECT_LE(e["full_product_rms_gain"].get<double>(), e["full_product_norm"].get<double>() * (1 + 1e-6));
    EXPECT_NEAR(e["full_product_norm"].get<double>(), e["full_product_singular_values"][0].get<double>(), 1e-12);
  }
  // The product over one step is the step itself.
  EXPECT_NEAR(j[5]["product_norm"].get<double>(), j[5]["hh_singular_values"][0].get<double>(), 1e-6);
  const nlohmann::json r = s.snapshot("recurrent");
  const auto& stream = r["streams"][0];
  ASSERT_EQ(stream["cell_grad_norm"].size(), 6u);
  ASSERT_EQ(stream["forget_gate_mean"].size(), 6u);
  EXPECT_GT(stream["cell_grad_norm"][5].get<double>(), 0);
  // Clamped: the forget gate reads its value, and the cell path carries nothing back.
  s.clamp_gate("f", 0);
  const nlohmann::json rc = s.snapshot("recurrent");
  for (const auto& f : rc["streams"][0]["forget_gate_mean"]) EXPECT_EQ(f.get<double>(), 0.0);
  const nlohmann::json jc = s.snapshot("jacobian");
  for (std::int64_t i = 0; i < 3; ++i)  // dc_t/dc_{t-1} = diag(f) = 0
    EXPECT_EQ(jc[3]["full"]["data"][(3 + i) * 6 + 3 + i].get<double>(), 0.0);
}

// ---- /training/clamp ------------------------------------------------------------------------

nlohmann::json adding_spec(int steps) {
  return nlohmann::json::parse(R"({
    "version": 1, "seed": 1,
    "data": {"dataset": "adding", "options": {"n_samples": 1000, "seq_len": 50}},
    "model": {"layers": [{"type": "lstm", "input_size": 2, "hidden_size": 16, "forget_bias": 1.0},
                         {"type": "last_step"}, {"type": "linear", "in": 16, "out": 1}]},
    "loss": {"type": "mse"},
    "optimizer": {"type": "adam", "lr": 0.01},
    "training": {"batch_size": 32, "clip_grad_norm": 1.0, "steps": )" + std::to_string(steps) + "}}");
}

// Predicting the training targets' mean: the test MSE of a model that learned nothing.
double mean_baseline(Session& s) {
  const DataView train = s.data("train", 1'000'000), test = s.data("test", 1'000'000);
  double mean = 0;
  for (Scalar v : train.targets) mean += v;
  mean /= static_cast<double>(train.targets.size());
  double mse = 0;
  for (Scalar v : test.targets) mse += (v - mean) * (v - mean);
  return mse / static_cast<double>(test.targets.size());
}

void expect_forget_gate(Session& s, double value) {
  const nlohmann::json r = s.snapshot("recurrent");
  ASSERT_FALSE(r["streams"][0]["forget_gate_mean"].empty());
  for (const auto& f : r["streams"][0]["forget_gate_mean"]) EXPECT_EQ(f.get<double>(), value);
}

TEST(TrainingClamp, ForgetGateZeroStaysAtTheBaselineWhileTheUnclampedLstmLearns) {
  constexpr int kSteps = 1000;
  nlohmann::json clamped = adding_spec(kSteps);
  clamped["training"]["clamp"] = {{"gate", "f"}, {"value", 0}};
  Session free_run(adding_spec(kSteps).dump()), clamp_run(clamped.dump());
  const double baseline = mean_baseline(free_run);
  free_run.train(kSteps);
  clamp_run.train(kSteps);
  const double free_mse = free_run.evaluate("test")["loss"].get<double>();
  const double clamp_mse = clamp_run.evaluate("test")["loss"].get<double>();
  std::printf("  adding (T = 50), %d steps: baseline %.4f, unclamped %.4f, f = 0: %.4f\n", kSteps, baseline, free_mse,
              clamp_mse);
  EXPECT_GE(clamp_mse, 0.8 * baseline);
  EXPECT_LT(free_mse, 0.3 * baseline);
  // The clamp is the spec's: the recurrent snapshot shows f = 0 at every step.
  expect_forget_gate(clamp_run, 0.0);
  // update() keeps it (a changed spec's clamp applies), and may change it.
  nlohmann::json lr = clamped;
  lr["optimizer"]["lr"] = 0.005;
  clamp_run.update(lr.dump());
  expect_forget_gate(clamp_run, 0.0);
  lr["training"]["clamp"]["value"] = 1;
  clamp_run.update(lr.dump());
  expect_forget_gate(clamp_run, 1.0);
}

TEST(TrainingClamp, ErrorsNameThePointerAndWhatIsAllowed) {
  auto error = [](const nlohmann::json& spec) {
    try {
      Session s(spec.dump());
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  nlohmann::json spec = adding_spec(10);
  spec["training"]["clamp"] = {{"gate", "z"}, {"value", 0}};
  EXPECT_NE(error(spec).find("/training/clamp/gate"), std::string::npos) << error(spec);
  EXPECT_NE(error(spec).find("i, f, g, o"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = nlohmann::json::array({{{"gate", "f"}, {"value", 0}}, {{"gate", "o"}, {"value", 1.5}}});
  EXPECT_NE(error(spec).find("/training/clamp/1/value"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = {{"gate", "f"}, {"value", 0}, {"layer", 1}};
  EXPECT_NE(error(spec).find("/training/clamp/layer"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = {{"gate", "f"}, {"value", 0}, {"direction", 1}};
  EXPECT_NE(error(spec).find("/training/clamp/direction"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = {{"gate", "f"}};
  EXPECT_NE(error(spec).find("/training/clamp/value"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = {{"gate", "f"}, {"value", 0}, {"colour", 1}};
  EXPECT_NE(error(spec).find("/training/clamp/colour"), std::string::npos) << error(spec);
  spec["training"]["clamp"] = {{"gate", "f"}, {"value", 0}};
  EXPECT_EQ(error(spec), "(accepted)");
  nlohmann::json rnn = nlohmann::json::parse(kScalarRnn);
  rnn["training"] = {{"clamp", {{"gate", "f"}, {"value", 0}}}};
  EXPECT_NE(error(rnn).find("an rnn has no gates"), std::string::npos) << error(rnn);
}

}  // namespace
}  // namespace gradlab
