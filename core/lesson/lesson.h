// Lessons: an experiment spec plus a `lesson` block (title, chapter, the COURSE.md
// questions it answers, an intro and ordered steps). A step says what to do and what to
// look at, may set things up (train N steps, clamp a gate, change a field, start variants)
// and carries machine-checkable expectations, so one file is read by the web app (which
// ticks steps off), by `gradlab lesson` (which checks every claim headless) and by ctest.
// docs/lessons.md is the reference; this header is the parsed form.
//
//   Lesson lesson = parse_lesson(file_text);   // throws SpecError, every issue with its pointer
//   LessonRun run = run_lesson(lesson, lesson.spec_seed);
//   run.passed();                              // every expectation held
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spec/spec.h"

GRADLAB_BEGIN

inline constexpr int kLessonFormat = 2;

// A value read from the session (docs/lessons.md, "Quantities"): a number, a name such as
// "test.loss", "$recorded", "snapshot:recurrent/streams/0/grad_norm/-1", or an object
// {"ratio": [a, b]}, {"max": q}, {"variant": "label", "of": q}, ... Kept as JSON; it is
// checked for form when the lesson is parsed and measured by measure() (lesson/measure.h).
using Quantity = nlohmann::json;

// One claim: `value` compared with a bound. Exactly one comparison per expectation.
struct Expectation {
  std::string pointer;  // /lesson/steps/S/expect/E
  std::string what;     // for people: "test accuracy", "||dL/dh_1|| / ||dL/dh_T||"
  Quantity value;
  std::string op;       // "below", "above", "at_most", "at_least", "equals", "between"
  double bound = 0, upper = 0;  // between: [bound, upper]
  double tolerance = 0;         // equals: |value - bound| <= tolerance
  // "below 0.001", "between 0.9 and 1.1", "equals 20490" (for reports)
  std::string expected() const;
  bool holds(double value) const;
};

// One thing a step does before its expectations are measured, in order.
struct Action {
  std::string pointer;      // /lesson/steps/S/do/A
  std::string kind;         // "train", "clamp", "clear_clamps", "set", "restart_with", "reset", "variants"
  std::int64_t steps = 0;   // train
  std::string gate;         // clamp
  double value = 0;         // clamp
  int layer = -1, direction = -1;  // clamp (-1: all)
  // set / restart_with: JSON pointer -> new value; variants: label -> (pointer -> value)
  std::vector<std::pair<std::string, nlohmann::json>> fields;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, nlohmann::json>>>> variants;
};

// "predict first": the student picks an answer before the step runs; not machine-checked.
struct Prediction {
  std::string prompt;
  std::vector<std::string> choices;
  int answer = -1;      // index into choices, or -1 when every choice is a fair guess
  std::string explain;  // shown after the step has run
};

struct LessonStep {
  std::string pointer;  // /lesson/steps/S
  std::string id, title, text;
  std::string view;     // the view the step talks about ("" = keep the current one)
  bool has_prediction = false;
  Prediction predict;
  std::vector<Action> actions;
  std::vector<std::pair<std::string, Quantity>> record;  // name -> quantity, kept for later steps
  std::vector<Expectation> expect;
};

struct Lesson {
  int format = kLessonFormat;
  std::string title, intro;
  int chapter = 0;                     // COURSE.md chapter, 1..10 (0 = not set, format 1 only)
  std::vector<std::string> questions;  // "Q1" ... "Q48"
  std::vector<std::string> views;      // the views to show first
  nlohmann::json clamp;                // the gate clamp the page offers, or null
  std::vector<std::uint64_t> check_seeds;  // seeds `gradlab lesson --check-seeds` runs
  std::vector<LessonStep> steps;
  nlohmann::json spec;                 // the document without its lesson block
  std::uint64_t spec_seed = 0;
};

// The question ids COURSE.md defines (Q1 .. Q48).
inline constexpr int kCourseQuestions = 48;

// Reads a lesson file: JSON, a valid spec (parse_spec), and a valid lesson block. Format 1
// lessons (title, text, views, clamp; no steps) still load: they have no steps. Throws
// SpecError listing every problem with its JSON pointer in the file.
Lesson parse_lesson(const std::string& text);
Lesson parse_lesson(const nlohmann::json& document);

// The spec with `fields` (JSON pointer -> value) replaced; each pointer's parent must exist
// (objects gain new keys, arrays are indexed) and a null value removes an object's field.
// Issues name `where` and the pointer.
nlohmann::json with_fields(const nlohmann::json& spec, const std::vector<std::pair<std::string, nlohmann::json>>& fields,
                           const std::string& where, std::vector<SpecIssue>& issues);

GRADLAB_END
