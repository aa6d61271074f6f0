// Measuring a lesson's quantities on a live Session: metrics from an evaluation, the last
// training step's numbers, parameter counts and any number inside an inspection snapshot
// (by JSON pointer), combined with ratios, differences and reductions. The web app and the
// CLI both call this, so a tick in the page and a pass in `gradlab lesson` are the same
// measurement. docs/lessons.md lists the forms.
//
//   Measurer m(session);
//   double ratio = m.number({{"ratio", {"snapshot:recurrent/streams/0/grad_norm/0",
//                                       "snapshot:recurrent/streams/0/grad_norm/-1"}}});
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lesson/lesson.h"
#include "session/session.h"

GRADLAB_BEGIN

// Checks a quantity's form without a session (names, arity); issues at `pointer`.
void check_quantity(const Quantity& q, const std::string& pointer, std::vector<SpecIssue>& issues);

// What a lesson's run has been through beyond its session's own state.
struct RunFacts {
  const Metrics* last_step = nullptr;  // the last training step's metrics ("step.KEY")
  std::int64_t diverged_at = 0;        // the step whose loss or gradient was not finite, 0 = none
};
struct VariantRun {
  Session* session = nullptr;
  RunFacts facts;
};

// Reads quantities from one moment of a session (and its variants). Evaluations and
// snapshots are taken once per Measurer and reused, so several quantities of one step see
// the same state; make a new Measurer after the session changes.
class Measurer {
 public:
  Measurer(Session& session, RunFacts facts = {}, std::map<std::string, double> recorded = {},
           std::map<std::string, VariantRun> variants = {});

  // The quantity as one number; throws std::invalid_argument naming what was missing
  // (an unknown snapshot, a pointer that leads nowhere, an array where a number was due).
  double number(const Quantity& q);
  // Makes "$name" read `value` from now on (a step's records, for its own expectations).
  void remember(const std::string& name, double value) { recorded_[name] = value; }

 private:
  nlohmann::json resolve(const Quantity& q);
  nlohmann::json named(const std::string& name);
  Session& session_;
  std::map<std::string, double> recorded_;  // copies: a Measurer lives for one moment
  std::map<std::string, VariantRun> variants_;
  RunFacts facts_;
  std::map<std::string, nlohmann::json> cache_;
};

// An expectation measured: the value, whether it held, or why it could not be measured.
struct ExpectationResult {
  std::string pointer, what, expected;
  double value = 0;
  bool measured = false, pass = false;
  std::string error;  // set when the quantity could not be measured (counts as failed)
};

ExpectationResult check_expectation(Measurer& m, const Expectation& e);

// A step's records (added to `recorded`), then its expectations, measured on the session as
// it is now (after the step's actions). The runner and the wasm module both call this. A
// record that cannot be measured throws std::invalid_argument naming its pointer.
std::vector<ExpectationResult> measure_step(Session& session, const LessonStep& step, std::map<std::string, double>& recorded,
                                            RunFacts facts = {}, const std::map<std::string, VariantRun>& variants = {});
nlohmann::json to_json(const ExpectationResult& r);

// Follows a JSON pointer into `doc` with two conveniences for snapshots: a negative array
// index counts from the end (/-1 is the last element), and a segment "key=value" picks the
// first array element whose `key` is `value` (/gates/name=f). Throws std::invalid_argument
// naming the segment that leads nowhere.
const nlohmann::json& follow_pointer(const nlohmann::json& doc, const std::string& pointer);

GRADLAB_END
