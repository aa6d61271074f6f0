// `gradlab check`: the finite-difference check, compiled against the double-precision core.
// No gradlab types cross this header, so the float CLI can call it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace gradlab_cli {

struct CheckArgs {
  double tolerance = 1e-6;
  double eps = 1e-6;
  std::int64_t max_entries = 64;  // per parameter; 0: every entry
  bool as_json = false;
  bool progress_bar = false;      // stderr is a terminal: one bar redrawn in place
};

// Checks every parameter of the spec's model on the spec's batch. Prints a table to
// `out` and progress to `err` (a line per parameter, or a bar on a terminal); returns 0
// when every parameter passes, 1 when one fails, 2 for a bad spec (message on `err`).
int run_check(const std::string& spec_text, const CheckArgs& args, std::ostream& out, std::ostream& err);

}  // namespace gradlab_cli
