// Golden-number files (tests/data/*_golden.json, written by the scripts in tests/golden/):
// reading one, and its tensors stored as {"shape": [...], "data": [...]} in row-major order.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "tensor/tensor.h"

namespace gradlab::test {

// tests/data/<name>, parsed; throws naming the file if it cannot be opened.
inline nlohmann::json read_golden(const std::string& name) {
  std::ifstream in(std::string(GRADLAB_SOURCE_DIR) + "/tests/data/" + name);
  if (!in) throw std::runtime_error("cannot open tests/data/" + name);
  return nlohmann::json::parse(in);
}

inline Tensor tensor_of(const nlohmann::json& j) {
  Shape shape = j.at("shape").get<Shape>();
  std::vector<Scalar> data;
  for (const auto& v : j.at("data")) data.push_back(static_cast<Scalar>(v.get<double>()));
  return Tensor(std::move(shape), std::move(data));
}

}  // namespace gradlab::test
