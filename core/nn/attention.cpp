// Attention: dot / general (Luong) / additive (Bahdanau) scores, masking, softmax, context.
#include "nn/attention.h"
#include "tensor/strings.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "ops/ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

const std::vector<std::string>& Attention::kinds() {
  static const std::vector<std::string> k = {"dot", "general", "additive"};
  return k;
}

std::string Attention::label() const {
  return "Attention('" + kind_ + "', query_dim=" + std::to_string(query_dim_) + ", key_dim=" + std::to_string(key_dim_) +
         (kind_ == "additive" ? ", attn_dim=" + std::to_string(attn_dim_) : std::string()) + ")";
}

Attention::Attention(std::string kind, std::int64_t query_dim, std::int64_t key_dim, Rng& rng, std::int64_t attn_dim,
                     bool scaled)
    : kind_(std::move(kind)), query_dim_(query_dim), key_dim_(key_dim), attn_dim_(attn_dim), scaled_(scaled) {
  bool known = false;
  for (const auto& k : kinds()) known = known || k == kind_;
  if (!known) throw_invalid_argument("unknown attention kind '" + kind_ + "' (allowed: " + join(kinds()) + ")");
  if (query_dim_ <= 0 || key_dim_ <= 0) throw_invalid_argument(label() + ": query_dim and key_dim must be positive");
  if (scaled_ && kind_ != "dot")
    throw_invalid_argument(label() + ": scaled (divide by sqrt(key_dim)) applies to 'dot' only");
  if (kind_ == "additive") {
    if (attn_dim_ <= 0)
      throw_invalid_argument(label() + ": 'additive' needs a positive attn_dim (the width of tanh(W_q q + W_k k))");
  } else if (attn_dim_ != 0) {
    throw_invalid_argument(label() + ": attn_dim (" + std::to_string(attn_dim_) +
                           ") is used by 'additive' only; pass 0 for '" + kind_ + "'");
  }
  if (kind_ == "dot" && query_dim_ != key_dim_)
    throw_invalid_argument(label() + ": 'dot' scores q . k need query_dim == key_dim; use 'general' or "
                           "'additive' for different sizes");
  if (kind_ == "general") {
    proj_ = register_module("proj", std::make_shared<Linear>(key_dim_, query_dim_, rng, /*bias=*/false));
  } else if (kind_ == "additive") {
    query_proj_ = register_module("query_proj", std::make_shared<Linear>(query_dim_, attn_dim_, rng, false));
    key_proj_ = register_module("key_proj", std::make_shared<Linear>(key_dim_, attn_dim_, rng, false));
    v_ = register_module("v", std::make_shared<Linear>(attn_dim_, 1, rng, false));
  }
}

void Attention::check_inputs(const Var& query, const Var& keys, const Var& values) const {
  auto fail = [&](const std::string& what) {
    throw_invalid_argument(label() + ": " + what + " (query " + to_string(query.shape()) + ", keys " +
                           to_string(keys.shape()) + ", values " + to_string(values.shape()) + ")");
  };
  if (query.rank() != 3 || query.shape()[2] != query_dim_)
    fail("query must be [batch, query_len, " + std::to_string(query_dim_) + "]");
  if (keys.rank() != 3 || keys.shape()[2] != key_dim_) fail("keys must be [batch, key_len, " + std::to_string(key_dim_) + "]");
  if (values.rank() != 3) fail("values must be [batch, key_len, value_dim]");
  if (keys.shape()[0] != query.shape()[0] || values.shape()[0] != query.shape()[0]) fail("batch sizes differ");
  if (values.shape()[1] != keys.shape()[1]) fail("keys and values must have the same length (one value per key)");
  if (keys.shape()[1] == 0) fail("there must be at least one key");
}

// 0 where the mask keeps a key, -inf where it masks one, expanded to [B, Tq, Tk].
Tensor Attention::mask_bias(const Tensor& mask, std::int64_t B, std::int64_t Tq, std::int64_t Tk) const {
  const bool per_query = mask.rank() == 3;
  if (!(mask.shape() == Shape{B, Tk} || mask.shape() == Shape{B, Tq, Tk}))
    throw_invalid_argument(label() + ": mask of shape " + to_string(mask.shape()) + " must be [batch, key_len] = " +
                           to_string(Shape{B, Tk}) + " or [batch, query_len, key_len] = " + to_string(Shape{B, Tq, Tk}));
  for (std::int64_t k = 0; k < mask.numel(); ++k)
    if (mask[k] != Scalar(0) && mask[k] != Scalar(1)) {
      throw_invalid_argument(label() + ": mask value at flat position " + std::to_string(k) + " is " + format_g(mask[k]) +
                             "; allowed are 1 (keep) and 0 (masked)");
    }
  const Scalar minus_inf = -std::numeric_limits<Scalar>::infinity();
  Tensor bias({B, Tq, Tk});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < Tq; ++i) {
      const Scalar* row = mask.data() + (per_query ? (b * Tq + i) * Tk : b * Tk);
      bool any_kept = false;
      for (std::int64_t j = 0; j < Tk; ++j) {
        any_kept = any_kept || row[j] == Scalar(1);
        bias[(b * Tq + i) * Tk + j] = row[j] == Scalar(1) ? Scalar(0) : minus_inf;
      }
      if (!any_kept)
        throw_invalid_argument(label() + ": the mask keeps no key for batch " + std::to_string(b) +
                               (per_query ? ", query row " + std::to_string(i) : std::string(" (every query row)")) +
                               "; the softmax needs at least one kept key per row");
    }
  return bias;
}

Var Attention::scores(const Var& query, const Var& keys) {
  if (kind_ == "dot") {
    Var s = bmm(query, keys, false, true);  // [B, Tq, Tk]
    return scaled_ ? mul_scalar(s, 1.0 / std::sqrt(static_cast<double>(key_dim_))) : s;
  }
  if (kind_ == "general") return bmm(query, proj_->forward(keys), false, true);  // q . (W k)
  // additive: tanh(W_q q_i + W_k k_j) for every pair (i, j), then v . that.
  const std::int64_t B = query.shape()[0], Tq = query.shape()[1], Tk = keys.shape()[1];
  Var q = reshape(query_proj_->forward(query), {B, Tq, 1, attn_dim_});
  Var k = reshape(key_proj_->forward(keys), {B, 1, Tk, attn_dim_});
  Var hidden = tanh(add(q, k));                            // [B, Tq, Tk, A]
  return reshape(v_->forward(hidden), {B, Tq, Tk});        // [B, Tq, Tk, 1] -> [B, Tq, Tk]
}

AttentionOutput Attention::forward(const Var& query, const Var& keys, const Var& values, const Tensor* mask) {
  check_inputs(query, keys, values);
  const std::int64_t B = query.shape()[0], Tq = query.shape()[1], Tk = keys.shape()[1];
  Tensor bias;
  if (mask) bias = mask_bias(*mask, B, Tq, Tk);  // validate before any work
  Var s = scores(query, keys);
  if (mask) s = add(s, Var(std::move(bias)));
  Var weights = softmax(s, -1);
  return {bmm(weights, values), weights};
}

GRADLAB_END
