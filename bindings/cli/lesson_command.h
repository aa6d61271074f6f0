// `gradlab lesson`: runs a lesson's steps headless and reports every expectation.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace gradlab_cli {

struct LessonOptions {
  bool json = false;
  bool check_seeds = false;             // every seed in the lesson's check_seeds
  std::optional<std::uint64_t> seed;    // one seed in place of the spec's
};

// Returns 0 when every expectation holds, 1 when one does not; throws gradlab::SpecError
// for an invalid lesson (the caller prints its pointers).
int run_lesson_command(const std::string& path, const std::string& text, const LessonOptions& options, std::ostream& out,
                       std::ostream& err);

}  // namespace gradlab_cli
