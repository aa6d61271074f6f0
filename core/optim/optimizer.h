// Optimizer: the base every optimizer shares. It owns a list of named parameters, steps
// the ones that have a gradient (as PyTorch, others are skipped), and keeps its whole
// state as named tensors, so a checkpoint restores it and training continues bit for bit.
//
//   auto params = net->named_parameters();
//   SGD opt(params, {.lr = 0.1, .momentum = 0.9});
//   opt.zero_grad();
//   loss.backward();
//   opt.step();
//   auto state = opt.state();   // "step", "momentum_buffer.0.weight", ...
//   fresh.load_state(state);    // a fresh SGD over the same names continues identically
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

using NamedParams = std::vector<std::pair<std::string, Var>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // "SGD", "Adam", ...: the prefix of every error this optimizer throws.
  const std::string& kind() const { return kind_; }
  const NamedParams& params() const { return params_; }

  // One update of every parameter that has a gradient; the others keep their value and
  // their state (their per-parameter step does not advance either).
  void step();
  // Forgets every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);  // lr >= 0; a schedule calls this before each step
  // How many times step() has run (also exported as "step").
  std::int64_t steps() const { return steps_; }

  // The whole state as named tensors (copies), in parameter order:
  //   "step"               [] the number of step() calls
  //   "step.<param>"       [] that parameter's own update count (Adam, AdamW, RMSProp, Adagrad)
  //   "<slot>.<param>"     the parameter's shape, one per slot (slot_names())
  // A parameter that has never been updated has no entries (PyTorch creates state lazily).
  // Counts are stored as Scalar, so they are exact up to 2^24 steps in the float build.
  // Hyper-parameters (lr included) are configuration, not state: a schedule re-derives lr.
  NamedTensors state() const;
  // Replaces the whole state with `state` (copies it). Throws std::invalid_argument naming
  // the offending entry for an unknown name, a wrong shape, a count that is not a
  // non-negative integer, a duplicate, or a parameter whose slots are incomplete; the
  // optimizer is unchanged then.
  void load_state(const NamedTensors& state);

  // Per-parameter state slots of this configuration, e.g. {"exp_avg", "exp_avg_sq"}.
  const std::vector<std::string>& slot_names() const { return slot_names_; }

 protected:
  struct ParamState {
    bool initialized = false;
    std::int64_t step = 0;      // updates of this parameter (incremented before use)
    std::vector<Tensor> slots;  // in slot_names() order, each of the parameter's shape
  };

  // Validates the parameter list (defined, unique names, no Var twice) and lr.
  Optimizer(std::string kind, NamedParams params, double lr, std::vector<std::string> slot_names, bool has_param_step);

  // Fills a fresh state's slots (default: zeros of the parameter's shape).
  virtual void init_state(const Tensor& value, ParamState& state) const;
  // Updates `value` in place from `grad` (same shape); state.step is already incremented.
  virtual void update(Tensor& value, const Tensor& grad, ParamState& state) = 0;

  // Throws "<kind>: <what> = <value> is outside [lo, hi]" (or with open ends) unless the
  // value lies in the interval; NaN is always outside. hi may be infinity.
  void check_range(const std::string& what, double value, double lo, double hi, bool lo_open = false,
                   bool hi_open = false) const;

 private:
  std::string kind_;
  NamedParams params_;
  double lr_ = 0;
  std::vector<std::string> slot_names_;
  bool has_param_step_;
  std::vector<ParamState> states_;
  std::int64_t steps_ = 0;
};

namespace detail {
// Shortest text that reads back as the same double ("0.1", "1e-08", "inf", "nan").
std::string format_number(double v);
// "[0, 1)", "(0, inf]", ...
std::string format_interval(double lo, double hi, bool lo_open, bool hi_open);
bool in_interval(double v, double lo, double hi, bool lo_open, bool hi_open);
}  // namespace detail

GRADLAB_END
