// SupervisedTrainer: minibatch training of a single-input model on (inputs, targets)
// pairs: classification, regression, sequence labelling, language modelling.
// One step = draw a batch, forward, loss (+ L1/L2 penalties), backward, clip, update.
//
//   SupervisedTrainer trainer(model, std::move(optimizer), std::move(schedule), objective,
//                             config, x_train, y_train);
//   StepMetrics m = trainer.step();     // m.loss, m.grad_norm, m.lr, ...
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>

#include "data/batcher.h"
#include "nn/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/objective.h"

GRADLAB_BEGIN

struct TrainConfig {
  std::int64_t batch_size = 32;
  double clip_grad_norm = 0;   // 0: off
  double clip_grad_value = 0;  // 0: off
  double l1 = 0, l2 = 0;       // weights of sum|w| and sum w^2 added to the loss
  std::uint64_t seed = 0;      // for batch order (reshuffled every epoch)
};

struct StepMetrics {
  std::int64_t step = 0;   // steps done, counting this one
  double loss = 0;         // the data loss of this batch (penalties excluded)
  double objective = 0;    // what was differentiated: loss + penalties
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double grad_norm = 0;        // global 2-norm of all gradients before clipping
  double grad_norm_after = 0;  // after clipping
  bool clipped = false;
  double lr = 0;               // the learning rate this step used
};

struct EvalMetrics {
  double loss = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  std::int64_t n = 0;
};

// Thrown when a loss or gradient stops being finite. Nothing was updated in that step.
class NonFiniteError : public std::runtime_error {
 public:
  NonFiniteError(std::int64_t step, std::string where, const std::string& message)
      : std::runtime_error(message), step_(step), where_(std::move(where)) {}
  std::int64_t step() const { return step_; }
  const std::string& where() const { return where_; }  // the parameter or value that went bad

 private:
  std::int64_t step_;
  std::string where_;
};

class SupervisedTrainer {
 public:
  SupervisedTrainer(std::shared_ptr<Layer> model, std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Schedule> schedule,
                    Objective objective, TrainConfig config, Tensor x_train, Tensor y_train);

  StepMetrics step();
  std::int64_t steps_done() const { return step_; }
  EvalMetrics evaluate(const Tensor& x, const Tensor& y);

  // One forward and backward on (x, y) without updating: for `gradlab grad` and checks.
  // With input_grad the inputs become a leaf that requires grad, so their gradient is
  // available afterwards.
  struct Pass {
    Var inputs, output, loss;
  };
  Pass forward_backward(const Tensor& x, const Tensor& y, bool input_grad);

  Layer& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Objective& objective() const { return objective_; }
  Batcher& batcher() { return batcher_; }
  void set_steps_done(std::int64_t step) { step_ = step; }

 private:
  Var penalized(const Var& loss) const;

  std::shared_ptr<Layer> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Schedule> schedule_;
  Objective objective_;
  TrainConfig config_;
  Tensor x_, y_;
  Batcher batcher_;
  std::int64_t step_ = 0;
};

GRADLAB_END
