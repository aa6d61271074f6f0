// The supervised experiment (a Sequential model, a loss, one optimizer) as a Runner.
#pragma once

#include <memory>

#include "autograd/function_ref.h"
#include "session/runner.h"
#include "spec/build.h"

GRADLAB_BEGIN

class SupervisedRunner : public Runner {
 public:
  explicit SupervisedRunner(std::unique_ptr<Experiment> exp);
  ~SupervisedRunner() override;

  nlohmann::json step() override;
  nlohmann::json evaluate(const std::string& split) override;
  std::int64_t steps_done() const override { return exp_->trainer->steps_done(); }
  Module& model() override { return *exp_->model; }
  const Module& model() const override { return *exp_->model; }
  GradPass grad() override;
  GradCheckResult check_gradients(GradCheckOptions options) override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state, const std::string& pointer) override;
  void set_steps_done(std::int64_t step) override { exp_->trainer->set_steps_done(step); }
  std::vector<std::string> snapshot_names() const override;
  nlohmann::json snapshot(const std::string& what) override;

  void clamp_gate(const std::string& gate, double value, int layer, int direction) override;
  void clear_clamps() override;

  const Dataset& dataset() const override { return exp_->data; }
  void take_state(Runner& previous) override;
  nlohmann::json sample(const SampleOptions& options) override;

  Experiment& experiment() { return *exp_; }

 private:
  bool is_language_model() const;
  bool token_inputs() const;  // the first layer is an embedding: inputs are ids, no gradient
  SupervisedTrainer::Pass grad_pass();
  nlohmann::json layers_snapshot();
  nlohmann::json layers_json(const SupervisedTrainer::Pass& pass);
  // One forward/backward on the grad batch with every layer's output kept (Sequential's
  // trace), read by `read`; training state, traces and gradients are left as they were.
  nlohmann::json traced_grad_pass(FunctionRef<nlohmann::json(const SupervisedTrainer::Pass&)> read);
  nlohmann::json graph_snapshot(const Tensor& x, const Tensor& y);
  bool is_linear_regression() const;
  nlohmann::json tbptt_json() const;
  nlohmann::json normal_equation();
  bool has_predictions() const;
  // The model's output for x in eval mode, without recording (predictions, self_attention).
  Tensor eval_forward(const Tensor& x);
  nlohmann::json predictions();
  // The loss_surface snapshot (loss_surface.cpp): models with exactly two scalar parameters.
  bool has_two_parameters() const;
  std::pair<double, double> two_parameter_values() const;
  nlohmann::json loss_surface();
  // The self_attention snapshot (self_attention.cpp): per-head maps of every MultiheadAttention.
  bool self_attention_available() const;
  nlohmann::json self_attention_snapshot();
  // Image snapshots (image_snapshots.cpp): a top-level conv2d layer; inputs [N, C, H, W].
  bool has_conv() const;
  bool has_images() const;
  nlohmann::json filters_snapshot();
  nlohmann::json feature_maps_snapshot();
  nlohmann::json image_predictions_snapshot();
  nlohmann::json conv_as_linear_snapshot();
  std::unique_ptr<Experiment> exp_;
  std::int64_t clipped_steps_ = 0;  // for the fraction of steps clipped
  // The two parameters' values at step 0 and after every step since (two-parameter models
  // only; at most kMaxPath points, thinned evenly past that). Kept across update(); a
  // loaded checkpoint starts a new path.
  std::vector<std::pair<double, double>> path_;
  std::vector<std::int64_t> path_steps_;
};

GRADLAB_END
