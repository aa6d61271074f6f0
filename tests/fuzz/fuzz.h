// Shared by the libFuzzer targets (docs/testing.md): the one contract they check. Bad input
// never crashes, hangs or leaks; it is refused with the error type its API documents, and
// every issue of a SpecError has a JSON pointer ("" for the document, else "/...") and a
// message. Anything else aborts, which libFuzzer reports as a finding with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "spec/spec.h"

namespace gradlab_fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

inline void expect_pointers(const gradlab::SpecError& e) {
  if (e.issues().empty()) finding(std::string("a SpecError without issues: ") + e.what());
  for (const auto& issue : e.issues()) {
    if (!issue.pointer.empty() && issue.pointer[0] != '/') finding("an issue pointer that is not a JSON pointer: '" + issue.pointer + "'");
    if (issue.message.empty()) finding("an issue without a message at '" + issue.pointer + "'");
  }
}

// Runs `f`; a SpecError is the documented refusal (its issues are checked), any other
// exception is a finding.
template <class F>
bool refused_with_spec_error(F&& f, const char* api) {
  try {
    f();
    return false;
  } catch (const gradlab::SpecError& e) {
    expect_pointers(e);
    return true;
  } catch (const std::exception& e) {
    finding(std::string(api) + " threw something other than SpecError: " + e.what());
  }
}

}  // namespace gradlab_fuzz
