#include "session/supervised_runner.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <functional>
#include <optional>

#include "data/vocab.h"
#include "inspect/inspect.h"
#include "nn/recurrent.h"
#include "ops/ops.h"
#include "support/throw.h"
#include "train/linear_regression.h"
#include "train/tbptt.h"

GRADLAB_BEGIN

SupervisedRunner::SupervisedRunner(std::unique_ptr<Experiment> exp) : exp_(std::move(exp)) {}
SupervisedRunner::~SupervisedRunner() = default;

bool SupervisedRunner::is_language_model() const {
  return exp_->data.task == "language_model" && exp_->spec.loss.type == "cross_entropy";
}

nlohmann::json SupervisedRunner::step() {
  if (exp_->model->num_parameters() == 0)
    throw_spec_error("/model/layers", "the model has no parameters, so a training step has nothing to change (gradlab grad "
                                      "still shows the gradient with respect to the inputs); add a layer with weights, such as linear");
  const bool track = has_two_parameters();
  if (track && path_.empty()) {
    path_.push_back(two_parameter_values());
    path_steps_.push_back(exp_->trainer->steps_done());
  }
  const StepMetrics m = exp_->trainer->step();
  if (track) {
    // Thin evenly (keep every other point) rather than stop, so a long run's path stays whole.
    constexpr std::size_t kMaxPath = 4096;
    if (path_.size() >= kMaxPath) {
      std::size_t kept = 0;
      for (std::size_t i = 0; i < path_.size(); i += 2, ++kept) {
        path_[kept] = path_[i];
        path_steps_[kept] = path_steps_[i];
      }
      path_.resize(kept);
      path_steps_.resize(kept);
    }
    path_.push_back(two_parameter_values());
    path_steps_.push_back(m.step);
  }
  if (m.clipped) ++clipped_steps_;
  nlohmann::json j;
  j["step"] = m.step;
  j["loss"] = number_or_null(m.loss);
  j["objective"] = number_or_null(m.objective);
  j["accuracy"] = number_or_null(m.accuracy);
  j["grad_norm"] = number_or_null(m.grad_norm);
  j["grad_norm_after_clip"] = number_or_null(m.grad_norm_after);
  j["clipped"] = m.clipped;
  j["clipped_fraction"] = static_cast<double>(clipped_steps_) / static_cast<double>(std::max<std::int64_t>(m.step, 1));
  j["lr"] = m.lr;
  if (is_language_model()) j["perplexity"] = number_or_null(std::exp(m.loss));
  if (m.chunk_steps > 0) {
    nlohmann::json& chunk = j["chunk"];
    chunk["start"] = m.chunk_start;
    chunk["steps"] = m.chunk_steps;
  }
  return j;
}

nlohmann::json SupervisedRunner::evaluate(const std::string& split) {
  const bool test = split == "test";
  const Tensor& x = test ? exp_->data.x_test : exp_->data.x_train;
  const Tensor& y = test ? exp_->data.y_test : exp_->data.y_train;
  const EvalMetrics e = exp_->trainer->evaluate(x, y);
  nlohmann::json j;
  j["loss"] = number_or_null(e.loss);
  j["accuracy"] = number_or_null(e.accuracy);
  j["n"] = e.n;
  if (is_language_model() && e.n > 0) j["perplexity"] = number_or_null(std::exp(e.loss));
  return j;
}

bool SupervisedRunner::token_inputs() const {
  return !exp_->spec.layers.empty() && exp_->spec.layers.front().type == "embedding";
}

// The pass grad() and the gradient snapshots share: one forward/backward on the reference
// batch (the inputs require grad unless they are token ids). The caller keeps a
// TrainingStateGuard around it and zero_grad()s after.
SupervisedTrainer::Pass SupervisedRunner::grad_pass() {
  const auto [x, y] = reference_batch(*exp_);
  return exp_->trainer->forward_backward(x, y, !token_inputs());
}

GradPass SupervisedRunner::grad() {
  const TrainingStateGuard keep(*exp_->model, {&exp_->dropout_rng});
  auto pass = grad_pass();
  GradPass g;
  g.loss = pass.loss.numel() == 1 ? nlohmann::json(static_cast<double>(pass.loss.item())) : tensor_to_json(pass.loss.value());
  g.objective = number_or_null(pass.objective);
  g.outputs = pass.output.value().clone();
  for (const auto& [name, p] : exp_->model->named_parameters())
    g.gradients.emplace_back(name, p.has_grad() ? p.grad().clone() : Tensor::zeros(p.shape()));
  if (pass.inputs.has_grad()) g.input_gradient = pass.inputs.grad().clone();
  exp_->model->zero_grad();
  return g;
}

GradCheckResult SupervisedRunner::check_gradients(GradCheckOptions options) {
  const auto inputs_ = reference_batch(*exp_);
  const Tensor& x = inputs_.first;
  const Tensor& y = inputs_.second;
  const Objective& objective = exp_->trainer->objective();
  const Var input(x);
  auto loss = [&] {
    Var l = objective.loss(exp_->model->forward(input), y);
    // A seeded (vector) objective is checked as the scalar sum(seed * objective).
    if (objective.seed.defined()) l = sum(mul(l, Var(objective.seed)));
    return l;
  };
  GradCheckResult r = gradcheck(loss, exp_->model->parameters(), options);
  exp_->model->zero_grad();
  return r;
}

// Truncated BPTT's place in the current sequences (null when it is off).
nlohmann::json SupervisedRunner::tbptt_json() const {
  const TruncatedBptt* t = exp_->trainer->tbptt();
  if (!t) return nullptr;
  const TruncatedBptt::State st = t->state();
  nlohmann::json o;
  o["rows"] = st.rows;
  o["next_start"] = st.next_start;
  o["h"] = st.h.defined() ? tensor_to_json(st.h) : nlohmann::json(nullptr);
  o["c"] = st.c.defined() ? tensor_to_json(st.c) : nlohmann::json(nullptr);
  return o;
}

nlohmann::json SupervisedRunner::save_state() const {
  nlohmann::json o;
  nlohmann::json& opt = o["optimizer"];
  opt["type"] = exp_->spec.optimizer.type;
  opt["state"] = named_tensors_json(exp_->trainer->optimizer().state());
  o["batcher"] = batcher_json(exp_->trainer->batcher());
  o["dropout_rng"] = rng_json(exp_->dropout_rng.state());
  o["clipped_steps"] = clipped_steps_;
  o["tbptt"] = tbptt_json();
  return o;
}

void SupervisedRunner::load_state(const nlohmann::json& state, const std::string& ptr) {
  // Read and validate everything first; nothing changes until all of it fits.
  const auto& opt = required(state, "optimizer", ptr);
  const std::string opt_type =
      required(opt, "type", ptr + "/optimizer").is_string() ? opt["type"].get<std::string>() : "";
  if (opt_type != exp_->spec.optimizer.type)
    throw_spec_error(ptr + "/optimizer/type", "the checkpoint's optimizer is " +
                                                  (opt_type.empty() ? "(missing)" : opt_type) +
                                                  ", this experiment's is " + exp_->spec.optimizer.type);
  auto opt_state = named_tensors_from(required(opt, "state", ptr + "/optimizer"), ptr + "/optimizer/state");
  const Batcher batcher = batcher_from(state, "batcher", exp_->trainer->batcher(), ptr);
  const Rng::State dropout = rng_from_json(required(state, "dropout_rng", ptr), ptr + "/dropout_rng");
  const std::int64_t clipped = count_from(state, "clipped_steps", ptr);
  TruncatedBptt::State tbptt_state;
  TruncatedBptt* tbptt = exp_->trainer->tbptt();
  if (tbptt) {
    const std::string tp = ptr + "/tbptt";
    const auto& t = required(state, "tbptt", ptr);
    const auto& rows = required(t, "rows", tp);
    if (!rows.is_array()) throw_spec_error(tp + "/rows", "expected an array of row indices, found " + describe(rows));
    for (const auto& r : rows) {
      if (!r.is_number_integer()) throw_spec_error(tp + "/rows", "expected integer row indices, found " + describe(r));
      tbptt_state.rows.push_back(r.get<std::int64_t>());
    }
    tbptt_state.next_start = count_from(t, "next_start", tp);
    std::vector<SpecIssue> issues;
    for (const char* key : {"h", "c"}) {
      const auto& v = required(t, key, tp);
      if (!v.is_null()) (key[0] == 'h' ? tbptt_state.h : tbptt_state.c) = tensor_from_json(v, tp + "/" + key, issues);
    }
    if (!issues.empty()) throw_spec_error(issues);
  }
  Optimizer& optimizer = exp_->trainer->optimizer();
  const auto previous_optimizer = optimizer.state();
  try {
    optimizer.load_state(opt_state);  // validates before it changes anything
  } catch (const std::invalid_argument& e) {
    throw_spec_error(ptr + "/optimizer/state", e.what());
  }
  if (tbptt) {
    try {
      tbptt->set_state(tbptt_state, exp_->trainer->x_train(), exp_->trainer->y_train());  // all or nothing
    } catch (const std::invalid_argument& e) {
      optimizer.load_state(previous_optimizer);
      throw_spec_error(ptr + "/tbptt", e.what());
    }
  }
  exp_->trainer->batcher() = batcher;
  exp_->dropout_rng.set_state(dropout);
  clipped_steps_ = clipped;
}

namespace {
// The first recurrent layer of the model's top level (the one the probes look at).
Recurrent* first_recurrent(SpecModel& model) {
  for (std::size_t i = 0; i < model.layers().size(); ++i)
    if (Recurrent* r = model.layers().at(i)->as_recurrent()) return r;
  return nullptr;
}
}  // namespace

std::vector<std::string> SupervisedRunner::snapshot_names() const {
  std::vector<std::string> names = {"params", "gradcheck"};
  const Shape& x = exp_->data.x_train.shape();
  // The field sweeps the inputs over a line or the plane: only where they are real
  // coordinates, not token ids (next_word with two context words is [N, 2] of ids).
  const bool token_inputs = exp_->data.task == task::language_model ||
                            (!exp_->spec.layers.empty() && exp_->spec.layers[0].type == "embedding");
  if (x.size() == 2 && (x[1] == 1 || x[1] == 2) && !token_inputs) names.push_back("field");
  names.push_back("layers");  // the model is always a Sequential
  if (first_recurrent(*exp_->model)) {
    names.push_back("recurrent");
    names.push_back("jacobian");
  }
  // A graph is readable for a network of a few scalars; a recurrent one unrolls in time
  // (graph_snapshot), so a hidden size of 2 with its readout (13) still fits.
  const std::int64_t graph_limit = first_recurrent(*exp_->model) ? 64 : 12;
  if (exp_->model->num_parameters() <= graph_limit) names.push_back("graph");
  if (has_predictions()) names.push_back("predictions");
  if (is_linear_regression()) names.push_back("normal_equation");
  if (has_two_parameters()) names.push_back("loss_surface");
  if (self_attention_available()) names.push_back("self_attention");
  if (has_conv()) {
    names.push_back("filters");
    names.push_back("conv_as_linear");
  }
  if (has_images()) {
    names.push_back("feature_maps");
    names.push_back("image_predictions");
  }
  return names;
}

nlohmann::json SupervisedRunner::snapshot(const std::string& what) {
  SpecModel& model = *exp_->model;
  const auto inputs_ = reference_batch(*exp_);
  const Tensor& x = inputs_.first;
  const Tensor& y = inputs_.second;
  if (what == "params") return params_snapshot(*this);
  if (what == "layers") return layers_snapshot();
  if (what == "gradcheck") {
    const Objective& objective = exp_->trainer->objective();
    const Var input(x);
    auto loss = [&] {
      Var l = objective.loss(model.forward(input), y);
      return objective.seed.defined() ? sum(mul(l, Var(objective.seed))) : l;
    };
    GradCheckOptions options;
    if constexpr (sizeof(Scalar) == 4) options = {1e-2, 5e-2};  // float: a few digits only
    nlohmann::json j = to_json(gradcheck_report(loss, model, options));
    model.zero_grad();
    return j;
  }
  if (what == "field") {
    // The model's output over the data's bounding box with a margin, and the data itself.
    const Tensor& data = exp_->data.x_train;
    const bool one_d = data.dim(1) == 1;
    double lo[2] = {1e30, 1e30}, hi[2] = {-1e30, -1e30};
    for (std::int64_t i = 0; i < data.dim(0); ++i)
      for (std::int64_t d = 0; d < data.dim(1); ++d) {
        lo[d] = std::min(lo[d], static_cast<double>(data[i * data.dim(1) + d]));
        hi[d] = std::max(hi[d], static_cast<double>(data[i * data.dim(1) + d]));
      }
    GridSpec grid;
    const double mx = 0.1 * (hi[0] - lo[0]) + 1e-3;
    grid.x_min = lo[0] - mx;
    grid.x_max = hi[0] + mx;
    if (!one_d) {
      const double my = 0.1 * (hi[1] - lo[1]) + 1e-3;
      grid.y_min = lo[1] - my;
      grid.y_max = hi[1] + my;
    }
    grid.nx = one_d ? 200 : 60;
    grid.ny = one_d ? 2 : 60;
    nlohmann::json j;
    if (one_d) {
      // A curve: the model on nx points of the line (the grid's second row is unused).
      Tensor xs({grid.nx, 1});
      for (int i = 0; i < grid.nx; ++i)
        xs[i] = static_cast<Scalar>(grid.x_min + (grid.x_max - grid.x_min) * i / (grid.nx - 1));
      NoGradGuard no_grad;
      model.train(false);
      Tensor out = model.forward(Var(xs)).value();
      model.train(true);
      j["kind"] = "curve";
      j["x"] = tensor_json(xs);
      j["y"] = tensor_json(out);
    } else {
      j = to_json(decision_field(model, grid, field_output_for(exp_->trainer->objective())));
      j["kind"] = "field";
    }
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(data.dim(0), 1000); ++i) rows.push_back(i);
    j["points"] = tensor_json(take_rows(data, rows));
    j["targets"] = tensor_json(take_rows(exp_->data.y_train, rows));
    return j;
  }
  if (what == "recurrent" || what == "jacobian") {
    Recurrent* layer = first_recurrent(model);
    if (!layer) throw_invalid_argument("the model has no recurrent layer");
    layer->set_trace(true);
    exp_->trainer->forward_backward(x, y, false);
    nlohmann::json j;
    if (what == "recurrent") {
      j = to_json(probe_recurrent(*layer));
    } else {
      JacobianOptions options;  // every singular value (top_k 0), with the clamps the forward used
      for (const auto& [gate, value] : layer->clamped_gates(0, 0)) options.clamped_gates.push_back(gate);
      j = to_json(step_jacobians(*layer, options));
    }
    layer->set_trace(false);
    model.zero_grad();
    return j;
  }
  if (what == "normal_equation") return normal_equation();
  if (what == "loss_surface") return loss_surface();
  if (what == "predictions") return predictions();
  if (what == "graph") return graph_snapshot(x, y);
  if (what == "self_attention") return self_attention_snapshot();
  if (what == "filters") return filters_snapshot();
  if (what == "conv_as_linear") return conv_as_linear_snapshot();
  if (what == "feature_maps") return feature_maps_snapshot();
  if (what == "image_predictions") return image_predictions_snapshot();
  throw_invalid_argument("no snapshot named '" + what + "'");
}

// The computation graph of one example, so that it stays small enough to read. Recurrent
// layers run their unfused path with step labels, so the graph is the net unrolled in
// time: every step's matmuls, adds and activations, and each recurrent weight a single
// leaf whose gradient is the sum of its per-step edges (shared_leaves). When the unrolled
// graph is too big for the picture (more than 200 nodes), the fused graph is shown, one
// node per layer ("unrolled": false).
nlohmann::json SupervisedRunner::graph_snapshot(const Tensor& x, const Tensor& y) {
  SpecModel& model = *exp_->model;
  const std::vector<std::int64_t> first = {0};
  const Objective& objective = exp_->trainer->objective();
  std::vector<Recurrent*> recurrent;
  for (std::size_t i = 0; i < model.layers().size(); ++i)
    if (Recurrent* r = model.layers().at(i)->as_recurrent()) recurrent.push_back(r);
  auto graph = [&](bool unrolled, int max_nodes) {
    struct Restore {  // the fused path and no labels again, however this ends
      std::vector<Recurrent*>& layers;
      ~Restore() {
        for (Recurrent* r : layers) {
          r->set_fused(true);
          r->set_step_labels(false);
        }
      }
    } restore{recurrent};
    for (Recurrent* r : recurrent) {
      r->set_fused(!unrolled);
      r->set_step_labels(unrolled);
    }
    Var l = objective.loss(model.forward(Var(take_rows(x, first))), take_rows(y, first));
    if (objective.seed.defined()) l = sum(l);
    return computation_graph(l, {.max_nodes = max_nodes});
  };
  if (!recurrent.empty()) {
    std::optional<ComputationGraph> unrolled;
    try {
      unrolled = graph(true, 200);
    } catch (const std::invalid_argument&) {
      // too many nodes unrolled: the fused graph below
    }
    if (unrolled) {
      nlohmann::json j = to_json(*unrolled);
      j["unrolled"] = true;
      return j;
    }
  }
  nlohmann::json j = to_json(graph(false, GraphOptions{}.max_nodes));
  j["unrolled"] = false;
  return j;
}

namespace {
// Seconds per run of f: one timed run if it takes 2 ms or more, else batches of runs
// doubling in size until a batch takes 2 ms, the fastest of three such batches per run.
// Batches because browsers coarsen the clock (to 0.1 ms or more): a single short run there
// reads as 0.
double seconds_per_run(FunctionRef<void()> f) {
  using Clock = std::chrono::steady_clock;
  const auto time = [&](int runs) {
    const auto start = Clock::now();
    for (int k = 0; k < runs; ++k) f();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  const double once = time(1);
  if (once >= 0.002) return once;
  int runs = 2;
  double best = 0;
  for (int batches = 0; batches < 3;) {
    const double s = time(runs);
    if (s < 0.002 && runs < (1 << 20)) {
      runs *= 2;
      continue;
    }
    best = batches++ == 0 ? s / runs : std::min(best, s / runs);
  }
  return best;
}

// Seconds of one full-batch forward and backward of a Linear layer under MSE, on copies of
// its weights (the model's parameters and gradients are left alone).
double full_batch_step_seconds(const Tensor& x, const Tensor& y, const Tensor& weight, const Tensor& bias) {
  GradModeGuard grad_on(true);
  Var w(weight.clone(), true), b = bias.defined() ? Var(bias.clone(), true) : Var();
  const Var input(x), target(y);
  return seconds_per_run([&] {
    w.zero_grad();
    if (b.defined()) b.zero_grad();
    mse_loss(linear(input, w, b), target).backward();
  });
}

// sqrt(sum of squares) over several tensors.
double joint_norm(const std::vector<Tensor>& ts) {
  double sum_sq = 0;
  for (const Tensor& t : ts)
    for (std::int64_t i = 0; i < t.numel(); ++i) sum_sq += static_cast<double>(t[i]) * static_cast<double>(t[i]);
  return std::sqrt(sum_sq);
}

// Bias parameters by the last part of their PyTorch names ("bias", "bias_ih_l0",
// "fn.0.bias" in a residual block); everything else a layer trains (weight, weight_hh_l0,
// BatchNorm's weight) counts as its weights.
bool is_bias(const std::string& name) {
  const auto dot = name.rfind('.');
  return name.compare(dot == std::string::npos ? 0 : dot + 1, 4, "bias") == 0;
}
}  // namespace

// Per top-level layer, input to output, on the grad batch: ||dL/dW_l|| over the layer's
// weights (and its biases apart) and ||dL/da_l||, the gradient reaching its output.
nlohmann::json SupervisedRunner::traced_grad_pass(FunctionRef<nlohmann::json(const SupervisedTrainer::Pass&)> read) {
  const TrainingStateGuard keep(*exp_->model, {&exp_->dropout_rng});
  struct Untrace {  // leave no outputs (or the graph they hold) and no gradients behind
    SpecModel& model;
    ~Untrace() {
      model.layers().set_trace(false);
      model.zero_grad();
    }
  } untrace{*exp_->model};
  exp_->model->layers().set_trace(true);
  return read(grad_pass());
}

nlohmann::json SupervisedRunner::layers_snapshot() {
  return traced_grad_pass([this](const SupervisedTrainer::Pass& pass) { return layers_json(pass); });
}

nlohmann::json SupervisedRunner::layers_json(const SupervisedTrainer::Pass& pass) {
  Sequential& seq = exp_->model->layers();
  const auto& outputs = seq.outputs();
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < seq.size(); ++l) {
    const Layer& layer = *seq.at(l);
    const std::string prefix = "layers." + std::to_string(l) + ".";
    std::vector<Tensor> dW, db, W;
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, p] : layer.named_parameters()) {
      names.push_back(prefix + name);
      const Tensor g = p.has_grad() ? p.grad() : Tensor::zeros(p.shape());
      if (is_bias(name)) {
        db.push_back(g);
      } else {
        dW.push_back(g);
        W.push_back(p.value());
      }
    }
    const Var& a = outputs.at(l);
    nlohmann::json& entry = layers.emplace_back();
    entry["index"] = l;
    entry["pointer"] = exp_->spec.layers.at(l).pointer;
    entry["type"] = exp_->spec.layers.at(l).type;
    entry["name"] = "layers." + std::to_string(l);
    entry["output_shape"] = a.shape();
    entry["parameters"] = std::move(names);
    entry["weight_grad_norm"] = dW.empty() ? nlohmann::json(nullptr) : number_or_null(joint_norm(dW));
    entry["bias_grad_norm"] = db.empty() ? nlohmann::json(nullptr) : number_or_null(joint_norm(db));
    entry["weight_norm"] = W.empty() ? nlohmann::json(nullptr) : number_or_null(joint_norm(W));
    // null when no gradient reaches it (a parameter-free layer on inputs that need none)
    entry["output_grad_norm"] = a.has_grad() ? number_or_null(joint_norm({a.grad()})) : nlohmann::json(nullptr);
  }
  nlohmann::json o;
  o["loss"] = pass.loss.numel() == 1 ? number_or_null(pass.loss.item()) : tensor_to_json(pass.loss.value());
  o["batch_size"] = pass.output.rank() > 0 ? pass.output.shape()[0] : 1;
  o["layers"] = std::move(layers);
  return o;
}

// A single Linear layer under MSE: least squares, which has a closed form to compare
// gradient descent against.
bool SupervisedRunner::is_linear_regression() const {
  return exp_->spec.layers.size() == 1 && exp_->spec.layers[0].type == "linear" && exp_->spec.loss.type == "mse" &&
         exp_->data.x_train.rank() == 2;
}

// The closed form minimises mean (x W^T + b - y)^2 + ridge * (|W|^2 + |b|^2). Training
// minimises scale * loss + l2 * sum(w^2) with SGD-style weight decay wd adding wd * w to
// the gradient (the gradient of wd/2 * sum(w^2)), which has the same minimiser with
// ridge = (l2 + wd/2) / scale (divided by N*O more under reduction "sum"). An L1 penalty
// (lasso), AdamW's decoupled decay or a seeded (weighted) loss change the minimiser in
// ways least squares does not express: then "applies" is false and "reason" says why.
nlohmann::json SupervisedRunner::normal_equation() {
  const ExperimentSpec& spec = exp_->spec;
  const Tensor& x = exp_->data.x_train;
  Tensor y = exp_->data.y_train;
  if (y.rank() == 1) y = y.reshape({y.dim(0), 1});
  const double l1 = spec.training.l1, l2 = spec.training.l2, scale = spec.loss.scale;
  const double wd = spec.optimizer.config.value("weight_decay", 0.0);
  std::vector<std::string> reasons;
  if (l1 > 0)
    reasons.push_back("training adds an L1 penalty (l1 = " + format_g(l1) + ", " + spec.training.l1_mode +
                      "): the lasso has no closed form, and its minimiser is not least squares' (it sets some weights to exactly 0)");
  if (wd > 0 && spec.optimizer.type == "adamw")
    reasons.push_back("AdamW's decoupled weight decay (" + format_g(wd) + ") is not a penalty on the loss, so its fixed point is not a "
                      "least-squares minimiser");
  if (spec.loss.seed.defined())
    reasons.push_back("the loss is seeded (/loss/seed weights the examples' losses): that is weighted least squares");
  LeastSquaresOptions options;
  options.fit_bias = spec.layers[0].config.at("bias").get<bool>();
  // The spec's l2 penalty (and weight decay) cover every parameter, bias included.
  const double per_element = spec.loss.reduction == "sum" ? static_cast<double>(y.numel()) : 1.0;
  options.ridge = (l2 + (spec.optimizer.type == "adamw" ? 0.0 : wd / 2)) / (scale * per_element);
  options.penalize_bias = true;
  LeastSquaresFit fit;
  const double solve_seconds = seconds_per_run([&] { fit = fit_least_squares(x, y, options); });
  // Gradient descent's plain mean squared error (no scale, no penalty), as the closed form's.
  double mse = 0;
  {
    NoGradGuard no_grad;
    exp_->model->train(false);
    const Tensor out = exp_->model->forward(Var(x)).value();
    exp_->model->train(true);
    for (std::int64_t i = 0; i < out.numel(); ++i) {
      const double r = static_cast<double>(out[i]) - static_cast<double>(y[i]);
      mse += r * r;
    }
    mse /= static_cast<double>(std::max<std::int64_t>(out.numel(), 1));
  }
  Module& m = *exp_->model;
  const std::int64_t N = x.dim(0), F = x.dim(1), O = y.dim(1);
  const std::int64_t ridge_rows = options.ridge > 0 ? F + (options.fit_bias ? 1 : 0) : 0;
  const LeastSquaresCost cost = least_squares_cost(N, F, O, options.fit_bias, ridge_rows);
  const double step_seconds = full_batch_step_seconds(x, y, m.parameter("layers.0.weight").value(),
                                                      options.fit_bias ? m.parameter("layers.0.bias").value() : Tensor());
  std::string solves = "mean squared error";
  if (options.ridge > 0) solves += " + " + format_g(options.ridge) + " * (sum W^2 + sum b^2) (ridge: the spec's l2 and weight decay, "
                                   "divided by the loss scale" + std::string(per_element > 1 ? " and by N*O for reduction sum" : "") + ")";
  // Built key by key: nlohmann's nested initializer lists cost ~3x the wasm code here
  // (docs/wasm.md "Sizes"); the keys come out sorted either way.
  nlohmann::json out;
  out["applies"] = reasons.empty();
  out["reason"] = reasons.empty() ? nlohmann::json(nullptr)
                                  : nlohmann::json(join(reasons, "; ") + "; the closed form below is for " + solves + " only");
  out["solves"] = solves;
  nlohmann::json& penalties = out["penalties"];
  penalties["l1"] = l1;
  penalties["l1_mode"] = spec.training.l1_mode;
  penalties["l2"] = l2;
  penalties["weight_decay"] = wd;
  penalties["ridge"] = options.ridge;
  nlohmann::json& closed_form = out["closed_form"];
  closed_form["weight"] = tensor_json(fit.weight);
  closed_form["bias"] = tensor_json(fit.bias);
  closed_form["mse"] = fit.mse;
  closed_form["rank"] = fit.rank;
  closed_form["columns"] = fit.columns;
  closed_form["rank_deficient"] = fit.rank_deficient;
  nlohmann::json& descent = out["gradient_descent"];
  descent["weight"] = tensor_json(m.parameter("layers.0.weight").value());
  descent["bias"] = options.fit_bias ? tensor_json(m.parameter("layers.0.bias").value()) : nlohmann::json(nullptr);
  descent["mse"] = number_or_null(mse);
  descent["steps"] = exp_->trainer->steps_done();
  nlohmann::json& c = out["cost"];
  c["samples"] = N;
  c["features"] = F;
  c["outputs"] = O;
  nlohmann::json& flops = c["flops"];
  flops["normal_equations"] = cost.normal_equations;
  flops["qr"] = cost.qr;
  flops["gradient_step"] = cost.gradient_step;
  flops["normal_equations_per_step"] = cost.normal_equations / cost.gradient_step;
  nlohmann::json& formulas = c["formulas"];
  formulas["normal_equations"] = "2 N C^2 (A^T A) + 2 N C O (A^T y) + C^3/3 (Cholesky) + 2 C^2 O (two triangular solves)";
  formulas["qr"] = "2 M C^2 - 2 C^3/3 (Householder QR, M = N + ridge rows) + 4 M C O (Q^T y) + C^2 O (one triangular solve)";
  formulas["gradient_step"] = "4 N F O (x W^T and dL/dW) + 2 N O (bias) + 2 C O (the update)";
  formulas["C"] = "F + 1 with a bias, else F";
  nlohmann::json& seconds = c["seconds"];
  seconds["closed_form"] = solve_seconds;
  seconds["gradient_step"] = step_seconds;
  seconds["closed_form_per_step"] = step_seconds > 0 ? nlohmann::json(solve_seconds / step_seconds) : nlohmann::json(nullptr);
  seconds["note"] =
      "wall-clock time measured by this snapshot: the closed form (gradlab's QR, in double) and a "
      "full-batch forward and backward of the Linear layer (float), each once if it takes 2 ms or more, "
      "else per run of the fastest of three batches of runs; it moves with the machine's load, the counts "
      "do not";
  return out;
}

void SupervisedRunner::clamp_gate(const std::string& gate, double value, int layer, int direction) {
  Recurrent* r = first_recurrent(*exp_->model);
  if (!r) throw_invalid_argument("clamp_gate: the model has no recurrent layer");
  r->clamp_gate(gate, value, layer, direction);
}

void SupervisedRunner::clear_clamps() {
  if (Recurrent* r = first_recurrent(*exp_->model)) r->clear_clamps();
}

// ---- update, sampling, predictions ----------------------------------------------------

void SupervisedRunner::take_state(Runner& previous) {
  auto& p = static_cast<SupervisedRunner&>(previous);
  SupervisedTrainer& t = *exp_->trainer;
  SupervisedTrainer& pt = *p.exp_->trainer;
  // A new optimizer type starts from a fresh state (the trainer's step count, which the
  // schedule reads, carries on).
  if (exp_->spec.optimizer.type == p.exp_->spec.optimizer.type)
    t.optimizer().load_state(adapt_optimizer_state(pt.optimizer().state(), t.optimizer()));
  t.batcher().set_state(pt.batcher().state());
  exp_->dropout_rng.set_state(p.exp_->dropout_rng.state());
  clipped_steps_ = p.clipped_steps_;
  path_ = p.path_;
  path_steps_ = p.path_steps_;
  // Truncated BPTT carries on in the current sequences with the new chunk length; turned
  // on, it starts on fresh sequences.
  if (t.tbptt() && pt.tbptt()) t.tbptt()->set_state(pt.tbptt()->state(), t.x_train(), t.y_train());
}

namespace {

// Dimensions dim... of shape s at p as nested JSON arrays (a number when none are left). A
// plain recursive function: a recursive std::function costs its wrapper classes in wasm.
nlohmann::json nested(const Shape& s, std::size_t dim, const Scalar* p) {
  if (dim == s.size()) return number_or_null(static_cast<double>(*p));
  std::int64_t stride = 1;
  for (std::size_t d = dim + 1; d < s.size(); ++d) stride *= s[d];
  nlohmann::json a = nlohmann::json::array();
  for (std::int64_t i = 0; i < s[dim]; ++i) a.push_back(nested(s, dim + 1, p + i * stride));
  return a;
}

// Element `row` of t [N, ...] as nested JSON arrays ([...] for [N, A], a number for [N]).
nlohmann::json nested_row(const Tensor& t, std::int64_t row) {
  const Shape& s = t.shape();
  std::int64_t inner = 1;
  for (std::size_t d = 1; d < s.size(); ++d) inner *= s[d];
  return nested(s, 1, t.data() + row * inner);
}

std::vector<std::string> tokens_of(const std::vector<std::string>& vocab, const Tensor& ids, std::int64_t row) {
  std::vector<std::string> out;
  const std::int64_t n = ids.numel() / std::max<std::int64_t>(ids.dim(0), 1);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto id = static_cast<std::int64_t>(ids[row * n + i]);
    out.push_back(id >= 0 && id < static_cast<std::int64_t>(vocab.size()) ? vocab[static_cast<std::size_t>(id)] : "?");
  }
  return out;
}

}  // namespace

// Sequences in ([N, T, ...] inputs, or token ids [N, T] into an embedding).
bool SupervisedRunner::has_predictions() const {
  const Tensor& x = exp_->data.x_train;
  const bool tokens = !exp_->spec.layers.empty() && exp_->spec.layers.front().type == "embedding";
  return x.rank() >= 3 || (x.rank() == 2 && tokens);
}

Tensor SupervisedRunner::eval_forward(const Tensor& x) {
  NoGradGuard no_grad;
  exp_->model->train(false);
  Tensor out = exp_->model->forward(Var(x)).value();
  exp_->model->train(true);
  return out;
}

nlohmann::json SupervisedRunner::predictions() {
  const Dataset& d = exp_->data;
  const auto [xs, ys, test] = first_examples(d, 8);
  const Tensor out = eval_forward(xs);
  const std::string& loss = exp_->spec.loss.type;
  const std::string kind = loss == "cross_entropy" || loss == "nll" ? "classes" : loss == "bce_with_logits" ? "binary" : "values";
  Tensor pred = out;
  if (kind == "classes") {
    pred = argmax(out, static_cast<int>(out.rank()) - 1);
  } else if (kind == "binary") {
    pred = out.clone();
    for (std::int64_t i = 0; i < pred.numel(); ++i) pred[i] = out[i] > 0 ? 1 : 0;
  }
  const bool tokens = !d.vocab.empty() && xs.rank() == 2 && !exp_->spec.layers.empty() && exp_->spec.layers.front().type == "embedding";
  nlohmann::json examples = nlohmann::json::array();
  for (std::int64_t i = 0; i < xs.dim(0); ++i) {
    nlohmann::json& e = examples.emplace_back();
    e["index"] = i;
    e["input"] = nested_row(xs, i);
    e["target"] = nested_row(ys, i);
    e["prediction"] = nested_row(pred, i);
    if (kind != "values" && pred.numel() == ys.numel()) {
      const std::int64_t n = ys.numel() / ys.dim(0);
      std::int64_t right = 0;
      for (std::int64_t k = 0; k < n; ++k) right += static_cast<std::int64_t>(pred[i * n + k]) == static_cast<std::int64_t>(ys[i * n + k]);
      e["accuracy"] = static_cast<double>(right) / static_cast<double>(std::max<std::int64_t>(n, 1));
    }
    if (tokens) {
      e["input_tokens"] = tokens_of(d.vocab, xs, i);
      if (kind == "classes") {
        e["target_tokens"] = tokens_of(d.vocab, ys, i);
        e["prediction_tokens"] = tokens_of(d.vocab, pred, i);
      }
    }
  }
  nlohmann::json o;
  o["split"] = test ? "test" : "train";
  o["kind"] = kind;
  o["task"] = d.task;
  o["input_shape"] = xs.shape();
  o["target_shape"] = ys.shape();
  o["prediction_shape"] = pred.shape();
  o["examples"] = std::move(examples);
  return o;
}

nlohmann::json SupervisedRunner::sample(const SampleOptions& options) {
  const Dataset& d = exp_->data;
  if (d.task != task::language_model || d.vocab.empty() || d.x_train.rank() != 2)
    return Runner::sample(options);
  const bool words = d.name == "next_word";
  const auto& vocab = d.vocab;
  const auto V = static_cast<std::int64_t>(vocab.size());
  const std::int64_t T = d.x_train.dim(1);  // char_lm: the window; next_word: n_context
  auto id_of = [&](const std::string& token) -> std::int64_t {
    const auto it = std::find(vocab.begin(), vocab.end(), token);
    return it == vocab.end() ? -1 : static_cast<std::int64_t>(it - vocab.begin());
  };

  // The prompt as tokens; every unknown one is named.
  std::vector<std::string> prompt_tokens, unknown;
  if (words) {
    std::string w;
    for (char c : options.prompt + " ") {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!w.empty()) prompt_tokens.push_back(w);
        w.clear();
      } else {
        w += c;
      }
    }
  } else {
    // One token per character: a UTF-8 sequence stays whole (and is then named as unknown).
    const std::string& p = options.prompt;
    for (std::size_t i = 0; i < p.size();) {
      const auto lead = static_cast<unsigned char>(p[i]);
      std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 1;
      n = std::min(n, p.size() - i);
      prompt_tokens.push_back(p.substr(i, n));
      i += n;
    }
  }
  std::vector<std::int64_t> ids;
  for (const auto& t : prompt_tokens) {
    const std::int64_t id = id_of(t);
    if (id < 0 && std::find(unknown.begin(), unknown.end(), t) == unknown.end()) unknown.push_back(t);
    ids.push_back(id);
  }
  if (!unknown.empty()) {
    std::string names;
    for (const auto& u : unknown)
      names += (names.empty() ? "" : ", ") + nlohmann::json(u).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string known;
    if (!words)
      for (const auto& v : vocab) known += v;
    throw_invalid_argument(
        "sample: the prompt has " + std::string(words ? "words" : "characters") + " outside the model's vocabulary: " + names +
        (words ? " (the vocabulary has " + std::to_string(V) + " lower-case words of the bundled text)"
               : " (allowed: " + nlohmann::json(known).dump() + ")"));
  }

  Rng rng(options.seed, 0x5a3b);
  std::vector<std::string> out_tokens;
  std::vector<std::int64_t> context = ids;
  if (words) {
    // next_word's context starts with <bos> (as at the start of a piece of text).
    const std::vector<std::int64_t> bos(static_cast<std::size_t>(T), kBosId);
    context.insert(context.begin(), bos.begin(), bos.end());
  } else if (context.empty()) {
    // No prompt: the first character of a random training window.
    const auto row = static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(d.x_train.dim(0))));
    context.push_back(static_cast<std::int64_t>(d.x_train[row * T]));
    out_tokens.push_back(vocab[static_cast<std::size_t>(context.back())]);
  }
  NoGradGuard no_grad;
  exp_->model->train(false);
  std::string text;
  while (static_cast<std::int64_t>(out_tokens.size()) < options.length) {
    const std::int64_t L = words ? T : std::min<std::int64_t>(T, static_cast<std::int64_t>(context.size()));
    Tensor in({1, L});
    for (std::int64_t i = 0; i < L; ++i) in[i] = static_cast<Scalar>(context[context.size() - static_cast<std::size_t>(L - i)]);
    Tensor logits;
    try {
      logits = exp_->model->forward(Var(in)).value();
    } catch (...) {
      exp_->model->train(true);
      throw;
    }
    if (logits.shape().back() != V || logits.numel() % V != 0) {
      exp_->model->train(true);
      throw_invalid_argument("sample: the model's output has shape " + to_string(logits.shape()) +
                             "; sampling needs scores over the " + std::to_string(V) + " tokens of the vocabulary in the last dimension");
    }
    const Scalar* row = logits.data() + (logits.numel() - V);  // the last position
    std::int64_t next = 0;
    if (options.temperature == 0) {
      for (std::int64_t k = 1; k < V; ++k)
        if (row[k] > row[next]) next = k;
    } else {
      double top = row[0];
      for (std::int64_t k = 1; k < V; ++k) top = std::max(top, static_cast<double>(row[k]));
      std::vector<double> p(static_cast<std::size_t>(V));
      double total = 0;
      for (std::int64_t k = 0; k < V; ++k) total += p[static_cast<std::size_t>(k)] = std::exp((row[k] - top) / options.temperature);
      double r = rng.uniform() * total;
      next = V - 1;
      for (std::int64_t k = 0; k < V; ++k) {
        r -= p[static_cast<std::size_t>(k)];
        if (r < 0) {
          next = k;
          break;
        }
      }
    }
    out_tokens.push_back(vocab[static_cast<std::size_t>(next)]);
    if (words && next == kEosId) {
      // A piece of text ended: the next one starts from <bos> again.
      context.assign(static_cast<std::size_t>(T), kBosId);
    } else {
      context.push_back(next);
    }
  }
  exp_->model->train(true);
  for (const auto& t : out_tokens) {
    if (!words) {
      text += t;
    } else if (t == kEosToken) {
      text += "\n";
    } else if (t != kPadToken && t != kBosToken) {
      if (!text.empty() && text.back() != '\n') text += " ";
      text += t;
    }
  }
  nlohmann::json o;
  o["text"] = text;
  o["tokens"] = out_tokens;
  o["prompt_tokens"] = prompt_tokens;
  return o;
}

GRADLAB_END
