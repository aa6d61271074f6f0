// Seq2Seq: an encoder-decoder translator with attention (Luong et al. 2015, "global
// attention" with the attentional hidden state). Training and decoding loops live in
// train/seq2seq.h; this file is the model and its teacher-forced loss.
//
// Shape letters: B batch, S source length, T decoder steps, E embedding width, H encoder
// hidden size, D encoder directions, Hd = D*H decoder hidden size, L layers,
// Vs / Vt source / target vocabulary sizes.
//
// Equations, per decoder step t (s the decoder RNN state, y_{t-1} the previous target token):
//   enc_1..enc_S, h_n = encoder RNN(embedding(x))          enc_j [D*H], bidirectional optional
//   s_0            = h_n with directions side by side       (the "concat bridge": no parameters)
//   s_t            = decoder RNN(s_{t-1}, embedding(y_{t-1}))
//   a_t            = softmax_j(score(s_t, enc_j)), 0 where x_j = <pad>   (attention kinds: dot,
//                    general, additive; see nn/attention.h)
//   c_t            = sum_j a_tj enc_j
//   h~_t           = tanh(W_c [c_t; s_t])                    (decoder.combine.weight, no bias)
//   logits_t       = W_o h~_t + b_o                          (decoder.out.{weight,bias})
// Why Luong rather than Bahdanau input feeding: the decoder RNN does not read c_{t-1}, so with
// teacher forcing all T steps run as one fused recurrent call and one batched attention; only
// greedy decoding (and teacher forcing below 1) goes step by step, through the same decode().
//
// Parameter names (PyTorch style):
//   encoder.embedding.weight [Vs, E]      encoder.rnn.weight_ih_l0 [G*H, E] ... (_reverse)
//   decoder.embedding.weight [Vt, E]      decoder.rnn.weight_ih_l0 [G*Hd, E] ...
//   attention.proj.weight (general) | attention.{query_proj,key_proj,v}.weight (additive)
//   decoder.combine.weight [Hd, 2*Hd]     decoder.out.weight [Vt, Hd], decoder.out.bias [Vt]
//
//   Rng rng(0);
//   Seq2Seq model({.source_vocab = 20, .target_vocab = 14}, rng);
//   Var loss = model.loss(x, y);             // x [B, S] ids, y [B, U] = <bos> ... <eos> <pad>...
//   EncoderOutput enc = model.encode(x);
//   DecodeOutput step = model.decode(enc, bos_column, enc.h0, enc.c0);   // [B, 1] -> logits [B, 1, Vt]
#pragma once

#include <memory>
#include <string>

#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/recurrent.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

struct Seq2SeqModelOptions {
  std::int64_t source_vocab = 0, target_vocab = 0;  // Vs, Vt
  std::int64_t embed_dim = 32;                      // E (both embeddings)
  std::int64_t hidden_size = 64;                    // H per encoder direction
  int num_layers = 1;                               // L, encoder and decoder alike
  CellKind cell = CellKind::Gru;                    // Gru or Lstm
  bool bidirectional = true;                        // encoder only
  std::string attention = "general";                // "dot", "general", "additive"
  std::int64_t attn_dim = 0;                        // additive only (A); 0 there means Hd
  std::int64_t pad_id = 0;                          // <pad> in both vocabularies: masked out of attention and the loss
};

struct EncoderOutput {
  Var outputs;  // [B, S, Hd]: keys and values of the attention
  Var h0, c0;   // [L, B, Hd]: the decoder's initial state (c0 for LSTM only)
  Tensor mask;  // [B, S]: 1 for real source tokens, 0 for <pad>
};

struct DecodeOutput {
  Var logits;   // [B, T, Vt]
  Var weights;  // [B, T, S]: attention rows, each summing to 1, 0 on source padding
  Var h, c;     // [L, B, Hd]: the state after the last step (c for LSTM only)
};

class Seq2SeqEncoder : public Module {
 public:
  Seq2SeqEncoder(const Seq2SeqModelOptions& o, Rng& rng);
  std::string type_name() const override { return "Seq2SeqEncoder"; }
  std::shared_ptr<Embedding> embedding;
  std::shared_ptr<Recurrent> rnn;
};

class Seq2SeqDecoder : public Module {
 public:
  Seq2SeqDecoder(const Seq2SeqModelOptions& o, Rng& rng);
  std::string type_name() const override { return "Seq2SeqDecoder"; }
  std::shared_ptr<Embedding> embedding;
  std::shared_ptr<Recurrent> rnn;
  std::shared_ptr<Linear> combine, out;
};

class Seq2Seq : public Module {
 public:
  // Throws std::invalid_argument naming the option and what is allowed (sizes >= 1, cell
  // Gru or Lstm, a known attention kind, attn_dim for additive only, pad_id in both
  // vocabularies).
  Seq2Seq(const Seq2SeqModelOptions& options, Rng& rng);
  std::string type_name() const override { return "Seq2Seq"; }

  // source [B, S] ids (integers stored as Scalar). Every row needs at least one non-pad token.
  EncoderOutput encode(const Tensor& source);
  // Runs the decoder over inputs [B, T] (ids) from state (h, c), attending over `enc`:
  // T = U - 1 for teacher forcing in one go, T = 1 for step-by-step decoding.
  DecodeOutput decode(const EncoderOutput& enc, const Tensor& inputs, const Var& h, const Var& c);

  // Teacher-forced cross-entropy: decoder inputs y[:, :-1], targets y[:, 1:], averaged over
  // the target positions that are not pad_id. source [B, S], target [B, U] (U >= 2).
  Var loss(const Tensor& source, const Tensor& target);

  const Seq2SeqModelOptions& options() const { return options_; }
  std::int64_t decoder_hidden_size() const;  // Hd = D*H
  Seq2SeqEncoder& encoder() { return *encoder_; }
  Seq2SeqDecoder& decoder() { return *decoder_; }
  Attention& attention() { return *attention_; }

 private:
  Seq2SeqModelOptions options_;
  std::shared_ptr<Seq2SeqEncoder> encoder_;
  std::shared_ptr<Seq2SeqDecoder> decoder_;
  std::shared_ptr<Attention> attention_;
};

// Cross-entropy of logits [B, T, V] against targets [B, T], averaged over positions whose
// target is not `pad_id` (0 if every target is padding).
Var masked_cross_entropy(const Var& logits, const Tensor& targets, std::int64_t pad_id = 0);

// Columns [start, end) of an id tensor [B, U] -> [B, end - start] (a copy).
Tensor id_columns(const Tensor& t, std::int64_t start, std::int64_t end);

GRADLAB_END
