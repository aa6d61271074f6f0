// Seq2SeqTrainer: option checks, teacher-forced (or scheduled-sampling) steps, greedy
// decoding with attention maps, and the token / exact-sequence metrics.
#include "train/seq2seq.h"
#include "tensor/strings.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data/vocab.h"
#include "ops/ops.h"
#include "optim/clip.h"
#include "optim/factory.h"
#include "support/throw.h"
#include "tensor/finite.h"
#include "train/supervised.h"

GRADLAB_BEGIN

namespace {

// Rows per chunk when evaluating a whole split (bounds the memory of one forward).
constexpr std::int64_t kEvalChunk = 512;

[[noreturn]] void bad_option(const std::string& name, const std::string& value, const std::string& allowed) {
  throw_invalid_argument("Seq2SeqOptions: option " + name + " = " + value +
                         " is not allowed (allowed: " + allowed + ")");
}

CellKind cell_kind(const std::string& name) { return name == "lstm" ? CellKind::Lstm : CellKind::Gru; }

// Validates the options, then the dataset's shapes and vocabularies; returns N (the training
// rows) for the Batcher, so nothing is built before both pass.
std::int64_t checked_rows(const Dataset& d, const Seq2SeqOptions& options) {
  validate(options);
  auto fail = [&](const std::string& what) {
    throw_invalid_argument("Seq2SeqTrainer: dataset '" + d.name + "' " + what);
  };
  if (d.task != task::seq2seq) fail("has task '" + d.task + "' (allowed: seq2seq, e.g. dates or number_words)");
  if (!d.x_train.defined() || d.x_train.rank() != 2 || d.x_train.dim(0) < 1 || d.x_train.dim(1) < 1)
    fail("needs training sources x [N >= 1, S >= 1]");
  if (!d.y_train.defined() || d.y_train.rank() != 2 || d.y_train.dim(0) != d.x_train.dim(0) || d.y_train.dim(1) < 2)
    fail("needs training targets y [N, U >= 2] with as many rows as x " + to_string(d.x_train.shape()));
  if (d.vocab.size() <= static_cast<std::size_t>(kEosId) || d.target_vocab.size() <= static_cast<std::size_t>(kEosId))
    fail("needs vocab and target_vocab starting <pad>, <bos>, <eos>");
  return d.x_train.dim(0);
}

std::int64_t id_at(const Tensor& t, std::int64_t i) { return static_cast<std::int64_t>(t[i]); }

}  // namespace

void validate(const Seq2SeqOptions& o) {
  auto integer = [](const char* name, std::int64_t v, std::int64_t lo) {
    if (v < lo) bad_option(name, std::to_string(v), "an integer >= " + std::to_string(lo));
  };
  integer("embed_dim", o.embed_dim, 1);
  integer("hidden_size", o.hidden_size, 1);
  integer("num_layers", o.num_layers, 1);
  if (o.cell != "gru" && o.cell != "lstm") bad_option("cell", "'" + o.cell + "'", "gru, lstm");
  if (std::find(Attention::kinds().begin(), Attention::kinds().end(), o.attention) == Attention::kinds().end())
    bad_option("attention", "'" + o.attention + "'", join(Attention::kinds()));
  integer("attn_dim", o.attn_dim, 0);
  if (o.attn_dim != 0 && o.attention != "additive")
    bad_option("attn_dim", std::to_string(o.attn_dim), "0 unless attention is additive");
  if (std::find(optimizer_names().begin(), optimizer_names().end(), o.optimizer) == optimizer_names().end())
    bad_option("optimizer", "'" + o.optimizer + "'", join(optimizer_names()));
  if (!(o.lr > 0) || !std::isfinite(o.lr)) bad_option("lr", detail::format_number(o.lr), "a finite number > 0");
  integer("batch_size", o.batch_size, 1);
  if (!(o.teacher_forcing >= 0 && o.teacher_forcing <= 1))
    bad_option("teacher_forcing", detail::format_number(o.teacher_forcing), "a number from 0 to 1");
  if (!(o.clip_norm >= 0) || !std::isfinite(o.clip_norm))
    bad_option("clip_norm", detail::format_number(o.clip_norm), "a finite number >= 0, 0 for no clipping");
  integer("max_decode_len", o.max_decode_len, 0);
}

Seq2SeqTrainer::Seq2SeqTrainer(Dataset data, Seq2SeqOptions options)
    : data_(std::move(data)),
      options_(std::move(options)),
      batcher_(checked_rows(data_, options_), options_.batch_size, options_.seed),
      forcing_rng_(options_.seed, /*stream=*/102) {
  Rng init(options_.seed, /*stream=*/101);
  model_ = std::make_shared<Seq2Seq>(
      Seq2SeqModelOptions{.source_vocab = static_cast<std::int64_t>(data_.vocab.size()),
                          .target_vocab = static_cast<std::int64_t>(data_.target_vocab.size()),
                          .embed_dim = options_.embed_dim,
                          .hidden_size = options_.hidden_size,
                          .num_layers = options_.num_layers,
                          .cell = cell_kind(options_.cell),
                          .bidirectional = options_.bidirectional,
                          .attention = options_.attention,
                          .attn_dim = options_.attn_dim,
                          .pad_id = kPadId},
      init);
  model_->assign_names();
  OptimizerConfig config;
  config.lr = options_.lr;
  optimizer_ = make_optimizer(options_.optimizer, config, model_->named_parameters());
}

std::int64_t Seq2SeqTrainer::max_decode_len() const {
  return options_.max_decode_len > 0 ? options_.max_decode_len : data_.y_train.dim(1) - 1;
}

Var Seq2SeqTrainer::loss(const Tensor& x, const Tensor& y) { return model_->loss(x, y); }

Var Seq2SeqTrainer::sampled_logits(const Tensor& x, const Tensor& y) {
  const std::int64_t B = y.dim(0), U = y.dim(1);
  EncoderOutput enc = model_->encode(x);
  Var h = enc.h0, c = enc.c0;
  std::vector<Var> logits;
  Tensor previous;  // the model's argmax at the previous step [B]
  for (std::int64_t t = 0; t + 1 < U; ++t) {
    Tensor input({B, 1});
    for (std::int64_t b = 0; b < B; ++b) {
      const bool forced = t == 0 || forcing_rng_.uniform() < options_.teacher_forcing;
      input[b] = forced ? y[b * U + t] : previous[b];
    }
    DecodeOutput out = model_->decode(enc, input, h, c);
    previous = argmax(out.logits.value(), -1).reshape({B});
    logits.push_back(out.logits);
    h = out.h;
    c = out.c;
  }
  return concat(logits, 1);
}

Seq2SeqStepMetrics Seq2SeqTrainer::step() {
  Seq2SeqStepMetrics m;
  m.step = step_ + 1;
  m.lr = optimizer_->lr();
  model_->train(true);
  Batch batch = batcher_.next(data_.x_train, data_.y_train);
  const std::int64_t U = batch.y.dim(1);
  const Tensor targets = id_columns(batch.y, 1, U);
  model_->zero_grad();
  Var logits;
  if (options_.teacher_forcing >= 1) {
    EncoderOutput enc = model_->encode(batch.x);
    logits = model_->decode(enc, id_columns(batch.y, 0, U - 1), enc.h0, enc.c0).logits;
  } else {
    logits = sampled_logits(batch.x, batch.y);
  }
  Var loss = masked_cross_entropy(logits, targets, kPadId);
  m.loss = loss.item();
  if (!std::isfinite(m.loss))
    throw_non_finite(m.step, "loss",
                     "step " + std::to_string(m.step) + ": the loss became " + detail::format_number(m.loss) +
                         " (not finite); nothing was updated. Try a smaller lr or clip_norm.");
  loss.backward();
  for (auto& [name, p] : model_->named_parameters()) {
    if (!p.has_grad()) continue;
    const Tensor& g = p.grad();
    if (first_non_finite(g) >= 0)
      throw_non_finite(m.step, name,
                       "step " + std::to_string(m.step) + ": the gradient of parameter '" + name +
                           "' is not finite; nothing was updated. Try a smaller lr or clip_norm.");
  }
  const auto params = model_->parameters();
  m.grad_norm = grad_norm(params);
  if (options_.clip_norm > 0) m.clipped = clip_grad_norm(params, options_.clip_norm) > options_.clip_norm;
  optimizer_->step();

  const Tensor predicted = argmax(logits.value(), -1);  // [B, T]
  std::int64_t correct = 0, counted = 0;
  for (std::int64_t i = 0; i < targets.numel(); ++i) {
    if (id_at(targets, i) == kPadId) continue;
    ++counted;
    correct += predicted[i] == targets[i];
  }
  m.token_accuracy = counted ? static_cast<double>(correct) / static_cast<double>(counted) : 0;
  step_ = m.step;
  return m;
}

Decoded Seq2SeqTrainer::greedy_decode(const Tensor& source) {
  NoGradGuard no_grad;
  const bool was_training = model_->training();
  model_->train(false);
  EncoderOutput enc = model_->encode(source);
  const std::int64_t B = source.dim(0), S = source.dim(1), max_len = max_decode_len();
  std::vector<std::vector<Scalar>> ids(static_cast<std::size_t>(B)), weights(static_cast<std::size_t>(B));
  Decoded d;
  d.lengths.assign(static_cast<std::size_t>(B), 0);
  std::vector<bool> done(static_cast<std::size_t>(B), false);
  Tensor input = Tensor::full({B, 1}, static_cast<Scalar>(kBosId));
  Var h = enc.h0, c = enc.c0;
  std::int64_t L = 0;
  while (L < max_len && std::find(done.begin(), done.end(), false) != done.end()) {
    DecodeOutput out = model_->decode(enc, input, h, c);
    const Tensor next = argmax(out.logits.value(), -1);  // [B, 1]
    const Tensor& w = out.weights.value();               // [B, 1, S]
    for (std::int64_t b = 0; b < B; ++b) {
      const auto row = static_cast<std::size_t>(b);
      ids[row].push_back(done[row] ? static_cast<Scalar>(kPadId) : next[b]);
      weights[row].insert(weights[row].end(), w.data() + b * S, w.data() + (b + 1) * S);
      if (!done[row]) {
        d.lengths[row] = L + 1;
        done[row] = id_at(next, b) == kEosId;
      }
    }
    input = next;
    h = out.h;
    c = out.c;
    ++L;
  }
  model_->train(was_training);
  d.ids = Tensor({B, L});
  d.weights = Tensor({B, L, S});
  for (std::int64_t b = 0; b < B; ++b) {
    const auto row = static_cast<std::size_t>(b);
    std::copy(ids[row].begin(), ids[row].end(), d.ids.data() + b * L);
    std::copy(weights[row].begin(), weights[row].end(), d.weights.data() + b * L * S);
  }
  return d;
}

Translation Seq2SeqTrainer::translate(const std::vector<std::int64_t>& source_ids) {
  const auto V = static_cast<std::int64_t>(data_.vocab.size());
  for (std::size_t i = 0; i < source_ids.size(); ++i)
    if (source_ids[i] < 0 || source_ids[i] >= V)
      throw_invalid_argument("translate: source id " + std::to_string(source_ids[i]) + " at position " +
                             std::to_string(i) + " is outside the source vocabulary (allowed: 0 to " +
                             std::to_string(V - 1) + ")");
  std::vector<std::int64_t> ids = source_ids;
  while (!ids.empty() && ids.back() == kPadId) ids.pop_back();
  if (ids.empty()) throw_invalid_argument("translate: the source has no tokens (only <pad> or nothing)");
  if (ids.back() != kEosId) ids.push_back(kEosId);
  // Pad to the training source length: the reverse encoder direction then starts as in training.
  const std::int64_t S = std::max<std::int64_t>(static_cast<std::int64_t>(ids.size()), data_.x_train.dim(1));
  Tensor source({1, S});
  for (std::size_t i = 0; i < ids.size(); ++i) source[static_cast<std::int64_t>(i)] = static_cast<Scalar>(ids[i]);
  Decoded d = greedy_decode(source);
  Translation t;
  const std::int64_t n = d.lengths[0];
  for (std::int64_t j = 0; j < n; ++j) t.ids.push_back(id_at(d.ids, j));
  t.attention = Tensor({n, S});
  std::copy(d.weights.data(), d.weights.data() + n * S, t.attention.data());
  return t;
}

Seq2SeqEvalMetrics Seq2SeqTrainer::evaluate(const std::string& split) {
  if (split == "train") return evaluate(data_.x_train, data_.y_train);
  if (split == "test") return evaluate(data_.x_test, data_.y_test);
  throw_invalid_argument("evaluate: split '" + split + "' is unknown (allowed: train, test)");
}

Seq2SeqEvalMetrics Seq2SeqTrainer::evaluate(const Tensor& x, const Tensor& y) {
  Seq2SeqEvalMetrics e;
  if (!x.defined() || x.rank() != 2 || x.dim(0) == 0) return e;
  if (!y.defined() || y.rank() != 2 || y.dim(0) != x.dim(0) || y.dim(1) < 2)
    throw_invalid_argument("evaluate: sources " + to_string(x.shape()) + " and targets " +
                           (y.defined() ? to_string(y.shape()) : std::string("undefined")) +
                           " need the same rows and targets [N, U >= 2]");
  const std::int64_t N = x.dim(0), U = y.dim(1);
  double loss_sum = 0;
  std::int64_t positions = 0, correct_tokens = 0, exact = 0;
  for (std::int64_t start = 0; start < N; start += kEvalChunk) {
    std::vector<std::int64_t> rows;
    for (std::int64_t r = start; r < std::min(N, start + kEvalChunk); ++r) rows.push_back(r);
    const Tensor xs = take_rows(x, rows), ys = take_rows(y, rows);
    const Tensor targets = id_columns(ys, 1, U);
    std::int64_t chunk_positions = 0;
    for (std::int64_t i = 0; i < targets.numel(); ++i) chunk_positions += id_at(targets, i) != kPadId;
    {
      NoGradGuard no_grad;
      const bool was_training = model_->training();
      model_->train(false);
      loss_sum += static_cast<double>(model_->loss(xs, ys).item()) * static_cast<double>(chunk_positions);
      model_->train(was_training);
    }
    positions += chunk_positions;
    const Decoded d = greedy_decode(xs);
    const std::int64_t L = d.ids.dim(1);
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(rows.size()); ++b) {
      bool all = true;
      for (std::int64_t j = 0; j + 1 < U; ++j) {
        const std::int64_t want = id_at(targets, b * (U - 1) + j);
        if (want == kPadId) continue;
        const bool ok = j < L && id_at(d.ids, b * L + j) == want;
        correct_tokens += ok;
        all = all && ok;
      }
      exact += all;
    }
  }
  e.n = N;
  e.loss = positions ? loss_sum / static_cast<double>(positions) : 0;
  e.token_accuracy = positions ? static_cast<double>(correct_tokens) / static_cast<double>(positions) : 0;
  e.sequence_accuracy = static_cast<double>(exact) / static_cast<double>(N);
  return e;
}

GRADLAB_END
