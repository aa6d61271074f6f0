// Spec fields for the course (issue 9): the final_state layer, initialisers with an
// explicit scale (init_std, init_bound, init_gain, init_a, init_mode, init_nonlinearity)
// per layer and per model, /loss/scale and /training/l1_mode. Each is read, checked with
// a JSON pointer and the allowed values, and reaches what is built.
#include "spec/build.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace gradlab {
namespace {

using nlohmann::json;

std::vector<SpecIssue> issues_of(const json& doc) {
  try {
    parse_spec(doc);
    return {};
  } catch (const SpecError& e) {
    return e.issues();
  }
}

// Expects an issue at `pointer` whose message has every fragment.
void expect_issue(const json& doc, const std::string& pointer, std::initializer_list<std::string> fragments) {
  const auto issues = issues_of(doc);
  std::string all;
  for (const auto& i : issues) all += i.pointer + ": " + i.message + "\n";
  bool found = false;
  for (const auto& i : issues) {
    if (i.pointer != pointer) continue;
    found = true;
    for (const auto& f : fragments) EXPECT_NE(i.message.find(f), std::string::npos) << "message: " << i.message << "\nlacks: " << f;
  }
  EXPECT_TRUE(found) << "no issue at " << pointer << "; issues:\n" << all;
}

// A bidirectional LSTM over [4, 6, 3] sequences, then `head` layers.
json recurrent_spec(json head) {
  json layers = json::array({{{"type", "lstm"}, {"input_size", 3}, {"hidden_size", 5}, {"bidirectional", true}}});
  for (auto& l : head) layers.push_back(l);
  json inputs = {{"shape", {4, 6, 3}}, {"data", std::vector<double>(4 * 6 * 3, 0.5)}};
  return {{"version", 1},
          {"data", {{"batch", {{"inputs", inputs}, {"targets", {{1.0}, {0.0}, {1.0}, {0.0}}}}}}},
          {"model", {{"layers", layers}}},
          {"loss", {{"type", "mse"}}}};
}

TEST(FinalStateSpec, LearnsItsSizesFromTheRecurrentLayerBeforeIt) {
  const ExperimentSpec s = parse_spec(recurrent_spec(json::array({{{"type", "final_state"}}, {{"type", "linear"}, {"in", 10}, {"out", 1}}})));
  ASSERT_EQ(s.layers.size(), 3u);
  EXPECT_EQ(s.layers[1].config.at("hidden_size"), 5);
  EXPECT_EQ(s.layers[1].config.at("bidirectional"), true);
  std::vector<SpecIssue> issues;
  const auto summary = summarize_layers(s.layers, {4, 6, 3}, issues);
  ASSERT_TRUE(issues.empty());
  EXPECT_EQ(summary[1].output, (Shape{4, 10}));
  EXPECT_EQ(summary[1].parameters, 0);
  EXPECT_NE(summary[1].formula.find("h_n"), std::string::npos) << summary[1].formula;
  EXPECT_NE(summary[1].formula.find("output[:, 0, H:]"), std::string::npos) << summary[1].formula;
  // Built and run: the layer is there, between the LSTM and the head.
  auto exp = build_experiment(parse_spec(recurrent_spec(json::array({{{"type", "final_state"}}, {{"type", "linear"}, {"in", 10}, {"out", 1}}}))));
  EXPECT_EQ(exp->model->layers().at(1)->type_name(), "FinalState");
  EXPECT_EQ(exp->model->forward(Var(exp->data.x_train)).shape(), (Shape{4, 1}));
}

TEST(FinalStateSpec, MustFollowARecurrentLayer) {
  auto d = recurrent_spec(json::array({{{"type", "last_step"}}, {{"type", "final_state"}}}));
  expect_issue(d, "/model/layers/2", {"final_state", "recurrent layer (rnn, lstm or gru) directly before it", "/model/layers/1 is a \"last_step\""});
  d["model"]["layers"] = json::array({{{"type", "final_state"}}});
  expect_issue(d, "/model/layers/0", {"final_state", "it is the first layer"});
  d = recurrent_spec(json::array({{{"type", "final_state"}, {"hidden_size", 5}}}));
  expect_issue(d, "/model/layers/1/hidden_size", {"unknown field"});
}

json linear_spec(json layer_fields, json model_fields = json::object()) {
  json layer = {{"type", "linear"}, {"in", 200}, {"out", 300}};
  for (auto it = layer_fields.begin(); it != layer_fields.end(); ++it) layer[it.key()] = it.value();
  json model = {{"layers", json::array({layer, {{"type", "tanh"}}, {{"type", "linear"}, {"in", 300}, {"out", 200}}})}};
  for (auto it = model_fields.begin(); it != model_fields.end(); ++it) model[it.key()] = it.value();
  json inputs = {{"shape", {1, 200}}, {"data", std::vector<double>(200, 0.0)}};
  return {{"version", 1},
          {"seed", 5},
          {"data", {{"batch", {{"inputs", inputs}, {"targets", {{"shape", {1, 200}}, {"data", std::vector<double>(200, 0.0)}}}}}}},
          {"model", model},
          {"loss", {{"type", "mse"}}}};
}

double weight_std(const Experiment& exp, const std::string& name) {
  const Tensor& w = exp.model->parameter(name).value();
  double s = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) s += static_cast<double>(w[i]) * w[i];
  return std::sqrt(s / static_cast<double>(w.numel()));
}
double weight_max(const Experiment& exp, const std::string& name) {
  const Tensor& w = exp.model->parameter(name).value();
  double m = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) m = std::max(m, std::fabs(static_cast<double>(w[i])));
  return m;
}

TEST(InitScaleSpec, LayerAndModelFieldsReachTheWeights) {
  // Layer 0 has its own normal(0.05); layer 2 takes /model/init xavier_uniform with gain 2.
  auto exp = build_experiment(parse_spec(linear_spec({{"init", "normal"}, {"init_std", 0.05}},
                                                     {{"init", "xavier_uniform"}, {"init_gain", 2.0}})));
  EXPECT_NEAR(weight_std(*exp, "layers.0.weight"), 0.05, 0.05 * 0.03);
  const double bound = 2.0 * std::sqrt(6.0 / 500);
  EXPECT_LE(weight_max(*exp, "layers.2.weight"), bound * (1 + 1e-6));
  EXPECT_GT(weight_max(*exp, "layers.2.weight"), 0.999 * bound);
  // Biases keep PyTorch's default U(-1/sqrt(in), 1/sqrt(in)).
  EXPECT_LE(weight_max(*exp, "layers.0.bias"), 1 / std::sqrt(200.0) + 1e-6);

  // A layer on the model's init overrides one of its fields: kaiming_normal, tanh, fan_out.
  exp = build_experiment(parse_spec(linear_spec({{"init_mode", "fan_out"}}, {{"init", "kaiming_normal"}, {"init_nonlinearity", "tanh"}})));
  EXPECT_NEAR(weight_std(*exp, "layers.0.weight"), (5.0 / 3.0) / std::sqrt(300.0), 0.03 * (5.0 / 3.0) / std::sqrt(300.0));
  EXPECT_NEAR(weight_std(*exp, "layers.2.weight"), (5.0 / 3.0) / std::sqrt(300.0), 0.03 * (5.0 / 3.0) / std::sqrt(300.0));
  // init_std 0: every weight exactly zero (the symmetric start).
  exp = build_experiment(parse_spec(linear_spec({{"init", "normal"}, {"init_std", 0.0}})));
  EXPECT_EQ(weight_max(*exp, "layers.0.weight"), 0.0);
  // uniform with init_bound, and a layer with its own init does not take the model's scale.
  exp = build_experiment(parse_spec(linear_spec({{"init", "uniform"}, {"init_bound", 0.3}}, {{"init", "normal"}, {"init_std", 1.0}})));
  EXPECT_LE(weight_max(*exp, "layers.0.weight"), 0.3 + 1e-6);
  EXPECT_GT(weight_max(*exp, "layers.0.weight"), 0.29);
  EXPECT_NEAR(weight_std(*exp, "layers.2.weight"), 1.0, 0.03);
}

TEST(InitScaleSpec, AFieldItsInitDoesNotTakeIsNamed) {
  expect_issue(linear_spec({{"init_std", 0.1}}), "/model/layers/0/init_std",
               {"init_std goes with init \"normal\"", "PyTorch default", "set \"init\""});
  expect_issue(linear_spec({{"init", "xavier_normal"}, {"init_std", 0.1}}), "/model/layers/0/init_std",
               {"\"xavier_normal\"", "takes init_gain"});
  expect_issue(linear_spec({{"init", "kaiming_uniform"}, {"init_gain", 2}}), "/model/layers/0/init_gain",
               {"init_gain goes with init \"xavier_uniform\" or \"xavier_normal\" or \"orthogonal\"",
                "takes init_a, init_mode, init_nonlinearity"});
  expect_issue(linear_spec(json::object(), {{"init_bound", 0.1}}), "/model/init_bound", {"init_bound goes with init \"uniform\"", "/model/init"});
  expect_issue(linear_spec(json::object(), {{"init", "orthogonal"}, {"init_std", 0.1}}), "/model/init_std", {"\"orthogonal\"", "init_gain"});
  expect_issue(linear_spec({{"init", "kaiming_normal"}, {"init_nonlinearity", "relu"}, {"init_a", 0.1}}), "/model/layers/0/init_a",
               {"negative slope", "leaky_relu", "\"relu\""});
  expect_issue(linear_spec({{"init", "kaiming_normal"}, {"init_nonlinearity", "swish"}}), "/model/layers/0/init_nonlinearity",
               {"tanh", "relu", "leaky_relu", "selu", "swish"});
  expect_issue(linear_spec({{"init", "kaiming_normal"}, {"init_mode", "fan_avg"}}), "/model/layers/0/init_mode", {"fan_in, fan_out"});
  expect_issue(linear_spec({{"init", "normal"}, {"init_std", -1}}), "/model/layers/0/init_std", {"from 0 to 100", "-1"});
  // Layers without an init field do not take scale fields at all.
  auto d = linear_spec(json::object());
  d["model"]["layers"][1]["init_gain"] = 1;
  expect_issue(d, "/model/layers/1/init_gain", {"unknown field"});
}

TEST(LossScaleSpec, ReadAndChecked) {
  auto d = linear_spec(json::object());
  EXPECT_EQ(parse_spec(d).loss.scale, 1.0);
  d["loss"]["scale"] = 0.5;
  EXPECT_EQ(parse_spec(d).loss.scale, 0.5);
  d["loss"]["scale"] = 0;
  expect_issue(d, "/loss/scale", {"greater than 0", "found 0"});
  d["loss"]["scale"] = "half";
  expect_issue(d, "/loss/scale", {"number", "\"half\""});
}

TEST(L1ModeSpec, ReadAndChecked) {
  auto d = linear_spec(json::object());
  EXPECT_EQ(parse_spec(d).training.l1_mode, "subgradient");
  d["training"] = {{"l1", 0.01}, {"l1_mode", "proximal"}};
  EXPECT_EQ(parse_spec(d).training.l1_mode, "proximal");
  d["training"]["l1_mode"] = "lasso";
  expect_issue(d, "/training/l1_mode", {"subgradient, proximal", "\"lasso\""});
}

}  // namespace
}  // namespace gradlab
