// Runner: one kind of experiment (supervised, seq2seq, GAN) behind the Session. Internal
// to core/session; the Session adds what every kind shares (spec, parameters, checkpoint
// envelope) and hands plain data out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "data/batcher.h"
#include "data/dataset.h"
#include "nn/module.h"
#include "optim/optimizer.h"
#include "session/session.h"
#include "spec/spec.h"
#include "support/throw.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// One forward/backward on the reference batch: what grad_json prints and gradients() copies.
struct GradPass {
  nlohmann::json loss;                                    // a number, a tensor, or {"discriminator", "generator"}
  // The number backward started from: the loss (times /loss/scale), as sum(seed * loss)
  // under a loss seed, plus the L1/L2 penalties; null: the same as `loss`.
  nlohmann::json objective;
  Tensor outputs;                                         // undefined: null
  std::vector<std::pair<std::string, Tensor>> gradients;  // every parameter, in model order
  Tensor input_gradient;                                  // undefined: null
};

class Runner {
 public:
  virtual ~Runner() = default;

  // Metrics as flat JSON: {"step", "loss", ...}; non-finite numbers become null.
  virtual nlohmann::json step() = 0;
  virtual nlohmann::json evaluate(const std::string& split) = 0;  // "train" or "test"
  virtual std::int64_t steps_done() const = 0;

  // Everything trainable and saved, under PyTorch-style names.
  virtual Module& model() = 0;
  virtual const Module& model() const = 0;

  // One forward/backward on the reference batch (see Session::grad_json).
  virtual GradPass grad() = 0;
  virtual GradCheckResult check_gradients(GradCheckOptions options) = 0;

  // Optimizer, batch order and RNG state (parameters and buffers are the Session's).
  virtual nlohmann::json save_state() const = 0;
  // Validates `state` fully before changing anything; throws SpecError with pointers
  // under `pointer`.
  virtual void load_state(const nlohmann::json& state, const std::string& pointer) = 0;
  virtual void set_steps_done(std::int64_t step) = 0;

  // Inspection snapshots this experiment can give, and one of them as plain JSON.
  virtual std::vector<std::string> snapshot_names() const = 0;
  virtual nlohmann::json snapshot(const std::string& what) = 0;

  // Interventions on the first recurrent layer (forcing a gate to a constant, e.g. the
  // forget gate to 0); experiments without one refuse them.
  virtual void clamp_gate(const std::string& gate, double, int, int) {
    throw_invalid_argument("clamp_gate('" + gate + "'): this experiment has no recurrent layer to clamp");
  }
  virtual void clear_clamps() {}

  // The data it trains on (for an explicit batch: task "batch", x_train/y_train only).
  virtual const Dataset& dataset() const = 0;

  // Takes over the training state of `previous`, a runner of the same kind (so of the same
  // class: the spec's kind picks the class and is not a field update may change) built from a
  // spec that differs only in fields Session::update allows: batch order, RNG streams,
  // step counts and the optimizer state (adapted when the optimizer's slots changed;
  // dropped when its type did). Parameters and buffers are the Session's.
  virtual void take_state(Runner& previous) = 0;

  // Language models only (see Session::sample).
  virtual nlohmann::json sample(const SampleOptions&) {
    throw_invalid_argument("sample: only a language model (data char_lm or next_word) can generate text; this experiment's "
                           "data is '" + dataset().name + "' (" + dataset().task + ")");
  }

  // GAN only: one update of one player ("discriminator" or "generator").
  virtual nlohmann::json step_player(const std::string& player) {
    throw_invalid_argument("stepPlayer('" + player + "'): only a gan model has players; this experiment is not a gan");
  }
};

// `state` (another optimizer's state(), same parameter names) made loadable by `target`:
// "step" and per-parameter steps kept, slots `target` does not keep dropped, slots it keeps
// that `state` lacks filled with zeros (the fresh value of every slot that can change).
NamedTensors adapt_optimizer_state(const NamedTensors& state, const Optimizer& target);

// Keeps what a forward in training mode changes besides gradients, the module's buffers
// (BatchNorm's running statistics) and the given RNGs (dropout masks), and puts them back
// when it goes out of scope, so grad() and snapshots leave training where it was: training
// on after them gives the same numbers, bit for bit, as training without them.
class TrainingStateGuard {
 public:
  explicit TrainingStateGuard(const Module& module, std::vector<Rng*> rngs = {});
  ~TrainingStateGuard();
  TrainingStateGuard(const TrainingStateGuard&) = delete;
  TrainingStateGuard& operator=(const TrainingStateGuard&) = delete;

 private:
  std::vector<std::pair<Tensor, Tensor>> buffers_;  // (the module's, a copy)
  std::vector<std::pair<Rng*, Rng::State>> rngs_;
};

// The "params" snapshot of every kind: each parameter's value statistics and the
// gradients of runner.grad() (one forward/backward on the grad batch, the numbers
// `gradlab grad` prints), so a fresh or just-loaded model reports real gradients.
nlohmann::json params_snapshot(Runner& runner);

// Shared JSON helpers for runners.
nlohmann::json number_or_null(double v);
nlohmann::json rng_json(const Rng::State& s);
Rng::State rng_from_json(const nlohmann::json& j, const std::string& pointer);
nlohmann::json named_tensors_json(const std::vector<std::pair<std::string, Tensor>>& entries);
std::vector<std::pair<std::string, Tensor>> named_tensors_from(const nlohmann::json& j, const std::string& pointer);
// Throws SpecError at pointer + "/" + key when `j` lacks `key`.
const nlohmann::json& required(const nlohmann::json& j, const std::string& key, const std::string& pointer);
// A non-negative integer j[key] (a step or update count), or SpecError.
std::int64_t count_from(const nlohmann::json& j, const std::string& key, const std::string& pointer);
nlohmann::json batcher_json(const Batcher& batcher);
// `current` with the batch position from j[key], validated (SpecError under pointer).
Batcher batcher_from(const nlohmann::json& j, const std::string& key, Batcher current, const std::string& pointer);

GRADLAB_END
