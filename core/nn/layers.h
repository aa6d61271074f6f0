// Feed-forward layers with PyTorch's parameter names, shapes and default initialisation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// y = x W^T + b;  weight [out, in], bias [out];  x [..., in] -> [..., out].
// Default init as PyTorch: W, b ~ U(-1/sqrt(in), 1/sqrt(in)).
class Linear : public Layer {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, Rng& rng, bool bias = true);
  std::string type_name() const override { return "Linear"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }

 private:
  std::int64_t in_, out_;
  Var weight_, bias_;
};

// A parameter-free elementwise function by name ("tanh", "sigmoid", "relu", ...).
class Activation : public Layer {
 public:
  explicit Activation(std::string kind, double slope = 0.01);  // throws listing the kinds
  std::string type_name() const override { return kind_; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override { return in; }
  static const std::vector<std::string>& kinds();

 private:
  std::string kind_;
  double slope_;
};

// Applies its layers in order; children are named "0", "1", ... as in nn.Sequential.
class Sequential : public Layer {
 public:
  Sequential() = default;
  std::string type_name() const override { return "Sequential"; }
  Sequential* as_sequential() override { return this; }
  void add(std::shared_ptr<Layer> layer);
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Layer>& at(std::size_t i) const { return layers_.at(i); }

  // For probes ("how much gradient reaches layer l?"): with tracing on, forward keeps
  // each layer's output and marks it retain_grad, so after a backward
  // outputs()[l].grad() is dL/d(output of layer l). Turning it off drops them (and the
  // graph they hold).
  void set_trace(bool on);
  bool tracing() const { return trace_on_; }
  // One per layer, from the latest forward with tracing on (empty before one).
  const std::vector<Var>& outputs() const { return outputs_; }

 private:
  std::vector<std::shared_ptr<Layer>> layers_;
  bool trace_on_ = false;
  std::vector<Var> outputs_;
};

// The last time step of a sequence: [B, T, H] -> [B, H] (for sequence-to-one tasks such
// as the adding problem, after a recurrent layer).
class LastStep : public Layer {
 public:
  std::string type_name() const override { return "LastStep"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
};

// The final hidden states of a recurrent layer's last layer, read from its output
// [B, T, D*H] -> [B, D*H]: the forward direction's state after the last step
// (output[:, T-1, :H]) next to the reverse direction's after the first
// (output[:, 0, H:]), which is torch.cat([h_n[-2], h_n[-1]], 1) for a bidirectional
// PyTorch RNN/LSTM/GRU (h_n[-1] for a unidirectional one, where this equals LastStep).
// LastStep's output[:, -1] holds the reverse direction after reading one token only.
class FinalState : public Layer {
 public:
  FinalState(std::int64_t hidden_size, bool bidirectional);  // throws for hidden_size < 1
  std::string type_name() const override { return "FinalState"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;

 private:
  std::int64_t H_;
  bool bidirectional_;
};

GRADLAB_END
