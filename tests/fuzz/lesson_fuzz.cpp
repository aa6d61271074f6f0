// libFuzzer target: lesson file text -> parse_lesson (SpecError only, every issue with its
// pointer in the file).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz.h"
#include "lesson/lesson.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  gradlab_fuzz::refused_with_spec_error([&] { gradlab::parse_lesson(text); }, "parse_lesson");
  return 0;
}
