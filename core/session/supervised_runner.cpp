#include "session/supervised_runner.h"

#include <cmath>

#include "inspect/inspect.h"
#include "nn/recurrent.h"
#include "ops/ops.h"
#include "train/linear_regression.h"
#include "train/tbptt.h"

GRADLAB_BEGIN

SupervisedRunner::SupervisedRunner(std::unique_ptr<Experiment> exp) : exp_(std::move(exp)) {}
SupervisedRunner::~SupervisedRunner() = default;

bool SupervisedRunner::is_language_model() const {
  return exp_->data.task == "language_model" && exp_->spec.loss.type == "cross_entropy";
}

nlohmann::json SupervisedRunner::step() {
  const StepMetrics m = exp_->trainer->step();
  if (m.clipped) ++clipped_steps_;
  nlohmann::json j = {{"step", m.step},
                      {"loss", number_or_null(m.loss)},
                      {"objective", number_or_null(m.objective)},
                      {"accuracy", number_or_null(m.accuracy)},
                      {"grad_norm", number_or_null(m.grad_norm)},
                      {"grad_norm_after_clip", number_or_null(m.grad_norm_after)},
                      {"clipped", m.clipped},
                      {"clipped_fraction",
                       static_cast<double>(clipped_steps_) / static_cast<double>(std::max<std::int64_t>(m.step, 1))},
                      {"lr", m.lr}};
  if (is_language_model()) j["perplexity"] = number_or_null(std::exp(m.loss));
  if (m.chunk_steps > 0) j["chunk"] = {{"start", m.chunk_start}, {"steps", m.chunk_steps}};
  return j;
}

nlohmann::json SupervisedRunner::evaluate(const std::string& split) {
  const bool test = split == "test";
  const Tensor& x = test ? exp_->data.x_test : exp_->data.x_train;
  const Tensor& y = test ? exp_->data.y_test : exp_->data.y_train;
  const EvalMetrics e = exp_->trainer->evaluate(x, y);
  nlohmann::json j = {{"loss", number_or_null(e.loss)}, {"accuracy", number_or_null(e.accuracy)}, {"n", e.n}};
  if (is_language_model() && e.n > 0) j["perplexity"] = number_or_null(std::exp(e.loss));
  return j;
}

nlohmann::json SupervisedRunner::grad() {
  const auto inputs_ = reference_batch(*exp_);
  const Tensor& x = inputs_.first;
  const Tensor& y = inputs_.second;
  const bool token_inputs = !exp_->spec.layers.empty() && exp_->spec.layers.front().type == "embedding";
  auto pass = exp_->trainer->forward_backward(x, y, !token_inputs);
  nlohmann::json j;
  j["loss"] = pass.loss.numel() == 1 ? nlohmann::json(static_cast<double>(pass.loss.item()))
                                     : tensor_to_json(pass.loss.value());
  j["outputs"] = tensor_to_json(pass.output.value());
  j["gradients"] = nlohmann::json::object();
  for (const auto& [name, p] : exp_->model->named_parameters())
    j["gradients"][name] = tensor_to_json(p.has_grad() ? p.grad() : Tensor::zeros(p.shape()));
  j["input_gradient"] =
      !token_inputs && pass.inputs.has_grad() ? tensor_to_json(pass.inputs.grad()) : nlohmann::json(nullptr);
  exp_->model->zero_grad();
  return j;
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
  return {{"rows", st.rows},
          {"next_start", st.next_start},
          {"h", st.h.defined() ? tensor_to_json(st.h) : nlohmann::json(nullptr)},
          {"c", st.c.defined() ? tensor_to_json(st.c) : nlohmann::json(nullptr)}};
}

nlohmann::json SupervisedRunner::save_state() const {
  return {{"optimizer",
           {{"type", exp_->spec.optimizer.type}, {"state", named_tensors_json(exp_->trainer->optimizer().state())}}},
          {"batcher", batcher_json(exp_->trainer->batcher())},
          {"dropout_rng", rng_json(exp_->dropout_rng.state())},
          {"clipped_steps", clipped_steps_},
          {"tbptt", tbptt_json()}};
}

void SupervisedRunner::load_state(const nlohmann::json& state, const std::string& ptr) {
  // Read and validate everything first; nothing changes until all of it fits.
  const auto& opt = required(state, "optimizer", ptr);
  const std::string opt_type =
      required(opt, "type", ptr + "/optimizer").is_string() ? opt["type"].get<std::string>() : "";
  if (opt_type != exp_->spec.optimizer.type)
    throw SpecError(ptr + "/optimizer/type", "the checkpoint's optimizer is " +
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
    if (!rows.is_array()) throw SpecError(tp + "/rows", "expected an array of row indices, found " + describe(rows));
    for (const auto& r : rows) {
      if (!r.is_number_integer()) throw SpecError(tp + "/rows", "expected integer row indices, found " + describe(r));
      tbptt_state.rows.push_back(r.get<std::int64_t>());
    }
    tbptt_state.next_start = count_from(t, "next_start", tp);
    std::vector<SpecIssue> issues;
    for (const char* key : {"h", "c"}) {
      const auto& v = required(t, key, tp);
      if (!v.is_null()) (key[0] == 'h' ? tbptt_state.h : tbptt_state.c) = tensor_from_json(v, tp + "/" + key, issues);
    }
    if (!issues.empty()) throw SpecError(issues);
  }
  Optimizer& optimizer = exp_->trainer->optimizer();
  const auto previous_optimizer = optimizer.state();
  try {
    optimizer.load_state(opt_state);  // validates before it changes anything
  } catch (const std::invalid_argument& e) {
    throw SpecError(ptr + "/optimizer/state", e.what());
  }
  if (tbptt) {
    try {
      tbptt->set_state(tbptt_state, exp_->trainer->x_train(), exp_->trainer->y_train());  // all or nothing
    } catch (const std::invalid_argument& e) {
      optimizer.load_state(previous_optimizer);
      throw SpecError(ptr + "/tbptt", e.what());
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
    if (auto* r = dynamic_cast<Recurrent*>(model.layers().at(i).get())) return r;
  return nullptr;
}
}  // namespace

std::vector<std::string> SupervisedRunner::snapshot_names() const {
  std::vector<std::string> names = {"params", "gradcheck"};
  const Shape& x = exp_->data.x_train.shape();
  if (x.size() == 2 && (x[1] == 1 || x[1] == 2)) names.push_back("field");
  if (first_recurrent(*exp_->model)) {
    names.push_back("recurrent");
    names.push_back("jacobian");
  }
  if (exp_->model->num_parameters() <= 12) names.push_back("graph");
  if (is_linear_regression()) names.push_back("normal_equation");
  return names;
}

nlohmann::json SupervisedRunner::snapshot(const std::string& what) {
  SpecModel& model = *exp_->model;
  const auto inputs_ = reference_batch(*exp_);
  const Tensor& x = inputs_.first;
  const Tensor& y = inputs_.second;
  if (what == "params") return to_json(parameter_stats(model));
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
      j = {{"kind", "curve"}, {"x", tensor_json(xs)}, {"y", tensor_json(out)}};
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
    if (!layer) throw std::invalid_argument("the model has no recurrent layer");
    layer->set_trace(true);
    exp_->trainer->forward_backward(x, y, false);
    nlohmann::json j;
    if (what == "recurrent") {
      j = to_json(probe_recurrent(*layer));
    } else {
      JacobianOptions options;
      options.top_k = std::min<int>(8, static_cast<int>(layer->options().hidden_size));
      j = to_json(step_jacobians(*layer, options));
    }
    layer->set_trace(false);
    model.zero_grad();
    return j;
  }
  if (what == "normal_equation") return normal_equation();
  if (what == "graph") {
    // One example through the whole net, so that the graph stays small enough to read.
    std::vector<std::int64_t> first = {0};
    const Objective& objective = exp_->trainer->objective();
    Var l = objective.loss(model.forward(Var(take_rows(x, first))), take_rows(y, first));
    if (objective.seed.defined()) l = sum(l);
    return to_json(computation_graph(l));
  }
  throw std::invalid_argument("no snapshot named '" + what + "'");
}

// A single Linear layer under MSE: least squares, which has a closed form to compare
// gradient descent against.
bool SupervisedRunner::is_linear_regression() const {
  return exp_->spec.layers.size() == 1 && exp_->spec.layers[0].type == "linear" && exp_->spec.loss.type == "mse" &&
         exp_->data.x_train.rank() == 2;
}

nlohmann::json SupervisedRunner::normal_equation() {
  const Tensor& x = exp_->data.x_train;
  Tensor y = exp_->data.y_train;
  if (y.rank() == 1) y = y.reshape({y.dim(0), 1});
  LeastSquaresOptions options;
  options.fit_bias = exp_->spec.layers[0].config.at("bias").get<bool>();
  // The spec's l2 penalty is l2 * sum(w^2) on every parameter, bias included, added to the mean loss.
  options.ridge = exp_->spec.training.l2;
  options.penalize_bias = true;
  const LeastSquaresFit fit = fit_least_squares(x, y, options);
  const EvalMetrics now = exp_->trainer->evaluate(x, exp_->data.y_train);
  Module& m = *exp_->model;
  return {{"closed_form",
           {{"weight", tensor_json(fit.weight)},
            {"bias", tensor_json(fit.bias)},
            {"mse", fit.mse},
            {"rank", fit.rank},
            {"columns", fit.columns},
            {"rank_deficient", fit.rank_deficient}}},
          {"gradient_descent",
           {{"weight", tensor_json(m.parameter("layers.0.weight").value())},
            {"bias", options.fit_bias ? tensor_json(m.parameter("layers.0.bias").value()) : nlohmann::json(nullptr)},
            {"mse", number_or_null(now.loss)},
            {"steps", exp_->trainer->steps_done()}}}};
}

void SupervisedRunner::clamp_gate(const std::string& gate, double value, int layer, int direction) {
  Recurrent* r = first_recurrent(*exp_->model);
  if (!r) throw std::invalid_argument("clamp_gate: the model has no recurrent layer");
  r->clamp_gate(gate, value, layer, direction);
}

void SupervisedRunner::clear_clamps() {
  if (Recurrent* r = first_recurrent(*exp_->model)) r->clear_clamps();
}

GRADLAB_END
