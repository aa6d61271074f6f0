// Transformer pieces with PyTorch's names, shapes and equations: nn.LayerNorm,
// nn.MultiheadAttention (batch_first=True, self-attention: query = key = value = input),
// nn.TransformerEncoderLayer, and a mean over time to read one vector per sequence.
// Built from ops (linear, bmm, softmax, layer_norm), so every backward is the ops' own.
//
// Shape letters: B batch, T sequence length, E model width (embed_dim = d_model),
// H heads, Dh = E / H per head, F the feed-forward width (dim_feedforward).
//
//   Rng rng(1);
//   TransformerEncoderLayerOptions o;
//   o.d_model = 16; o.nhead = 2; o.dim_feedforward = 32;
//   TransformerEncoderLayer layer(o, rng);
//   Var y = layer.forward(x);                          // x [B, T, 16] -> y [B, T, 16]
//   layer.self_attn().last_weights();                  // [B, 2, T, T], rows sum to 1
#pragma once

#include <memory>
#include <string>

#include "nn/layers.h"
#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// nn.LayerNorm(normalized_shape = D) over the last dimension: x [..., D] -> [..., D],
//   y = (x - mean) / sqrt(var + eps) * weight + bias  (biased variance, per row of D values).
// weight (ones) and bias (zeros) [D] exist only with elementwise_affine.
class LayerNorm : public Layer {
 public:
  explicit LayerNorm(std::int64_t normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  std::string type_name() const override { return "LayerNorm"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }

 private:
  std::int64_t D_;
  double eps_;
  Var weight_, bias_;
};

// nn.MultiheadAttention(embed_dim = E, num_heads = H, batch_first=True) used as self-attention.
// Parameters: in_proj_weight [3E, E] (rows q, k, v; xavier_uniform), in_proj_bias [3E] (zeros),
// out_proj.weight [E, E] (Linear's default init), out_proj.bias [E] (zeros).
//   [q | k | v] = x in_proj_weight^T + in_proj_bias, each split into H heads of Dh columns;
//   weights_h = softmax(q_h k_h^T / sqrt(Dh) + mask)   [B, H, T, T]
//   y = concat_h(weights_h v_h) out_proj.weight^T + out_proj.bias
// causal: mask = -inf above the diagonal (position i sees positions j <= i), as
// nn.Transformer.generate_square_subsequent_mask. dropout: on the attention weights in
// training (PyTorch's dropout argument); needs `dropout_rng` when > 0.
// E % H != 0, a non-positive size or a dropout outside [0, 1) throws std::invalid_argument.
class MultiheadAttention : public Layer {
 public:
  MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads, Rng& rng, bool causal = false, double dropout = 0,
                     Rng* dropout_rng = nullptr);
  std::string type_name() const override { return "MultiheadAttention"; }
  const MultiheadAttention* as_multihead_attention() const override { return this; }
  Var forward(const Var& x) override;  // x [B, T, E] -> [B, T, E]
  Shape output_shape(const Shape& in) const override;

  // The attention weights of the latest forward, per head (not averaged, unlike PyTorch's
  // default average_attn_weights=True), before dropout: [B, H, T, T]; undefined before one.
  const Tensor& last_weights() const { return last_weights_; }
  std::int64_t num_heads() const { return H_; }
  bool causal() const { return causal_; }

 private:
  std::string label() const;  // "MultiheadAttention(embed_dim=16, num_heads=2)"
  std::int64_t E_, H_;
  bool causal_;
  double dropout_;
  Rng* dropout_rng_;
  Var in_proj_weight_, in_proj_bias_;
  std::shared_ptr<Linear> out_proj_;
  Tensor last_weights_;
};

struct TransformerEncoderLayerOptions {
  std::int64_t d_model = 0;
  std::int64_t nhead = 1;
  std::int64_t dim_feedforward = 2048;  // PyTorch's default
  std::string activation = "relu";      // "relu" or "gelu"
  bool norm_first = false;
  double dropout = 0;  // PyTorch's default is 0.1; 0 here so a small model trains deterministically
  double layer_norm_eps = 1e-5;
  bool causal = false;
};

// nn.TransformerEncoderLayer(batch_first=True) with children self_attn, linear1, linear2,
// norm1, norm2 (so names read self_attn.in_proj_weight, linear1.weight, norm2.bias, ...).
//   ff(x) = linear2(dropout(activation(linear1(x))))
//   norm_first = false (post-norm):  x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(ff(x)))
//   norm_first = true  (pre-norm):   x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(ff(norm2(x)))
class TransformerEncoderLayer : public Layer {
 public:
  TransformerEncoderLayer(const TransformerEncoderLayerOptions& options, Rng& rng, Rng* dropout_rng = nullptr);
  std::string type_name() const override { return "TransformerEncoderLayer"; }
  Var forward(const Var& x) override;  // x [B, T, E] -> [B, T, E]
  Shape output_shape(const Shape& in) const override;
  const MultiheadAttention& self_attn() const { return *self_attn_; }
  const TransformerEncoderLayerOptions& options() const { return o_; }

 private:
  Var drop(const Var& x);
  Var feed_forward(const Var& x);
  TransformerEncoderLayerOptions o_;
  Rng* dropout_rng_;
  std::shared_ptr<MultiheadAttention> self_attn_;
  std::shared_ptr<Linear> linear1_, linear2_;
  std::shared_ptr<LayerNorm> norm1_, norm2_;
};

// The mean over time: [B, T, E] -> [B, E] (x.mean(dim=1) in PyTorch). It is the same for
// every order of the T vectors, so after order-blind layers the whole model is order-blind.
class MeanPool : public Layer {
 public:
  std::string type_name() const override { return "MeanPool"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
};

GRADLAB_END
