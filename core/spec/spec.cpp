// parse_spec: the top level of the experiment spec and its data, loss, optimizer and
// training sections. Layers are in layer_spec.cpp.
#include "spec/spec.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "spec/json_text.h"
#include "spec/spec_internal.h"
#include "tensor/strings.h"

GRADLAB_BEGIN

SpecError::SpecError(std::vector<SpecIssue> issues) : std::invalid_argument(summary(issues)), issues_(std::move(issues)) {}

void throw_spec_error(std::vector<SpecIssue> issues) { throw SpecError(std::move(issues)); }
void throw_spec_error(std::string pointer, std::string message) { throw SpecError(std::move(pointer), std::move(message)); }

std::string SpecError::summary(const std::vector<SpecIssue>& issues) {
  std::string s = "invalid spec: ";
  for (std::size_t i = 0; i < issues.size(); ++i)
    s += (i ? "; " : "") + (issues[i].pointer.empty() ? std::string("(document)") : issues[i].pointer) + ": " + issues[i].message;
  return s;
}

namespace {

// One number of a tensor: finite, and within the range of this build's Scalar (a float32
// build would otherwise turn 1e39 into inf and train on it).
bool scalar_from_json(const nlohmann::json& x, const std::string& pointer, std::vector<SpecIssue>& issues, Scalar& out) {
  constexpr double kLargest = static_cast<double>(std::numeric_limits<Scalar>::max());
  if (!x.is_number() || !std::isfinite(x.get<double>())) {
    issues.push_back({pointer, "expected a finite number, found " + describe(x)});
    return false;
  }
  const double d = x.get<double>();
  if (std::fabs(d) > kLargest) {
    issues.push_back({pointer, "the number " + x.dump() + " is beyond the range of this build's " +
                                   (sizeof(Scalar) == 4 ? "float32" : "float64") + " numbers (allowed: magnitudes up to " +
                                   nlohmann::json(kLargest).dump() + ")"});
    return false;
  }
  out = static_cast<Scalar>(d);
  return true;
}

// A nested array: the first path down to a number fixes the shape (`fixed`); every other
// row must match it. Depth is bounded by kMaxJsonDepth (checked on the text).
void flatten_json(const nlohmann::json& v, std::size_t depth, Shape& shape, bool& fixed, std::vector<Scalar>& data,
                  const std::string& pointer, std::vector<SpecIssue>& issues, bool& ok) {
  if (!ok) return;
  if (v.is_array()) {
    if (depth == shape.size() && !fixed) {
      shape.push_back(static_cast<std::int64_t>(v.size()));
      if (v.empty()) fixed = true;  // nothing below an empty array
    } else if (depth >= shape.size() || shape[depth] != static_cast<std::int64_t>(v.size())) {
      issues.push_back({pointer, "ragged array: expected " +
                                     (depth < shape.size() ? std::to_string(shape[depth]) + " elements here like the first row, found "
                                                           : std::string("a number here like the first row, found an array of ")) +
                                     std::to_string(v.size())});
      ok = false;
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i)
      flatten_json(v[i], depth + 1, shape, fixed, data, pointer + "/" + std::to_string(i), issues, ok);
    return;
  }
  Scalar x = 0;
  if (!scalar_from_json(v, pointer, issues, x)) {
    ok = false;
    return;
  }
  if (depth != shape.size()) {
    issues.push_back({pointer, "ragged array: expected an array of " + std::to_string(shape[depth]) + " here, found a number"});
    ok = false;
    return;
  }
  fixed = true;
  data.push_back(x);
}

}  // namespace

Tensor tensor_from_json(const nlohmann::json& value, const std::string& pointer, std::vector<SpecIssue>& issues) {
  if (value.is_object()) {  // {"shape": [...], "data": [...]}
    Reader r(value, pointer, issues);
    const auto* shape_json = r.array("shape", true);
    const auto* data_json = r.array("data", true);
    r.finish();
    if (!shape_json || !data_json) return {};
    Shape shape;
    for (std::size_t i = 0; i < shape_json->size(); ++i) {
      const auto& d = (*shape_json)[i];
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || d.get<std::int64_t>() > (1 << 24)) {
        issues.push_back({r.at("shape") + "/" + std::to_string(i), "expected a dimension from 0 to 16777216, found " + describe(d)});
        return {};
      }
      shape.push_back(d.get<std::int64_t>());
    }
    std::int64_t count = 0;
    if (!checked_numel(shape, count)) {
      issues.push_back({r.at("shape"), "the dimensions of " + to_string(shape) +
                                           " multiply past 2^63 - 1 (allowed: a shape whose element count fits in 64 bits, "
                                           "zero dimensions counted as 1)"});
      return {};
    }
    if (static_cast<std::int64_t>(data_json->size()) != count) {
      issues.push_back({r.at("data"), "shape " + to_string(shape) + " needs " + std::to_string(count) + " numbers, found " +
                                          std::to_string(data_json->size())});
      return {};
    }
    std::vector<Scalar> data(data_json->size());
    for (std::size_t i = 0; i < data_json->size(); ++i)
      if (!scalar_from_json((*data_json)[i], r.at("data") + "/" + std::to_string(i), issues, data[i])) return {};
    return Tensor(shape, std::move(data));
  }
  if (!value.is_array() && !value.is_number()) {
    issues.push_back({pointer, "expected a number, a nested array of numbers, or {\"shape\", \"data\"}; found " + describe(value)});
    return {};
  }
  Shape shape;
  bool fixed = false;
  std::vector<Scalar> data;
  bool ok = true;
  flatten_json(value, 0, shape, fixed, data, pointer, issues, ok);
  if (!ok) return {};
  if (static_cast<std::int64_t>(data.size()) != numel(shape)) {
    issues.push_back({pointer, "the array holds no numbers"});
    return {};
  }
  return Tensor(shape, std::move(data));
}

nlohmann::json tensor_to_json(const Tensor& t) {
  nlohmann::json data = nlohmann::json::array();
  for (std::int64_t i = 0; i < t.numel(); ++i) data.push_back(static_cast<double>(t[i]));
  nlohmann::json o;
  o["shape"] = t.shape();
  o["data"] = std::move(data);
  return o;
}

namespace {

void parse_data(Reader& top, DataSpec& data, std::vector<SpecIssue>& issues) {
  const auto* j = top.object("data", true);
  if (!j) return;
  Reader r(*j, top.at("data"), issues);
  const bool has_dataset = r.has("dataset"), has_batch = r.has("batch");
  if (has_dataset == has_batch) {
    issues.push_back({r.pointer(), has_dataset ? "give either \"dataset\" or \"batch\", not both"
                                               : "needs \"dataset\" (a built-in dataset's name) or \"batch\" ({\"inputs\", \"targets\"})"});
  }
  if (has_dataset) {
    data.dataset = r.text("dataset");
    const auto* opts = r.object("options", false);
    data.options = opts ? *opts : nlohmann::json::object();
  }
  if (const auto* b = r.object("batch", false)) {
    Reader br(*b, r.at("batch"), issues);
    if (const auto* x = br.raw("inputs")) data.inputs = tensor_from_json(*x, br.at("inputs"), issues);
    else br.issue("inputs", "is required (a nested array of numbers, [N, ...])");
    if (const auto* y = br.raw("targets")) data.targets = tensor_from_json(*y, br.at("targets"), issues);
    else br.issue("targets", "is required (a nested array of numbers, [N, ...])");
    if (data.inputs.defined() && data.targets.defined() &&
        (data.inputs.rank() == 0 || data.targets.rank() == 0 || data.inputs.dim(0) != data.targets.dim(0)))
      br.issue("targets", "inputs " + to_string(data.inputs.shape()) + " and targets " + to_string(data.targets.shape()) +
                              " must both have the batch size N as their first dimension");
    br.finish();
  }
  r.finish();
}

void parse_model(Reader& top, ExperimentSpec& spec, std::vector<SpecIssue>& issues) {
  const auto* j = top.object("model", true);
  if (!j) return;
  Reader r(*j, top.at("model"), issues);
  spec.kind = r.one_of("kind", {"sequential", "seq2seq", "gan", "diffusion"}, "sequential");
  if (spec.kind == "seq2seq") {
    parse_seq2seq_model(r, spec.kind_config);
  } else if (spec.kind == "gan") {
    parse_gan_model(r, spec.kind_config, issues);
  } else {
    // A diffusion model's layers are its noise network's hidden part (an empty list: one Linear).
    if (spec.kind == "diffusion") parse_diffusion_model(r, spec.kind_config);
    if (const auto* layers = r.array("layers", true)) {
      if (layers->empty() && spec.kind == "sequential") r.issue("layers", "the model needs at least one layer");
      for (std::size_t i = 0; i < layers->size(); ++i)
        spec.layers.push_back(parse_layer((*layers)[i], r.at("layers") + "/" + std::to_string(i), issues));
    }
  }
  if (spec.kind == "sequential" || spec.kind == "diffusion") {
    spec.init = r.one_of("init", init_names(), "default");
    if (spec.init == "default") spec.init.clear();
    parse_init_scale(r, spec.init_scale);
    const InitChoice model_init{spec.init, spec.init_scale};
    check_model_init_scale(model_init, r.pointer(), issues);
    check_init_scales(spec.layers, model_init, issues);
    link_final_states(spec.layers, issues);
  }
  if (const auto* params = r.object("parameters", false)) {
    for (auto it = params->begin(); it != params->end(); ++it) {
      const std::string ptr = r.at("parameters") + "/" + pointer_escape(it.key());
      Tensor t = tensor_from_json(it.value(), ptr, issues);
      if (t.defined()) spec.parameters.emplace_back(it.key(), std::move(t));
    }
  }
  r.finish();
}

void parse_loss(Reader& top, LossSpec& loss, std::vector<SpecIssue>& issues, bool required) {
  const auto* j = top.object("loss", required);
  if (!j) return;
  Reader r(*j, top.at("loss"), issues);
  loss.type = r.one_of("type", {"mse", "cross_entropy", "bce_with_logits", "nll", "output"});
  loss.reduction = r.one_of("reduction", {"mean", "sum", "none"}, "mean");
  if (const auto* seed = r.raw("seed")) loss.seed = tensor_from_json(*seed, r.at("seed"), issues);
  loss.scale = r.number("scale", 0, 1e6, 1.0, /*open_lo=*/true);
  loss.broadcast = r.boolean("broadcast", false);
  if (loss.broadcast && loss.type != "mse" && !loss.type.empty())
    r.issue("broadcast", "broadcasting the output against the targets is an option of type \"mse\" only, found type \"" + loss.type + "\"");
  r.finish();
}

const std::vector<std::string> kOptimizers = {"sgd", "adam", "adamw", "rmsprop", "adagrad"};

void parse_optimizer(Reader& top, NamedConfig& opt, std::vector<SpecIssue>& issues) {
  static const nlohmann::json kDefaults = nlohmann::json::object();  // plain SGD, lr 0.1
  const auto* j = top.object("optimizer", false);
  Reader r(j ? *j : kDefaults, top.at("optimizer"), issues);
  opt.type = r.one_of("type", kOptimizers, "sgd");
  auto& c = opt.config;
  const double default_lr = opt.type == "sgd" ? 0.1 : opt.type == "adam" || opt.type == "adamw" ? 1e-3 : 1e-2;
  c["lr"] = r.number("lr", 0, 1e3, default_lr);
  c["weight_decay"] = r.number("weight_decay", 0, 1e3, opt.type == "adamw" ? 1e-2 : 0.0);
  if (opt.type == "sgd") {
    c["momentum"] = r.number("momentum", 0, 1, 0.0);
    c["dampening"] = r.number("dampening", 0, 1, 0.0);
    c["nesterov"] = r.boolean("nesterov", false);
    if (c["nesterov"].get<bool>() && (c["momentum"].get<double>() <= 0 || c["dampening"].get<double>() != 0))
      r.issue("nesterov", "Nesterov momentum needs momentum > 0 and dampening = 0");
  } else if (opt.type == "adam" || opt.type == "adamw") {
    std::vector<double> betas = {0.9, 0.999};
    if (const auto* b = r.array("betas", false)) {
      if (b->size() != 2 || !(*b)[0].is_number() || !(*b)[1].is_number() || (*b)[0].get<double>() < 0 ||
          (*b)[0].get<double>() >= 1 || (*b)[1].get<double>() < 0 || (*b)[1].get<double>() >= 1)
        r.issue("betas", "expected two numbers in [0, 1), like [0.9, 0.999]; found " + describe(*b));
      else betas = {(*b)[0].get<double>(), (*b)[1].get<double>()};
    }
    c["betas"] = betas;
    c["eps"] = r.number("eps", 0, 1, 1e-8, true);
  } else if (opt.type == "rmsprop") {
    c["alpha"] = r.number("alpha", 0, 1, 0.99);
    c["eps"] = r.number("eps", 0, 1, 1e-8, true);
    c["momentum"] = r.number("momentum", 0, 1, 0.0);
    c["centered"] = r.boolean("centered", false);
  } else if (opt.type == "adagrad") {
    c["lr_decay"] = r.number("lr_decay", 0, 1e3, 0.0);
    c["initial_accumulator_value"] = r.number("initial_accumulator_value", 0, 1e6, 0.0);
    c["eps"] = r.number("eps", 0, 1, 1e-10, true);
  }
  r.finish();
}

void parse_schedule(Reader& tr, NamedConfig& sched, std::vector<SpecIssue>& issues) {
  const auto* j = tr.object("schedule", false);
  if (!j) return;
  Reader r(*j, tr.at("schedule"), issues);
  sched.type = r.one_of("type", {"constant", "step", "exponential", "cosine"}, "constant");
  auto& c = sched.config;
  if (sched.type == "step") {
    c["step_size"] = r.integer("step_size", 1, 1 << 30);
    c["gamma"] = r.number("gamma", 0, 1, 0.1, true);
  } else if (sched.type == "exponential") {
    c["gamma"] = r.number("gamma", 0, 1, std::nullopt, true);
  } else if (sched.type == "cosine") {
    c["t_max"] = r.integer("t_max", 1, 1 << 30);
    c["eta_min"] = r.number("eta_min", 0, 1e3, 0.0);
  }
  r.finish();
}

void parse_training(Reader& top, TrainingSpec& t, std::vector<SpecIssue>& issues) {
  const auto* j = top.object("training", false);
  if (!j) return;
  Reader r(*j, top.at("training"), issues);
  t.steps = r.integer("steps", 0, 10'000'000, t.steps);
  t.batch_size = r.integer("batch_size", 1, 65536, t.batch_size);
  t.clip_grad_norm = r.number("clip_grad_norm", 0, 1e9, 0.0);
  t.clip_grad_value = r.number("clip_grad_value", 0, 1e9, 0.0);
  t.l1 = r.number("l1", 0, 1e3, 0.0);
  t.l2 = r.number("l2", 0, 1e3, 0.0);
  t.l1_mode = r.one_of("l1_mode", {"subgradient", "proximal"}, "subgradient");
  t.log_every = r.integer("log_every", 1, 1 << 30, t.log_every);
  t.eval_every = r.integer("eval_every", 0, 1 << 30, 0);
  t.tbptt = r.integer("tbptt", 0, 1 << 20, 0);
  if (const auto* clamp = r.raw("clamp")) {
    const bool list = clamp->is_array();
    const std::size_t n = list ? clamp->size() : 1;
    if (!list && !clamp->is_object())
      r.issue("clamp", "expected {\"gate\", \"value\", \"layer\" (-1), \"direction\" (-1)} or a list of them, found " +
                           describe(*clamp));
    for (std::size_t i = 0; i < n && (list || clamp->is_object()); ++i) {
      const nlohmann::json& c = list ? (*clamp)[i] : *clamp;
      std::string pointer = r.at("clamp");
      if (list) pointer.append("/").append(std::to_string(i));
      Reader cr(c, pointer, issues);
      if (!cr.ok()) continue;
      GateClampSpec g;
      g.gate = cr.one_of("gate", {"i", "f", "g", "o", "r", "z"});
      g.value = cr.number("value", -1, 1);
      g.layer = static_cast<int>(cr.integer("layer", -1, 15, -1));
      g.direction = static_cast<int>(cr.integer("direction", -1, 1, -1));
      cr.finish();
      t.clamps.push_back(g);
    }
  }
  parse_schedule(r, t.schedule, issues);
  r.finish();
}

// /training/clamp against the model's first recurrent layer: its gates, value ranges,
// layers and directions (the checks Recurrent::clamp_gate makes, before anything is built).
void check_gate_clamps(const ExperimentSpec& spec, std::vector<SpecIssue>& issues) {
  const auto& clamps = spec.training.clamps;
  if (clamps.empty()) return;
  const bool list = spec.json.contains("training") && spec.json["training"].is_object() &&
                    spec.json["training"].contains("clamp") && spec.json["training"]["clamp"].is_array();
  auto at = [&](std::size_t i, const char* field) {
    return "/training/clamp" + (list ? "/" + std::to_string(i) : std::string()) + (field ? std::string("/") + field : "");
  };
  const LayerSpec* rec = nullptr;
  if (spec.kind == "sequential")
    for (const auto& l : spec.layers)
      if (l.type == "rnn" || l.type == "lstm" || l.type == "gru") {
        rec = &l;
        break;
      }
  if (!rec) {
    issues.push_back({"/training/clamp", "a gate clamp needs a recurrent layer (lstm or gru) in /model/layers; this " +
                                                        spec.kind + " model has none"});
    return;
  }
  // A coupled input-forget LSTM has no f of its own (f = 1 - i).
  const bool coupled = rec->type == "lstm" && rec->config.value("coupled_input_forget", false);
  const std::vector<std::string> gates = coupled ? std::vector<std::string>{"i", "g", "o"}
                                         : rec->type == "lstm" ? std::vector<std::string>{"i", "f", "g", "o"}
                                         : rec->type == "gru" ? std::vector<std::string>{"r", "z"}
                                                              : std::vector<std::string>{};
  const int layers = rec->config.contains("num_layers") ? rec->config.at("num_layers").get<int>() : 1;
  const int directions = rec->config.contains("bidirectional") && rec->config.at("bidirectional").get<bool>() ? 2 : 1;
  for (std::size_t i = 0; i < clamps.size(); ++i) {
    const GateClampSpec& c = clamps[i];
    if (c.gate.empty()) continue;  // reported by the reader
    if (std::find(gates.begin(), gates.end(), c.gate) == gates.end()) {
      issues.push_back({at(i, "gate"), "the first recurrent layer (" + rec->pointer + ") is " + rec->type + ", whose gates are " +
                                           (gates.empty() ? std::string("none (an rnn has no gates)") : join(gates)) +
                                           "; found '" + c.gate + "'" +
                                           (coupled && c.gate == "f" ? " (with coupled_input_forget f = 1 - i: clamp i to 1 - value)" : "")});
      continue;
    }
    const double lo = rec->type == "lstm" && c.gate == "g" ? -1 : 0;
    if (!(c.value >= lo && c.value <= 1))
      issues.push_back({at(i, "value"), "gate " + c.gate + " takes values from " + (lo < 0 ? "-1" : "0") + " to 1, found " +
                                            nlohmann::json(c.value).dump()});
    if (c.layer >= layers)
      issues.push_back({at(i, "layer"), "must be from -1 (all) to " + std::to_string(layers - 1) + " (" + rec->pointer +
                                            " has " + std::to_string(layers) + " layers), found " + std::to_string(c.layer)});
    if (c.direction >= directions)
      issues.push_back({at(i, "direction"), "must be -1 (all)" + std::string(directions == 2 ? " or 0 to 1" : " or 0") +
                                                " (" + rec->pointer + (directions == 2 ? " is" : " is not") +
                                                " bidirectional), found " + std::to_string(c.direction)});
  }
}

const char* kJacobianHint =
    "and the gradient of a vector is a Jacobian, not a vector: give /loss/seed (the vector to multiply it by, e.g. all "
    "ones for the gradient of the sum)";

// A loss that is not one number needs a seed gradient before backward can run.
void check_loss_is_scalar(const ExperimentSpec& spec, std::vector<SpecIssue>& issues) {
  const LossSpec& loss = spec.loss;
  if (loss.seed.defined()) return;
  if (loss.type != "output" && loss.reduction == "none")
    issues.push_back({"/loss/reduction", std::string("with reduction \"none\" the loss is a vector (one value per example), ") +
                                             kJacobianHint + ", or use reduction \"mean\" or \"sum\""});
}

}  // namespace

void check_loss_seed(const LossSpec& loss, const Shape& out, bool batch_known, std::vector<SpecIssue>& issues) {
  if (!loss.seed.defined()) return;
  const bool output = loss.type == "output";
  const Shape want = output ? out : Shape{};
  const Shape& got = loss.seed.shape();
  bool fits = got.size() == want.size();
  for (std::size_t d = batch_known ? 0 : 1; fits && d < want.size(); ++d) fits = got[d] == want[d];
  if (!fits)
    issues.push_back({"/loss/seed", "has shape " + to_string(got) + ", but " +
                                        (output ? "the objective is the model's output, of shape " + to_string(want) +
                                                      (batch_known ? std::string() : std::string(" (the first dimension is the batch)"))
                                                : "the " + loss.type + " loss with reduction \"" + loss.reduction +
                                                      "\" is one number, shape []") +
                                        "; the seed multiplies the objective elementwise, so it must have the objective's shape"});
}

namespace {

// Shapes: the model against the explicit batch (datasets are checked when built).
void check_batch_shapes(ExperimentSpec& spec, std::vector<SpecIssue>& issues) {
  if (!spec.data.has_batch() || spec.layers.empty() || spec.kind != "sequential") return;
  const std::size_t before = issues.size();
  auto summary = summarize_layers(spec.layers, spec.data.inputs.shape(), issues);
  if (issues.size() != before || summary.empty()) return;
  check_model_size(summary, issues);
  const Shape& out = summary.back().output;
  if (spec.loss.broadcast) {
    const Shape& t = spec.data.targets.shape();
    bool fits = out.size() == t.size();
    for (std::size_t d = 0; fits && d < t.size(); ++d) fits = out[d] == t[d] || out[d] == 1;
    if (!fits)
      issues.push_back({"/loss/broadcast", "the model's output " + to_string(out) + " does not broadcast to the targets " +
                                               to_string(t) + " (allowed: the same rank, each output dimension 1 or the target's)"});
  }
  check_loss_seed(spec.loss, out, true, issues);
  if (spec.loss.type == "output" && !spec.loss.seed.defined() && numel(out) != 1)
    issues.push_back({"/loss/type", "with type \"output\" the objective is the model's output, which has shape " + to_string(out) +
                                        ", " + kJacobianHint + ", or use a loss that reduces to one number"});
}

}  // namespace

ExperimentSpec parse_spec(const nlohmann::json& document) {
  check_json_depth(document);  // before anything copies or walks it recursively
  std::vector<SpecIssue> issues;
  ExperimentSpec spec;
  spec.json = document;
  Reader top(document, "", issues);
  if (!top.ok()) throw_spec_error(issues);
  const std::int64_t version = top.integer("version", 0, 1 << 20);
  if (top.has("version") && version != kSpecVersion && issues.empty())
    top.issue("version", "this gradlab reads spec version " + std::to_string(kSpecVersion) + ", found " + std::to_string(version));
  spec.version = static_cast<int>(version);
  spec.name = top.text("name", "");
  spec.seed = static_cast<std::uint64_t>(top.integer("seed", 0, (std::int64_t(1) << 53), 0));
  parse_data(top, spec.data, issues);
  parse_model(top, spec, issues);
  // Seq2seq and GAN models bring their own objectives.
  parse_loss(top, spec.loss, issues, spec.kind == "sequential");
  if (spec.kind != "sequential" && top.has("loss"))
    top.issue("loss", "a " + spec.kind + " model defines its own loss; remove /loss (GAN losses are chosen with /model/loss" +
                          std::string(spec.kind == "diffusion" ? "; a diffusion model trains on the noise-prediction loss" : "") + ")");
  parse_optimizer(top, spec.optimizer, issues);
  if (spec.kind == "gan" && top.has("optimizer"))
    top.issue("optimizer", "a gan model has one optimizer per player: use /model/generator_optimizer and "
                           "/model/discriminator_optimizer instead of /optimizer");
  parse_training(top, spec.training, issues);
  if (spec.kind == "diffusion" && spec.json.contains("training") && spec.json["training"].is_object())
    for (const char* key : {"l1", "l2", "l1_mode", "clip_grad_value", "tbptt", "schedule"})
      if (spec.json["training"].contains(key))
        issues.push_back({std::string("/training/") + key, "a diffusion model does not use this field; its training takes steps, "
                                                            "batch_size, clip_grad_norm, log_every and eval_every"});
  check_gate_clamps(spec, issues);
  if (const auto* insp = top.object("inspection", false)) {
    Reader r(*insp, top.at("inspection"), issues);
    if (const auto* names = r.array("snapshots", false))
      for (std::size_t i = 0; i < names->size(); ++i) {
        if ((*names)[i].is_string()) spec.inspection.snapshots.push_back((*names)[i].get<std::string>());
        else issues.push_back({r.at("snapshots") + "/" + std::to_string(i), "expected a snapshot name, found " + describe((*names)[i])});
      }
    spec.inspection.every = r.integer("every", 0, 1 << 30, 0);
    spec.inspection.example = r.integer("example", 0, 1 << 30, 0);
    if (const auto* surface = r.object("surface", false)) {
      Reader sr(*surface, r.at("surface"), issues);
      for (const char* axis : {"x", "y"})
        if (const auto* range = sr.array(axis, false)) {
          const bool ok = range->size() == 2 && (*range)[0].is_number() && (*range)[1].is_number() &&
                          std::isfinite((*range)[0].get<double>()) && std::isfinite((*range)[1].get<double>()) &&
                          (*range)[0].get<double>() < (*range)[1].get<double>() &&
                          (*range)[1].get<double>() - (*range)[0].get<double>() < 1e6;
          if (!ok) sr.issue(axis, "expected [low, high] with finite low < high (a span below 1e6), found " + describe(*range));
        }
      sr.integer("resolution", 5, 201, 41);
      sr.finish();
      spec.inspection.surface = *surface;
    }
    if (r.has("diffusion_t")) {
      spec.inspection.diffusion_t = r.integer("diffusion_t", 0, 1000);
      if (spec.kind != "diffusion") r.issue("diffusion_t", "only a diffusion model has steps t; this model is " + spec.kind);
      else if (spec.kind_config.contains("timesteps") && spec.inspection.diffusion_t > spec.kind_config["timesteps"].get<std::int64_t>())
        r.issue("diffusion_t", "must be from 0 to timesteps (" + spec.kind_config["timesteps"].dump() + "), found " +
                                   std::to_string(spec.inspection.diffusion_t));
    }
    r.finish();
  }
  top.text("description", "");
  // A lesson's steps and texts (docs/lessons.md) ride along in the same file; the engine
  // trains the spec around them, and core/lesson reads the block itself.
  top.object("lesson", false);
  top.finish();
  if (!issues.empty()) throw_spec_error(issues);
  check_loss_is_scalar(spec, issues);
  check_batch_shapes(spec, issues);
  if (!issues.empty()) throw_spec_error(issues);
  return spec;
}

ExperimentSpec parse_spec(const std::string& text) { return parse_spec(parse_json_text(text, "spec")); }

GRADLAB_END
