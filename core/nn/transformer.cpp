// LayerNorm, MultiheadAttention (self-attention), TransformerEncoderLayer and MeanPool.
#include "nn/transformer.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "nn/init.h"
#include "ops/ops.h"
#include "support/throw.h"
#include "tensor/strings.h"

GRADLAB_BEGIN

namespace {

// x must be [B, T, E]; `who` names the layer in the message.
void check_sequence(const std::string& who, const Shape& in, std::int64_t E) {
  if (in.size() != 3 || in[2] != E || in[1] < 1)
    throw_invalid_argument(who + " expects inputs [batch, time, " + std::to_string(E) +
                           "] with at least one step, got " + to_string(in));
}

}  // namespace

// ---- LayerNorm ----------------------------------------------------------------------

LayerNorm::LayerNorm(std::int64_t normalized_shape, double eps, bool elementwise_affine) : D_(normalized_shape), eps_(eps) {
  if (D_ <= 0) throw_invalid_argument("LayerNorm(" + std::to_string(D_) + "): normalized_shape must be positive");
  if (!(eps_ > 0)) throw_invalid_argument("LayerNorm(" + std::to_string(D_) + "): eps must be positive, got " + format_g(eps_));
  if (elementwise_affine) {
    weight_ = register_parameter("weight", Tensor::ones({D_}));
    bias_ = register_parameter("bias", Tensor::zeros({D_}));
  }
}

Shape LayerNorm::output_shape(const Shape& in) const {
  if (in.empty() || in.back() != D_)
    throw_invalid_argument("LayerNorm(" + std::to_string(D_) + ") expects inputs whose last dimension is " +
                           std::to_string(D_) + ", got " + to_string(in));
  return in;
}

Var LayerNorm::forward(const Var& x) {
  output_shape(x.shape());
  return layer_norm(x, weight_, bias_, eps_);
}

// ---- MultiheadAttention -------------------------------------------------------------

std::string MultiheadAttention::label() const {
  return "MultiheadAttention(embed_dim=" + std::to_string(E_) + ", num_heads=" + std::to_string(H_) + ")";
}

MultiheadAttention::MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads, Rng& rng, bool causal, double dropout,
                                       Rng* dropout_rng)
    : E_(embed_dim), H_(num_heads), causal_(causal), dropout_(dropout), dropout_rng_(dropout_rng) {
  if (E_ <= 0 || H_ <= 0) throw_invalid_argument(label() + ": embed_dim and num_heads must be positive");
  if (E_ % H_ != 0)
    throw_invalid_argument(label() + ": embed_dim must be divisible by num_heads (each head gets embed_dim / num_heads columns)");
  if (!(dropout_ >= 0 && dropout_ < 1)) throw_invalid_argument(label() + ": dropout must be in [0, 1), got " + format_g(dropout_));
  if (dropout_ > 0 && !dropout_rng_) throw_invalid_argument(label() + ": dropout > 0 needs a random generator");
  // PyTorch's _reset_parameters: xavier_uniform_ on in_proj_weight, zero biases; out_proj
  // keeps Linear's default weight init.
  Tensor w({3 * E_, E_});
  init::xavier_uniform(w, rng);
  in_proj_weight_ = register_parameter("in_proj_weight", std::move(w));
  in_proj_bias_ = register_parameter("in_proj_bias", Tensor::zeros({3 * E_}));
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(E_, E_, rng));
  Var out_bias = out_proj_->bias();  // a handle on the parameter
  out_bias.mutable_value().fill(0);
}

Shape MultiheadAttention::output_shape(const Shape& in) const {
  check_sequence(label(), in, E_);
  return in;
}

// x [B, T, E] -> y [B, T, E]; heads ride in the batch dimension of bmm as [B*H, T, Dh].
Var MultiheadAttention::forward(const Var& x) {
  output_shape(x.shape());
  const std::int64_t B = x.shape()[0], T = x.shape()[1], Dh = E_ / H_;
  Var qkv = linear(x, in_proj_weight_, in_proj_bias_);  // [B, T, 3E]
  auto heads = [&](int part) {                          // [B, T, E] slice -> [B*H, T, Dh]
    Var p = reshape(slice(qkv, 2, part * E_, (part + 1) * E_), {B, T, H_, Dh});
    return reshape(permute(p, {0, 2, 1, 3}), {B * H_, T, Dh});
  };
  Var q = heads(0), k = heads(1), v = heads(2);
  Var scores = mul_scalar(bmm(q, k, false, true), 1.0 / std::sqrt(static_cast<double>(Dh)));  // [B*H, T, T]
  if (causal_) {
    Tensor mask = Tensor::zeros({T, T});
    for (std::int64_t i = 0; i < T; ++i)
      for (std::int64_t j = i + 1; j < T; ++j) mask[i * T + j] = -std::numeric_limits<Scalar>::infinity();
    scores = add(scores, Var(std::move(mask)));
  }
  Var weights = softmax(scores, -1);
  last_weights_ = weights.value().reshape({B, H_, T, T});
  if (dropout_ > 0) weights = dropout(weights, dropout_, training(), *dropout_rng_);
  Var context = reshape(bmm(weights, v), {B, H_, T, Dh});                    // [B, H, T, Dh]
  context = reshape(permute(context, {0, 2, 1, 3}), {B, T, E_});             // heads side by side
  return out_proj_->forward(context);
}

// ---- TransformerEncoderLayer --------------------------------------------------------

TransformerEncoderLayer::TransformerEncoderLayer(const TransformerEncoderLayerOptions& options, Rng& rng, Rng* dropout_rng)
    : o_(options), dropout_rng_(dropout_rng) {
  const std::string who = "TransformerEncoderLayer(d_model=" + std::to_string(o_.d_model) + ", nhead=" + std::to_string(o_.nhead) + ")";
  if (o_.dim_feedforward <= 0) throw_invalid_argument(who + ": dim_feedforward must be positive");
  if (o_.activation != "relu" && o_.activation != "gelu")
    throw_invalid_argument(who + ": unknown activation '" + o_.activation + "' (allowed: relu, gelu)");
  if (!(o_.dropout >= 0 && o_.dropout < 1)) throw_invalid_argument(who + ": dropout must be in [0, 1), got " + format_g(o_.dropout));
  if (o_.dropout > 0 && !dropout_rng_) throw_invalid_argument(who + ": dropout > 0 needs a random generator");
  // Registration order is PyTorch's state_dict order.
  self_attn_ = register_module("self_attn", std::make_shared<MultiheadAttention>(o_.d_model, o_.nhead, rng, o_.causal, o_.dropout,
                                                                                 dropout_rng_));
  linear1_ = register_module("linear1", std::make_shared<Linear>(o_.d_model, o_.dim_feedforward, rng));
  linear2_ = register_module("linear2", std::make_shared<Linear>(o_.dim_feedforward, o_.d_model, rng));
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(o_.d_model, o_.layer_norm_eps));
  norm2_ = register_module("norm2", std::make_shared<LayerNorm>(o_.d_model, o_.layer_norm_eps));
}

Shape TransformerEncoderLayer::output_shape(const Shape& in) const {
  check_sequence("TransformerEncoderLayer(d_model=" + std::to_string(o_.d_model) + ")", in, o_.d_model);
  return in;
}

Var TransformerEncoderLayer::drop(const Var& x) {
  return o_.dropout > 0 ? dropout(x, o_.dropout, training(), *dropout_rng_) : x;
}

Var TransformerEncoderLayer::feed_forward(const Var& x) {
  Var h = linear1_->forward(x);
  h = o_.activation == "gelu" ? gelu(h) : relu(h);
  return linear2_->forward(drop(h));
}

Var TransformerEncoderLayer::forward(const Var& x) {
  output_shape(x.shape());
  if (o_.norm_first) {
    Var h = add(x, drop(self_attn_->forward(norm1_->forward(x))));
    return add(h, drop(feed_forward(norm2_->forward(h))));
  }
  Var h = norm1_->forward(add(x, drop(self_attn_->forward(x))));
  return norm2_->forward(add(h, drop(feed_forward(h))));
}

// ---- MeanPool -----------------------------------------------------------------------

Shape MeanPool::output_shape(const Shape& in) const {
  if (in.size() != 3 || in[1] < 1)
    throw_invalid_argument("MeanPool expects [batch, time, features] with at least one step, got " + to_string(in));
  return {in[0], in[2]};
}

Var MeanPool::forward(const Var& x) {
  output_shape(x.shape());
  return mean(x, 1);
}

GRADLAB_END
