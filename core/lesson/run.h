// Running a lesson headless: every step's actions in order on one seed, then its
// expectations measured. `gradlab lesson` prints this; ctest runs it on every shipped
// lesson on its check seeds.
//
//   LessonRunner runner(lesson, 3);
//   while (!runner.done()) report(runner.run_next());
#pragma once

#include <memory>

#include "autograd/function_ref.h"
#include "lesson/measure.h"

GRADLAB_BEGIN

struct StepResult {
  std::size_t index = 0;
  std::string pointer, id, title;
  std::int64_t steps_done = 0;         // the main session's training steps after the step
  std::vector<std::string> notes;      // what the actions did ("trained 200 steps", ...)
  std::vector<ExpectationResult> results;
  std::string error;                   // an action that failed (the step then fails)
  bool passed() const;
};

struct LessonRun {
  std::uint64_t seed = 0;
  std::vector<StepResult> steps;
  bool passed() const;
};

nlohmann::json to_json(const StepResult& r);
nlohmann::json to_json(const LessonRun& r);

class LessonRunner {
 public:
  // Builds the lesson's session with `seed` in place of the spec's seed.
  LessonRunner(const Lesson& lesson, std::uint64_t seed);
  ~LessonRunner();

  bool done() const { return next_ >= lesson_.steps.size(); }
  // Runs the next step's actions and measures its expectations. `progress` sees the main
  // session's step count while training (for a progress line on long steps).
  StepResult run_next(FunctionRef<void(std::int64_t done, std::int64_t total)> progress = {});

 private:
  // A session with what it has been through: its last step and where it diverged.
  struct Run {
    Run() = default;
    explicit Run(std::unique_ptr<Session> s) : session(std::move(s)) {}
    std::unique_ptr<Session> session;
    Metrics last_step;
    std::int64_t diverged_at = 0;
    RunFacts facts() const { return {&last_step, diverged_at}; }
  };
  // Trains `run` n steps; a step that is not finite stops that run (kept in its facts).
  static std::string train(Run& run, std::int64_t n, FunctionRef<void(std::int64_t, std::int64_t)> progress);
  void act(const Action& a, StepResult& out, FunctionRef<void(std::int64_t, std::int64_t)> progress);
  const Lesson& lesson_;
  nlohmann::json spec_;  // the spec as the actions have changed it
  Run main_;
  std::vector<std::pair<std::string, Run>> variants_;
  std::map<std::string, double> recorded_;
  std::size_t next_ = 0;
};

LessonRun run_lesson(const Lesson& lesson, std::uint64_t seed,
                     FunctionRef<void(const StepResult&)> on_step = {});

GRADLAB_END
