// Force-included into every wasm translation unit (cmake/gradlab_wasm.cmake): fills in what
// core/ uses from the standard library and emscripten 3.1.6's libc++ (13) lacks. Native
// builds never see it. Remove an entry once core/ or the toolchain no longer needs it.
#pragma once

#if defined(__cplusplus) && defined(__EMSCRIPTEN__)
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#if defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 14000
namespace std {
// std::to_chars(double), used by core/optim/optimizer.cpp (format_number) for error
// messages: the shortest "%g" text that reads back as the same double, like to_chars'.
inline to_chars_result to_chars(char* first, char* last, double value) {
  char buf[32];
  int n = 0;
  for (int precision = 1; precision <= 17; ++precision) {
    n = std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  if (n < 0 || n > last - first) return {last, errc::value_too_large};
  for (int i = 0; i < n; ++i) first[i] = buf[i];
  return {first + n, errc()};
}
}  // namespace std
#endif
#endif
