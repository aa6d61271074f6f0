// Optimizers and schedules by name, for the spec layer: one plain config struct each,
// with every field and its default. Unknown names throw std::invalid_argument listing
// the known ones; bad values throw the optimizer's or schedule's own message.
//
//   OptimizerConfig c;
//   c.lr = 0.05;
//   c.momentum = 0.9;
//   auto opt = make_optimizer("sgd", c, net->named_parameters());
//   auto sched = make_schedule("cosine", {.T_max = 100}, opt->lr());
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.h"
#include "optim/schedule.h"

GRADLAB_BEGIN

// Fields an optimizer does not use are ignored. Unset optionals take that optimizer's
// PyTorch default: lr 1e-3 (sgd, adam, adamw) or 1e-2 (rmsprop, adagrad); eps 1e-8, or
// 1e-10 for adagrad; weight_decay 0, or 1e-2 for adamw.
struct OptimizerConfig {
  std::optional<double> lr;
  std::optional<double> eps;
  std::optional<double> weight_decay;
  double momentum = 0;                         // sgd, rmsprop
  double dampening = 0;                        // sgd
  bool nesterov = false;                       // sgd
  std::array<double, 2> betas = {0.9, 0.999};  // adam, adamw
  double alpha = 0.99;                         // rmsprop
  bool centered = false;                       // rmsprop
  double lr_decay = 0;                         // adagrad
  double initial_accumulator_value = 0;        // adagrad
};

// "sgd", "adam", "adamw", "rmsprop", "adagrad"
const std::vector<std::string>& optimizer_names();
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerConfig& config, NamedParams params);

// step_size and T_max have no default (as in PyTorch): 0 means unset and is rejected by
// "step" and "cosine" respectively.
struct ScheduleConfig {
  std::int64_t step_size = 0;  // step
  double gamma = 0.1;          // step, exponential
  std::int64_t T_max = 0;      // cosine
  double eta_min = 0;          // cosine
};

// "constant", "step", "exponential", "cosine"
const std::vector<std::string>& schedule_names();
std::unique_ptr<Schedule> make_schedule(const std::string& name, const ScheduleConfig& config, double base_lr);

GRADLAB_END
