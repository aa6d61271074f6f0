#include "session/session.h"

#include <cmath>

#include "ops/ops.h"
#include "spec/build.h"

GRADLAB_BEGIN

namespace {
constexpr int kCheckpointVersion = 1;
constexpr const char* kCheckpointFormat = "gradlab-checkpoint";

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json named_tensors_json(const std::vector<std::pair<std::string, Tensor>>& entries) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, t] : entries) j[name] = tensor_to_json(t);
  return j;
}

std::vector<std::pair<std::string, Tensor>> named_tensors_from(const nlohmann::json& j, const std::string& pointer) {
  if (!j.is_object()) throw SpecError(pointer, "expected an object of name -> {\"shape\", \"data\"}, found " + describe(j));
  std::vector<SpecIssue> issues;
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    Tensor t = tensor_from_json(it.value(), pointer + "/" + pointer_escape(it.key()), issues);
    if (t.defined()) out.emplace_back(it.key(), std::move(t));
  }
  if (!issues.empty()) throw SpecError(issues);
  return out;
}
nlohmann::json rng_json(const Rng::State& s) {
  return {{"state", s.state}, {"inc", s.inc}, {"has_spare", s.has_spare}, {"spare", s.spare}};
}

Rng::State rng_from_json(const nlohmann::json& rngs, const std::string& which) {
  const std::string ptr = (which == "rng" ? "/batcher/" : "/rng/") + which;
  if (!rngs.is_object() || !rngs.contains(which)) throw SpecError(ptr, "is required in a checkpoint");
  const auto& r = rngs[which];
  if (!r.is_object() || !r.contains("state") || !r["state"].is_number_unsigned() || !r.contains("inc") ||
      !r["inc"].is_number_unsigned() || !r.contains("has_spare") || !r["has_spare"].is_boolean() || !r.contains("spare") ||
      !r["spare"].is_number())
    throw SpecError(ptr, "expected {\"state\", \"inc\" (unsigned integers), \"has_spare\" (boolean), \"spare\" (number)}");
  return {r["state"].get<std::uint64_t>(), r["inc"].get<std::uint64_t>(), r["has_spare"].get<bool>(), r["spare"].get<double>()};
}

}  // namespace

nlohmann::json to_json(const StepMetrics& m) {
  nlohmann::json j = {{"step", m.step},
                      {"loss", number_or_null(m.loss)},
                      {"objective", number_or_null(m.objective)},
                      {"accuracy", number_or_null(m.accuracy)},
                      {"grad_norm", number_or_null(m.grad_norm)},
                      {"grad_norm_after_clip", number_or_null(m.grad_norm_after)},
                      {"clipped", m.clipped},
                      {"lr", m.lr}};
  if (m.chunk_steps > 0) j["chunk"] = {{"start", m.chunk_start}, {"steps", m.chunk_steps}};
  return j;
}

nlohmann::json to_json(const EvalMetrics& m) {
  return {{"loss", number_or_null(m.loss)}, {"accuracy", number_or_null(m.accuracy)}, {"n", m.n}};
}

Session::Session(const std::string& spec_json) : exp_(build_experiment(parse_spec(spec_json))) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const ExperimentSpec& Session::spec() const { return exp_->spec; }
std::int64_t Session::steps_done() const { return exp_->trainer->steps_done(); }
std::int64_t Session::planned_steps() const { return exp_->spec.training.steps; }

StepMetrics Session::step() { return exp_->trainer->step(); }

std::vector<StepMetrics> Session::train(std::int64_t n, const std::function<bool(const StepMetrics&)>& progress) {
  std::vector<StepMetrics> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  for (std::int64_t i = 0; i < n; ++i) {
    out.push_back(step());
    if (progress && !progress(out.back())) break;
  }
  return out;
}

EvalMetrics Session::evaluate_train() { return exp_->trainer->evaluate(exp_->data.x_train, exp_->data.y_train); }
EvalMetrics Session::evaluate_test() { return exp_->trainer->evaluate(exp_->data.x_test, exp_->data.y_test); }

std::vector<ParamInfo> Session::params() const {
  std::vector<ParamInfo> out;
  for (const auto& [name, p] : exp_->model->named_parameters()) out.push_back({name, p.shape(), p.numel()});
  return out;
}

std::int64_t Session::total_params() const { return exp_->model->num_parameters(); }

namespace {
bool takes_token_ids(const Experiment& exp) { return !exp.spec.layers.empty() && exp.spec.layers.front().type == "embedding"; }
}  // namespace

std::string Session::grad_json() {
  auto [x, y] = reference_batch(*exp_);
  const bool input_grad = !takes_token_ids(*exp_);
  auto pass = exp_->trainer->forward_backward(x, y, input_grad);
  nlohmann::json j;
  j["loss"] = pass.loss.numel() == 1 ? nlohmann::json(static_cast<double>(pass.loss.item())) : tensor_to_json(pass.loss.value());
  j["outputs"] = tensor_to_json(pass.output.value());
  j["gradients"] = nlohmann::json::object();
  for (const auto& [name, p] : exp_->model->named_parameters())
    j["gradients"][name] = tensor_to_json(p.has_grad() ? p.grad() : Tensor::zeros(p.shape()));
  j["input_gradient"] = input_grad && pass.inputs.has_grad() ? tensor_to_json(pass.inputs.grad()) : nlohmann::json(nullptr);
  exp_->model->zero_grad();
  return j.dump();
}

GradCheckResult Session::check_gradients(GradCheckOptions options) {
  auto [x, y] = reference_batch(*exp_);
  const Objective& objective = exp_->trainer->objective();
  const Var input(x);
  auto loss = [&] {
    Var l = objective.loss(exp_->model->forward(input), y);
    // A seeded (vector) objective is checked as the scalar sum(seed * objective).
    if (objective.seed.defined()) l = sum(mul(l, Var(objective.seed)));
    return l;
  };
  std::vector<Var> params;
  for (const auto& [name, p] : exp_->model->named_parameters()) params.push_back(p);
  GradCheckResult r = gradcheck(loss, params, options);
  exp_->model->zero_grad();
  return r;
}

std::string Session::checkpoint_json() const {
  nlohmann::json j;
  j["format"] = kCheckpointFormat;
  j["version"] = kCheckpointVersion;
  j["scalar"] = sizeof(Scalar) == 4 ? "float32" : "float64";
  j["spec"] = exp_->spec.json;
  j["step"] = exp_->trainer->steps_done();
  std::vector<std::pair<std::string, Tensor>> params;
  for (const auto& [name, p] : exp_->model->named_parameters()) params.emplace_back(name, p.value());
  j["parameters"] = named_tensors_json(params);
  j["buffers"] = named_tensors_json(exp_->model->named_buffers());
  j["optimizer"] = {{"type", exp_->spec.optimizer.type}, {"state", named_tensors_json(exp_->trainer->optimizer().state())}};
  const Batcher::State b = exp_->trainer->batcher().state();
  j["batcher"] = {{"epoch", b.epoch}, {"position", b.position}, {"rng", rng_json(b.rng)}};
  j["rng"] = {{"dropout", rng_json(exp_->dropout_rng.state())}};
  return j.dump();
}

void Session::load_checkpoint(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw SpecError("", std::string("the checkpoint is not valid JSON: ") + e.what());
  }
  if (!j.is_object() || j.value("format", "") != kCheckpointFormat)
    throw SpecError("/format", "not a gradlab checkpoint (expected \"format\": \"gradlab-checkpoint\")");
  if (!j.contains("version") || j["version"] != kCheckpointVersion)
    throw SpecError("/version", "checkpoint format version " + (j.contains("version") ? j["version"].dump() : std::string("(missing)")) +
                                      " is not readable by this gradlab, which reads version " + std::to_string(kCheckpointVersion));
  for (const char* key : {"parameters", "buffers", "optimizer", "batcher", "rng", "step"})
    if (!j.contains(key)) throw SpecError(std::string("/") + key, "is required in a checkpoint");
  // Everything is validated before anything changes.
  auto params = named_tensors_from(j["parameters"], "/parameters");
  auto buffers = named_tensors_from(j["buffers"], "/buffers");
  if (!j["optimizer"].is_object() || !j["optimizer"].contains("state"))
    throw SpecError("/optimizer", "expected {\"type\", \"state\"}");
  if (j["optimizer"].value("type", "") != exp_->spec.optimizer.type)
    throw SpecError("/optimizer/type", "the checkpoint's optimizer is " + j["optimizer"].value("type", std::string("(missing)")) +
                                             ", this session's is " + exp_->spec.optimizer.type);
  auto opt_state = named_tensors_from(j["optimizer"]["state"], "/optimizer/state");
  const Rng::State dropout_rng = rng_from_json(j["rng"], "dropout");
  const auto& bj = j["batcher"];
  if (!bj.is_object() || !bj.contains("epoch") || !bj["epoch"].is_number_integer() || !bj.contains("position") ||
      !bj["position"].is_number_integer())
    throw SpecError("/batcher", "expected {\"epoch\", \"position\" (integers), \"rng\"}");
  Batcher::State batcher{bj["epoch"].get<std::int64_t>(), bj["position"].get<std::int64_t>(), rng_from_json(bj, "rng")};
  Batcher batcher_probe = exp_->trainer->batcher();  // validate on a copy: nothing changes on error
  try {
    batcher_probe.set_state(batcher);
  } catch (const std::invalid_argument& e) {
    throw SpecError("/batcher", e.what());
  }
  if (!j["step"].is_number_integer() || j["step"].get<std::int64_t>() < 0)
    throw SpecError("/step", "expected a non-negative integer, found " + describe(j["step"]));

  std::vector<std::pair<std::string, Tensor>> state = params;
  state.insert(state.end(), buffers.begin(), buffers.end());
  // Each load validates before it changes anything; the optimizer's previous state is
  // kept so a model mismatch afterwards leaves this session as it was.
  Optimizer& optimizer = exp_->trainer->optimizer();
  const auto previous_opt_state = optimizer.state();
  try {
    optimizer.load_state(opt_state);
  } catch (const std::invalid_argument& e) {
    throw SpecError("/optimizer/state", e.what());
  }
  try {
    exp_->model->load_state(state, /*strict=*/true);
  } catch (const std::invalid_argument& e) {
    optimizer.load_state(previous_opt_state);
    throw SpecError("/parameters", std::string("the checkpoint is for a different model: ") + e.what());
  }
  exp_->trainer->batcher() = batcher_probe;
  exp_->dropout_rng.set_state(dropout_rng);
  exp_->trainer->set_steps_done(j["step"].get<std::int64_t>());
}

Session Session::from_checkpoint(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw SpecError("", std::string("the checkpoint is not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("spec")) throw SpecError("/spec", "a checkpoint carries the spec it was trained from");
  Session s(j["spec"].dump());
  s.load_checkpoint(text);
  return s;
}

GRADLAB_END
