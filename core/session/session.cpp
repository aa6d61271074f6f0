#include "session/session.h"

#include <cmath>

#include "session/kind_runners.h"
#include "session/runner.h"
#include "session/supervised_runner.h"
#include "spec/build.h"

GRADLAB_BEGIN

namespace {
constexpr int kCheckpointVersion = 1;
constexpr const char* kCheckpointFormat = "gradlab-checkpoint";

std::unique_ptr<Runner> make_runner(const ExperimentSpec& spec) {
  if (spec.kind == "seq2seq") return make_seq2seq_runner(spec);
  if (spec.kind == "gan") return make_gan_runner(spec);
  return std::make_unique<SupervisedRunner>(build_experiment(spec));
}

nlohmann::json parse_checkpoint(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw SpecError("", std::string("the checkpoint is not valid JSON: ") + e.what());
  }
}
}  // namespace

// ---- JSON helpers shared by runners ----------------------------------------------------

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json rng_json(const Rng::State& s) {
  return {{"state", s.state}, {"inc", s.inc}, {"has_spare", s.has_spare}, {"spare", s.spare}};
}

Rng::State rng_from_json(const nlohmann::json& r, const std::string& ptr) {
  if (!r.is_object() || !r.contains("state") || !r["state"].is_number_unsigned() || !r.contains("inc") ||
      !r["inc"].is_number_unsigned() || !r.contains("has_spare") || !r["has_spare"].is_boolean() || !r.contains("spare") ||
      !r["spare"].is_number())
    throw SpecError(ptr, "expected {\"state\", \"inc\" (unsigned integers), \"has_spare\" (boolean), \"spare\" (number)}");
  return {r["state"].get<std::uint64_t>(), r["inc"].get<std::uint64_t>(), r["has_spare"].get<bool>(), r["spare"].get<double>()};
}

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

const nlohmann::json& required(const nlohmann::json& j, const std::string& key, const std::string& pointer) {
  if (!j.is_object() || !j.contains(key)) throw SpecError(pointer + "/" + pointer_escape(key), "is required in a checkpoint");
  return j.at(key);
}

std::int64_t count_from(const nlohmann::json& j, const std::string& key, const std::string& pointer) {
  const auto& v = required(j, key, pointer);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    throw SpecError(pointer + "/" + pointer_escape(key), "expected a non-negative integer, found " + describe(v));
  return v.get<std::int64_t>();
}

nlohmann::json batcher_json(const Batcher& batcher) {
  const Batcher::State b = batcher.state();
  return {{"epoch", b.epoch}, {"position", b.position}, {"rng", rng_json(b.rng)}};
}

Batcher batcher_from(const nlohmann::json& j, const std::string& key, Batcher current, const std::string& pointer) {
  const std::string ptr = pointer + "/" + key;
  const auto& b = required(j, key, pointer);
  const Batcher::State state{count_from(b, "epoch", ptr), count_from(b, "position", ptr), rng_from_json(required(b, "rng", ptr), ptr + "/rng")};
  try {
    current.set_state(state);
  } catch (const std::invalid_argument& e) {
    throw SpecError(ptr, e.what());
  }
  return current;
}

// ---- Session ---------------------------------------------------------------------------

Session::Session(const std::string& spec_json) : spec_(parse_spec(spec_json)), runner_(make_runner(spec_)) {
  // Snapshot names depend on the experiment (a field needs 2-D inputs, ...), so they are
  // checked once it is built.
  const auto names = runner_->snapshot_names();
  std::vector<SpecIssue> issues;
  for (std::size_t i = 0; i < spec_.inspection.snapshots.size(); ++i)
    if (std::find(names.begin(), names.end(), spec_.inspection.snapshots[i]) == names.end())
      issues.push_back({"/inspection/snapshots/" + std::to_string(i), "unknown snapshot '" + spec_.inspection.snapshots[i] +
                                                                          "' for this experiment (available: " + join(names) + ")"});
  if (!issues.empty()) throw SpecError(issues);
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::int64_t Session::steps_done() const { return runner_->steps_done(); }

Metrics Session::step() { return runner_->step(); }

std::vector<Metrics> Session::train(std::int64_t n, const std::function<bool(const Metrics&)>& progress) {
  std::vector<Metrics> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  for (std::int64_t i = 0; i < n; ++i) {
    out.push_back(step());
    if (progress && !progress(out.back())) break;
  }
  return out;
}

Metrics Session::evaluate(const std::string& split) {
  if (split != "train" && split != "test")
    throw std::invalid_argument("evaluate: unknown split '" + split + "' (allowed: train, test)");
  return runner_->evaluate(split);
}

std::vector<ParamInfo> Session::params() const {
  std::vector<ParamInfo> out;
  for (const auto& [name, p] : runner_->model().named_parameters()) out.push_back({name, p.shape(), p.numel()});
  return out;
}

std::int64_t Session::total_params() const { return runner_->model().num_parameters(); }

std::string Session::grad_json() { return runner_->grad().dump(); }

GradCheckResult Session::check_gradients(GradCheckOptions options) { return runner_->check_gradients(options); }

std::vector<std::string> Session::snapshot_names() const { return runner_->snapshot_names(); }

nlohmann::json Session::snapshot(const std::string& what) {
  const auto names = snapshot_names();
  if (std::find(names.begin(), names.end(), what) == names.end())
    throw std::invalid_argument("no snapshot named '" + what + "' for this experiment (available: " +
                                (names.empty() ? std::string("none") : join(names)) + ")");
  return runner_->snapshot(what);
}

void Session::clamp_gate(const std::string& gate, double value, int layer, int direction) {
  runner_->clamp_gate(gate, value, layer, direction);
}

void Session::clear_clamps() { runner_->clear_clamps(); }

std::string Session::checkpoint_json() const {
  nlohmann::json j;
  j["format"] = kCheckpointFormat;
  j["version"] = kCheckpointVersion;
  j["scalar"] = sizeof(Scalar) == 4 ? "float32" : "float64";
  j["spec"] = spec_.json;
  j["step"] = runner_->steps_done();
  std::vector<std::pair<std::string, Tensor>> params;
  for (const auto& [name, p] : runner_->model().named_parameters()) params.emplace_back(name, p.value());
  j["parameters"] = named_tensors_json(params);
  j["buffers"] = named_tensors_json(runner_->model().named_buffers());
  j["state"] = runner_->save_state();
  return j.dump();
}

void Session::load_checkpoint(const std::string& text) {
  const nlohmann::json j = parse_checkpoint(text);
  if (!j.is_object() || !j.contains("format") || j["format"] != kCheckpointFormat)
    throw SpecError("/format", "not a gradlab checkpoint (expected \"format\": \"gradlab-checkpoint\")");
  if (!j.contains("version") || j["version"] != kCheckpointVersion)
    throw SpecError("/version", "checkpoint format version " + (j.contains("version") ? j["version"].dump() : std::string("(missing)")) +
                                    " is not readable by this gradlab, which reads version " + std::to_string(kCheckpointVersion));
  const auto& step = required(j, "step", "");
  if (!step.is_number_integer() || step.get<std::int64_t>() < 0)
    throw SpecError("/step", "expected a non-negative integer, found " + describe(step));
  auto state = named_tensors_from(required(j, "parameters", ""), "/parameters");
  auto buffers = named_tensors_from(required(j, "buffers", ""), "/buffers");
  state.insert(state.end(), buffers.begin(), buffers.end());
  const auto& runner_state = required(j, "state", "");

  // The model first on a dry run (load_state changes nothing when it throws), then the
  // runner, whose load validates everything before it changes anything; if the runner
  // refuses, the model's previous values go back.
  Module& model = runner_->model();
  std::vector<std::pair<std::string, Tensor>> previous;
  for (const auto& [name, p] : model.named_parameters()) previous.emplace_back(name, p.value().clone());
  for (const auto& [name, b] : model.named_buffers()) previous.emplace_back(name, b.clone());
  try {
    model.load_state(state, /*strict=*/true);
  } catch (const std::invalid_argument& e) {
    throw SpecError("/parameters", std::string("the checkpoint is for a different model: ") + e.what());
  }
  try {
    runner_->load_state(runner_state, "/state");
  } catch (...) {
    model.load_state(previous, /*strict=*/true);
    throw;
  }
  runner_->set_steps_done(step.get<std::int64_t>());
}

Session Session::from_checkpoint(const std::string& text) {
  const nlohmann::json j = parse_checkpoint(text);
  if (!j.is_object() || !j.contains("spec")) throw SpecError("/spec", "a checkpoint carries the spec it was trained from");
  Session s(j["spec"].dump());
  s.load_checkpoint(text);
  return s;
}

GRADLAB_END
