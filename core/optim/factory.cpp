// make_optimizer / make_schedule: names to objects, with each optimizer's own defaults.
#include "optim/factory.h"
#include "tensor/strings.h"

#include <stdexcept>

#include "optim/optimizers.h"
#include "support/throw.h"

GRADLAB_BEGIN

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd", "adam", "adamw", "rmsprop", "adagrad"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerConfig& c, NamedParams params) {
  if (name == "sgd")
    return std::make_unique<SGD>(std::move(params), SGDOptions{.lr = c.lr.value_or(1e-3),
                                                               .momentum = c.momentum,
                                                               .dampening = c.dampening,
                                                               .weight_decay = c.weight_decay.value_or(0),
                                                               .nesterov = c.nesterov});
  if (name == "adam")
    return std::make_unique<Adam>(std::move(params), AdamOptions{.lr = c.lr.value_or(1e-3),
                                                                 .betas = c.betas,
                                                                 .eps = c.eps.value_or(1e-8),
                                                                 .weight_decay = c.weight_decay.value_or(0)});
  if (name == "adamw")
    return std::make_unique<AdamW>(std::move(params), AdamWOptions{.lr = c.lr.value_or(1e-3),
                                                                   .betas = c.betas,
                                                                   .eps = c.eps.value_or(1e-8),
                                                                   .weight_decay = c.weight_decay.value_or(1e-2)});
  if (name == "rmsprop")
    return std::make_unique<RMSProp>(std::move(params), RMSPropOptions{.lr = c.lr.value_or(1e-2),
                                                                       .alpha = c.alpha,
                                                                       .eps = c.eps.value_or(1e-8),
                                                                       .weight_decay = c.weight_decay.value_or(0),
                                                                       .momentum = c.momentum,
                                                                       .centered = c.centered});
  if (name == "adagrad")
    return std::make_unique<Adagrad>(std::move(params),
                                     AdagradOptions{.lr = c.lr.value_or(1e-2),
                                                    .lr_decay = c.lr_decay,
                                                    .weight_decay = c.weight_decay.value_or(0),
                                                    .initial_accumulator_value = c.initial_accumulator_value,
                                                    .eps = c.eps.value_or(1e-10)});
  throw_invalid_argument("make_optimizer: unknown optimizer '" + name + "' (known: " + join(optimizer_names()) +
                         ")");
}

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names{"constant", "step", "exponential", "cosine"};
  return names;
}

std::unique_ptr<Schedule> make_schedule(const std::string& name, const ScheduleConfig& c, double base_lr) {
  if (name == "constant") return std::make_unique<ConstantLR>(base_lr);
  if (name == "step") return std::make_unique<StepLR>(base_lr, c.step_size, c.gamma);
  if (name == "exponential") return std::make_unique<ExponentialLR>(base_lr, c.gamma);
  if (name == "cosine") return std::make_unique<CosineAnnealingLR>(base_lr, c.T_max, c.eta_min);
  throw_invalid_argument("make_schedule: unknown schedule '" + name + "' (known: " + join(schedule_names()) + ")");
}

GRADLAB_END
