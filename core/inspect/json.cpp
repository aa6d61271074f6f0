#include "inspect/json.h"

GRADLAB_BEGIN

nlohmann::json tensor_json(const Tensor& t) {
  if (!t.defined()) return nullptr;
  nlohmann::json data = nlohmann::json::array();
  for (std::int64_t i = 0; i < t.numel(); ++i) data.push_back(static_cast<double>(t[i]));
  nlohmann::json o;
  o["shape"] = t.shape();
  o["data"] = std::move(data);
  return o;
}

GRADLAB_END
