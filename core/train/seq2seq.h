// Seq2SeqTrainer: trains a Seq2Seq model (nn/seq2seq.h) on a "seq2seq" Dataset (dates,
// number_words) with teacher forcing, and evaluates it by greedy decoding.
//
// Shape letters: N examples, B batch, S source length, U target length (<bos> ... <eos>
// <pad>...), T = U - 1 decoder steps, V target vocabulary.
//
//   Dataset d = make_dataset("dates", {.seed = 1, .n_samples = 4000});
//   Seq2SeqTrainer trainer(d, {.attention = "general", .seed = 7});
//   for (int i = 0; i < 1000; ++i) trainer.step();
//   Seq2SeqEvalMetrics m = trainer.evaluate("test");   // m.sequence_accuracy ...
//   Translation t = trainer.translate({12, 40, 80, 2});   // t.ids ... <eos>, t.attention [len, S]
//
// Metrics:
//   loss               teacher-forced cross-entropy, mean over non-<pad> target positions
//   token_accuracy     step(): teacher-forced argmax vs target, over the same positions;
//                      evaluate(): the greedy decode vs target, position by position (a
//                      decode that is too short counts its missing positions wrong)
//   sequence_accuracy  evaluate(): share of examples whose greedy decode equals the target
//                      up to and including <eos>
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/dataset.h"
#include "nn/seq2seq.h"
#include "optim/optimizer.h"

GRADLAB_BEGIN

struct Seq2SeqOptions {
  std::int64_t embed_dim = 32;
  std::int64_t hidden_size = 64;  // per encoder direction; the decoder has D times that
  int num_layers = 1;
  std::string cell = "gru";           // "gru", "lstm"
  bool bidirectional = true;          // the encoder
  std::string attention = "general";  // "dot", "general", "additive"
  std::int64_t attn_dim = 0;          // additive only; 0 = the decoder hidden size
  std::string optimizer = "adam";     // see optim/factory.h
  double lr = 3e-3;
  std::int64_t batch_size = 32;
  double teacher_forcing = 1.0;     // probability of feeding the true previous token, per token
  double clip_norm = 1.0;           // global gradient-norm clip; 0 = off
  std::int64_t max_decode_len = 0;  // greedy decoding steps at most; 0 = U - 1 of the data
  std::uint64_t seed = 0;           // initialisation, batch order, teacher-forcing draws
};

// Throws std::invalid_argument naming the first bad option and what is allowed.
void validate(const Seq2SeqOptions& options);

struct Seq2SeqStepMetrics {
  std::int64_t step = 0;  // steps done, counting this one
  double loss = 0;
  double token_accuracy = 0;  // teacher-forced (see above)
  double grad_norm = 0;       // before clipping
  bool clipped = false;
  double lr = 0;
};

struct Seq2SeqEvalMetrics {
  double loss = std::numeric_limits<double>::quiet_NaN();
  double token_accuracy = std::numeric_limits<double>::quiet_NaN();
  double sequence_accuracy = std::numeric_limits<double>::quiet_NaN();
  std::int64_t n = 0;
};

// Greedy decoding of a batch: every row runs until it emits <eos> or max steps; the batch
// stops once all rows have.
struct Decoded {
  Tensor ids;                         // [B, L]: predicted ids, <eos> included, <pad> after it
  Tensor weights;                     // [B, L, S]: the attention of each step. Every row sums to 1 (rows after a
                                      // row's <eos> are the steps the decoder still ran); source <pad> gets 0.
  std::vector<std::int64_t> lengths;  // per row: tokens up to and including <eos> (L if none)
};

struct Translation {
  std::vector<std::int64_t> ids;  // predicted target ids up to and including <eos> (if emitted)
  Tensor attention;               // [ids.size(), S]: which source position each output looked at
};

class Seq2SeqTrainer {
 public:
  // `data` must be a seq2seq dataset (x [N, S], y [N, U], vocab and target_vocab with
  // <pad> = 0, <bos> = 1, <eos> = 2) with training examples. Validates the options first.
  Seq2SeqTrainer(Dataset data, Seq2SeqOptions options);

  Seq2SeqStepMetrics step();
  std::int64_t steps_done() const { return step_; }

  // split: "train" or "test". Teacher-forced loss and greedy-decode accuracies (no gradients).
  Seq2SeqEvalMetrics evaluate(const std::string& split);
  // Metrics of given sources [N, S] and targets [N, U].
  Seq2SeqEvalMetrics evaluate(const Tensor& x, const Tensor& y);

  Decoded greedy_decode(const Tensor& source);
  // One source sentence as ids (<eos> and trailing <pad> optional: <eos> is appended if
  // missing, as the dataset's sources end with it). Throws naming an id outside the vocabulary.
  Translation translate(const std::vector<std::int64_t>& source_ids);

  // Teacher-forced loss of (x, y) as a graph: for gradient checks and `grad`.
  Var loss(const Tensor& x, const Tensor& y);

  Seq2Seq& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Dataset& data() const { return data_; }
  const Seq2SeqOptions& options() const { return options_; }
  std::int64_t max_decode_len() const;
  // For checkpoints: the batch order, the teacher-forcing draws and the step count.
  Batcher& batcher() { return batcher_; }
  Rng& forcing_rng() { return forcing_rng_; }
  void set_steps_done(std::int64_t step) { step_ = step; }

 private:
  // Decoder logits [B, T, V] with scheduled sampling: each step feeds the true previous token
  // with probability teacher_forcing, else the model's own previous argmax.
  Var sampled_logits(const Tensor& x, const Tensor& y);

  Dataset data_;
  Seq2SeqOptions options_;
  std::shared_ptr<Seq2Seq> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Batcher batcher_;
  Rng forcing_rng_;
  std::int64_t step_ = 0;
};

GRADLAB_END
