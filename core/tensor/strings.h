// Small text helpers for error messages ("allowed: a, b, c"), shared by every layer.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "tensor/scalar.h"

GRADLAB_BEGIN

inline std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

// A number as `std::ostream << v` writes it with default flags ("%g": 6 significant
// digits, "inf", "nan"), without <sstream>, whose locale machinery is ~20 KB of gzipped
// WebAssembly (docs/wasm.md).
inline std::string format_g(double v) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%g", v);
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

GRADLAB_END
