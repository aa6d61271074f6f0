// `gradlab lesson FILE`: every step of a lesson run headless, each expectation reported with
// the measured value; and `gradlab sweep SPEC --set POINTER=V1,V2`: variants of one spec.
#include "lesson_command.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "lesson/run.h"

namespace gradlab_cli {

namespace {

using gradlab::ExpectationResult;
using gradlab::StepResult;

std::string fmt(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));  // counts exactly
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

// "  ok    test accuracy = 0.99 (at least 0.95)"
void print_result(const ExpectationResult& r, std::ostream& out) {
  out << "    " << (r.pass ? "ok  " : "FAIL") << "  " << r.what;
  if (r.measured) out << " = " << fmt(r.value) << " (expected " << r.expected << ")";
  else out << ": not measured: " << r.error << " (expected " << r.expected << ")";
  if (!r.pass) out << "   [" << r.pointer << "]";
  out << "\n";
}

void print_step(const StepResult& s, std::size_t total, std::ostream& out) {
  out << "  step " << s.index + 1 << "/" << total << "  " << s.title << "  (at training step " << s.steps_done << ")\n";
  for (const auto& n : s.notes) out << "    - " << n << "\n";
  if (!s.error.empty()) out << "    FAIL  " << s.error << "\n";
  for (const auto& r : s.results) print_result(r, out);
}

}  // namespace

int run_lesson_command(const std::string& path, const std::string& text, const LessonOptions& options, std::ostream& out,
                       std::ostream& err) {
  const gradlab::Lesson lesson = gradlab::parse_lesson(text);
  if (lesson.steps.empty()) {
    err << "gradlab lesson: " << path << " is a format-1 lesson (no steps, nothing to check); docs/lessons.md describes format 2\n";
    return 2;
  }
  std::vector<std::uint64_t> seeds = options.check_seeds ? lesson.check_seeds : std::vector<std::uint64_t>{lesson.spec_seed};
  if (options.seed) seeds = {*options.seed};
  const bool tty = isatty(STDERR_FILENO);
  nlohmann::json report = {{"lesson", path}, {"title", lesson.title}, {"questions", lesson.questions}, {"runs", nlohmann::json::array()}};
  std::size_t held = 0, total = 0;
  bool all = true;
  if (!options.json) out << "lesson: " << lesson.title << " (" << path << "), answers " << gradlab::join(lesson.questions) << "\n";
  for (std::uint64_t seed : seeds) {
    if (!options.json) out << "seed " << seed << "\n";
    gradlab::LessonRun run;
    run.seed = seed;
    gradlab::LessonRunner runner(lesson, seed);
    while (!runner.done()) {
      const std::size_t index = run.steps.size();
      run.steps.push_back(runner.run_next([&](std::int64_t done, std::int64_t n) {
        if (tty && (done % std::max<std::int64_t>(1, n / 100) == 0 || done == n))
          err << "\r  step " << index + 1 << ": training " << done << "/" << n << "   " << std::flush;
      }));
      if (tty) err << "\r" << std::string(48, ' ') << "\r" << std::flush;
      const StepResult& s = run.steps.back();
      if (!options.json) print_step(s, lesson.steps.size(), out);
      for (const auto& r : s.results) held += r.pass;
      total += s.results.size() + (s.error.empty() ? 0 : 1);
    }
    all = all && run.passed();
    report["runs"].push_back(gradlab::to_json(run));
  }
  report["passed"] = all;
  if (options.json) out << report.dump(2) << "\n";
  else
    out << held << " of " << total << " expectations held on " << seeds.size() << (seeds.size() == 1 ? " seed" : " seeds") << ": "
        << (all ? "passed" : "FAILED") << "\n";
  return all ? 0 : 1;
}

}  // namespace gradlab_cli
