// The experiment spec: a valid spec parses with defaults filled in, and every malformed
// one is rejected with the JSON pointer of the offending field and what is allowed.
#include "spec/spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace gradlab {
namespace {

using nlohmann::json;

json valid() {
  return json::parse(R"({
    "version": 1,
    "name": "xor",
    "seed": 3,
    "data": {"batch": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [0, 1, 1, 0]}},
    "model": {"layers": [
      {"type": "linear", "in": 2, "out": 4},
      {"type": "tanh"},
      {"type": "linear", "in": 4, "out": 2}
    ]},
    "loss": {"type": "cross_entropy"},
    "optimizer": {"type": "sgd", "lr": 0.5, "momentum": 0.9},
    "training": {"steps": 10, "batch_size": 4}
  })");
}

// Parses `doc` and returns the issues (empty when it parses).
std::vector<SpecIssue> issues_of(const json& doc) {
  try {
    parse_spec(doc);
    return {};
  } catch (const SpecError& e) {
    return e.issues();
  }
}

// Expects exactly one issue, at `pointer`, whose message contains every fragment.
void expect_issue(const json& doc, const std::string& pointer, std::initializer_list<std::string> fragments) {
  auto issues = issues_of(doc);
  ASSERT_FALSE(issues.empty()) << "expected an issue at " << pointer;
  bool found = false;
  for (const auto& i : issues) {
    if (i.pointer != pointer) continue;
    found = true;
    for (const auto& f : fragments) EXPECT_NE(i.message.find(f), std::string::npos) << "message: " << i.message << "\nlacks: " << f;
  }
  std::string all;
  for (const auto& i : issues) all += i.pointer + ": " + i.message + "\n";
  EXPECT_TRUE(found) << "no issue at " << pointer << "; issues:\n" << all;
}

TEST(Spec, ValidSpecParsesWithDefaults) {
  ExperimentSpec s = parse_spec(valid());
  EXPECT_EQ(s.name, "xor");
  EXPECT_EQ(s.seed, 3u);
  ASSERT_EQ(s.layers.size(), 3u);
  EXPECT_EQ(s.layers[0].config.at("bias"), true);
  EXPECT_EQ(s.layers[0].pointer, "/model/layers/0");
  EXPECT_EQ(s.data.inputs.shape(), (Shape{4, 2}));
  EXPECT_EQ(s.data.targets.shape(), (Shape{4}));
  EXPECT_EQ(s.loss.reduction, "mean");
  EXPECT_DOUBLE_EQ(s.optimizer.config.at("dampening").get<double>(), 0.0);
  EXPECT_EQ(s.training.log_every, 10);
}

TEST(Spec, TextEntryPointReportsLineAndColumnOfBadJson) {
  try {
    parse_spec(std::string("{\n  \"version\": 1,\n  \"data\": [1, 2,,]\n}"));
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

// Malformed specs: each test changes one thing.
TEST(SpecErrors, DocumentNotAnObject) { expect_issue(json::array(), "", {"expected an object"}); }
TEST(SpecErrors, MissingVersion) { auto d = valid(); d.erase("version"); expect_issue(d, "/version", {"required"}); }
TEST(SpecErrors, WrongVersion) { auto d = valid(); d["version"] = 2; expect_issue(d, "/version", {"version 1", "found 2"}); }
TEST(SpecErrors, VersionNotInteger) { auto d = valid(); d["version"] = "1"; expect_issue(d, "/version", {"integer", "\"1\""}); }
TEST(SpecErrors, UnknownTopLevelField) { auto d = valid(); d["optimiser"] = json::object(); expect_issue(d, "/optimiser", {"unknown field", "optimizer"}); }
TEST(SpecErrors, SeedNegative) { auto d = valid(); d["seed"] = -1; expect_issue(d, "/seed", {"from 0"}); }
TEST(SpecErrors, MissingData) { auto d = valid(); d.erase("data"); expect_issue(d, "/data", {"required"}); }
TEST(SpecErrors, DataWithNeitherDatasetNorBatch) { auto d = valid(); d["data"] = json::object(); expect_issue(d, "/data", {"\"dataset\"", "\"batch\""}); }
TEST(SpecErrors, DataWithBoth) { auto d = valid(); d["data"]["dataset"] = "xor"; expect_issue(d, "/data", {"not both"}); }
TEST(SpecErrors, RaggedInputs) {
  auto d = valid();
  d["data"]["batch"]["inputs"][2] = json::array({1, 0, 5});
  expect_issue(d, "/data/batch/inputs/2", {"ragged", "2 elements", "found 3"});
}
TEST(SpecErrors, NonNumericInput) {
  auto d = valid();
  d["data"]["batch"]["inputs"][1][0] = "zero";
  expect_issue(d, "/data/batch/inputs/1/0", {"finite number", "\"zero\""});
}
TEST(SpecErrors, TargetsBatchMismatch) {
  auto d = valid();
  d["data"]["batch"]["targets"] = json::array({0, 1, 1});
  expect_issue(d, "/data/batch/targets", {"[4, 2]", "[3]", "first dimension"});
}
TEST(SpecErrors, MissingLayers) { auto d = valid(); d["model"].erase("layers"); expect_issue(d, "/model/layers", {"required"}); }
TEST(SpecErrors, EmptyLayers) { auto d = valid(); d["model"]["layers"] = json::array(); expect_issue(d, "/model/layers", {"at least one layer"}); }
TEST(SpecErrors, UnknownLayerType) {
  auto d = valid();
  d["model"]["layers"][1]["type"] = "tanhh";
  expect_issue(d, "/model/layers/1/type", {"must be one of", "tanh", "lstm", "\"tanhh\""});
}
TEST(SpecErrors, LayerSizeZero) { auto d = valid(); d["model"]["layers"][0]["out"] = 0; expect_issue(d, "/model/layers/0/out", {"from 1"}); }
TEST(SpecErrors, LayerSizeFractional) { auto d = valid(); d["model"]["layers"][0]["out"] = 2.5; expect_issue(d, "/model/layers/0/out", {"integer", "2.5"}); }
TEST(SpecErrors, UnknownLayerField) {
  auto d = valid();
  d["model"]["layers"][0]["hidden"] = 3;
  expect_issue(d, "/model/layers/0/hidden", {"unknown field", "in", "out", "bias"});
}
TEST(SpecErrors, LayerChainMismatch) {
  auto d = valid();
  d["model"]["layers"][2]["in"] = 5;
  expect_issue(d, "/model/layers/2/in", {"in = 5", "[4, 4]"});
}
TEST(SpecErrors, InputFeaturesMismatch) {
  auto d = valid();
  d["model"]["layers"][0]["in"] = 3;
  expect_issue(d, "/model/layers/0/in", {"in = 3", "[4, 2]"});
}
TEST(SpecErrors, RecurrentNeedsSequences) {
  auto d = valid();
  d["model"]["layers"][0] = {{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 4}};
  expect_issue(d, "/model/layers/0", {"[batch, time, features]", "[4, 2]"});
}
TEST(SpecErrors, RnnNonlinearity) {
  auto d = valid();
  d["model"]["layers"][0] = {{"type", "rnn"}, {"input_size", 2}, {"hidden_size", 4}, {"nonlinearity", "sigmoid"}};
  expect_issue(d, "/model/layers/0/nonlinearity", {"tanh, relu"});
}
TEST(SpecErrors, PeepholeOnlyForLstm) {
  auto d = valid();
  d["model"]["layers"][0] = {{"type", "gru"}, {"input_size", 2}, {"hidden_size", 4}, {"peephole", true}};
  expect_issue(d, "/model/layers/0/peephole", {"unknown field"});
}
TEST(SpecErrors, RecurrentVariantFields) {
  auto d = valid();
  auto lstm = [](json extra) {
    json l = {{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 4}};
    l.update(extra);
    return l;
  };
  d["model"]["layers"][0] = lstm({{"proj_size", 4}});
  expect_issue(d, "/model/layers/0/proj_size", {"below hidden_size = 4", "got 4", "0 means no projection"});
  d["model"]["layers"][0] = lstm({{"proj_size", -1}});
  expect_issue(d, "/model/layers/0/proj_size", {"from 0"});
  d["model"]["layers"][0] = lstm({{"coupled_input_forget", true}, {"peephole", true}});
  expect_issue(d, "/model/layers/0/coupled_input_forget", {"peephole", "cannot be combined"});
  d["model"]["layers"][0] = lstm({{"coupled_input_forget", true}, {"forget_bias", 1.0}});
  expect_issue(d, "/model/layers/0/forget_bias", {"f = 1 - i", "remove it"});
  d["model"]["layers"][0] = lstm({{"coupled_input_forget", true}});
  d["training"]["clamp"] = {{"gate", "f"}, {"value", 0}};
  expect_issue(d, "/training/clamp/gate", {"whose gates are i, g, o", "clamp i to 1 - value"});
  d["training"].erase("clamp");
  d["model"]["layers"][0] = {{"type", "gru"}, {"input_size", 2}, {"hidden_size", 4}, {"reset", "first"}};
  expect_issue(d, "/model/layers/0/reset", {"after, before"});
  d["model"]["layers"][0] = {{"type", "gru"}, {"input_size", 2}, {"hidden_size", 4}, {"proj_size", 2}};
  expect_issue(d, "/model/layers/0/proj_size", {"unknown field"});
  d["model"]["layers"][0] = {{"type", "rnn"}, {"input_size", 2}, {"hidden_size", 4}, {"coupled_input_forget", true}};
  expect_issue(d, "/model/layers/0/coupled_input_forget", {"unknown field"});
}
TEST(SpecErrors, DropoutProbability) {
  auto d = valid();
  d["model"]["layers"][1] = {{"type", "dropout"}, {"p", 1.5}};
  expect_issue(d, "/model/layers/1/p", {"from 0 to 0.99", "1.5"});
}
TEST(SpecErrors, ResidualMustKeepShape) {
  auto d = valid();
  d["model"]["layers"][1] = {{"type", "residual"}, {"layers", json::array({{{"type", "linear"}, {"in", 4}, {"out", 3}}})}};
  expect_issue(d, "/model/layers/1/layers", {"keep its input's shape", "[4, 4]", "[4, 3]"});
}
TEST(SpecErrors, ResidualInnerLayerPointer) {
  auto d = valid();
  d["model"]["layers"][1] = {{"type", "residual"}, {"layers", json::array({{{"type", "linear"}, {"in", 4}}})}};
  expect_issue(d, "/model/layers/1/layers/0/out", {"required"});
}
TEST(SpecErrors, UnknownInit) { auto d = valid(); d["model"]["init"] = "glorot"; expect_issue(d, "/model/init", {"xavier_uniform"}); }
TEST(SpecErrors, ParameterValuesNotNumbers) {
  auto d = valid();
  d["model"]["parameters"] = {{"layers.0.bias", json::array({1, nullptr, 3, 4})}};
  expect_issue(d, "/model/parameters/layers.0.bias/1", {"finite number", "null"});
}
TEST(SpecErrors, ParameterShapeDataMismatch) {
  auto d = valid();
  d["model"]["parameters"] = {{"layers.0.bias", {{"shape", {4}}, {"data", {1, 2}}}}};
  expect_issue(d, "/model/parameters/layers.0.bias/data", {"needs 4 numbers", "found 2"});
}
TEST(SpecErrors, MissingLoss) { auto d = valid(); d.erase("loss"); expect_issue(d, "/loss", {"required"}); }
TEST(SpecErrors, UnknownLossType) { auto d = valid(); d["loss"]["type"] = "hinge"; expect_issue(d, "/loss/type", {"cross_entropy", "mse"}); }
TEST(SpecErrors, VectorLossWithoutSeedExplainsJacobian) {
  auto d = valid();
  d["loss"]["reduction"] = "none";
  expect_issue(d, "/loss/reduction", {"vector", "Jacobian", "/loss/seed"});
}
TEST(SpecErrors, VectorOutputObjectiveWithoutSeed) {
  auto d = valid();
  d["loss"] = {{"type", "output"}};
  expect_issue(d, "/loss/type", {"[4, 2]", "Jacobian", "/loss/seed"});
}
TEST(SpecErrors, UnknownOptimizer) { auto d = valid(); d["optimizer"]["type"] = "lbfgs"; expect_issue(d, "/optimizer/type", {"sgd", "adam", "rmsprop"}); }
TEST(SpecErrors, NegativeLearningRate) { auto d = valid(); d["optimizer"]["lr"] = -0.1; expect_issue(d, "/optimizer/lr", {"from 0", "-0.1"}); }
TEST(SpecErrors, MomentumAboveOne) { auto d = valid(); d["optimizer"]["momentum"] = 1.5; expect_issue(d, "/optimizer/momentum", {"from 0 to 1"}); }
TEST(SpecErrors, NesterovWithoutMomentum) {
  auto d = valid();
  d["optimizer"] = {{"type", "sgd"}, {"nesterov", true}};
  expect_issue(d, "/optimizer/nesterov", {"momentum > 0"});
}
TEST(SpecErrors, AdamBetas) {
  auto d = valid();
  d["optimizer"] = {{"type", "adam"}, {"betas", {0.9, 1.0}}};
  expect_issue(d, "/optimizer/betas", {"[0, 1)"});
}
TEST(SpecErrors, OptimizerFieldOfAnotherOptimizer) {
  auto d = valid();
  d["optimizer"] = {{"type", "adam"}, {"momentum", 0.9}};
  expect_issue(d, "/optimizer/momentum", {"unknown field", "betas"});
}
TEST(SpecErrors, BatchSizeZero) { auto d = valid(); d["training"]["batch_size"] = 0; expect_issue(d, "/training/batch_size", {"from 1"}); }
TEST(SpecErrors, StepsNotANumber) { auto d = valid(); d["training"]["steps"] = "many"; expect_issue(d, "/training/steps", {"integer", "\"many\""}); }
TEST(SpecErrors, ScheduleMissingField) {
  auto d = valid();
  d["training"]["schedule"] = {{"type", "step"}};
  expect_issue(d, "/training/schedule/step_size", {"required"});
}
TEST(SpecErrors, ClipNegative) { auto d = valid(); d["training"]["clip_grad_norm"] = -1; expect_issue(d, "/training/clip_grad_norm", {"from 0"}); }

TEST(SpecErrors, ModelTooLargeIsRefusedBeforeAllocation) {
  auto d = valid();
  d["model"]["layers"][0]["out"] = 60000;
  d["model"]["layers"][2]["in"] = 60000;
  d["model"]["layers"][1] = {{"type", "linear"}, {"in", 60000}, {"out", 60000}};
  expect_issue(d, "/model/layers", {"parameters", "at most 20000000"});
}

TEST(SpecErrors, EveryProblemIsReportedAtOnce) {
  auto d = valid();
  d["seed"] = "x";
  d["optimizer"]["lr"] = -1;
  d["training"]["batch_size"] = 0;
  EXPECT_EQ(issues_of(d).size(), 3u);
}

TEST(SpecErrors, PointerEscapesSlashAndTilde) {
  auto d = valid();
  d["model"]["parameters"] = {{"a/b~c", "x"}};
  expect_issue(d, "/model/parameters/a~1b~0c", {"expected a number"});
}

TEST(SpecSummary, ParameterCountsAndFormulas) {
  ExperimentSpec s = parse_spec(valid());
  std::vector<SpecIssue> issues;
  auto summary = summarize_layers(s.layers, {4, 2}, issues);
  ASSERT_TRUE(issues.empty());
  ASSERT_EQ(summary.size(), 3u);
  EXPECT_EQ(summary[0].parameters, 2 * 4 + 4);
  EXPECT_EQ(summary[0].formula, "out*in + out = 4*2 + 4");
  EXPECT_EQ(summary[2].output, (Shape{4, 2}));
}

TEST(SpecSummary, RecurrentCountIsIndependentOfSequenceLength) {
  // RNN(20 -> 128) + Linear(128 -> 10): PyTorch's formula H*(I + H) + 2H, then out*in + out.
  auto d = valid();
  d["data"] = {{"dataset", "adding"}};  // shapes are checked against a dataset when it is built
  d["model"]["layers"] = json::array({{{"type", "rnn"}, {"input_size", 20}, {"hidden_size", 128}},
                                      {{"type", "last_step"}},
                                      {{"type", "linear"}, {"in", 128}, {"out", 10}}});
  d["loss"] = {{"type", "mse"}};
  ExperimentSpec s = parse_spec(d);
  std::vector<SpecIssue> issues;
  auto t5 = summarize_layers(s.layers, {1, 5, 20}, issues);
  auto t10 = summarize_layers(s.layers, {1, 10, 20}, issues);
  ASSERT_TRUE(issues.empty());
  const std::int64_t expected_rnn = 128 * 20 + 128 * 128 + 2 * 128;
  EXPECT_EQ(t5[0].parameters, expected_rnn);
  EXPECT_EQ(t10[0].parameters, expected_rnn);
  EXPECT_EQ(t5[2].parameters, 128 * 10 + 10);
  EXPECT_NE(t5[0].formula.find("shared across time"), std::string::npos);
}

// The same numbers and text as web/test/unit/editor_recurrent_variants.test.ts.
TEST(SpecSummary, RecurrentVariantCountsAndFormulas) {
  auto d = valid();
  d["data"] = {{"dataset", "adding"}};
  d["loss"] = {{"type", "mse"}};
  auto summary_of = [&](json layer, std::int64_t I) {
    d["model"]["layers"] = json::array({layer});
    ExperimentSpec s = parse_spec(d);
    std::vector<SpecIssue> issues;
    auto out = summarize_layers(s.layers, {1, 5, I}, issues);
    EXPECT_TRUE(issues.empty());
    return out.at(0);
  };
  const LayerSummary standard = summary_of({{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 32}}, 2);
  const LayerSummary coupled =
      summary_of({{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 32}, {"coupled_input_forget", true}}, 2);
  EXPECT_EQ(standard.parameters, 4608);
  EXPECT_EQ(coupled.parameters, 3456);
  EXPECT_EQ(coupled.formula,
            "per layer and direction: G*H*(I_k + H) + 2*G*H with G = 3 (coupled input-forget gate: rows i, g, o), H = "
            "32, I_0 = 2; weights are shared across time steps");
  const LayerSummary proj = summary_of({{"type", "lstm"},
                                        {"input_size", 3},
                                        {"hidden_size", 4},
                                        {"proj_size", 2},
                                        {"num_layers", 2},
                                        {"bidirectional", true}},
                                       3);
  EXPECT_EQ(proj.parameters, 512);
  EXPECT_EQ(proj.output, (Shape{1, 5, 4}));
  EXPECT_EQ(proj.formula,
            "per layer and direction: G*H*(I_k + P) + 2*G*H + P*H with G = 4, H = 4, P = proj_size = 2, I_0 = 3, I_k = "
            "D*P = 4; weights are shared across time steps");
  const LayerSummary before = summary_of({{"type", "gru"}, {"input_size", 2}, {"hidden_size", 32}, {"reset", "before"}}, 2);
  EXPECT_EQ(before.parameters, 3456);
}

// final_state after an LSTM with a projection reads the P-wide h_n.
TEST(SpecSummary, FinalStateAfterAProjection) {
  auto d = valid();
  d["data"] = {{"dataset", "adding"}};
  d["loss"] = {{"type", "mse"}};
  d["model"]["layers"] = json::array({{{"type", "lstm"}, {"input_size", 2}, {"hidden_size", 8}, {"proj_size", 3}, {"bidirectional", true}},
                                      {{"type", "final_state"}},
                                      {{"type", "linear"}, {"in", 6}, {"out", 1}}});
  ExperimentSpec s = parse_spec(d);
  std::vector<SpecIssue> issues;
  auto out = summarize_layers(s.layers, {4, 5, 2}, issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_EQ(out[1].output, (Shape{4, 6}));
}

}  // namespace
}  // namespace gradlab
