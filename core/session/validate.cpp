// validate_spec and datasets_json (see validate.h).
#include "session/validate.h"

#include <algorithm>

#include "data/dataset.h"
#include "session/kind_runners.h"
#include "spec/build.h"
#include "spec/spec.h"

GRADLAB_BEGIN

namespace {

// Validation only needs shapes: no more rows than this are made.
constexpr int kValidateRows = 2000;

LayerSpec layer(const std::string& type, const std::string& pointer, nlohmann::json config) {
  return {type, pointer, std::move(config), {}};
}

// Configs and reports are built key by key: nlohmann's initializer lists cost much more
// code per site (docs/wasm.md, "Sizes"); its objects are sorted maps, so the text is the same.
nlohmann::json linear(std::int64_t in, std::int64_t out, bool bias) {
  nlohmann::json c;
  c["in"] = in;
  c["out"] = out;
  c["bias"] = bias;
  return c;
}

nlohmann::json embedding(std::int64_t num_embeddings, std::int64_t embedding_dim) {
  nlohmann::json c;
  c["num_embeddings"] = num_embeddings;
  c["embedding_dim"] = embedding_dim;
  return c;
}

nlohmann::json layer_json(const LayerSummary& s) {
  nlohmann::json j;
  j["pointer"] = s.pointer;
  j["type"] = s.type;
  j["output"] = s.output;
  j["parameters"] = s.parameters;
  j["formula"] = s.formula;
  return j;
}

// One piece summarised on its own input shape; false (and an issue recorded) if it fails.
bool piece(const LayerSpec& l, const Shape& in, std::vector<LayerSummary>& out, std::vector<SpecIssue>& issues) {
  const std::size_t before = issues.size();
  auto s = summarize_layers({l}, in, issues);
  if (issues.size() != before || s.empty()) return false;
  out.push_back(s.back());
  return true;
}

std::vector<LayerSummary> seq2seq_layers(const ExperimentSpec& spec, const Dataset& d, Shape& input, std::vector<SpecIssue>& issues) {
  const auto& c = spec.kind_config;
  const std::int64_t B = std::min<std::int64_t>(d.x_train.dim(0), spec.training.batch_size);
  const std::int64_t S = d.x_train.dim(1), T = d.y_train.dim(1) - 1;
  const std::int64_t E = c.at("embed_dim"), H = c.at("hidden_size"), L = c.at("num_layers");
  const bool bidir = c.at("bidirectional");
  const std::string cell = c.at("cell");
  const std::int64_t Hd = H * (bidir ? 2 : 1);
  const auto Vs = static_cast<std::int64_t>(d.vocab.size()), Vt = static_cast<std::int64_t>(d.target_vocab.size());
  input = {B, S};
  std::vector<LayerSummary> out;
  auto rnn = [&](const std::string& ptr, std::int64_t hidden, bool bidirectional) {
    nlohmann::json config;
    config["input_size"] = E;
    config["hidden_size"] = hidden;
    config["num_layers"] = L;
    config["bidirectional"] = bidirectional;
    config["bias"] = true;
    config["peephole"] = false;
    return layer(cell, ptr, std::move(config));
  };
  if (!piece(layer("embedding", "/model/encoder/embedding", embedding(Vs, E)), {B, S}, out, issues) ||
      !piece(rnn("/model/encoder/rnn", H, bidir), {B, S, E}, out, issues) ||
      !piece(layer("embedding", "/model/decoder/embedding", embedding(Vt, E)), {B, T}, out, issues) ||
      !piece(rnn("/model/decoder/rnn", Hd, false), {B, T, E}, out, issues))
    return out;
  // Attention scores each decoder state against the encoder's outputs (both Hd wide).
  const std::string kind = c.at("attention");
  const std::int64_t A = c.at("attn_dim").get<std::int64_t>() > 0 ? c.at("attn_dim").get<std::int64_t>() : Hd;
  LayerSummary attn{"/model/attention", "attention", {B, T, Hd}, 0, "dot: no parameters"};
  if (kind == "general") {
    attn.parameters = Hd * Hd;
    attn.formula = "proj: Hd*Hd = " + std::to_string(Hd) + "*" + std::to_string(Hd);
  } else if (kind == "additive") {
    attn.parameters = 2 * A * Hd + A;
    attn.formula = "query_proj and key_proj: 2*A*Hd, v: A = 2*" + std::to_string(A) + "*" + std::to_string(Hd) + " + " + std::to_string(A);
  }
  attn.type = "attention (" + kind + ")";
  // scores and weights [B, T, S], the context [B, T, Hd] (additive: its [B, T, S, A] tanh layer too)
  const double scores = static_cast<double>(B) * static_cast<double>(T) * static_cast<double>(S);
  attn.largest = std::max(kind == "additive" ? scores * static_cast<double>(A) : scores, static_cast<double>(B * T * Hd));
  attn.kept = 2 * scores + static_cast<double>(B * T * Hd) + (kind == "additive" ? 2 * scores * static_cast<double>(A) : 0.0);
  out.push_back(attn);
  if (!piece(layer("linear", "/model/decoder/combine", linear(2 * Hd, Hd, false)), {B, T, 2 * Hd}, out, issues)) return out;
  piece(layer("linear", "/model/decoder/out", linear(Hd, Vt, true)), {B, T, Hd}, out, issues);
  return out;
}

// A player: Linear(in, h0), act, ..., Linear(hn, out), as GanTrainer builds it.
void gan_player(const std::string& name, std::int64_t in, std::int64_t out_dim, const std::vector<std::int64_t>& hidden,
                const std::string& activation, double slope, std::int64_t B, std::vector<LayerSummary>& out,
                std::vector<SpecIssue>& issues) {
  std::vector<LayerSpec> layers;
  std::int64_t width = in;
  const std::string base = "/model/" + name + "/layers/";
  for (std::int64_t h : hidden) {
    layers.push_back(layer("linear", base + std::to_string(layers.size()), linear(width, h, true)));
    nlohmann::json act = nlohmann::json::object();
    if (activation == "leaky_relu") act["slope"] = slope;
    layers.push_back(layer(activation, base + std::to_string(layers.size()), act));
    width = h;
  }
  layers.push_back(layer("linear", base + std::to_string(layers.size()), linear(width, out_dim, true)));
  auto s = summarize_layers(layers, {B, in}, issues);
  out.insert(out.end(), s.begin(), s.end());
}


// All N examples the spec's data holds (train + test): an explicit batch's rows, a
// dataset's n_samples (given or its default), else the rows the dataset made.
std::int64_t example_count(const ExperimentSpec& spec, const Dataset& d) {
  if (spec.data.has_batch()) return spec.data.inputs.dim(0);
  for (const auto& info : dataset_catalog())
    if (info.name == spec.data.dataset && info.option("n_samples"))
      return spec.data.options.contains("n_samples") ? spec.data.options.at("n_samples").get<std::int64_t>()
                                                     : static_cast<std::int64_t>(info.option("n_samples")->default_value);
  return (d.x_train.defined() ? d.x_train.dim(0) : 0) + (d.x_test.defined() && d.x_test.rank() > 0 ? d.x_test.dim(0) : 0);
}

}  // namespace

std::vector<LayerSummary> check_model(const ExperimentSpec& spec, Shape& input, std::vector<SpecIssue>& issues) {
  std::vector<LayerSummary> layers;
  Dataset d;
  if (spec.kind == "sequential") {
    if (spec.data.has_batch()) {
      d.x_train = spec.data.inputs;
      input = spec.data.inputs.shape();
    } else {
      d = spec_dataset(spec, nullptr, kValidateRows);
      input = d.x_train.shape();
      input[0] = std::min<std::int64_t>(input[0], spec.training.batch_size);
    }
    layers = summarize_layers(spec.layers, input, issues);
    if (issues.empty()) check_model_size(layers, issues);
    if (issues.empty()) check_token_inputs(spec.layers, d, spec.data.has_batch() ? "/data/batch/inputs" : "/data", issues);
  } else {
    d = spec.kind == "diffusion" ? diffusion_dataset(spec, kValidateRows)
                                 : spec_dataset(spec, spec.kind == "gan" ? task::gan : task::seq2seq, kValidateRows);
    if (spec.kind == "seq2seq") {
      layers = seq2seq_layers(spec, d, input, issues);
    } else if (spec.kind == "diffusion") {
      std::int64_t hidden = 0;
      layers = diffusion_layers(spec, d, issues, &hidden);
      input = {std::min<std::int64_t>(spec.training.batch_size, d.x_train.dim(0)), 2 + spec.kind_config.at("time_embed_dim").get<std::int64_t>()};
    } else {
      const auto& c = spec.kind_config;
      const std::int64_t B = spec.training.batch_size, Z = c.at("noise_dim"), D = d.x_train.dim(1);
      input = {B, Z};
      const double slope = c.at("leaky_relu_slope");
      gan_player("generator", Z, D, c.at("generator_hidden"), c.at("generator_activation"), slope, B, layers, issues);
      gan_player("discriminator", D, 1, c.at("discriminator_hidden"), c.at("discriminator_activation"), slope, B, layers, issues);
    }
    std::int64_t total = 0;  // (diffusion_layers checks its own)
    for (const auto& s : layers) total += s.parameters;
    if (issues.empty() && total > kMaxParameters)
      issues.push_back({"/model", "the model would have " + std::to_string(total) + " parameters; at most " +
                                      std::to_string(kMaxParameters) + " are allowed (gradlab trains small networks)"});
  }
  if (issues.empty() && !input.empty()) {
    const std::string eval_pointer = spec.data.has_batch() ? "/data/batch/inputs"
                                     : spec.data.options.contains("n_samples") ? "/data/options/n_samples"
                                                                               : "/data/dataset";
    const std::int64_t n = example_count(spec, d);
    // a step's batch is batch_size rows, or all of them when there are fewer (train + test:
    // an upper bound on the training split the Session will see)
    check_activation_memory(layers, input[0], std::min<std::int64_t>(spec.training.batch_size, std::max<std::int64_t>(n, 1)), n,
                            eval_pointer, issues);
  }
  return layers;
}

nlohmann::json validate_spec(const std::string& text) {
  std::vector<SpecIssue> issues;
  std::vector<LayerSummary> layers;
  Shape input;
  bool input_known = false;
  try {
    const ExperimentSpec spec = parse_spec(text);
    layers = check_model(spec, input, issues);
    input_known = !input.empty();
  } catch (const SpecError& e) {
    issues.insert(issues.end(), e.issues().begin(), e.issues().end());
  } catch (const std::exception& e) {
    issues.push_back({"/data", e.what()});  // making the data is the only other step that can fail
  }
  nlohmann::json j;
  j["ok"] = issues.empty();
  nlohmann::json& issues_json = j["issues"] = nlohmann::json::array();
  for (const auto& i : issues) {
    nlohmann::json& issue = issues_json.emplace_back();
    issue["pointer"] = i.pointer;
    issue["message"] = i.message;
  }
  nlohmann::json& layers_json = j["layers"] = nlohmann::json::array();
  std::int64_t total = 0;
  for (const auto& s : layers) {
    layers_json.push_back(layer_json(s));
    total += s.parameters;
  }
  j["input_shape"] = input_known ? nlohmann::json(input) : nlohmann::json(nullptr);
  j["total_parameters"] = total;
  return j;
}

nlohmann::json datasets_json() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : dataset_catalog()) {
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : d.options) {
      nlohmann::json& j = options.emplace_back();
      j["name"] = o.name;
      j["description"] = o.help;
      if (o.type == "integer") {
        j["type"] = "int";
        j["default"] = static_cast<std::int64_t>(o.default_value);
        j["min"] = static_cast<std::int64_t>(o.min);
        j["max"] = static_cast<std::int64_t>(o.max);
      } else if (o.type == "number") {
        j["type"] = "number";
        j["default"] = o.default_value;
        j["min"] = o.min;
        j["max"] = o.max;
      } else if (o.type == "numbers" || o.type == "points") {
        j["type"] = o.type == "numbers" ? "number[]" : "points";
        j["default"] = nlohmann::json::array();
      } else {
        j["type"] = "string";
        j["default"] = "";
        if (!o.choices.empty()) j["choices"] = o.choices;
      }
      if (o.required) j["required"] = true;
    }
    nlohmann::json& j = out.emplace_back();
    j["name"] = d.name;
    j["task"] = d.task.empty() ? std::string("auto") : d.task;
    j["family"] = d.family;
    j["description"] = d.description;
    j["options"] = std::move(options);
  }
  return out;
}

GRADLAB_END
