// Attention maps: one batch element's attention weights [Tq x Tk] with the tokens on both
// axes (queries = target tokens down the side, keys = source tokens along the top), for
// the heatmap of "which source word did the decoder look at for each target word".
//
//   AttentionOutput a = attn.forward(q, k, v);
//   AttentionMap m = attention_map(a.weights.value(), /*batch_element=*/0,
//                                  {"le", "chat", "<eos>"}, {"the", "cat", "<eos>"});
//   m.row_sums;   // [Tq], each 1 up to rounding
//   m.row_spread; // [Tq], exp(entropy): 1 = one source (one-hot), k = spread evenly over k
//
// Self-attention (MultiheadAttention, alone or inside a TransformerEncoderLayer): after a
// forward, self_attention_maps(model, 0, tokens) gives every such layer's per-head maps
// [T x T] with the same tokens on both axes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/tensor.h"

GRADLAB_BEGIN

struct AttentionMap {
  int batch_element = 0;
  std::int64_t Tq = 0, Tk = 0;
  Tensor weights;                          // [Tq, Tk]: row q is query q's distribution over the keys
  std::vector<std::string> source_tokens;  // [Tk] key labels
  std::vector<std::string> target_tokens;  // [Tq] query labels
  std::vector<double> row_sums;            // [Tq] sum_k weights[q, k]
  std::vector<std::int64_t> argmax;        // [Tq] the key each query attends to most
  // How spread each row is: its largest weight, its entropy H = -sum_k w log w (nats), and
  // exp(H), the effective number of sources: 1 for a one-hot row, k for a row uniform over
  // k keys, between for shades. mean_spread is exp(H) averaged over the rows.
  std::vector<double> row_max, row_entropy, row_spread;  // [Tq] each
  double mean_spread = 0;
};

// weights [B, Tq, Tk] (Attention's output weights). Token lists must have Tk (source) and
// Tq (target) entries, or be empty for position labels "0", "1", ... Throws
// std::invalid_argument naming the shape or count that does not fit.
AttentionMap attention_map(const Tensor& weights, int batch_element, std::vector<std::string> source_tokens = {},
                           std::vector<std::string> target_tokens = {});

// Row b of a [B, T] tensor of token ids as strings from `vocab` (ids must be integral and
// in 0..V-1; the error names the position and the id).
std::vector<std::string> token_strings(const Tensor& ids, int batch_element, const std::vector<std::string>& vocab);

nlohmann::json to_json(const AttentionMap& m);

// One self-attention layer's maps: heads[h] is head h's [T x T] map of one batch element.
struct SelfAttentionMaps {
  std::string name;  // the layer's dotted path in the model ("layers.2.self_attn")
  bool causal = false;
  std::vector<AttentionMap> heads;
};

// Every MultiheadAttention in `model`, depth first, from its latest forward (which must have
// run on a batch with more than `batch_element` rows). `tokens` label the T positions (or
// are empty for "0", "1", ...). Throws std::invalid_argument if a layer has not run yet.
std::vector<SelfAttentionMaps> self_attention_maps(const Module& model, int batch_element, const std::vector<std::string>& tokens = {});
bool has_self_attention(const Module& model);

nlohmann::json to_json(const SelfAttentionMaps& m);

GRADLAB_END
