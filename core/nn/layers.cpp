#include "nn/layers.h"

#include <cmath>
#include <stdexcept>

#include "nn/init.h"
#include "support/throw.h"
#include "tensor/strings.h"
#include "ops/ops.h"

GRADLAB_BEGIN

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Rng& rng, bool bias)
    : in_(in_features), out_(out_features) {
  if (in_ <= 0 || out_ <= 0)
    throw_invalid_argument("Linear(" + std::to_string(in_) + ", " + std::to_string(out_) + "): sizes must be positive");
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  weight_ = register_parameter("weight", rng.uniform_tensor({out_, in_}, -bound, bound));
  if (bias) bias_ = register_parameter("bias", rng.uniform_tensor({out_}, -bound, bound));
}

Var Linear::forward(const Var& x) { return linear(x, weight_, bias_); }

Shape Linear::output_shape(const Shape& in) const {
  if (in.empty() || in.back() != in_)
    throw_invalid_argument("Linear expects inputs whose last dimension is " + std::to_string(in_) + ", got " +
                           to_string(in));
  Shape out = in;
  out.back() = out_;
  return out;
}

const std::vector<std::string>& Activation::kinds() {
  static const std::vector<std::string> k = {"tanh", "sigmoid", "relu", "leaky_relu", "gelu", "softmax", "log_softmax"};
  return k;
}

Activation::Activation(std::string kind, double slope) : kind_(std::move(kind)), slope_(slope) {
  for (const auto& k : kinds())
    if (k == kind_) return;
  throw_invalid_argument("unknown activation '" + kind_ + "' (allowed: " + join(kinds()) + ")");
}

Var Activation::forward(const Var& x) {
  if (kind_ == "tanh") return tanh(x);
  if (kind_ == "sigmoid") return sigmoid(x);
  if (kind_ == "relu") return relu(x);
  if (kind_ == "leaky_relu") return leaky_relu(x, slope_);
  if (kind_ == "gelu") return gelu(x);
  if (kind_ == "softmax") return softmax(x, -1);  // over the last axis (features)
  if (kind_ == "log_softmax") return log_softmax(x, -1);
  throw_logic_error("activation '" + kind_ + "' has no forward");
}

void Sequential::add(std::shared_ptr<Layer> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Var Sequential::forward(const Var& x) {
  if (trace_on_) outputs_.clear();
  Var h = x;
  for (auto& layer : layers_) {
    h = layer->forward(h);
    if (trace_on_) {
      h.retain_grad();
      outputs_.push_back(h);
    }
  }
  return h;
}

void Sequential::set_trace(bool on) {
  trace_on_ = on;
  if (!on) outputs_.clear();
}

Shape Sequential::output_shape(const Shape& in) const {
  Shape s = in;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      s = layers_[i]->output_shape(s);
    } catch (const std::invalid_argument& e) {
      throw_invalid_argument("layer " + std::to_string(i) + " (" + layers_[i]->type_name() + "): " + e.what());
    }
  }
  return s;
}

Shape LastStep::output_shape(const Shape& in) const {
  if (in.size() != 3 || in[1] == 0)
    throw_invalid_argument("LastStep expects [batch, time, features] with at least one step, got " + to_string(in));
  return {in[0], in[2]};
}

Var LastStep::forward(const Var& x) {
  output_shape(x.shape());
  return select(x, 1, x.shape()[1] - 1);
}

FinalState::FinalState(std::int64_t hidden_size, bool bidirectional) : H_(hidden_size), bidirectional_(bidirectional) {
  if (H_ < 1) throw_invalid_argument("FinalState: hidden_size must be at least 1, got " + std::to_string(H_));
}

Shape FinalState::output_shape(const Shape& in) const {
  const std::int64_t D = bidirectional_ ? 2 : 1;
  if (in.size() != 3 || in[1] == 0 || in[2] != D * H_)
    throw_invalid_argument("FinalState expects a recurrent layer's output [batch, time, " + std::to_string(D) + "*" +
                           std::to_string(H_) + "] with at least one step, got " + to_string(in));
  return {in[0], in[2]};
}

// x [B, T, D*H] -> [B, D*H]: forward half at t = T-1, reverse half at t = 0.
Var FinalState::forward(const Var& x) {
  output_shape(x.shape());
  const Var forward_last = select(x, 1, x.shape()[1] - 1);
  if (!bidirectional_) return forward_last;
  return concat({slice(forward_last, 1, 0, H_), slice(select(x, 1, 0), 1, H_, 2 * H_)}, 1);
}

GRADLAB_END
