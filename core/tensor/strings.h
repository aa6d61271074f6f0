// Small text helpers for error messages ("allowed: a, b, c"), shared by every layer.
#pragma once

#include <string>
#include <vector>

#include "tensor/scalar.h"

GRADLAB_BEGIN

inline std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

GRADLAB_END
