// The embind shell over core/session: converts types and nothing else. JS sees it through
// session_api.js, whose `Session` class wraps this `SessionCore`.
//
// Errors: every method catches C++ exceptions and *returns* a JS Error (message = the
// core's what(); SpecError adds `issues`, NonFiniteError `step`/`where`/`op`), which
// session_api.js throws. Throwing a JS exception out of wasm instead (val::throw_) skips
// embind's cleanup: measured here, each error leaked 32 bytes of the wasm stack pointer
// and the call's argument strings, so a spec editor validating on every keystroke would
// in time overflow the stack. Returning normally keeps the instance usable indefinitely.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lesson/measure.h"
#include "spec/json_text.h"
#include "session/session.h"
#include "session/validate.h"
#include "support/throw.h"
#include "train/supervised.h"

extern "C" const char* gradlab_wasm_flavour();  // flavour.cpp, one per module

namespace {

std::string flavour_name() { return gradlab_wasm_flavour(); }

using emscripten::val;
using gradlab::Session;
using gradlab::throw_invalid_argument;
using nlohmann::json;

// std::string crosses as UTF-8 (val(const char*) would read Latin-1 in this emscripten).
val text(const std::string& s) { return val(s); }
val js_error(const std::string& message) { return val::global("Error").new_(text(message)); }

// The JS Error for the exception being handled: call it only from a catch block. One
// out-of-line copy for every method: with these handlers inside guarded<F>, each of its ~30
// instantiations carried its own ~1.3 KB copy of them (~40 KB of wasm; docs/wasm.md, "Sizes").
[[gnu::noinline]] val current_error() {
  try {
    throw;
  } catch (const gradlab::NeedsReset& e) {
    val error = js_error(e.what());
    val pointers = val::array();
    for (const auto& p : e.pointers()) pointers.call<void>("push", text(p));
    error.set("name", val("NeedsReset"));
    error.set("pointers", pointers);
    return error;
  } catch (const gradlab::SpecError& e) {
    val error = js_error(e.what());
    val issues = val::array();
    for (const auto& i : e.issues()) {
      val issue = val::object();
      issue.set("pointer", text(i.pointer));
      issue.set("message", text(i.message));
      issues.call<void>("push", issue);
    }
    error.set("name", val("SpecError"));
    error.set("issues", issues);
    return error;
  } catch (const gradlab::NonFiniteError& e) {
    val error = js_error(e.what());
    error.set("name", val("NonFiniteError"));
    error.set("step", val(static_cast<double>(e.step())));
    error.set("where", text(e.where()));
    error.set("op", text(e.op()));
    return error;
  } catch (const std::exception& e) {
    return js_error(e.what());
  } catch (...) {
    return js_error("gradlab: unknown C++ exception");
  }
}

// Runs `f`, turning any C++ exception into a returned JS Error.
template <class F>
val guarded(F&& f) {
  try {
    return f();
  } catch (...) {
    return current_error();
  }
}

// A Float32Array that owns a copy of n floats: views into wasm memory die when it grows.
val float32_copy(const float* data, std::size_t n) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(n, data));
}
val float32_copy(const std::vector<float>& v) { return float32_copy(v.data(), v.size()); }
val float32_copy(const gradlab::Tensor& t) { return float32_copy(t.data(), static_cast<std::size_t>(t.numel())); }

val shape_array(const gradlab::Shape& shape) {
  val a = val::array();
  for (auto d : shape) a.call<void>("push", val(static_cast<double>(d)));
  return a;
}

val string_array(const std::vector<std::string>& v) {
  val a = val::array();
  for (const auto& s : v) a.call<void>("push", text(s));
  return a;
}

// name -> Tensor (model order) -> {name: Float32Array}, or the one `name` (an Error when absent).
val named_float32(const std::vector<std::pair<std::string, gradlab::Tensor>>& tensors, const std::string* name) {
  if (name) {
    std::string names;
    for (const auto& [n, t] : tensors) {
      if (n == *name) return float32_copy(t);
      names += (names.empty() ? "" : ", ") + n;
    }
    return js_error("no parameter named '" + *name + "' (parameters: " + (names.empty() ? "none" : names) + ")");
  }
  val out = val::object();
  for (const auto& [n, t] : tensors) out.set(text(n), float32_copy(t));
  return out;
}

class SessionCore {
 public:
  SessionCore(std::string spec_text, Session session) : spec_text_(std::move(spec_text)), session_(std::move(session)) {}

  // The spec as JSON text -> a SessionCore, or an Error.
  static val create(const std::string& spec_text) {
    return guarded([&] { return val(SessionCore(spec_text, Session(spec_text))); });
  }

  // Metrics come back as JSON text (session_api.js parses them): one string crossing the
  // boundary is cheaper than building JS objects field by field through embind.
  val step() {
    return guarded([&] { return text(session_.step().dump()); });
  }

  // n steps -> JSON array of their metrics. If a step stops being finite, the Error also
  // carries `metrics`, the JSON text of the steps that completed before it.
  val train(double n) {
    json done = json::array();
    val result = guarded([&] {
      if (!(n >= 0) || n != std::floor(n) || n > 1e9)
        throw_invalid_argument("train: n must be a whole number of steps from 0 to 1e9, got " + json(n).dump());
      session_.train(static_cast<std::int64_t>(n), [&](const gradlab::Metrics& m) {
        done.push_back(m);
        return true;
      });
      return text(done.dump());
    });
    if (result.instanceof(val::global("Error"))) {
      const val metrics = guarded([&] { return text(done.dump()); });
      result.set("metrics", metrics.instanceof(val::global("Error")) ? text("[]") : metrics);
    }
    return result;
  }

  val evaluate(const std::string& split) {
    return guarded([&] { return text(session_.evaluate(split).dump()); });
  }

  // {"parameters": [{"name", "shape", "count"}], "total"} (the CLI's `params --json`).
  val params() const {
    return guarded([&] {
      json j;
      json& list = j["parameters"] = json::array();
      for (const auto& p : session_.params()) {
        json& entry = list.emplace_back();
        entry["name"] = p.name;
        entry["shape"] = p.shape;
        entry["count"] = p.count;
      }
      j["total"] = session_.total_params();
      return text(j.dump());
    });
  }

  // Parameter values, copied: all as {name: Float32Array}, or one.
  val parameters() const {
    return guarded([&] { return named_float32(session_.parameter_values(), nullptr); });
  }
  val parameter(const std::string& name) const {
    return guarded([&] { return named_float32(session_.parameter_values(), &name); });
  }

  // Gradients of the spec's batch at the current parameters (one forward/backward, nothing
  // updated; the numbers of grad_json / `gradlab grad`), copied.
  val gradients() {
    return guarded([&] { return named_float32(session_.gradients(), nullptr); });
  }
  val gradient(const std::string& name) {
    return guarded([&] { return named_float32(session_.gradients(), &name); });
  }
  val grad_json() {
    return guarded([&] { return text(session_.grad_json()); });
  }

  // The finite-difference check in this build's precision (float: good to a few digits,
  // so use a loose tolerance; `gradlab check` runs it in double).
  val check_gradients(double tolerance, double eps) {
    return guarded([&] {
      // !(x >= lo) also catches NaN; the message shows NaN and infinities as null (JSON).
      if (!(eps >= 1e-12) || !(eps <= 0.1))
        throw_invalid_argument("checkGradients: eps must be a number from 1e-12 to 0.1, got " + json(eps).dump());
      if (!(tolerance >= 1e-12) || !(tolerance <= 1))
        throw_invalid_argument("checkGradients: tolerance must be a number from 1e-12 to 1, got " + json(tolerance).dump());
      gradlab::GradCheckOptions options;
      options.tolerance = tolerance;
      options.eps = eps;
      const gradlab::GradCheckResult r = session_.check_gradients(options);
      json j;
      j["ok"] = r.ok;
      j["tolerance"] = tolerance;
      j["eps"] = eps;
      json& list = j["parameters"] = json::array();
      for (const auto& e : r.entries) {
        json& entry = list.emplace_back();
        entry["name"] = e.name;
        entry["shape"] = e.shape;
        entry["max_rel_error"] = e.max_rel_error;
        entry["max_abs_error"] = e.max_abs_error;
        entry["max_abs_grad"] = e.max_abs_grad;
        entry["ok"] = e.ok;
      }
      return text(j.dump());
    });
  }

  val snapshot_names() const {
    return guarded([&] { return text(json(session_.snapshot_names()).dump()); });
  }
  val snapshot(const std::string& name) {
    return guarded([&] { return text(session_.snapshot(name).dump()); });
  }

  // layer and direction arrive as JS numbers (doubles): an int parameter would let embind
  // turn 0.5, NaN or 2^40 into some layer silently.
  val clamp_gate(const std::string& gate, double value, double layer, double direction) {
    return guarded([&] {
      if (!std::isfinite(value))
        throw_invalid_argument("clampGate: value must be a finite number, got " + json(value).dump());
      if (!(layer >= -1) || !(layer <= 1e6) || layer != std::floor(layer))
        throw_invalid_argument("clampGate: layer must be a whole number from -1 (all) to 1000000, got " + json(layer).dump());
      if (!(direction >= -1) || !(direction <= 1) || direction != std::floor(direction))
        throw_invalid_argument("clampGate: direction must be a whole number from -1 (all) to 1, got " + json(direction).dump());
      session_.clamp_gate(gate, value, static_cast<int>(layer), static_cast<int>(direction));
      return val::undefined();
    });
  }
  val clear_clamps() {
    return guarded([&] {
      session_.clear_clamps();
      return val::undefined();
    });
  }

  val checkpoint() const {
    return guarded([&] { return text(session_.checkpoint_json()); });
  }
  val load_checkpoint(const std::string& checkpoint_text) {
    return guarded([&] {
      session_.load_checkpoint(checkpoint_text);
      return val::undefined();
    });
  }

  // {task, total_rows, inputs: {shape, data: Float32Array}, targets: {...}, source_vocab?, target_vocab?}
  val data(const std::string& split, double max_rows) const {
    return guarded([&] {
      if (!(max_rows >= 0) || max_rows != std::floor(max_rows) || max_rows > 1e6)
        throw_invalid_argument("data: maxRows must be a whole number from 0 to 1000000, got " + json(max_rows).dump());
      const gradlab::DataView v = session_.data(split, static_cast<std::int64_t>(max_rows));
      val out = val::object();
      out.set("task", text(v.task));
      out.set("total_rows", val(static_cast<double>(v.total_rows)));
      val inputs = val::object(), targets = val::object();
      inputs.set("shape", shape_array(v.input_shape));
      inputs.set("data", float32_copy(v.inputs));
      targets.set("shape", shape_array(v.target_shape));
      targets.set("data", float32_copy(v.targets));
      out.set("inputs", inputs);
      out.set("targets", targets);
      if (!v.source_vocab.empty()) out.set("source_vocab", string_array(v.source_vocab));
      if (!v.target_vocab.empty()) out.set("target_vocab", string_array(v.target_vocab));
      return out;
    });
  }

  val sample(const std::string& prompt, double length, double temperature, double seed) {
    return guarded([&] {
      if (!(length >= 1) || length != std::floor(length) || length > 10000)
        throw_invalid_argument("sample: length must be a whole number from 1 to 10000, got " + json(length).dump());
      if (!(seed >= 0) || seed != std::floor(seed) || seed > 9007199254740991.0)
        throw_invalid_argument("sample: seed must be a whole number from 0 to 2^53 - 1, got " + json(seed).dump());
      gradlab::SampleOptions o;
      o.prompt = prompt;
      o.length = static_cast<std::int64_t>(length);
      o.temperature = temperature;
      o.seed = static_cast<std::uint64_t>(seed);
      return text(session_.sample(o).dump());
    });
  }

  val step_player(const std::string& player) {
    return guarded([&] { return text(session_.step_player(player).dump()); });
  }

  // The changed pointers as JSON text; NeedsReset / SpecError otherwise (nothing changed).
  val update(const std::string& spec_text) {
    return guarded([&] {
      const json applied = session_.update(spec_text);
      spec_text_ = spec_text;
      return text(applied.dump());
    });
  }

  // A fresh session from the same spec (parameters re-initialised from its seed).
  val reset() {
    return guarded([&] {
      session_ = Session(spec_text_);
      return val::undefined();
    });
  }

  val steps_done() const {
    return guarded([&] { return val(static_cast<double>(session_.steps_done())); });
  }
  val planned_steps() const {
    return guarded([&] { return val(static_cast<double>(session_.planned_steps())); });
  }
  val spec_text() const { return text(spec_text_); }

  // A lesson step's records and expectations measured on this session as it is now (the
  // page has run the step's actions): `context_json` is {"recorded": {name: number},
  // "last_step": metrics or null, "diverged_at": step or 0}; `variants` a JS array of
  // {label, core: SessionCore, last_step, diverged_at} for a step that runs variants.
  // Returns {"recorded": {...}, "expectations": [...]} as JSON text (lesson/measure.h: the
  // same measurement as `gradlab lesson`).
  val measure_step(const std::string& lesson_text, double step_index, const std::string& context_json, const val& variants) {
    return guarded([&] {
      const gradlab::Lesson lesson = gradlab::parse_lesson(lesson_text);
      if (!(step_index >= 0) || step_index != std::floor(step_index) || step_index >= static_cast<double>(lesson.steps.size()))
        throw_invalid_argument("measureStep: the lesson has " + std::to_string(lesson.steps.size()) + " steps; no step " +
                               json(step_index).dump());
      const json context = gradlab::parse_json(context_json);
      std::map<std::string, double> recorded;
      // a named copy: items() of the temporary that value() returns would dangle in the loop
      const json recorded_in = context.value("recorded", json::object());
      for (const auto& [name, v] : recorded_in.items())
        if (v.is_number()) recorded[name] = v.get<double>();
      const json main_last = context.value("last_step", json());
      gradlab::RunFacts facts{main_last.is_object() ? &main_last : nullptr, context.value("diverged_at", std::int64_t(0))};
      std::vector<json> variant_last;  // kept alive while measuring
      variant_last.reserve(variants.isArray() ? variants["length"].as<std::size_t>() : 0);
      std::map<std::string, gradlab::VariantRun> runs;
      const std::size_t n = variants.isArray() ? variants["length"].as<std::size_t>() : 0;
      for (std::size_t i = 0; i < n; ++i) {
        const val v = variants[i];
        SessionCore* core = v["core"].as<SessionCore*>(emscripten::allow_raw_pointers());
        if (!core) throw_invalid_argument("measureStep: variant " + std::to_string(i) + " has no session");
        variant_last.push_back(v["last_step"].isString() ? gradlab::parse_json(v["last_step"].as<std::string>()) : json());
        runs[v["label"].as<std::string>()] = {&core->session_,
                                               {variant_last.back().is_object() ? &variant_last.back() : nullptr,
                                                static_cast<std::int64_t>(v["diverged_at"].isNumber() ? v["diverged_at"].as<double>() : 0)}};
      }
      const auto results = gradlab::measure_step(session_, lesson.steps[static_cast<std::size_t>(step_index)], recorded, facts, runs);
      json out;
      out["recorded"] = recorded;
      json& expectations = out["expectations"] = json::array();
      for (const auto& r : results) expectations.push_back(gradlab::to_json(r));
      return text(out.dump());
    });
  }

 private:
  std::string spec_text_;
  Session session_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(gradlab) {
  using emscripten::class_;
  class_<SessionCore>("SessionCore")
      .class_function("create", &SessionCore::create)
      .function("step", &SessionCore::step)
      .function("train", &SessionCore::train)
      .function("evaluate", &SessionCore::evaluate)
      .function("params", &SessionCore::params)
      .function("parameters", &SessionCore::parameters)
      .function("parameter", &SessionCore::parameter)
      .function("gradients", &SessionCore::gradients)
      .function("gradient", &SessionCore::gradient)
      .function("gradJson", &SessionCore::grad_json)
      .function("checkGradients", &SessionCore::check_gradients)
      .function("snapshotNames", &SessionCore::snapshot_names)
      .function("snapshot", &SessionCore::snapshot)
      .function("clampGate", &SessionCore::clamp_gate)
      .function("clearClamps", &SessionCore::clear_clamps)
      .function("checkpoint", &SessionCore::checkpoint)
      .function("loadCheckpoint", &SessionCore::load_checkpoint)
      .function("reset", &SessionCore::reset)
      .function("stepsDone", &SessionCore::steps_done)
      .function("plannedSteps", &SessionCore::planned_steps)
      .function("specText", &SessionCore::spec_text)
      .function("data", &SessionCore::data)
      .function("sample", &SessionCore::sample)
      .function("stepPlayer", &SessionCore::step_player)
      .function("update", &SessionCore::update)
      .function("measureStep", &SessionCore::measure_step);
  // Module-level: spec checking for an editor and the dataset catalog, as JSON text.
  emscripten::function("validateSpec", +[](const std::string& spec_text) {
    return guarded([&] { return text(gradlab::validate_spec(spec_text).dump()); });
  });
  // A lesson file checked as `gradlab lesson` checks it: {"steps": N} or a SpecError.
  emscripten::function("checkLesson", +[](const std::string& lesson_text) {
    return guarded([&] {
      json j;
      j["steps"] = gradlab::parse_lesson(lesson_text).steps.size();
      return text(j.dump());
    });
  });
  emscripten::function("datasetCatalog", +[] { return guarded([&] { return text(gradlab::datasets_json().dump()); }); });
  // "simd", "relaxed" or "scalar": which build this module is (flavour.cpp).
  emscripten::function("flavour", &flavour_name);
}
