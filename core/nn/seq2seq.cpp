// Seq2Seq: encoder, concat bridge, Luong attentional decoder, and the masked loss.
#include "nn/seq2seq.h"

#include <algorithm>
#include <stdexcept>

#include "ops/ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

void fail(const std::string& what) { throw_invalid_argument("Seq2Seq: " + what); }

void check_options(const Seq2SeqModelOptions& o) {
  auto positive = [](const char* name, std::int64_t v) {
    if (v < 1)
      fail("option " + std::string(name) + " = " + std::to_string(v) + " is out of range (allowed: an integer >= 1)");
  };
  positive("source_vocab", o.source_vocab);
  positive("target_vocab", o.target_vocab);
  positive("embed_dim", o.embed_dim);
  positive("hidden_size", o.hidden_size);
  positive("num_layers", o.num_layers);
  if (o.cell != CellKind::Gru && o.cell != CellKind::Lstm)
    fail(std::string("option cell = ") + to_string(o.cell) + " is not supported (allowed: gru, lstm)");
  bool known = false;
  std::string allowed;
  for (const auto& k : Attention::kinds()) {
    known = known || k == o.attention;
    allowed += (allowed.empty() ? "" : ", ") + k;
  }
  if (!known) fail("option attention = '" + o.attention + "' is unknown (allowed: " + allowed + ")");
  if (o.attn_dim < 0) fail("option attn_dim = " + std::to_string(o.attn_dim) + " is negative (allowed: 0 or more)");
  if (o.attn_dim != 0 && o.attention != "additive")
    fail("option attn_dim = " + std::to_string(o.attn_dim) + " is used by attention 'additive' only (allowed: 0 for '" +
         o.attention + "')");
  if (o.pad_id < 0 || o.pad_id >= std::min(o.source_vocab, o.target_vocab))
    fail("option pad_id = " + std::to_string(o.pad_id) + " is not an id of both vocabularies (allowed: 0 to " +
         std::to_string(std::min(o.source_vocab, o.target_vocab) - 1) + ")");
}


// h_n [L*D, B, H] (row l*D + d) -> [L, B, D*H]: each layer's directions side by side, so
// the decoder of width D*H starts from both the forward and the backward summary.
Var bridge(const Var& h_n, std::int64_t L, std::int64_t D) {
  if (D == 1) return h_n;
  const std::int64_t B = h_n.shape()[1], H = h_n.shape()[2];
  return reshape(permute(reshape(h_n, {L, D, B, H}), {0, 2, 1, 3}), {L, B, D * H});
}

}  // namespace

Seq2SeqEncoder::Seq2SeqEncoder(const Seq2SeqModelOptions& o, Rng& rng) {
  embedding = register_module("embedding", std::make_shared<Embedding>(o.source_vocab, o.embed_dim, rng));
  rnn = register_module("rnn", std::make_shared<Recurrent>(RecurrentOptions{.kind = o.cell,
                                                                            .input_size = o.embed_dim,
                                                                            .hidden_size = o.hidden_size,
                                                                            .num_layers = o.num_layers,
                                                                            .bidirectional = o.bidirectional},
                                                           rng));
}

Seq2SeqDecoder::Seq2SeqDecoder(const Seq2SeqModelOptions& o, Rng& rng) {
  const std::int64_t Hd = o.hidden_size * (o.bidirectional ? 2 : 1);
  embedding = register_module("embedding", std::make_shared<Embedding>(o.target_vocab, o.embed_dim, rng));
  rnn = register_module(
      "rnn",
      std::make_shared<Recurrent>(
          RecurrentOptions{.kind = o.cell, .input_size = o.embed_dim, .hidden_size = Hd, .num_layers = o.num_layers},
          rng));
  combine = register_module("combine", std::make_shared<Linear>(2 * Hd, Hd, rng, /*bias=*/false));
  out = register_module("out", std::make_shared<Linear>(Hd, o.target_vocab, rng));
}

Seq2Seq::Seq2Seq(const Seq2SeqModelOptions& options, Rng& rng) : options_(options) {
  check_options(options_);
  const std::int64_t Hd = decoder_hidden_size();
  encoder_ = register_module("encoder", std::make_shared<Seq2SeqEncoder>(options_, rng));
  decoder_ = register_module("decoder", std::make_shared<Seq2SeqDecoder>(options_, rng));
  const std::int64_t A = options_.attention == "additive" ? (options_.attn_dim > 0 ? options_.attn_dim : Hd) : 0;
  attention_ = register_module("attention", std::make_shared<Attention>(options_.attention, Hd, Hd, rng, A));
}

std::int64_t Seq2Seq::decoder_hidden_size() const { return options_.hidden_size * (options_.bidirectional ? 2 : 1); }

EncoderOutput Seq2Seq::encode(const Tensor& source) {
  if (!source.defined() || source.rank() != 2 || source.dim(0) < 1 || source.dim(1) < 1)
    fail("source must be ids [batch, source_len] with both at least 1, got " +
         (source.defined() ? to_string(source.shape()) : std::string("an undefined tensor")));
  const std::int64_t B = source.dim(0), S = source.dim(1);
  EncoderOutput enc;
  enc.mask = Tensor({B, S});
  for (std::int64_t b = 0; b < B; ++b) {
    bool any = false;
    for (std::int64_t j = 0; j < S; ++j) {
      const bool keep = source[b * S + j] != static_cast<Scalar>(options_.pad_id);
      enc.mask[b * S + j] = keep ? Scalar(1) : Scalar(0);
      any = any || keep;
    }
    if (!any) fail("source row " + std::to_string(b) + " is all <pad>; every row needs at least one token");
  }
  RecurrentOutput r = encoder_->rnn->forward_full(encoder_->embedding->forward(Var(source)));
  const std::int64_t L = options_.num_layers, D = options_.bidirectional ? 2 : 1;
  enc.outputs = r.output;
  enc.h0 = bridge(r.h_n, L, D);
  if (options_.cell == CellKind::Lstm) enc.c0 = bridge(r.c_n, L, D);
  return enc;
}

DecodeOutput Seq2Seq::decode(const EncoderOutput& enc, const Tensor& inputs, const Var& h, const Var& c) {
  if (!inputs.defined() || inputs.rank() != 2 || inputs.dim(0) != enc.outputs.shape()[0] || inputs.dim(1) < 1)
    fail("decoder inputs must be ids [batch, steps] with batch " + std::to_string(enc.outputs.shape()[0]) +
         " and steps >= 1, got " + (inputs.defined() ? to_string(inputs.shape()) : std::string("an undefined tensor")));
  Seq2SeqDecoder& dec = *decoder_;
  RecurrentOutput r = dec.rnn->forward_full(dec.embedding->forward(Var(inputs)), h, c);  // s_t: [B, T, Hd]
  AttentionOutput a = attention_->forward(r.output, enc.outputs, enc.outputs, &enc.mask);
  Var attentional = tanh(dec.combine->forward(concat({a.context, r.output}, -1)));  // h~_t = tanh(W_c [c_t; s_t])
  return {dec.out->forward(attentional), a.weights, r.h_n, r.c_n};
}

Var Seq2Seq::loss(const Tensor& source, const Tensor& target) {
  if (!target.defined() || target.rank() != 2 || target.dim(1) < 2 || !source.defined() || source.rank() != 2 ||
      target.dim(0) != source.dim(0))
    fail("loss needs source [batch, source_len] and target [batch, target_len >= 2] with the same batch, got " +
         (source.defined() ? to_string(source.shape()) : std::string("undefined")) + " and " +
         (target.defined() ? to_string(target.shape()) : std::string("undefined")));
  const std::int64_t U = target.dim(1);
  EncoderOutput enc = encode(source);
  DecodeOutput out = decode(enc, id_columns(target, 0, U - 1), enc.h0, enc.c0);
  return masked_cross_entropy(out.logits, id_columns(target, 1, U), options_.pad_id);
}

Var masked_cross_entropy(const Var& logits, const Tensor& targets, std::int64_t pad_id) {
  Var per_position = cross_entropy(logits, targets, Reduction::None);  // [B, T]
  Tensor weight(targets.shape());
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < targets.numel(); ++i) count += targets[i] != static_cast<Scalar>(pad_id);
  for (std::int64_t i = 0; i < targets.numel(); ++i)
    weight[i] = targets[i] != static_cast<Scalar>(pad_id) ? Scalar(1.0 / static_cast<double>(count)) : Scalar(0);
  return sum(mul(per_position, Var(std::move(weight))));
}

// Columns [start, end) of an id tensor [B, U] -> [B, end - start].
Tensor id_columns(const Tensor& t, std::int64_t start, std::int64_t end) {
  const std::int64_t B = t.dim(0), U = t.dim(1), W = end - start;
  Tensor out({B, W});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < W; ++j) out[b * W + j] = t[b * U + start + j];
  return out;
}

GRADLAB_END
