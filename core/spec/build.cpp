#include "spec/build.h"
#include "spec/spec_internal.h"
#include "tensor/strings.h"

#include <cmath>

#include "nn/containers.h"
#include "nn/conv.h"
#include "nn/embedding.h"
#include "nn/norm.h"
#include "nn/init.h"
#include "nn/positional.h"
#include "nn/recurrent.h"
#include "nn/transformer.h"
#include "optim/factory.h"

GRADLAB_BEGIN

namespace {

// ---- data -------------------------------------------------------------------------

void set_option(DatasetOptions& o, const OptionSpec& spec, const nlohmann::json& v, const std::string& ptr,
                std::vector<SpecIssue>& issues) {
  auto bad = [&](const std::string& expected) { issues.push_back({ptr, "expected " + expected + ", found " + describe(v)}); };
  const std::string range = "from " + format_g(spec.min) + " to " + format_g(spec.max);
  const std::string& n = spec.name;
  if (spec.type == "integer" || spec.type == "number") {
    const bool integral = v.is_number() && std::floor(v.get<double>()) == v.get<double>();
    if (!v.is_number() || !std::isfinite(v.get<double>()) || (spec.type == "integer" && !integral))
      return bad(std::string(spec.type == "integer" ? "an integer " : "a number ") + range);
    const double d = v.get<double>();
    if (d < spec.min || d > spec.max) return issues.push_back({ptr, "must be " + range + " for this dataset, found " + v.dump()});
    const int i = static_cast<int>(d);
    if (n == "seed") o.seed = static_cast<std::uint64_t>(d);
    else if (n == "test_fraction") o.test_fraction = d;
    else if (n == "n_samples") o.n_samples = i;
    else if (n == "noise") o.noise = d;
    else if (n == "num_classes") o.num_classes = i;
    else if (n == "seq_len") o.seq_len = i;
    else if (n == "lag") o.lag = i;
    else if (n == "num_symbols") o.num_symbols = i;
    else if (n == "n_context") o.n_context = i;
    else if (n == "degree") o.degree = i;
    else if (n == "max_value") o.max_value = i;
    else if (n == "num_modes") o.num_modes = i;
    else if (n == "grid_size") o.grid_size = i;
    else if (n == "n_features") o.n_features = i;
    else if (n == "image_size") o.image_size = i;
    else if (n == "shift") o.shift = i;
    else issues.push_back({ptr, "option '" + n + "' is not supported by the spec reader"});
  } else if (spec.type == "numbers") {
    if (!v.is_array()) return bad("an array of numbers");
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (!v[k].is_number()) return issues.push_back({ptr + "/" + std::to_string(k), "expected a number, found " + describe(v[k])});
      o.coefficients.push_back(v[k].get<double>());
    }
  } else if (spec.type == "points") {
    if (!v.is_array()) return bad("an array of [x, y] or [x, y, label] points");
    for (std::size_t k = 0; k < v.size(); ++k) {
      const auto& p = v[k];
      if (!p.is_array() || p.size() < 2 || p.size() > 3 || !p[0].is_number() || !p[1].is_number() ||
          (p.size() == 3 && !p[2].is_number_integer()))
        return issues.push_back({ptr + "/" + std::to_string(k), "expected [x, y] or [x, y, label] with an integer label, found " + describe(p)});
      o.points.push_back({p[0].get<double>(), p[1].get<double>(), p.size() == 3 ? p[2].get<int>() : 0});
    }
  } else if (spec.type == "text" || spec.type == "choice") {
    if (!v.is_string()) return bad("a string");
    if (n == "csv_text") o.csv_text = v.get<std::string>();
    else if (n == "target_column") o.target_column = v.get<std::string>();
    else if (n == "csv_task") o.csv_task = v.get<std::string>();
    else if (n == "context_order") o.context_order = v.get<std::string>();
    else issues.push_back({ptr, "option '" + n + "' is not supported by the spec reader"});
  }
}

}  // namespace

DatasetOptions dataset_options(const DataSpec& data, std::vector<SpecIssue>& issues) {
  DatasetOptions o;
  const DatasetInfo* info = nullptr;
  std::vector<std::string> names;
  for (const auto& d : dataset_catalog()) {
    names.push_back(d.name);
    if (d.name == data.dataset) info = &d;
  }
  if (!info) {
    issues.push_back({"/data/dataset", "unknown dataset '" + data.dataset + "' (built in: " + join(names) + ")"});
    return o;
  }
  const std::size_t before = issues.size();
  for (auto it = data.options.begin(); it != data.options.end(); ++it) {
    const std::string ptr = "/data/options/" + pointer_escape(it.key());
    const OptionSpec* spec = info->option(it.key());
    if (!spec) {
      std::vector<std::string> allowed;
      for (const auto& s : info->options) allowed.push_back(s.name);
      issues.push_back({ptr, "dataset '" + info->name + "' has no option '" + it.key() + "' (its options: " + join(allowed) + ")"});
      continue;
    }
    set_option(o, *spec, it.value(), ptr, issues);
  }
  if (issues.size() == before) {
    try {
      validate_options(data.dataset, o);
    } catch (const std::invalid_argument& e) {
      issues.push_back({"/data/options", e.what()});
    }
  }
  return o;
}

namespace {

// ---- model ------------------------------------------------------------------------

init::InitOptions init_options(const nlohmann::json& scale) {
  init::InitOptions o;
  o.std = scale.value("init_std", o.std);
  o.bound = scale.value("init_bound", o.bound);
  o.gain = scale.value("init_gain", o.gain);
  o.a = scale.value("init_a", o.a);
  o.mode = scale.value("init_mode", o.mode);
  o.nonlinearity = scale.value("init_nonlinearity", o.nonlinearity);
  return o;
}

void apply_init(Module& m, const InitChoice& init, Rng& rng) {
  if (init.name.empty() || init.name == "default") return;
  const init::InitOptions options = init_options(init.scale);
  for (auto& [name, p] : m.named_parameters()) {
    Tensor& t = p.mutable_value();
    if (t.rank() >= 2) init::by_name(init.name, t, rng, options);  // weights; biases keep their default
  }
}

// `rng` initialises parameters; `dropout_rng` is kept by Dropout layers for their masks.
std::shared_ptr<Layer> build_layer(const LayerSpec& l, const InitChoice& model_init, Rng& rng, Rng& dropout_rng) {
  const auto& c = l.config;
  auto i = [&](const char* k) { return c.at(k).get<std::int64_t>(); };
  const InitChoice init = effective_init(l, model_init);
  std::shared_ptr<Layer> layer;
  const std::string& t = l.type;
  if (t == "linear") {
    layer = std::make_shared<Linear>(i("in"), i("out"), rng, c.at("bias").get<bool>());
  } else if (t == "tanh" || t == "sigmoid" || t == "relu" || t == "gelu" || t == "softmax" || t == "log_softmax") {
    layer = std::make_shared<Activation>(t);
  } else if (t == "leaky_relu") {
    layer = std::make_shared<Activation>(t, c.at("slope").get<double>());
  } else if (t == "rnn" || t == "lstm" || t == "gru") {
    RecurrentOptions o;
    o.kind = t == "lstm" ? CellKind::Lstm : t == "gru" ? CellKind::Gru
           : c.at("nonlinearity") == "relu" ? CellKind::RnnRelu : CellKind::RnnTanh;
    o.input_size = i("input_size");
    o.hidden_size = i("hidden_size");
    o.num_layers = static_cast<int>(i("num_layers"));
    o.bidirectional = c.at("bidirectional").get<bool>();
    o.bias = c.at("bias").get<bool>();
    o.peephole = t == "lstm" && c.at("peephole").get<bool>();
    o.coupled_input_forget = t == "lstm" && c.at("coupled_input_forget").get<bool>();
    o.proj_size = t == "lstm" ? i("proj_size") : 0;
    o.reset_before = t == "gru" && c.at("reset") == "before";
    auto r = std::make_shared<Recurrent>(o, rng);
    apply_init(*r, init, rng);
    if (c.contains("forget_bias")) r->set_forget_bias(c.at("forget_bias").get<double>());
    return r;
  } else if (t == "last_step") {
    layer = std::make_shared<LastStep>();
  } else if (t == "final_state") {
    layer = std::make_shared<FinalState>(i("hidden_size"), c.at("bidirectional").get<bool>());
  } else if (t == "embedding") {
    layer = std::make_shared<Embedding>(i("num_embeddings"), i("embedding_dim"), rng);
  } else if (t == "positional") {
    if (c.at("kind") == "learned") layer = std::make_shared<LearnedPositionalEncoding>(i("max_len"), i("dim"), rng);
    else layer = std::make_shared<SinusoidalPositionalEncoding>(i("max_len"), i("dim"));
  } else if (t == "flatten") {
    layer = std::make_shared<Flatten>();
  } else if (t == "unflatten") {
    layer = std::make_shared<Unflatten>(static_cast<int>(i("dim")), c.at("unflattened_size").get<std::vector<std::int64_t>>());
  } else if (t == "conv2d") {
    layer = std::make_shared<Conv2d>(i("in_channels"), i("out_channels"), Size2(i("kernel_size")), Size2(i("stride")),
                                     Size2(i("padding")), rng, c.at("bias").get<bool>());
  } else if (t == "max_pool2d") {
    layer = std::make_shared<MaxPool2d>(Size2(i("kernel_size")), Size2(i("stride")), Size2(i("padding")));
  } else if (t == "avg_pool2d") {
    layer = std::make_shared<AvgPool2d>(Size2(i("kernel_size")), Size2(i("stride")), Size2(i("padding")));
  } else if (t == "batch_norm1d") {
    layer = std::make_shared<BatchNorm1d>(i("num_features"), c.at("eps").get<double>(), c.at("momentum").get<double>());
  } else if (t == "batch_norm2d") {
    layer = std::make_shared<BatchNorm2d>(i("num_features"), c.at("eps").get<double>(), c.at("momentum").get<double>());
  } else if (t == "dropout") {
    layer = std::make_shared<Dropout>(c.at("p").get<double>(), dropout_rng);
  } else if (t == "layer_norm") {
    layer = std::make_shared<LayerNorm>(i("normalized_shape"), c.at("eps").get<double>(), c.at("elementwise_affine").get<bool>());
  } else if (t == "multihead_attention") {
    layer = std::make_shared<MultiheadAttention>(i("embed_dim"), i("num_heads"), rng, c.at("causal").get<bool>(),
                                                 c.at("dropout").get<double>(), &dropout_rng);
  } else if (t == "transformer_encoder_layer") {
    TransformerEncoderLayerOptions o;
    o.d_model = i("d_model");
    o.nhead = i("nhead");
    o.dim_feedforward = i("dim_feedforward");
    o.activation = c.at("activation").get<std::string>();
    o.norm_first = c.at("norm_first").get<bool>();
    o.dropout = c.at("dropout").get<double>();
    o.layer_norm_eps = c.at("layer_norm_eps").get<double>();
    o.causal = c.at("causal").get<bool>();
    layer = std::make_shared<TransformerEncoderLayer>(o, rng, &dropout_rng);
  } else if (t == "mean_pool") {
    layer = std::make_shared<MeanPool>();
  } else if (t == "residual") {
    auto body = std::make_shared<Sequential>();
    for (const auto& inner : l.body) body->add(build_layer(inner, model_init, rng, dropout_rng));
    return std::make_shared<Residual>(body);  // inner layers were initialised already
  } else {
    throw_spec_error(l.pointer + "/type", "layer type '" + t + "' is not available in this build");
  }
  apply_init(*layer, init, rng);
  return layer;
}

}  // namespace

std::shared_ptr<Sequential> build_layer_stack(const ExperimentSpec& spec, Rng& rng, Rng& dropout_rng) {
  auto layers = std::make_shared<Sequential>();
  const InitChoice model_init{spec.init, spec.init_scale};
  for (const auto& l : spec.layers) layers->add(build_layer(l, model_init, rng, dropout_rng));
  return layers;
}

void load_spec_parameters(const ExperimentSpec& spec, Module& model) {
  if (spec.parameters.empty()) return;
  std::vector<SpecIssue> issues;
  std::vector<std::string> names;
  for (auto& [n, v] : model.named_parameters()) names.push_back(n);
  for (const auto& [name, value] : spec.parameters) {
    const std::string ptr = "/model/parameters/" + pointer_escape(name);
    try {
      const Var p = model.parameter(name);
      if (p.shape() != value.shape())
        issues.push_back({ptr, "parameter '" + name + "' has shape " + to_string(p.shape()) + " (PyTorch layout), the values given have shape " +
                                   to_string(value.shape())});
    } catch (const std::out_of_range&) {
      issues.push_back({ptr, "the model has no parameter '" + name + "' (its parameters: " + join(names) + ")"});
    }
  }
  if (!issues.empty()) throw_spec_error(issues);
  model.load_state(spec.parameters, /*strict=*/false);
}

std::unique_ptr<Optimizer> build_optimizer(const NamedConfig& optimizer, const NamedParams& params) {
  const auto& oc = optimizer.config;
  OptimizerConfig config;
  config.lr = oc.at("lr").get<double>();
  config.weight_decay = oc.at("weight_decay").get<double>();
  if (oc.contains("eps")) config.eps = oc.at("eps").get<double>();
  if (oc.contains("momentum")) config.momentum = oc.at("momentum").get<double>();
  if (oc.contains("dampening")) config.dampening = oc.at("dampening").get<double>();
  if (oc.contains("nesterov")) config.nesterov = oc.at("nesterov").get<bool>();
  if (oc.contains("betas")) config.betas = {oc.at("betas")[0].get<double>(), oc.at("betas")[1].get<double>()};
  if (oc.contains("alpha")) config.alpha = oc.at("alpha").get<double>();
  if (oc.contains("centered")) config.centered = oc.at("centered").get<bool>();
  if (oc.contains("lr_decay")) config.lr_decay = oc.at("lr_decay").get<double>();
  if (oc.contains("initial_accumulator_value")) config.initial_accumulator_value = oc.at("initial_accumulator_value").get<double>();
  return make_optimizer(optimizer.type, config, params);
}

void check_token_inputs(const std::vector<LayerSpec>& layers, const Dataset& data, const std::string& inputs_pointer,
                        std::vector<SpecIssue>& issues) {
  if (layers.empty() || layers.front().type != "embedding") return;
  const LayerSpec& emb = layers.front();
  const std::int64_t rows = emb.config.at("num_embeddings").get<std::int64_t>();
  double largest = -1;
  for (const Tensor* x : {&data.x_train, &data.x_test}) {
    if (!x->defined()) continue;
    const std::int64_t n = x->numel();
    const Scalar* v = x->data();
    for (std::int64_t i = 0; i < n; ++i) {
      const double id = v[i];
      if (!(id >= 0) || id != std::floor(id)) {
        issues.push_back({inputs_pointer, "the first layer is an embedding, so the inputs must be token ids (whole numbers >= 0); "
                                          "found " + format_g(id) + " at flat position " + std::to_string(i)});
        return;
      }
      largest = std::max(largest, id);
    }
  }
  const bool vocab = !data.vocab.empty();
  const std::int64_t needed = vocab ? static_cast<std::int64_t>(data.vocab.size()) : static_cast<std::int64_t>(largest) + 1;
  if (rows >= needed) return;
  issues.push_back({emb.pointer + "/num_embeddings",
                    vocab ? "is " + std::to_string(rows) + ", but the '" + data.name + "' dataset's vocabulary has " + std::to_string(needed) +
                                " tokens (ids 0.." + std::to_string(needed - 1) + "); num_embeddings must be at least " +
                                std::to_string(needed) + ", one row per token"
                          : "is " + std::to_string(rows) + ", but the inputs hold token id " + std::to_string(needed - 1) +
                                "; num_embeddings must be at least " + std::to_string(needed) + ", one row per id"});
}

std::unique_ptr<Experiment> build_experiment(ExperimentSpec spec) {
  auto exp = std::make_unique<Experiment>();
  std::vector<SpecIssue> issues;

  // Data first: the model is checked against it before anything else is allocated.
  if (spec.data.has_batch()) {
    exp->data.name = "batch";
    exp->data.task = "batch";
    exp->data.x_train = spec.data.inputs;
    exp->data.y_train = spec.data.targets;
  } else {
    DatasetOptions options = dataset_options(spec.data, issues);
    if (!issues.empty()) throw_spec_error(issues);
    if (!spec.data.options.contains("seed")) options.seed = spec.seed;
    exp->data = make_dataset(spec.data.dataset, options);
  }
  Shape in = exp->data.x_train.shape();
  in[0] = std::min<std::int64_t>(in[0], spec.training.batch_size);
  const auto summary = summarize_layers(spec.layers, in, issues);
  if (issues.empty()) check_model_size(summary, issues);
  // (an explicit batch's seed was checked against its exact shape when parsed)
  if (issues.empty() && !summary.empty() && !spec.data.has_batch()) check_loss_seed(spec.loss, summary.back().output, false, issues);
  if (!issues.empty()) throw_spec_error(issues);

  // The model, then explicit parameter values (names and shapes checked first).
  Rng rng(spec.seed);
  exp->dropout_rng = Rng(spec.seed, 0xd509);
  exp->model = std::make_shared<SpecModel>(build_layer_stack(spec, rng, exp->dropout_rng));
  exp->model->assign_names();
  load_spec_parameters(spec, *exp->model);

  // Optimizer, schedule, trainer.
  auto optimizer = build_optimizer(spec.optimizer, exp->model->named_parameters());
  const auto& sc = spec.training.schedule.config;
  ScheduleConfig sched;
  if (sc.contains("step_size")) sched.step_size = sc.at("step_size").get<std::int64_t>();
  if (sc.contains("gamma")) sched.gamma = sc.at("gamma").get<double>();
  if (sc.contains("t_max")) sched.T_max = sc.at("t_max").get<std::int64_t>();
  if (sc.contains("eta_min")) sched.eta_min = sc.at("eta_min").get<double>();
  auto schedule = make_schedule(spec.training.schedule.type, sched, optimizer->lr());

  Objective objective;
  objective.type = spec.loss.type;
  objective.reduction = spec.loss.reduction;
  objective.seed = spec.loss.seed;
  objective.scale = spec.loss.scale;
  objective.broadcast = spec.loss.broadcast;
  TrainConfig tc;
  tc.batch_size = spec.training.batch_size;
  tc.clip_grad_norm = spec.training.clip_grad_norm;
  tc.clip_grad_value = spec.training.clip_grad_value;
  tc.l1 = spec.training.l1;
  tc.l2 = spec.training.l2;
  tc.l1_proximal = spec.training.l1_mode == "proximal";
  tc.seed = spec.seed;
  tc.tbptt = spec.training.tbptt;
  try {
    exp->trainer = std::make_unique<SupervisedTrainer>(exp->model, std::move(optimizer), std::move(schedule), objective, tc,
                                                       exp->data.x_train, exp->data.y_train);
  } catch (const std::invalid_argument& e) {
    // The data and loss were checked above; what is left is truncated BPTT's fit.
    throw_spec_error(spec.training.tbptt > 0 ? "/training/tbptt" : "/data", e.what());
  }
  exp->spec = std::move(spec);
  return exp;
}

std::pair<Tensor, Tensor> reference_batch(const Experiment& exp) {
  const Tensor& x = exp.data.x_train;
  const Tensor& y = exp.data.y_train;
  const std::int64_t n = std::min<std::int64_t>(x.dim(0), exp.spec.training.batch_size);
  if (n == x.dim(0)) return {x, y};
  std::vector<std::int64_t> index;
  for (std::int64_t i = 0; i < n; ++i) index.push_back(i);
  return {take_rows(x, index), take_rows(y, index)};
}

GRADLAB_END
