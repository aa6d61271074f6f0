#include "inspect/attention_map.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "inspect/json.h"
#include "nn/transformer.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
std::vector<std::string> labels(std::vector<std::string> tokens, std::int64_t n, const char* which) {
  if (tokens.empty()) {
    for (std::int64_t k = 0; k < n; ++k) tokens.push_back(std::to_string(k));
    return tokens;
  }
  if (static_cast<std::int64_t>(tokens.size()) != n)
    throw_invalid_argument(std::string("attention_map: ") + std::to_string(tokens.size()) + " " + which +
                           " tokens for " + std::to_string(n) + " " +
                           (std::string(which) == "source" ? "keys (Tk)" : "queries (Tq)") +
                           "; give exactly that many, or none for position labels");
  return tokens;
}
}  // namespace

AttentionMap attention_map(const Tensor& weights, int batch_element, std::vector<std::string> source_tokens,
                           std::vector<std::string> target_tokens) {
  if (!weights.defined() || weights.rank() != 3)
    throw_invalid_argument("attention_map: weights must be [B, Tq, Tk] (Attention's output weights), got " +
                           (weights.defined() ? "shape " + to_string(weights.shape()) : std::string("nothing")));
  const std::int64_t B = weights.dim(0), Tq = weights.dim(1), Tk = weights.dim(2);
  if (batch_element < 0 || batch_element >= B)
    throw_invalid_argument("attention_map: batch_element " + std::to_string(batch_element) +
                           " is out of range (allowed: 0.." + std::to_string(B - 1) + ")");
  AttentionMap m;
  m.batch_element = batch_element;
  m.Tq = Tq;
  m.Tk = Tk;
  m.source_tokens = labels(std::move(source_tokens), Tk, "source");
  m.target_tokens = labels(std::move(target_tokens), Tq, "target");
  m.weights = Tensor({Tq, Tk});
  const Scalar* w = weights.data() + static_cast<std::int64_t>(batch_element) * Tq * Tk;
  double spread_sum = 0;
  for (std::int64_t q = 0; q < Tq; ++q) {
    double sum = 0, entropy = 0;
    std::int64_t best = 0;
    for (std::int64_t k = 0; k < Tk; ++k) {
      const double p = w[q * Tk + k];
      m.weights[q * Tk + k] = w[q * Tk + k];
      sum += p;
      if (p > 0) entropy -= p * std::log(p);
      if (w[q * Tk + k] > w[q * Tk + best]) best = k;
    }
    m.row_sums.push_back(sum);
    m.argmax.push_back(best);
    m.row_max.push_back(w[q * Tk + best]);
    m.row_entropy.push_back(entropy);
    m.row_spread.push_back(std::exp(entropy));
    spread_sum += std::exp(entropy);
  }
  m.mean_spread = Tq > 0 ? spread_sum / static_cast<double>(Tq) : 0;
  return m;
}

std::vector<std::string> token_strings(const Tensor& ids, int batch_element, const std::vector<std::string>& vocab) {
  if (!ids.defined() || ids.rank() != 2)
    throw_invalid_argument("token_strings: ids must be [B, T], got " +
                           (ids.defined() ? "shape " + to_string(ids.shape()) : std::string("nothing")));
  const std::int64_t B = ids.dim(0), T = ids.dim(1);
  if (batch_element < 0 || batch_element >= B)
    throw_invalid_argument("token_strings: batch_element " + std::to_string(batch_element) +
                           " is out of range (allowed: 0.." + std::to_string(B - 1) + ")");
  std::vector<std::string> out;
  for (std::int64_t t = 0; t < T; ++t) {
    const double id = ids[batch_element * T + t];
    if (id != std::floor(id) || id < 0 || id >= static_cast<double>(vocab.size()))
      throw_invalid_argument(
          "token_strings: id " + std::to_string(id) + " at position " + std::to_string(t) +
          " is not a token id (allowed: integers in [0, V), V = " + std::to_string(vocab.size()) + ")");
    out.push_back(vocab[static_cast<std::size_t>(id)]);
  }
  return out;
}

nlohmann::json to_json(const AttentionMap& m) {
  nlohmann::json o;
  o["batch_element"] = m.batch_element;
  o["Tq"] = m.Tq;
  o["Tk"] = m.Tk;
  o["weights"] = tensor_json(m.weights);
  o["source_tokens"] = m.source_tokens;
  o["target_tokens"] = m.target_tokens;
  o["row_sums"] = m.row_sums;
  o["argmax"] = m.argmax;
  o["row_max"] = m.row_max;
  o["row_entropy"] = m.row_entropy;
  o["row_spread"] = m.row_spread;
  o["mean_spread"] = m.mean_spread;
  return o;
}

namespace {
// Visits every MultiheadAttention below `m` with its dotted name.
template <class F>
void each_self_attention(const Module& m, const std::string& prefix, F&& visit) {
  for (const auto& [name, child] : m.named_children()) {
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (const MultiheadAttention* mha = child->as_multihead_attention()) visit(path, *mha);
    else each_self_attention(*child, path, visit);
  }
}
}  // namespace

bool has_self_attention(const Module& model) {
  bool found = false;
  each_self_attention(model, "", [&found](const std::string&, const MultiheadAttention&) { found = true; });
  return found;
}

std::vector<SelfAttentionMaps> self_attention_maps(const Module& model, int batch_element, const std::vector<std::string>& tokens) {
  std::vector<SelfAttentionMaps> out;
  each_self_attention(model, "", [&](const std::string& path, const MultiheadAttention& mha) {
    const Tensor& w = mha.last_weights();  // [B, H, T, T]
    if (!w.defined()) throw_invalid_argument("self_attention_maps: " + path + " has not run a forward yet");
    const std::int64_t B = w.dim(0), H = w.dim(1), T = w.dim(2);
    if (batch_element < 0 || batch_element >= B)
      throw_invalid_argument("self_attention_maps: batch_element " + std::to_string(batch_element) +
                             " is out of range (allowed: 0.." + std::to_string(B - 1) + ")");
    SelfAttentionMaps m{path, mha.causal(), {}};
    for (std::int64_t h = 0; h < H; ++h) {
      Tensor head({1, T, T});
      const Scalar* src = w.data() + ((batch_element * H) + h) * T * T;
      std::copy(src, src + T * T, head.data());
      m.heads.push_back(attention_map(head, 0, tokens, tokens));
      m.heads.back().batch_element = batch_element;
    }
    out.push_back(std::move(m));
  });
  return out;
}

nlohmann::json to_json(const SelfAttentionMaps& m) {
  nlohmann::json heads = nlohmann::json::array();
  for (const auto& h : m.heads) heads.push_back(to_json(h));
  nlohmann::json o;
  o["name"] = m.name;
  o["causal"] = m.causal;
  o["num_heads"] = m.heads.size();
  o["heads"] = heads;
  return o;
}

GRADLAB_END
