// The session facade end to end on the example specs in examples/ (the web tests load the
// same files): training, gradients against the chain rule by hand, parameter counts,
// checkpoints that resume bit for bit, and the errors people will meet.
#include "session/session.h"
#include "train/supervised.h"

#include <gtest/gtest.h>

#include "support/files.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace gradlab {
namespace {

using test::example;

constexpr double kTol = sizeof(Scalar) == 4 ? 1e-6 : 1e-12;

TEST(Session, TinyNetGradientsMatchTheChainRuleByHand) {
  Session s(example("tiny-chain-rule.json"));
  const auto j = nlohmann::json::parse(s.grad_json());
  // Forward: z = W1 x + b1, h = sigmoid(z), y = W2 h + b2, L = (y - 1)^2.
  const double x = 0.5;
  const double z1 = 0.15 * x + 0.1, z2 = -0.25 * x + 0.2;
  const double h1 = 1 / (1 + std::exp(-z1)), h2 = 1 / (1 + std::exp(-z2));
  const double y = 0.4 * h1 - 0.3 * h2 + 0.05;
  const double L = (y - 1) * (y - 1);
  // Backward, one link of the chain at a time.
  const double dy = 2 * (y - 1);
  const double dz1 = dy * 0.4 * h1 * (1 - h1), dz2 = dy * -0.3 * h2 * (1 - h2);
  EXPECT_NEAR(j["loss"].get<double>(), L, kTol);
  EXPECT_NEAR(j["outputs"]["data"][0].get<double>(), y, kTol);
  const auto& g = j["gradients"];
  EXPECT_NEAR(g["layers.2.weight"]["data"][0].get<double>(), dy * h1, kTol);
  EXPECT_NEAR(g["layers.2.weight"]["data"][1].get<double>(), dy * h2, kTol);
  EXPECT_NEAR(g["layers.2.bias"]["data"][0].get<double>(), dy, kTol);
  EXPECT_NEAR(g["layers.0.weight"]["data"][0].get<double>(), dz1 * x, kTol);
  EXPECT_NEAR(g["layers.0.weight"]["data"][1].get<double>(), dz2 * x, kTol);
  EXPECT_NEAR(g["layers.0.bias"]["data"][1].get<double>(), dz2, kTol);
  EXPECT_EQ(g["layers.0.weight"]["shape"], nlohmann::json::array({2, 1}));
  EXPECT_NEAR(j["input_gradient"]["data"][0].get<double>(), dz1 * 0.15 + dz2 * -0.25, kTol);
}

TEST(Session, VectorObjectiveWithoutSeedIsExplained) {
  try {
    Session s(example("vector-output-needs-seed.json"));
    FAIL() << "expected a SpecError";
  } catch (const SpecError& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].pointer, "/loss/type");
    EXPECT_NE(e.issues()[0].message.find("Jacobian"), std::string::npos) << e.what();
    EXPECT_NE(e.issues()[0].message.find("[1, 2]"), std::string::npos) << e.what();
  }
  // With a seed it is a vector-Jacobian product: d(sum(seed * (W x + b)))/dW = seed x^T.
  auto spec = nlohmann::json::parse(example("vector-output-needs-seed.json"));
  spec["loss"]["seed"] = {{1.0, 2.0}};
  Session s(spec.dump());
  const auto j = nlohmann::json::parse(s.grad_json());
  const auto& dW = j["gradients"]["layers.0.weight"]["data"];
  EXPECT_NEAR(dW[0].get<double>(), 1.0, kTol);
  EXPECT_NEAR(dW[1].get<double>(), 2.0, kTol);
  EXPECT_NEAR(dW[2].get<double>(), 2.0, kTol);
  EXPECT_NEAR(dW[3].get<double>(), 4.0, kTol);
}

TEST(Session, RnnParameterCountDoesNotDependOnSequenceLength) {
  Session t5(example("rnn-params-t5.json")), t10(example("rnn-params-t10.json"));
  const std::int64_t rnn = 128 * 20 + 128 * 128 + 2 * 128;  // PyTorch: H*(I + H) + 2H
  const std::int64_t linear = 128 * 10 + 10;
  EXPECT_EQ(t5.total_params(), rnn + linear);
  EXPECT_EQ(t10.total_params(), t5.total_params());
  const auto p = t5.params();
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].name, "layers.0.weight_ih_l0");
  EXPECT_EQ(p[0].shape, (Shape{128, 20}));
  EXPECT_EQ(p[1].name, "layers.0.weight_hh_l0");
  EXPECT_EQ(p[4].name, "layers.2.weight");
}

TEST(Session, XorExampleLearns) {
  Session s(example("xor.json"));
  s.train(s.planned_steps());
  const Metrics test = s.evaluate("test");
  EXPECT_GT(test["n"].get<int>(), 0);
  EXPECT_GE(test["accuracy"].get<double>(), 0.95) << test.dump();
}

TEST(Session, CheckpointResumeIsBitForBit) {
  const std::string spec = example("xor.json");
  Session straight(spec);
  auto all = straight.train(40);
  Session first(spec);
  first.train(15);
  const std::string ckpt = first.checkpoint_json();
  Session resumed = Session::from_checkpoint(ckpt);
  EXPECT_EQ(resumed.steps_done(), 15);
  auto rest = resumed.train(25);
  ASSERT_EQ(rest.size(), 25u);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i]["step"], all[15 + i]["step"]);
    // Exact, not near: JSON numbers compare as the doubles they hold.
    EXPECT_EQ(rest[i]["loss"].get<double>(), all[15 + i]["loss"].get<double>()) << "step " << rest[i]["step"];
    EXPECT_EQ(rest[i]["grad_norm"].get<double>(), all[15 + i]["grad_norm"].get<double>());
    EXPECT_EQ(rest[i]["clipped_fraction"], all[15 + i]["clipped_fraction"]);
  }
  EXPECT_EQ(resumed.checkpoint_json(), straight.checkpoint_json());
}

TEST(Session, CheckpointOfAnotherModelOrVersionIsRejectedAndChangesNothing) {
  Session xor_session(example("xor.json"));
  Session tiny(example("tiny-chain-rule.json"));
  const std::string before = tiny.checkpoint_json();
  try {
    tiny.load_checkpoint(xor_session.checkpoint_json());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("different model"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tiny.checkpoint_json(), before);
  auto j = nlohmann::json::parse(before);
  j["version"] = 99;
  try {
    tiny.load_checkpoint(j.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/version");
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tiny.load_checkpoint("{not json"), SpecError);
}

TEST(Session, GradientCheckOfTheXorModel) {
  Session s(example("xor.json"));
  GradCheckOptions options;
  if constexpr (sizeof(Scalar) == 4) options = {1e-2, 5e-2};
  const GradCheckResult r = s.check_gradients(options);
  EXPECT_TRUE(r.ok) << "worst relative error " << r.worst_rel_error();
  EXPECT_EQ(r.entries.size(), 4u);
}

TEST(Session, HugeLearningRateStopsWithTheParameterNamed) {
  // A linear output under MSE with a huge step diverges geometrically to inf, then NaN.
  auto spec = nlohmann::json::parse(example("tiny-chain-rule.json"));
  spec["optimizer"] = {{"type", "sgd"}, {"lr", 1000}};
  Session s(spec.dump());
  try {
    s.train(1000);
    FAIL() << "expected training to stop";
  } catch (const NonFiniteError& e) {
    EXPECT_GE(e.step(), 1);
    EXPECT_FALSE(e.where().empty());
    EXPECT_NE(std::string(e.what()).find("step " + std::to_string(e.step())), std::string::npos) << e.what();
  }
}

TEST(Session, UnknownDatasetAndBadOptionsHavePointers) {
  auto spec = nlohmann::json::parse(example("xor.json"));
  spec["data"]["dataset"] = "xorr";
  try {
    Session s(spec.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/data/dataset");
    EXPECT_NE(e.issues()[0].message.find("spiral"), std::string::npos) << e.what();
  }
  spec = nlohmann::json::parse(example("xor.json"));
  spec["data"]["options"]["n_sample"] = 10;
  try {
    Session s(spec.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/data/options/n_sample");
    EXPECT_NE(e.issues()[0].message.find("n_samples"), std::string::npos) << e.what();
  }
  spec = nlohmann::json::parse(example("xor.json"));
  spec["model"]["layers"][0]["in"] = 3;
  try {
    Session s(spec.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/model/layers/0/in");
  }
}

TEST(Session, ExplicitParameterErrorsNameTheParameter) {
  auto spec = nlohmann::json::parse(example("tiny-chain-rule.json"));
  spec["model"]["parameters"]["layers.0.weight"] = {{0.1, 0.2}};
  spec["model"]["parameters"]["layers.1.weight"] = {{0.1}};
  try {
    Session s(spec.dump());
    FAIL();
  } catch (const SpecError& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].pointer, "/model/parameters/layers.0.weight");
    EXPECT_NE(e.issues()[0].message.find("[2, 1]"), std::string::npos) << e.what();
    EXPECT_EQ(e.issues()[1].pointer, "/model/parameters/layers.1.weight");
    EXPECT_NE(e.issues()[1].message.find("layers.2.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

// Buffers (batch-norm running statistics) and the dropout RNG are part of the state too.
TEST(Session, ResumeIsExactWithBatchNormDropoutAndResidual) {
  auto spec = nlohmann::json::parse(example("xor.json"));
  spec["model"]["layers"] = nlohmann::json::parse(R"([
    {"type": "linear", "in": 2, "out": 8},
    {"type": "batch_norm1d", "num_features": 8},
    {"type": "relu"},
    {"type": "residual", "layers": [{"type": "linear", "in": 8, "out": 8}, {"type": "tanh"}]},
    {"type": "dropout", "p": 0.2},
    {"type": "linear", "in": 8, "out": 2}
  ])");
  const std::string text = spec.dump();
  Session straight(text);
  auto all = straight.train(20);
  Session first(text);
  first.train(8);
  Session resumed = Session::from_checkpoint(first.checkpoint_json());
  auto rest = resumed.train(12);
  for (std::size_t i = 0; i < rest.size(); ++i)
    EXPECT_EQ(rest[i]["loss"].get<double>(), all[8 + i]["loss"].get<double>()) << "step " << rest[i]["step"];
  EXPECT_EQ(resumed.checkpoint_json(), straight.checkpoint_json());
  const auto names = resumed.params();
  EXPECT_EQ(names[2].name, "layers.1.weight");        // batch norm gamma
  EXPECT_EQ(names[4].name, "layers.3.fn.0.weight");   // inside the residual block
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

TEST(Session, TruncatedBpttFromTheSpec) {
  // Parity over time: one label per step, an LSTM then a per-step Linear.
  const std::string text = R"({
    "version": 1, "seed": 2,
    "data": {"dataset": "parity", "options": {"n_samples": 64, "seq_len": 12}},
    "model": {"layers": [{"type": "lstm", "input_size": 1, "hidden_size": 8}, {"type": "linear", "in": 8, "out": 2}]},
    "loss": {"type": "cross_entropy"},
    "optimizer": {"type": "adam", "lr": 0.01},
    "training": {"batch_size": 16, "tbptt": 4}
  })";
  Session s(text);
  auto m = s.train(3);
  EXPECT_EQ(m[0]["chunk"]["start"], 0);
  EXPECT_EQ(m[0]["chunk"]["steps"], 4);
  EXPECT_EQ(m[1]["chunk"]["start"], 4);
  EXPECT_EQ(m[2]["chunk"]["start"], 8);
  // Resuming in the middle of a sequence continues that sequence with its carried state.
  Session straight(text);
  auto all = straight.train(7);
  Session first(text);
  first.train(2);  // two chunks of the first batch's three
  Session resumed = Session::from_checkpoint(first.checkpoint_json());
  auto rest = resumed.train(5);
  EXPECT_EQ(rest[0]["chunk"]["start"], 8);
  for (std::size_t i = 0; i < rest.size(); ++i)
    EXPECT_EQ(rest[i]["loss"].get<double>(), all[2 + i]["loss"].get<double>()) << "step " << rest[i]["step"];
  // A model that does not start with a recurrent layer cannot be truncated.
  auto bad = nlohmann::json::parse(text);
  bad["model"]["layers"] = nlohmann::json::parse(R"([{"type": "linear", "in": 1, "out": 2}])");
  try {
    Session b(bad.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/training/tbptt") << e.what();
  }
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

TEST(SessionSnapshots, OfferedByExperimentAndValidatedInTheSpec) {
  Session xor_session(example("xor.json"));
  EXPECT_EQ(xor_session.snapshot_names(), (std::vector<std::string>{"params", "gradcheck", "field", "layers"}));
  const auto field = xor_session.snapshot("field");
  EXPECT_EQ(field["values"]["shape"], nlohmann::json::array({60, 60, 2}));
  const auto params = xor_session.snapshot("params");
  EXPECT_EQ(params.size(), 4u);
  try {
    xor_session.snapshot("recurrent");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("available: params, gradcheck, field"), std::string::npos) << e.what();
  }
  auto spec = nlohmann::json::parse(example("xor.json"));
  spec["inspection"] = {{"snapshots", {"field", "recurrent"}}};
  try {
    Session s(spec.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/inspection/snapshots/1");
  }
}

TEST(SessionSnapshots, RecurrentProbeAndForgetGateClamp) {
  auto spec = nlohmann::json::parse(example("adding-lstm.json"));
  spec["data"]["options"]["n_samples"] = 100;
  spec["data"]["options"]["seq_len"] = 12;
  spec["training"]["batch_size"] = 8;
  Session s(spec.dump());
  s.train(5);
  const auto probe = s.snapshot("recurrent");
  ASSERT_EQ(probe["streams"].size(), 1u);
  const auto& norms = probe["streams"][0]["grad_norm"];  // ||dL/dh_t|| for t = 0..T-1
  ASSERT_EQ(norms.size(), 12u);
  for (const auto& n : norms) EXPECT_TRUE(n.is_number() && std::isfinite(n.get<double>()));
  const double before = s.evaluate("train")["loss"].get<double>();
  s.clamp_gate("f", 0.0);
  const double clamped = s.evaluate("train")["loss"].get<double>();
  EXPECT_NE(clamped, before);
  s.clear_clamps();
  EXPECT_EQ(s.evaluate("train")["loss"].get<double>(), before);
  EXPECT_THROW(s.clamp_gate("q", 0.0), std::invalid_argument);
  Session xor_session(example("xor.json"));
  EXPECT_THROW(xor_session.clamp_gate("f", 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

TEST(SessionSnapshots, GradientDescentReachesTheNormalEquation) {
  Session s(example("plane-normal-equation.json"));
  s.train(s.planned_steps());
  const auto j = s.snapshot("normal_equation");
  const auto& closed = j["closed_form"];
  const auto& gd = j["gradient_descent"];
  EXPECT_FALSE(closed["rank_deficient"].get<bool>());
  for (int k = 0; k < 2; ++k)
    EXPECT_NEAR(gd["weight"]["data"][k].get<double>(), closed["weight"]["data"][k].get<double>(), 1e-3) << "weight " << k;
  EXPECT_NEAR(gd["bias"]["data"][0].get<double>(), closed["bias"]["data"][0].get<double>(), 1e-3);
  EXPECT_NEAR(gd["mse"].get<double>(), closed["mse"].get<double>(), 1e-5);
  EXPECT_GE(gd["mse"].get<double>(), closed["mse"].get<double>() - 1e-6);  // nothing beats the minimiser
}

}  // namespace
}  // namespace gradlab
