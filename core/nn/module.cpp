#include "nn/module.h"
#include "support/throw.h"

#include <map>
#include <stdexcept>

GRADLAB_BEGIN

Var Module::register_parameter(const std::string& name, Tensor init) {
  Var v(std::move(init), /*requires_grad=*/true);
  v.set_name(name);
  params_.emplace_back(name, v);
  return v;
}

Tensor Module::register_buffer(const std::string& name, Tensor init) {
  buffers_.emplace_back(name, init);
  return init;
}

void Module::set_parameter_value(const std::string& name, const Tensor& value) {
  for (auto& [n, v] : params_) {
    if (n != name) continue;
    if (value.shape() != v.shape())
      throw_invalid_argument("parameter '" + name + "' has shape " + to_string(v.shape()) + ", got " +
                             to_string(value.shape()));
    Tensor& dst = v.mutable_value();
    for (std::int64_t i = 0; i < dst.numel(); ++i) dst[i] = value[i];
    return;
  }
  throw_out_of_range("no parameter '" + name + "' in " + type_name());
}

void Module::collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const {
  for (const auto& [n, v] : params_) out.emplace_back(prefix + n, v);
  for (const auto& [n, m] : children_) m->collect_parameters(prefix + n + ".", out);
}

void Module::collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, m] : children_) m->collect_buffers(prefix + n + ".", out);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Var>> out;
  collect_parameters("", out);
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [n, v] : named_parameters()) out.push_back(v);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_buffers("", out);
  return out;
}

Var Module::parameter(const std::string& dotted_name) const {
  std::string names;
  for (auto& [n, v] : named_parameters()) {
    if (n == dotted_name) return v;
    names += (names.empty() ? "" : ", ") + n;
  }
  throw_out_of_range("no parameter named '" + dotted_name + "' (parameters: " + (names.empty() ? "none" : names) + ")");
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (auto& [name, v] : named_parameters()) n += v.numel();
  return n;
}

void Module::load_state(const std::vector<std::pair<std::string, Tensor>>& state, bool strict) {
  std::map<std::string, Tensor> targets;
  for (auto& [n, v] : named_parameters()) targets.emplace(n, v.value());
  for (auto& [n, t] : named_buffers()) targets.emplace(n, t);
  // Validate everything first so a bad entry changes nothing.
  std::map<std::string, bool> seen;
  for (const auto& [name, value] : state) {
    auto it = targets.find(name);
    if (it == targets.end()) {
      if (strict) throw_invalid_argument("unexpected parameter '" + name + "' for this " + type_name());
      continue;
    }
    if (it->second.shape() != value.shape())
      throw_invalid_argument("parameter '" + name + "' has shape " + to_string(it->second.shape()) +
                             ", but the values given have shape " + to_string(value.shape()));
    seen[name] = true;
  }
  if (strict)
    for (const auto& [name, t] : targets)
      if (!seen.count(name)) throw_invalid_argument("missing parameter '" + name + "'");
  for (const auto& [name, value] : state) {
    auto it = targets.find(name);
    if (it == targets.end()) continue;
    Tensor dst = it->second;  // shares storage with the module's tensor
    for (std::int64_t i = 0; i < dst.numel(); ++i) dst[i] = value[i];
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::zero_grad() {
  for (auto& [n, v] : named_parameters()) v.zero_grad();
}

void Module::assign_names(const std::string& prefix) {
  for (auto& [n, v] : named_parameters()) v.set_name(prefix + n);
}

GRADLAB_END
