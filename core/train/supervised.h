// SupervisedTrainer: minibatch training of a single-input model on (inputs, targets)
// pairs: classification, regression, sequence labelling, language modelling.
// One step = draw a batch, forward, loss (+ L1/L2 penalties), backward, clip, update.
// With TrainConfig::tbptt = k > 0 (truncated BPTT, train/tbptt.h) one step trains the next
// k time steps of the current batch of sequences instead, from the state the previous
// chunk ended in.
//
// A step that meets a NaN/Inf changes nothing (parameters, optimizer state, buffers) and
// throws NonFiniteError naming the step and the first op or parameter that went bad: the
// failing step is replayed once in anomaly mode (autograd/anomaly.h) to find that op, so
// healthy steps pay nothing for it.
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
  // L1 by its proximal step instead of its subgradient: the l1 term is left out of what
  // is differentiated, and after each optimizer step every parameter (biases too, as the
  // penalty covers them) is soft-thresholded: w <- sign(w) max(|w| - lr * l1, 0).
  bool l1_proximal = false;
  std::uint64_t seed = 0;      // for batch order (reshuffled every epoch)
  // Truncated BPTT chunk length k (0: off, full BPTT). Needs a [Recurrent, per-step
  // layers...] model, x [N, T, F], per-step targets [N, T, ...] and a scalar loss.
  std::int64_t tbptt = 0;
};

struct StepMetrics {
  std::int64_t step = 0;   // steps done, counting this one
  double loss = 0;         // the data loss of this batch (penalties excluded)
  double objective = 0;    // loss + l1 sum|w| + l2 sum w^2 (a seeded loss as sum(seed * loss)); with
                           // proximal L1 its l1 term is not differentiated but still counted
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double grad_norm = 0;        // global 2-norm of all gradients before clipping
  double grad_norm_after = 0;  // after clipping
  bool clipped = false;
  double lr = 0;               // the learning rate this step used
  // Truncated BPTT: the time steps this update trained on, [chunk_start, chunk_start +
  // chunk_steps) (0 and 0 when tbptt is off).
  std::int64_t chunk_start = 0, chunk_steps = 0;
};

struct EvalMetrics {
  double loss = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  std::int64_t n = 0;
};

// Thrown when a loss, a gradient or an update stops being finite. Nothing was updated in
// that step (parameters, optimizer state and buffers are as before it).
class NonFiniteError : public std::runtime_error {
 public:
  NonFiniteError(std::int64_t step, std::string where, const std::string& message, std::string op = "")
      : std::runtime_error(message), step_(step), where_(std::move(where)), op_(std::move(op)) {}
  std::int64_t step() const { return step_; }
  // What went bad first: an op ("log"), a parameter ("layers.0.weight") or "loss".
  const std::string& where() const { return where_; }
  // The op anomaly mode found first producing NaN/Inf (forward or backward), or "" when
  // none was found (e.g. an update pushed a parameter past the largest float).
  const std::string& op() const { return op_; }

 private:
  std::int64_t step_;
  std::string where_;
  std::string op_;
};

// throw NonFiniteError(...) as one out-of-line call (support/throw.h says why).
[[noreturn]] [[gnu::noinline]] inline void throw_non_finite(std::int64_t step, std::string where,
                                                            const std::string& message, std::string op = "") {
  throw NonFiniteError(step, std::move(where), message, std::move(op));
}

class TruncatedBptt;
struct TbpttChunk;

class SupervisedTrainer {
 public:
  // Throws std::invalid_argument for empty or mismatched data, and for a tbptt setting the
  // model, data or objective cannot take (saying what is needed).
  SupervisedTrainer(std::shared_ptr<Layer> model, std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Schedule> schedule,
                    Objective objective, TrainConfig config, Tensor x_train, Tensor y_train);
  ~SupervisedTrainer();

  StepMetrics step();
  std::int64_t steps_done() const { return step_; }
  EvalMetrics evaluate(const Tensor& x, const Tensor& y);

  // One forward and backward on (x, y) without updating: for `gradlab grad` and checks.
  // With input_grad the inputs become a leaf that requires grad, so their gradient is
  // available afterwards.
  struct Pass {
    Var inputs, output, loss;
    double objective = 0;  // what StepMetrics::objective reports for this pass
  };
  Pass forward_backward(const Tensor& x, const Tensor& y, bool input_grad);

  Layer& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Objective& objective() const { return objective_; }
  Batcher& batcher() { return batcher_; }
  void set_steps_done(std::int64_t step) { step_ = step; }
  const TrainConfig& config() const { return config_; }
  // Truncated BPTT: the chunk the latest step trained on (nullptr when tbptt is off).
  // The recurrent layer's trace() (when on) covers exactly these time steps.
  const TbpttChunk* tbptt_chunk() const;
  TruncatedBptt* tbptt() { return tbptt_.get(); }  // nullptr when tbptt is off
  const Tensor& x_train() const { return x_; }
  const Tensor& y_train() const { return y_; }

 private:
  struct Forward {
    Var output, loss, total;
  };
  Var penalized(const Var& loss) const;
  double proximal_l1_term() const;
  Forward run_forward(const Tensor& x, const Tensor& y);
  // Replays the failed step in anomaly mode and throws the NonFiniteError naming the first
  // op that went bad, or `fallback` when the replay finds none.
  [[noreturn]] void diagnose(const Tensor& x, const Tensor& y, const NonFiniteError& fallback);
  void update(std::int64_t step);  // optimizer step, rolled back if a parameter goes non-finite

  std::shared_ptr<Layer> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Schedule> schedule_;
  Objective objective_;
  TrainConfig config_;
  Tensor x_, y_;
  Batcher batcher_;
  std::unique_ptr<TruncatedBptt> tbptt_;
  std::int64_t step_ = 0;
};

GRADLAB_END
