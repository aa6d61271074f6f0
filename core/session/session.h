// Session: the one coarse facade over the engine. The CLI and the wasm bindings call
// only this: create from spec JSON, train, read metrics, parameters and gradients, check
// gradients, take inspection snapshots, save and load checkpoints. Plain data and JSON
// out; no I/O.
//
//   Session s(spec_text);            // throws SpecError (every issue with its JSON pointer)
//   auto metrics = s.train(100);     // 100 steps: [{"step": 1, "loss": ...}, ...]
//   std::string ckpt = s.checkpoint_json();
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "spec/spec.h"

GRADLAB_BEGIN

class Runner;

struct ParamInfo {
  std::string name;  // PyTorch state_dict name
  Shape shape;
  std::int64_t count = 0;
};

// One step's or one evaluation's numbers, flat: {"step", "loss", "accuracy", ...}.
// Numbers that are not finite (or do not apply) are null.
using Metrics = nlohmann::json;

class Session {
 public:
  explicit Session(const std::string& spec_json);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const ExperimentSpec& spec() const { return spec_; }
  std::int64_t steps_done() const;
  std::int64_t planned_steps() const { return spec_.training.steps; }

  // One training step / n steps; `progress` sees each step's metrics and may return
  // false to stop early. A step that stops being finite throws NonFiniteError
  // (train/supervised.h) and leaves the state as it was before that step.
  Metrics step();
  std::vector<Metrics> train(std::int64_t n, const std::function<bool(const Metrics&)>& progress = {});
  // "train" or "test" ({"n": 0} when there is no test split).
  Metrics evaluate(const std::string& split);

  std::vector<ParamInfo> params() const;
  std::int64_t total_params() const;

  // One forward/backward on the spec's batch (its explicit batch, or the first
  // batch_size training examples) without updating: loss, outputs, every parameter's
  // gradient and the input gradient, as JSON with PyTorch names and layouts.
  std::string grad_json();
  // Finite-difference check of every parameter on the same batch. Meaningful in the
  // double build; the float build's differences are only good to a few digits.
  GradCheckResult check_gradients(GradCheckOptions options = {});

  // Inspection: the snapshot names this experiment offers, and one as JSON; an unknown
  // name's error lists them.
  std::vector<std::string> snapshot_names() const;
  nlohmann::json snapshot(const std::string& what);

  // Interventions: force a gate of the first recurrent layer to a constant in forward and
  // backward ("i", "f", "g", "o" for LSTM; "r", "z" for GRU; layer/direction -1 = all),
  // then train or evaluate to watch the effect; clear_clamps() undoes them.
  void clamp_gate(const std::string& gate, double value, int layer = -1, int direction = -1);
  void clear_clamps();

  // The whole training state: format version, the spec, step, parameters, buffers,
  // optimizer, batch order and RNG state. Loading it into a session of the same spec and
  // continuing gives the run that never stopped, bit for bit.
  std::string checkpoint_json() const;
  // Validates everything first; on any error (SpecError with a pointer into the
  // checkpoint) the session is unchanged.
  void load_checkpoint(const std::string& text);
  static Session from_checkpoint(const std::string& text);

 private:
  ExperimentSpec spec_;
  std::unique_ptr<Runner> runner_;
};

GRADLAB_END
