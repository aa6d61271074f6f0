// Session: the one coarse facade over the engine. The CLI and the wasm bindings call
// only this: create from spec JSON, train, read metrics, parameters and gradients, check
// gradients, save and load checkpoints. Plain data and JSON text out; no I/O.
//
//   Session s(spec_text);           // throws SpecError (every issue with its JSON pointer)
//   auto m = s.train(100);          // 100 steps, their metrics
//   std::string ckpt = s.checkpoint_json();
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "spec/spec.h"
#include "train/supervised.h"

GRADLAB_BEGIN

struct Experiment;  // spec/build.h

struct ParamInfo {
  std::string name;  // PyTorch state_dict name
  Shape shape;
  std::int64_t count = 0;
};

class Session {
 public:
  explicit Session(const std::string& spec_json);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const ExperimentSpec& spec() const;
  std::int64_t steps_done() const;
  std::int64_t planned_steps() const;  // the spec's training.steps

  // One training step / n steps; `progress` is called after each and may return false to stop.
  StepMetrics step();
  std::vector<StepMetrics> train(std::int64_t n, const std::function<bool(const StepMetrics&)>& progress = {});
  EvalMetrics evaluate_train();
  EvalMetrics evaluate_test();  // n = 0 when there is no test split

  std::vector<ParamInfo> params() const;
  std::int64_t total_params() const;

  // One forward/backward on the spec's batch (its explicit batch, or the first
  // batch_size training examples) without updating: loss, outputs, every parameter's
  // gradient and the input gradient, as JSON with PyTorch names and layouts.
  std::string grad_json();
  // Finite-difference check of every parameter on the same batch. Meaningful in the
  // double build; the float build's differences are only good to a few digits.
  GradCheckResult check_gradients(GradCheckOptions options = {});

  // The whole training state: format version, the spec, step, parameters, buffers,
  // optimizer state and RNG state. Loading it into a session of the same spec and
  // continuing gives the run that never stopped, bit for bit.
  std::string checkpoint_json() const;
  void load_checkpoint(const std::string& text);
  static Session from_checkpoint(const std::string& text);

 private:
  std::unique_ptr<Experiment> exp_;
};

nlohmann::json to_json(const StepMetrics& m);
nlohmann::json to_json(const EvalMetrics& m);

GRADLAB_END
