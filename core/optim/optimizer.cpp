// The Optimizer base: parameter bookkeeping, the step loop, and state export/import.
#include "optim/optimizer.h"
#include "support/throw.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

GRADLAB_BEGIN

namespace detail {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string format_interval(double lo, double hi, bool lo_open, bool hi_open) {
  return std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + (hi_open ? ")" : "]");
}

bool in_interval(double v, double lo, double hi, bool lo_open, bool hi_open) {
  const bool above = lo_open ? v > lo : v >= lo;
  const bool below = hi_open ? v < hi : v <= hi;
  return above && below;  // false for NaN
}

}  // namespace detail

Optimizer::Optimizer(std::string kind, NamedParams params, double lr, std::vector<std::string> slot_names,
                     bool has_param_step)
    : kind_(std::move(kind)),
      params_(std::move(params)),
      slot_names_(std::move(slot_names)),
      has_param_step_(has_param_step) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, var] = params_[i];
    if (!var.defined()) throw_invalid_argument(kind_ + ": parameter '" + name + "' is undefined");
    if (!seen.emplace(name, i).second) throw_invalid_argument(kind_ + ": duplicate parameter name '" + name + "'");
    for (std::size_t j = 0; j < i; ++j)
      if (params_[j].second.same_node(var))
        throw_invalid_argument(kind_ + ": parameters '" + params_[j].first + "' and '" + name +
                               "' are the same Var");
  }
  states_.resize(params_.size());
  set_lr(lr);
}

void Optimizer::check_range(const std::string& what, double value, double lo, double hi, bool lo_open,
                            bool hi_open) const {
  if (!detail::in_interval(value, lo, hi, lo_open, hi_open))
    throw_invalid_argument(kind_ + ": " + what + " = " + detail::format_number(value) + " is outside " +
                           detail::format_interval(lo, hi, lo_open, hi_open));
}

void Optimizer::set_lr(double lr) {
  check_range("lr", lr, 0, std::numeric_limits<double>::infinity(), false, true);
  lr_ = lr;
}

void Optimizer::init_state(const Tensor& value, ParamState& state) const {
  state.slots.clear();
  for (std::size_t k = 0; k < slot_names_.size(); ++k) state.slots.push_back(Tensor::zeros_like(value));
}

void Optimizer::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i].second;
    if (!p.has_grad()) continue;
    ParamState& s = states_[i];
    if (!s.initialized) {
      init_state(p.value(), s);
      s.initialized = true;
    }
    ++s.step;
    update(p.mutable_value(), p.grad(), s);
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) p.zero_grad();
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace_back("step", Tensor::scalar(static_cast<Scalar>(steps_)));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const ParamState& s = states_[i];
    if (!s.initialized) continue;
    const std::string& name = params_[i].first;
    if (has_param_step_) out.emplace_back("step." + name, Tensor::scalar(static_cast<Scalar>(s.step)));
    for (std::size_t k = 0; k < slot_names_.size(); ++k)
      out.emplace_back(slot_names_[k] + "." + name, s.slots[k].clone());
  }
  return out;
}

namespace {

// A count stored as a Scalar: must be a one-element [] tensor holding a whole number >= 0.
// Above 2^53 (2^24 in float) consecutive integers are not representable, so those are
// refused too rather than silently rounded.
std::int64_t read_count(const std::string& kind, const std::string& entry, const Tensor& t) {
  if (!t.defined() || !t.shape().empty())
    throw_invalid_argument(kind + ": state entry '" + entry + "' has shape " +
                           (t.defined() ? to_string(t.shape()) : std::string("(undefined)")) +
                           ", expected [] (a count)");
  const double v = static_cast<double>(t[0]);
  constexpr double limit = static_cast<double>(std::int64_t{1} << std::numeric_limits<Scalar>::digits);
  if (!(v >= 0) || v > limit || std::floor(v) != v)
    throw_invalid_argument(kind + ": state entry '" + entry + "' = " + detail::format_number(v) +
                           " is not a whole number in [0, " + detail::format_number(limit) + "]");
  return static_cast<std::int64_t>(v);
}

}  // namespace

void Optimizer::load_state(const NamedTensors& state) {
  std::map<std::string, std::size_t> param_index;
  for (std::size_t i = 0; i < params_.size(); ++i) param_index.emplace(params_[i].first, i);

  auto expected = [&] {
    std::string s = "'step'";
    if (has_param_step_) s += ", 'step.<param>'";
    for (const auto& slot : slot_names_) s += ", '" + slot + ".<param>'";
    return s;
  };

  // Parse everything into a fresh state first: on any error *this is left untouched.
  std::vector<ParamState> fresh(params_.size());
  std::vector<std::vector<bool>> have(params_.size(), std::vector<bool>(slot_names_.size(), false));
  std::vector<bool> have_step(params_.size(), false);
  for (auto& s : fresh) s.slots.resize(slot_names_.size());
  std::set<std::string> seen;
  bool have_global_step = false;
  std::int64_t steps = 0;

  for (const auto& [entry, tensor] : state) {
    if (!seen.insert(entry).second) throw_invalid_argument(kind_ + ": duplicate state entry '" + entry + "'");
    if (entry == "step") {
      steps = read_count(kind_, entry, tensor);
      have_global_step = true;
      continue;
    }
    // "<slot>.<param>": slot names have no dots, parameter names may ("0.weight").
    const auto dot = entry.find('.');
    const std::string slot = dot == std::string::npos ? entry : entry.substr(0, dot);
    const std::string pname = dot == std::string::npos ? std::string() : entry.substr(dot + 1);
    std::ptrdiff_t k = -1;  // slot index, or -1 for the per-parameter step
    if (slot == "step" && has_param_step_) {
      k = -1;
    } else {
      auto it = std::find(slot_names_.begin(), slot_names_.end(), slot);
      if (dot == std::string::npos || it == slot_names_.end())
        throw_invalid_argument(kind_ + ": unexpected state entry '" + entry + "' (this " + kind_ + " keeps " +
                               expected() + ")");
      k = it - slot_names_.begin();
    }
    auto p = param_index.find(pname);
    if (p == param_index.end()) {
      std::string names;
      for (const auto& [n, v] : params_) names += (names.empty() ? "" : ", ") + n;
      throw_invalid_argument(kind_ + ": state entry '" + entry + "' names no parameter (parameters: " + names +
                             ")");
    }
    const std::size_t i = p->second;
    if (k < 0) {
      fresh[i].step = read_count(kind_, entry, tensor);
      have_step[i] = true;
      continue;
    }
    const Shape& want = params_[i].second.shape();
    if (!tensor.defined() || tensor.shape() != want)
      throw_invalid_argument(kind_ + ": state entry '" + entry + "' has shape " +
                             (tensor.defined() ? to_string(tensor.shape()) : std::string("(undefined)")) +
                             " but parameter '" + pname + "' has shape " + to_string(want));
    fresh[i].slots[static_cast<std::size_t>(k)] = tensor.clone();
    have[i][static_cast<std::size_t>(k)] = true;
  }

  if (!have_global_step) throw_invalid_argument(kind_ + ": state has no 'step' entry");

  // Each parameter's state is all or nothing.
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    std::vector<std::string> present, missing;
    auto note = [&](bool has, const std::string& entry) { (has ? present : missing).push_back(entry); };
    if (has_param_step_) note(have_step[i], "step." + name);
    for (std::size_t k = 0; k < slot_names_.size(); ++k) note(have[i][k], slot_names_[k] + "." + name);
    if (!present.empty() && !missing.empty())
      throw_invalid_argument(kind_ + ": state for parameter '" + name + "' is incomplete: has '" +
                             present.front() + "' but not '" + missing.front() + "'");
    fresh[i].initialized = !present.empty();
    if (!fresh[i].initialized) fresh[i] = ParamState{};
  }

  states_ = std::move(fresh);
  steps_ = steps;
}

GRADLAB_END
