// A lesson's steps run headless on one seed: actions, then records, then expectations.
#include "lesson/run.h"

#include <cmath>

#include "support/throw.h"
#include "train/supervised.h"

GRADLAB_BEGIN

namespace {

std::unique_ptr<Session> session_for(const nlohmann::json& spec) { return std::make_unique<Session>(spec.dump()); }

std::string describe_fields(const std::vector<std::pair<std::string, nlohmann::json>>& fields) {
  std::string out;
  for (const auto& [p, v] : fields) {
    std::string value = v.dump();
    if (value.size() > 60) value = value.substr(0, 57) + "...";  // a whole batch is no note
    out += (out.empty() ? "" : ", ") + p + " = " + value;
  }
  return out;
}

}  // namespace

bool StepResult::passed() const {
  if (!error.empty()) return false;
  for (const auto& r : results)
    if (!r.pass) return false;
  return true;
}

bool LessonRun::passed() const {
  for (const auto& s : steps)
    if (!s.passed()) return false;
  return true;
}

nlohmann::json to_json(const StepResult& r) {
  nlohmann::json j;
  j["index"] = r.index;
  j["pointer"] = r.pointer;
  j["id"] = r.id;
  j["title"] = r.title;
  j["steps_done"] = r.steps_done;
  j["notes"] = r.notes;
  j["passed"] = r.passed();
  nlohmann::json& expectations = j["expectations"] = nlohmann::json::array();
  for (const auto& e : r.results) expectations.push_back(to_json(e));
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

nlohmann::json to_json(const LessonRun& r) {
  nlohmann::json j;
  j["seed"] = r.seed;
  j["passed"] = r.passed();
  nlohmann::json& steps = j["steps"] = nlohmann::json::array();
  for (const auto& s : r.steps) steps.push_back(to_json(s));
  return j;
}

LessonRunner::LessonRunner(const Lesson& lesson, std::uint64_t seed) : lesson_(lesson), spec_(lesson.spec) {
  spec_["seed"] = seed;
  main_.session = session_for(spec_);
}

LessonRunner::~LessonRunner() = default;

std::string LessonRunner::train(Run& run, std::int64_t n, FunctionRef<void(std::int64_t, std::int64_t)> progress) {
  if (run.diverged_at > 0) return "";
  const std::int64_t start = run.session->steps_done();
  try {
    run.session->train(n, [&](const Metrics& m) {
      run.last_step = m;
      if (progress) progress(run.session->steps_done() - start, n);
      return true;
    });
  } catch (const NonFiniteError& e) {
    run.diverged_at = e.step();
    return e.what();
  }
  return "";
}

void LessonRunner::act(const Action& a, StepResult& out, FunctionRef<void(std::int64_t, std::int64_t)> progress) {
  if (a.kind == "train") {
    const std::string stopped = train(main_, a.steps, progress);
    out.notes.push_back(stopped.empty() ? "trained " + std::to_string(a.steps) + " steps" : "training stopped: " + stopped);
    for (auto& [label, v] : variants_) {
      const std::string why = train(v, a.steps, {});
      if (!why.empty()) out.notes.push_back("variant \"" + label + "\": training stopped: " + why);
    }
    if (!variants_.empty()) out.notes.push_back("trained each variant " + std::to_string(a.steps) + " steps");
  } else if (a.kind == "clamp") {
    main_.session->clamp_gate(a.gate, a.value, a.layer, a.direction);
    for (auto& [label, v] : variants_) v.session->clamp_gate(a.gate, a.value, a.layer, a.direction);
    out.notes.push_back("clamped gate " + a.gate + " to " + format_g(a.value));
  } else if (a.kind == "clear_clamps") {
    main_.session->clear_clamps();
    for (auto& [label, v] : variants_) v.session->clear_clamps();
    out.notes.push_back("cleared the gate clamps");
  } else if (a.kind == "set" || a.kind == "restart_with") {
    std::vector<SpecIssue> issues;
    nlohmann::json next = with_fields(spec_, a.fields, a.pointer, issues);
    if (!issues.empty()) throw_spec_error(issues);
    if (a.kind == "set") {
      try {
        main_.session->update(next.dump());
      } catch (const NeedsReset& e) {
        throw_invalid_argument("changing " + join(e.pointers()) + " needs a fresh start: use \"restart_with\" instead of \"set\"");
      }
      out.notes.push_back("set " + describe_fields(a.fields));
    } else {
      main_ = Run{session_for(next)};
      out.notes.push_back("restarted with " + describe_fields(a.fields));
    }
    spec_ = std::move(next);
  } else if (a.kind == "reset") {
    main_ = Run{session_for(spec_)};
    out.notes.push_back("restarted from step 0");
  } else if (a.kind == "variants") {
    variants_.clear();
    for (const auto& [label, fields] : a.variants) {
      std::vector<SpecIssue> issues;
      nlohmann::json v = with_fields(spec_, fields, a.pointer + "/variants/" + pointer_escape(label), issues);
      if (!issues.empty()) throw_spec_error(issues);
      variants_.emplace_back(label, Run{session_for(v)});
    }
    out.notes.push_back("started " + std::to_string(a.variants.size()) + " variants from step 0");
  }
}

StepResult LessonRunner::run_next(FunctionRef<void(std::int64_t, std::int64_t)> progress) {
  const LessonStep& step = lesson_.steps.at(next_);
  StepResult out;
  out.index = next_++;
  out.pointer = step.pointer;
  out.id = step.id;
  out.title = step.title;
  for (const auto& a : step.actions) {
    try {
      act(a, out, progress);
    } catch (const SpecError& e) {
      out.error = a.pointer + ": " + e.what();
    } catch (const std::exception& e) {
      out.error = a.pointer + ": " + e.what();
    }
    if (!out.error.empty()) {
      out.steps_done = main_.session->steps_done();
      return out;
    }
  }
  std::map<std::string, VariantRun> variants;
  for (auto& [label, v] : variants_) variants[label] = {v.session.get(), v.facts()};
  try {
    out.results = measure_step(*main_.session, step, recorded_, main_.facts(), variants);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.steps_done = main_.session->steps_done();
  return out;
}

LessonRun run_lesson(const Lesson& lesson, std::uint64_t seed, FunctionRef<void(const StepResult&)> on_step) {
  LessonRun run;
  run.seed = seed;
  LessonRunner runner(lesson, seed);
  while (!runner.done()) {
    run.steps.push_back(runner.run_next());
    if (on_step) on_step(run.steps.back());
  }
  return run;
}

GRADLAB_END
