// Attention over a set of keys (encoder-decoder style): each query row gets a softmax
// distribution over the keys and the matching weighted sum of the values.
// Not multi-head self-attention: one score function, no output projection.
//
// Shape letters: B batch, Tq queries, Tk keys (= values), Dq query width, Dk key width,
// Dv value width, A additive attention width.
//
//   Attention attn("additive", /*query_dim=*/8, /*key_dim=*/6, rng, /*attn_dim=*/10);
//   AttentionOutput out = attn.forward(decoder_state,   // [B, Tq, 8]
//                                      encoder_states,  // [B, Tk, 6] (keys)
//                                      encoder_states,  // [B, Tk, 6] (values)
//                                      &mask);          // [B, Tk], 1 keep, 0 padding
//   out.context;  // [B, Tq, 6]
//   out.weights;  // [B, Tq, Tk], rows sum to 1, exact zeros at masked keys
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"
#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

struct AttentionOutput {
  Var context;  // [B, Tq, Dv] = weights x values
  Var weights;  // [B, Tq, Tk] = softmax over keys of the (masked) scores
};

// Score functions, for a query q (Dq) and a key k (Dk):
//   "dot"       q . k, divided by sqrt(Dk) if `scaled` (needs Dq == Dk). No parameters.
//   "general"   q . (W k)  (Luong et al. 2015);  proj.weight W [Dq, Dk].
//   "additive"  v . tanh(W_q q + W_k k)  (Bahdanau et al. 2015);  query_proj.weight W_q [A, Dq],
//               key_proj.weight W_k [A, Dk], v.weight v [1, A]. No biases.
// Parameters live in child Linear layers (PyTorch init), so state_dict names read as above.
// `attn_dim` (A) is required for "additive" and must be 0 otherwise; `scaled` is for "dot"
// only. Anything else, or an unknown kind, throws std::invalid_argument listing what is allowed.
class Attention : public Module {
 public:
  Attention(std::string kind, std::int64_t query_dim, std::int64_t key_dim, Rng& rng, std::int64_t attn_dim = 0,
            bool scaled = false);
  std::string type_name() const override { return "Attention"; }

  // query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv] (Tk >= 1);
  // mask [B, Tk] (the same for every query) or [B, Tq, Tk], 1 keep, 0 masked (no other values).
  // Masked keys get exactly 0 weight (their scores become -inf before the softmax) and so
  // no gradient; a row with every key masked is an error naming its batch (and query).
  AttentionOutput forward(const Var& query, const Var& keys, const Var& values, const Tensor* mask = nullptr);

  // The raw scores [B, Tq, Tk] before masking and softmax (for inspection).
  Var scores(const Var& query, const Var& keys);

  const std::string& kind() const { return kind_; }
  static const std::vector<std::string>& kinds();  // "dot", "general", "additive"

 private:
  std::string label() const;  // "Attention('additive', query_dim=8, key_dim=6)" for messages
  void check_inputs(const Var& query, const Var& keys, const Var& values) const;
  Tensor mask_bias(const Tensor& mask, std::int64_t B, std::int64_t Tq, std::int64_t Tk) const;

  std::string kind_;
  std::int64_t query_dim_, key_dim_, attn_dim_;
  bool scaled_;
  std::shared_ptr<Linear> proj_;                     // general
  std::shared_ptr<Linear> query_proj_, key_proj_, v_;  // additive
};

GRADLAB_END
