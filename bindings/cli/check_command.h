// `gradlab check`: the finite-difference check, compiled against the double-precision core.
// No gradlab types cross this header, so the float CLI can call it.
#pragma once

#include <iosfwd>
#include <string>

namespace gradlab_cli {

// Checks every parameter of the spec's model on the spec's batch. Prints a table to
// `out`; returns 0 when every parameter passes, 1 when one fails, 2 for a bad spec
// (message on `err`).
int run_check(const std::string& spec_text, double tolerance, bool as_json, std::ostream& out, std::ostream& err);

}  // namespace gradlab_cli
