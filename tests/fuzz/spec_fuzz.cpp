// libFuzzer target: spec text -> validate_spec (the editor's check on every keystroke,
// never throws) and parse_spec (SpecError only). A spec validate_spec accepts must also
// parse: the editor must not call a spec valid that the engine then refuses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz.h"
#include "session/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json verdict;
  try {
    verdict = gradlab::validate_spec(text);
  } catch (const std::exception& e) {
    gradlab_fuzz::finding(std::string("validate_spec threw: ") + e.what());
  }
  if (!verdict.is_object() || !verdict.contains("ok") || !verdict["ok"].is_boolean() || !verdict["issues"].is_array())
    gradlab_fuzz::finding("validate_spec returned no {ok, issues}");
  for (const auto& issue : verdict["issues"]) {
    const auto& ptr = issue.at("pointer");
    if (!ptr.is_string() || (!ptr.get<std::string>().empty() && ptr.get<std::string>()[0] != '/'))
      gradlab_fuzz::finding("validate_spec issue without a JSON pointer: " + issue.dump());
  }
  const bool refused = gradlab_fuzz::refused_with_spec_error([&] { gradlab::parse_spec(text); }, "parse_spec");
  if (verdict["ok"].get<bool>() && refused) gradlab_fuzz::finding("validate_spec accepts a spec that parse_spec refuses");
  return 0;
}
