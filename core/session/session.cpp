#include "session/session.h"
#include "session/validate.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "inspect/params.h"
#include "session/kind_runners.h"
#include "session/runner.h"
#include "session/supervised_runner.h"
#include "spec/build.h"
#include "spec/json_text.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

// throw CheckpointError(...) as one out-of-line call (support/throw.h says why).
[[noreturn]] [[gnu::noinline]] void throw_checkpoint_error(std::vector<SpecIssue> issues) {
  throw CheckpointError(std::move(issues));
}
[[noreturn]] [[gnu::noinline]] void throw_checkpoint_error(std::string pointer, std::string message) {
  throw CheckpointError(std::move(pointer), std::move(message));
}
constexpr int kCheckpointVersion = 1;
constexpr const char* kCheckpointFormat = "gradlab-checkpoint";

std::unique_ptr<Runner> make_runner(const ExperimentSpec& spec) {
  // Every limit validate_spec checks, before a runner allocates anything.
  std::vector<SpecIssue> issues;
  Shape input;
  check_model(spec, input, issues);
  if (!issues.empty()) throw_spec_error(issues);
  if (spec.kind == "seq2seq") return make_seq2seq_runner(spec);
  if (spec.kind == "gan") return make_gan_runner(spec);
  if (spec.kind == "diffusion") return make_diffusion_runner(spec);
  return std::make_unique<SupervisedRunner>(build_experiment(spec));
}

nlohmann::json parse_checkpoint(const std::string& text) { return parse_json_text(text, "checkpoint"); }
}  // namespace

// ---- state shared by runners -----------------------------------------------------------

NamedTensors adapt_optimizer_state(const NamedTensors& state, const Optimizer& target) {
  const auto& slots = target.slot_names();
  std::map<std::string, Shape> shapes;
  for (const auto& [name, p] : target.params()) shapes[name] = p.shape();
  NamedTensors out;
  std::map<std::string, std::set<std::string>> have;  // parameter -> slots present
  for (const auto& [entry, t] : state) {
    const auto dot = entry.find('.');
    const std::string slot = dot == std::string::npos ? entry : entry.substr(0, dot);
    const std::string param = dot == std::string::npos ? std::string() : entry.substr(dot + 1);
    if (entry == "step" || slot == "step") {
      out.emplace_back(entry, t);
      if (!param.empty()) have[param];
    } else if (std::find(slots.begin(), slots.end(), slot) != slots.end()) {
      out.emplace_back(entry, t);
      have[param].insert(slot);
    }
  }
  for (const auto& [param, present] : have)
    for (const auto& slot : slots)
      if (!present.count(slot) && shapes.count(param)) out.emplace_back(slot + "." + param, Tensor::zeros(shapes[param]));
  return out;
}

TrainingStateGuard::TrainingStateGuard(const Module& module, std::vector<Rng*> rngs) {
  for (const auto& [name, b] : module.named_buffers()) buffers_.emplace_back(b, b.clone());
  for (Rng* r : rngs) rngs_.emplace_back(r, r->state());
}

TrainingStateGuard::~TrainingStateGuard() {
  for (auto& [live, saved] : buffers_) std::copy(saved.data(), saved.data() + saved.numel(), live.data());
  for (auto& [rng, state] : rngs_) rng->set_state(state);
}

nlohmann::json params_snapshot(Runner& runner) {
  return to_json(parameter_stats(runner.model(), runner.grad().gradients));
}

// ---- JSON helpers shared by runners ----------------------------------------------------

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json rng_json(const Rng::State& s) {
  nlohmann::json o;
  o["state"] = s.state;
  o["inc"] = s.inc;
  o["has_spare"] = s.has_spare;
  o["spare"] = s.spare;
  return o;
}

Rng::State rng_from_json(const nlohmann::json& r, const std::string& ptr) {
  if (!r.is_object() || !r.contains("state") || !r["state"].is_number_unsigned() || !r.contains("inc") ||
      !r["inc"].is_number_unsigned() || !r.contains("has_spare") || !r["has_spare"].is_boolean() || !r.contains("spare") ||
      !r["spare"].is_number())
    throw_spec_error(ptr, "expected {\"state\", \"inc\" (unsigned integers), \"has_spare\" (boolean), \"spare\" (number)}");
  return {r["state"].get<std::uint64_t>(), r["inc"].get<std::uint64_t>(), r["has_spare"].get<bool>(), r["spare"].get<double>()};
}

nlohmann::json named_tensors_json(const std::vector<std::pair<std::string, Tensor>>& entries) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, t] : entries) j[name] = tensor_to_json(t);
  return j;
}

std::vector<std::pair<std::string, Tensor>> named_tensors_from(const nlohmann::json& j, const std::string& pointer) {
  if (!j.is_object()) throw_spec_error(pointer, "expected an object of name -> {\"shape\", \"data\"}, found " + describe(j));
  std::vector<SpecIssue> issues;
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    Tensor t = tensor_from_json(it.value(), pointer + "/" + pointer_escape(it.key()), issues);
    if (t.defined()) out.emplace_back(it.key(), std::move(t));
  }
  if (!issues.empty()) throw_spec_error(issues);
  return out;
}

const nlohmann::json& required(const nlohmann::json& j, const std::string& key, const std::string& pointer) {
  if (!j.is_object() || !j.contains(key)) throw_spec_error(pointer + "/" + pointer_escape(key), "is required in a checkpoint");
  return j.at(key);
}

std::int64_t count_from(const nlohmann::json& j, const std::string& key, const std::string& pointer) {
  const auto& v = required(j, key, pointer);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    throw_spec_error(pointer + "/" + pointer_escape(key), "expected a non-negative integer, found " + describe(v));
  return v.get<std::int64_t>();
}

nlohmann::json batcher_json(const Batcher& batcher) {
  const Batcher::State b = batcher.state();
  nlohmann::json o;
  o["epoch"] = b.epoch;
  o["position"] = b.position;
  o["rng"] = rng_json(b.rng);
  return o;
}

Batcher batcher_from(const nlohmann::json& j, const std::string& key, Batcher current, const std::string& pointer) {
  const std::string ptr = pointer + "/" + key;
  const auto& b = required(j, key, pointer);
  const Batcher::State state{count_from(b, "epoch", ptr), count_from(b, "position", ptr), rng_from_json(required(b, "rng", ptr), ptr + "/rng")};
  try {
    current.set_state(state);
  } catch (const std::invalid_argument& e) {
    throw_spec_error(ptr, e.what());
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
  if (!issues.empty()) throw_spec_error(issues);
  // /training/clamp (checked against the model when parsed): trained and evaluated under it.
  const auto& clamps = spec_.training.clamps;
  for (std::size_t i = 0; i < clamps.size(); ++i) {
    try {
      runner_->clamp_gate(clamps[i].gate, clamps[i].value, clamps[i].layer, clamps[i].direction);
    } catch (const std::invalid_argument& e) {
      throw_spec_error(spec_.json["training"]["clamp"].is_array() ? "/training/clamp/" + std::to_string(i)
                                                                  : std::string("/training/clamp"),
                       e.what());
    }
  }
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::int64_t Session::steps_done() const { return runner_->steps_done(); }

Metrics Session::step() { return runner_->step(); }

std::vector<Metrics> Session::train(std::int64_t n, FunctionRef<bool(const Metrics&)> progress) {
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
    throw_invalid_argument("evaluate: unknown split '" + split + "' (allowed: train, test)");
  return runner_->evaluate(split);
}

std::vector<ParamInfo> Session::params() const {
  std::vector<ParamInfo> out;
  for (const auto& [name, p] : runner_->model().named_parameters()) out.push_back({name, p.shape(), p.numel()});
  return out;
}

std::int64_t Session::total_params() const { return runner_->model().num_parameters(); }

std::vector<std::pair<std::string, Tensor>> Session::parameter_values() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, p] : runner_->model().named_parameters()) out.emplace_back(name, p.value().clone());
  return out;
}

std::string Session::grad_json() {
  const GradPass pass = runner_->grad();
  nlohmann::json j;
  j["loss"] = pass.loss;
  j["objective"] = pass.objective.is_null() ? pass.loss : pass.objective;
  j["outputs"] = pass.outputs.defined() ? tensor_to_json(pass.outputs) : nlohmann::json(nullptr);
  j["gradients"] = nlohmann::json::object();
  for (const auto& [name, g] : pass.gradients) j["gradients"][name] = tensor_to_json(g);
  j["input_gradient"] = pass.input_gradient.defined() ? tensor_to_json(pass.input_gradient) : nlohmann::json(nullptr);
  return j.dump();
}

std::vector<std::pair<std::string, Tensor>> Session::gradients() { return runner_->grad().gradients; }

GradCheckResult Session::check_gradients(GradCheckOptions options) { return runner_->check_gradients(options); }

std::vector<std::string> Session::snapshot_names() const { return runner_->snapshot_names(); }

nlohmann::json Session::snapshot(const std::string& what) {
  const auto names = snapshot_names();
  if (std::find(names.begin(), names.end(), what) == names.end())
    throw_invalid_argument("no snapshot named '" + what + "' for this experiment (available: " +
                           (names.empty() ? std::string("none") : join(names)) + ")");
  return runner_->snapshot(what);
}

void Session::clamp_gate(const std::string& gate, double value, int layer, int direction) {
  runner_->clamp_gate(gate, value, layer, direction);
}

void Session::clear_clamps() { runner_->clear_clamps(); }

DataView Session::data(const std::string& split, std::int64_t max_rows) const {
  if (split != "train" && split != "test")
    throw_invalid_argument("data: unknown split '" + split + "' (allowed: train, test)");
  if (max_rows < 0 || max_rows > 1'000'000)
    throw_invalid_argument("data: maxRows must be a whole number from 0 to 1000000, got " + std::to_string(max_rows));
  const Dataset& d = runner_->dataset();
  const bool test = split == "test";
  const Tensor& x = test ? d.x_test : d.x_train;
  const Tensor& y = test ? d.y_test : d.y_train;
  DataView v;
  v.task = d.task;
  v.source_vocab = d.vocab;
  v.target_vocab = d.target_vocab.empty() ? d.vocab : d.target_vocab;
  // A split without rows (no test set) keeps the train split's row shape with R = 0.
  const Tensor& xs = x.defined() ? x : d.x_train;
  const Tensor& ys = y.defined() ? y : d.y_train;
  v.total_rows = x.defined() && x.rank() > 0 ? x.dim(0) : 0;
  const std::int64_t r = std::min(v.total_rows, max_rows);
  v.input_shape = xs.shape();
  v.target_shape = ys.shape();
  v.input_shape[0] = v.target_shape[0] = r;
  if (r > 0) {
    const std::int64_t xrow = xs.numel() / xs.dim(0), yrow = ys.numel() / ys.dim(0);
    v.inputs.assign(xs.data(), xs.data() + r * xrow);
    v.targets.assign(ys.data(), ys.data() + r * yrow);
  }
  return v;
}

nlohmann::json Session::sample(const SampleOptions& options) {
  if (options.length < 1 || options.length > 10'000)
    throw_invalid_argument("sample: length must be a whole number from 1 to 10000, got " + std::to_string(options.length));
  if (!std::isfinite(options.temperature) || options.temperature < 0 || options.temperature > 100)
    throw_invalid_argument("sample: temperature must be from 0 (greedy) to 100, got " + nlohmann::json(options.temperature).dump());
  return runner_->sample(options);
}

Metrics Session::step_player(const std::string& player) {
  if (player != "discriminator" && player != "generator" && spec_.kind == "gan")
    throw_invalid_argument("stepPlayer: unknown player '" + player + "' (allowed: discriminator, generator)");
  return runner_->step_player(player);
}

namespace {

// JSON pointers where two spec documents differ: objects key by key, arrays of objects
// (layers) element by element, anything else as a whole.
void spec_diff(const nlohmann::json& a, const nlohmann::json& b, const std::string& ptr, std::vector<std::string>& out) {
  if (a == b) return;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& k : keys) {
      const std::string child = ptr + "/" + pointer_escape(k);
      if (a.contains(k) && b.contains(k)) spec_diff(a[k], b[k], child, out);
      else out.push_back(child);
    }
    return;
  }
  const auto has_objects = [](const nlohmann::json& v) {
    return std::any_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_object(); });
  };
  if (a.is_array() && b.is_array() && a.size() == b.size() && has_objects(a)) {
    for (std::size_t i = 0; i < a.size(); ++i) spec_diff(a[i], b[i], ptr + "/" + std::to_string(i), out);
    return;
  }
  out.push_back(ptr);
}

// Whether `ptr` is one of `prefixes` or inside one.
bool under_any(const std::string& ptr, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    return ptr == p || (ptr.size() > p.size() && ptr.compare(0, p.size(), p) == 0 && ptr[p.size()] == '/');
  });
}

// What Session::update may change in a running experiment of each kind.
bool updatable(const std::string& kind, const std::string& ptr) {
  static const std::vector<std::string> common = {"/name", "/description", "/inspection", "/training/steps",
                                                  "/training/log_every", "/training/eval_every", "/training/batch_size"};
  static const std::vector<std::string> sequential = {"/optimizer", "/training/clip_grad_norm", "/training/clip_grad_value",
                                                      "/training/l1", "/training/l2", "/training/l1_mode", "/training/tbptt",
                                                      "/training/schedule", "/training/clamp"};
  static const std::vector<std::string> seq2seq = {"/optimizer", "/training/clip_grad_norm", "/model/teacher_forcing",
                                                   "/model/max_decode_len"};
  static const std::vector<std::string> gan = {"/model/generator_optimizer", "/model/discriminator_optimizer",
                                               "/model/critic_steps", "/model/clip_value", "/model/gp_lambda"};
  static const std::vector<std::string> diffusion = {"/optimizer", "/training/clip_grad_norm"};
  return under_any(ptr, common) || under_any(ptr, kind == "gan"         ? gan
                                                 : kind == "seq2seq"   ? seq2seq
                                                 : kind == "diffusion" ? diffusion
                                                                       : sequential);
}

// The fields of a spec that a checkpoint's state does not depend on. Everything else
// (data, model, loss, optimizer, seed, the rest of training) shaped the parameters, the
// optimizer's slots and the batch order, so a checkpoint loads only into a spec that
// equals its own outside these (docs/spec.md, "Checkpoints").
const std::vector<std::string>& checkpoint_free_fields() {
  static const std::vector<std::string> fields = {"/name", "/description", "/lesson", "/inspection",
                                                  "/training/steps", "/training/log_every", "/training/eval_every"};
  return fields;
}

// `ptr`'s value in `doc` for a message ("(absent)" when it is not there).
std::string value_at(const nlohmann::json& doc, const std::string& ptr) {
  const nlohmann::json::json_pointer p(ptr);
  return doc.contains(p) ? describe(doc.at(p)) : std::string("(absent)");
}

// One issue per field where the checkpoint's spec differs from `current` outside
// checkpoint_free_fields(), at its pointer inside the checkpoint (/spec/...).
std::vector<SpecIssue> checkpoint_spec_issues(const nlohmann::json& saved, const nlohmann::json& current) {
  std::vector<std::string> changed;
  spec_diff(saved, current, "", changed);
  std::vector<SpecIssue> issues;
  for (const auto& p : changed) {
    if (under_any(p, checkpoint_free_fields())) continue;
    issues.push_back({"/spec" + p, "the checkpoint was trained with " + (p.empty() ? std::string("the spec") : p) + " = " +
                                       value_at(saved, p) + ", the spec it is loaded into has " + value_at(current, p) +
                                       " (a checkpoint loads only into the spec it was trained from; only " +
                                       join(checkpoint_free_fields()) + " may differ)"});
  }
  return issues;
}

// Buffers whose values have a meaning beyond their shape: batch norm's running variance
// (an average of squares) and its batch counter (a whole number).
void check_buffer_values(const NamedTensors& buffers) {
  for (const auto& [name, t] : buffers) {
    const bool variance = name.size() >= 11 && name.compare(name.size() - 11, 11, "running_var") == 0;
    const bool counter = name.size() >= 19 && name.compare(name.size() - 19, 19, "num_batches_tracked") == 0;
    for (std::int64_t i = 0; i < t.numel() && (variance || counter); ++i) {
      const double v = static_cast<double>(t[i]);
      if (variance && v < 0)
        throw_spec_error("/buffers/" + pointer_escape(name) + "/data/" + std::to_string(i),
                         "a running variance cannot be negative, found " + format_g(v) + " (allowed: numbers >= 0)");
      if (counter && (v < 0 || v != std::floor(v) || v > 9007199254740992.0))
        throw_spec_error("/buffers/" + pointer_escape(name) + "/data/" + std::to_string(i),
                         "a batch counter must be a whole number, found " + format_g(v) + " (allowed: 0 to 2^53)");
    }
  }
}

std::string join_pointers(const std::vector<std::string>& ptrs) {
  std::string s;
  for (const auto& p : ptrs) s += (s.empty() ? "" : ", ") + (p.empty() ? std::string("(document)") : p);
  return s;
}

}  // namespace

NeedsReset::NeedsReset(std::vector<std::string> pointers)
    : std::invalid_argument("update: these changes need a reset (a fresh session from the new spec): " + join_pointers(pointers)),
      pointers_(std::move(pointers)) {}

std::vector<std::string> Session::update(const std::string& spec_json) {
  const ExperimentSpec next_spec = parse_spec(spec_json);  // SpecError: nothing changes
  std::vector<std::string> changed, refused;
  spec_diff(spec_.json, next_spec.json, "", changed);
  for (const auto& p : changed)
    if (!updatable(spec_.kind, p)) refused.push_back(p);
  if (!refused.empty()) throw NeedsReset(refused);
  if (changed.empty()) return changed;
  // Build the experiment of the new spec, then move this one's state into it: the
  // parameters and buffers, then what the runner keeps (optimizer, batch order, RNGs).
  Session next(spec_json);
  std::vector<std::pair<std::string, Tensor>> state;
  for (const auto& [name, p] : runner_->model().named_parameters()) state.emplace_back(name, p.value().clone());
  for (const auto& [name, b] : runner_->model().named_buffers()) state.emplace_back(name, b.clone());
  next.runner_->model().load_state(state, /*strict=*/true);
  next.runner_->take_state(*runner_);
  next.runner_->set_steps_done(runner_->steps_done());
  *this = std::move(next);
  return changed;
}

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
  try {
    load_checkpoint_document(parse_checkpoint(text));
  } catch (const CheckpointError&) {
    throw;
  } catch (const SpecError& e) {
    throw_checkpoint_error(e.issues());
  }
}

void Session::load_checkpoint_document(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("format") || j["format"] != kCheckpointFormat)
    throw_spec_error("/format", "not a gradlab checkpoint (expected \"format\": \"gradlab-checkpoint\")");
  if (!j.contains("version") || j["version"] != kCheckpointVersion)
    throw_spec_error("/version", "checkpoint format version " + (j.contains("version") ? j["version"].dump() : std::string("(missing)")) +
                                     " is not readable by this gradlab, which reads version " + std::to_string(kCheckpointVersion));
  const auto& step = required(j, "step", "");
  if (!step.is_number_integer() || step.get<std::int64_t>() < 0)
    throw_spec_error("/step", "expected a non-negative integer, found " + describe(step));
  const auto& saved_spec = required(j, "spec", "");
  if (!saved_spec.is_object())
    throw_spec_error("/spec", "expected the spec the checkpoint was trained from (an object), found " + describe(saved_spec));
  auto state = named_tensors_from(required(j, "parameters", ""), "/parameters");
  auto buffers = named_tensors_from(required(j, "buffers", ""), "/buffers");
  check_buffer_values(buffers);
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
    throw_spec_error("/parameters", std::string("the checkpoint is for a different model: ") + e.what());
  }
  // The same parameter names and shapes can still come from another run (other data, loss
  // or seed): the spec it carries says.
  if (auto issues = checkpoint_spec_issues(saved_spec, spec_.json); !issues.empty()) {
    model.load_state(previous, /*strict=*/true);
    throw_spec_error(issues);
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
  nlohmann::json j;
  try {
    j = parse_checkpoint(text);
  } catch (const SpecError& e) {
    throw_checkpoint_error(e.issues());
  }
  if (!j.is_object() || !j.contains("spec"))
    throw_checkpoint_error("/spec", "a checkpoint carries the spec it was trained from");
  std::optional<Session> s;
  try {
    s.emplace(j["spec"].dump());
  } catch (const SpecError& e) {  // the embedded spec's pointers, inside the checkpoint
    std::vector<SpecIssue> issues = e.issues();
    for (auto& i : issues) i.pointer = "/spec" + i.pointer;
    throw_checkpoint_error(issues);
  }
  s->load_checkpoint(text);
  return std::move(*s);
}

GRADLAB_END
