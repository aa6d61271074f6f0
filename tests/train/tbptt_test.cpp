// Truncated BPTT through SupervisedTrainer (TrainConfig::tbptt = k): with k >= T it is full
// BPTT bit for bit; with k < T each update's gradient is that of its own chunk, from the
// carried (detached) state, ignoring later losses, checked against a hand construction;
// the recurrent trace covers each chunk; and unsuitable models or data are explained.
#include "train/tbptt.h"

#include <gtest/gtest.h>

#include "data/dataset.h"
#include "nn/layers.h"
#include "ops/ops.h"
#include "optim/optimizers.h"
#include "support/check.h"
#include "train/supervised.h"

namespace gradlab {
namespace {

constexpr std::int64_t T = 12, B = 8, H = 6;

Dataset recall_data() {
  DatasetOptions o;
  o.seed = 2;
  o.n_samples = 40;
  o.seq_len = static_cast<int>(T);
  o.lag = 2;
  o.num_symbols = 3;
  return make_dataset("delayed_recall", o);  // x [32, 12, 3], y [32, 12] in 0..3
}

// [Recurrent (2 layers), tanh, Linear]: per-step logits [B, T, C].
std::shared_ptr<Sequential> make_model(CellKind kind, const Dataset& d, std::uint64_t seed = 11) {
  Rng rng(seed);
  auto seq = std::make_shared<Sequential>();
  seq->add(std::make_shared<Recurrent>(
      RecurrentOptions{.kind = kind, .input_size = d.input_size, .hidden_size = H, .num_layers = 2}, rng));
  seq->add(std::make_shared<Activation>("tanh"));
  seq->add(std::make_shared<Linear>(H, d.num_classes, rng));
  seq->assign_names();
  return seq;
}

Recurrent& recurrent_of(Sequential& model) { return static_cast<Recurrent&>(*model.at(0)); }

Objective cross_entropy(const std::string& reduction = "mean") {
  Objective o;
  o.type = "cross_entropy";
  o.reduction = reduction;
  return o;
}
const Objective kCrossEntropy = cross_entropy();

std::unique_ptr<SupervisedTrainer> make_trainer(std::shared_ptr<Layer> model, const Tensor& x, const Tensor& y,
                                                std::int64_t k, double lr = 0.1) {
  TrainConfig config;
  config.batch_size = B;
  config.seed = 5;
  config.tbptt = k;
  return std::make_unique<SupervisedTrainer>(model, std::make_unique<SGD>(model->named_parameters(), SGDOptions{.lr = lr}),
                                             nullptr, kCrossEntropy, config, x, y);
}

// t [B, T, ...] -> steps [start, start + len).
Tensor steps(const Tensor& t, std::int64_t start, std::int64_t len) {
  return slice(Var(t), 1, start, start + len).value();
}

// Rows [start, start + len) of a time-major trace tensor [T, B, H].
Tensor time_rows(const Tensor& t, std::int64_t start, std::int64_t len) {
  return slice(Var(t), 0, start, start + len).value();
}

// The batch the trainers draw first (same size and seed as make_trainer).
Batch first_batch(const Dataset& d) {
  Batcher batcher(d.x_train.dim(0), B, 5);
  return batcher.next(d.x_train, d.y_train);
}

void expect_same_grads(Module& a, Module& b, double tol = 0) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    ASSERT_TRUE(pa[i].second.has_grad() && pb[i].second.has_grad()) << pa[i].first;
    EXPECT_LE(max_abs_diff(pa[i].second.grad(), pb[i].second.grad()), tol) << pa[i].first;
  }
}

double max_grad_diff(Module& a, Module& b) {
  double m = 0;
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) m = std::max(m, max_abs_diff(pa[i].second.grad(), pb[i].second.grad()));
  return m;
}

TEST(Tbptt, ChunksAsLongAsTheSequenceAreFullBpttBitForBit) {
  const Dataset d = recall_data();
  for (CellKind kind : {CellKind::Lstm, CellKind::Gru, CellKind::RnnTanh}) {
    auto full_model = make_model(kind, d);
    auto full = make_trainer(full_model, d.x_train, d.y_train, 0);
    for (std::int64_t k : {T, T + 5}) {
      auto model = make_model(kind, d);
      auto tbptt = make_trainer(model, d.x_train, d.y_train, k);
      auto reference_model = make_model(kind, d);
      auto reference = make_trainer(reference_model, d.x_train, d.y_train, 0);
      for (int s = 0; s < 3; ++s) {
        const StepMetrics a = tbptt->step(), b = reference->step();
        EXPECT_EQ(a.loss, b.loss) << to_string(kind) << " k " << k << " step " << s;
        EXPECT_EQ(a.chunk_start, 0);
        EXPECT_EQ(a.chunk_steps, T);
        expect_same_grads(*model, *reference_model);
      }
    }
  }
}

TEST(Tbptt, TheFirstChunksGradientIgnoresLaterLossesAndMatchesAHandConstruction) {
  const Dataset d = recall_data();
  const std::int64_t k = 5;
  auto model = make_model(CellKind::Lstm, d);
  auto trainer = make_trainer(model, d.x_train, d.y_train, k);
  const StepMetrics m = trainer->step();
  EXPECT_EQ(m.chunk_start, 0);
  EXPECT_EQ(m.chunk_steps, k);

  // Other labels after the first chunk change nothing in its update.
  Tensor y_changed = d.y_train.clone();
  for (std::int64_t i = 0; i < y_changed.numel(); ++i)
    if (i % T >= k) y_changed[i] = static_cast<Scalar>((static_cast<int>(y_changed[i]) + 1) % d.num_classes);
  auto changed_model = make_model(CellKind::Lstm, d);
  auto changed = make_trainer(changed_model, d.x_train, y_changed, k);
  EXPECT_EQ(changed->step().loss, m.loss);
  expect_same_grads(*model, *changed_model);

  // By hand: the model on the first k steps alone, from a zero state.
  auto hand = make_model(CellKind::Lstm, d);
  const Batch batch = first_batch(d);
  Var loss = kCrossEntropy.loss(hand->forward(Var(steps(batch.x, 0, k))), steps(batch.y, 0, k));
  loss.backward();
  EXPECT_EQ(loss.item(), m.loss);
  expect_same_grads(*model, *hand);

  // Full BPTT (every loss, every step) gives a different gradient.
  auto full_model = make_model(CellKind::Lstm, d);
  make_trainer(full_model, d.x_train, d.y_train, 0)->step();
  EXPECT_GT(max_grad_diff(*model, *full_model), 1e-3);
}

// Chunk 2 by hand: the state after chunk 1 (computed with the parameters before update 1)
// enters as a constant; the loss is chunk 2's, with the parameters after update 1.
class TbpttSecondChunk : public ::testing::TestWithParam<CellKind> {};

TEST_P(TbpttSecondChunk, StartsFromTheCarriedStateAsAConstant) {
  const CellKind kind = GetParam();
  const bool lstm = kind == CellKind::Lstm;
  const Dataset d = recall_data();
  const std::int64_t k = 5;
  auto model = make_model(kind, d);
  auto trainer = make_trainer(model, d.x_train, d.y_train, k);

  auto hand = make_model(kind, d);
  const Batch batch = first_batch(d);
  RecurrentOutput first = recurrent_of(*hand).forward_full(Var(steps(batch.x, 0, k)));
  const Tensor h_k = first.h_n.value(), c_k = lstm ? first.c_n.value() : Tensor();

  trainer->step();
  std::vector<std::pair<std::string, Tensor>> after_update;
  for (auto& [name, p] : model->named_parameters()) after_update.emplace_back(name, p.value().clone());
  const StepMetrics m = trainer->step();
  EXPECT_EQ(m.chunk_start, k);
  EXPECT_EQ(m.chunk_steps, k);

  hand->load_state(after_update);
  RecurrentOutput second = recurrent_of(*hand).forward_full(Var(steps(batch.x, k, k)), Var(h_k), lstm ? Var(c_k) : Var());
  Var out = second.output;
  for (std::size_t i = 1; i < hand->size(); ++i) out = hand->at(i)->forward(out);
  Var loss = kCrossEntropy.loss(out, steps(batch.y, k, k));
  loss.backward();
  EXPECT_EQ(loss.item(), m.loss);
  expect_same_grads(*model, *hand);
}

INSTANTIATE_TEST_SUITE_P(Cells, TbpttSecondChunk, ::testing::Values(CellKind::Lstm, CellKind::Gru, CellKind::RnnTanh),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Tbptt, TheUnfusedPathCarriesTheStateTheSameWay) {
  const Dataset d = recall_data();
  auto fused = make_model(CellKind::Lstm, d);
  auto unfused = make_model(CellKind::Lstm, d);
  recurrent_of(*unfused).set_fused(false);
  auto a = make_trainer(fused, d.x_train, d.y_train, 5);
  auto b = make_trainer(unfused, d.x_train, d.y_train, 5);
  for (int s = 0; s < 3; ++s) {
    EXPECT_NEAR(a->step().loss, b->step().loss, sizeof(Scalar) == 4 ? 1e-5 : 1e-12);
    expect_same_grads(*fused, *unfused, sizeof(Scalar) == 4 ? 1e-5 : 1e-12);
  }
}

TEST(Tbptt, ChunksWalkThroughTheSequenceThenANewBatchStartsFresh) {
  const Dataset d = recall_data();
  auto model = make_model(CellKind::Gru, d);
  auto trainer = make_trainer(model, d.x_train, d.y_train, 5);  // T = 12: chunks 5, 5, 2
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{0, 5}, {5, 5}, {10, 2}, {0, 5}, {5, 5}};
  for (const auto& [start, len] : expected) {
    const StepMetrics m = trainer->step();
    EXPECT_EQ(m.chunk_start, start);
    EXPECT_EQ(m.chunk_steps, len);
    ASSERT_NE(trainer->tbptt_chunk(), nullptr);
    EXPECT_EQ(trainer->tbptt_chunk()->x.shape(), (Shape{B, len, d.input_size}));
    EXPECT_EQ(trainer->tbptt_chunk()->h0.defined(), start > 0);  // a fresh batch starts from zeros
  }
  EXPECT_EQ(trainer->steps_done(), 5);
  EXPECT_EQ(trainer->optimizer().steps(), 5);  // one update per chunk
  EXPECT_EQ(make_trainer(make_model(CellKind::Gru, d), d.x_train, d.y_train, 0)->tbptt_chunk(), nullptr);
}

// With lr = 0 the parameters stay put, so the chunks together replay the full forward:
// their traces tile the full trace, their losses average to the full loss, and only the
// gradient differs (it stops at the chunk boundaries).
TEST(Tbptt, TheTraceCoversEachChunkAndItsGradientsStopAtTheBoundary) {
  const Dataset d = recall_data();
  const std::int64_t k = 4;  // 3 chunks of 4
  auto model = make_model(CellKind::Lstm, d);
  Recurrent& rec = recurrent_of(*model);
  rec.set_trace(true);
  auto trainer = make_trainer(model, d.x_train, d.y_train, k, /*lr=*/0);

  auto full_model = make_model(CellKind::Lstm, d);
  Recurrent& full_rec = recurrent_of(*full_model);
  full_rec.set_trace(true);
  const Batch batch = first_batch(d);
  Var full_loss = kCrossEntropy.loss(full_model->forward(Var(batch.x)), batch.y);
  full_loss.backward();
  const RecurrentTrace::Stream& full = full_rec.trace().at(1, 0);  // the top layer: what the head reads

  // Chunk losses are means over B*k positions, the full loss over B*T.
  const double scale = static_cast<double>(T) / k;
  const double tol = sizeof(Scalar) == 4 ? 1e-5 : 1e-12;
  double loss_sum = 0;
  for (std::int64_t c = 0; c < T / k; ++c) {
    const StepMetrics m = trainer->step();
    loss_sum += m.loss / scale;
    const RecurrentTrace::Stream& s = rec.trace().at(1, 0);
    ASSERT_EQ(s.h.shape(), (Shape{k, B, H}));
    EXPECT_LT(max_abs_diff(s.h, time_rows(full.h, c * k, k)), tol) << "chunk " << c;
    EXPECT_LT(max_abs_diff(s.gate("f"), time_rows(full.gate("f"), c * k, k)), tol) << "chunk " << c;
    const Tensor full_dh = time_rows(full.dh, c * k, k);
    Tensor scaled(full_dh.shape());
    for (std::int64_t i = 0; i < scaled.numel(); ++i) scaled[i] = static_cast<Scalar>(full_dh[i] * scale);
    if (c == T / k - 1) {
      // The last chunk has no future beyond it: the same dL/dh_t as full BPTT (rescaled).
      EXPECT_LT(max_abs_diff(s.dh, scaled), tol) << "chunk " << c;
    } else {
      // Earlier chunks miss what later steps' losses send back: the gradient was cut.
      EXPECT_GT(max_abs_diff(s.dh, scaled), 1e-4) << "chunk " << c;
    }
  }
  EXPECT_NEAR(loss_sum, full_loss.item(), tol);
}

TEST(Tbptt, UnsuitableModelsDataAndLossesAreExplained) {
  const Dataset d = recall_data();
  Rng rng(0);
  auto last_step = std::make_shared<Sequential>();
  last_step->add(std::make_shared<Recurrent>(RecurrentOptions{.kind = CellKind::Lstm, .input_size = d.input_size, .hidden_size = 4}, rng));
  last_step->add(std::make_shared<LastStep>());
  EXPECT_MESSAGE_HAS(make_trainer(last_step, d.x_train, d.y_train, 4), "layer 1 (LastStep)", "dropping the time axis");

  auto feed_forward = std::make_shared<Sequential>();
  feed_forward->add(std::make_shared<Linear>(d.input_size, 4, rng));
  EXPECT_MESSAGE_HAS(make_trainer(feed_forward, d.x_train, d.y_train, 4), "recurrent layer (rnn, lstm, gru) first",
                     "the first layer is Linear");

  auto bidirectional = std::make_shared<Sequential>();
  bidirectional->add(std::make_shared<Recurrent>(
      RecurrentOptions{.kind = CellKind::Gru, .input_size = d.input_size, .hidden_size = 4, .bidirectional = true}, rng));
  EXPECT_MESSAGE_HAS(make_trainer(bidirectional, d.x_train, d.y_train, 4), "bidirectional GRU");

  auto model = make_model(CellKind::Lstm, d);
  EXPECT_MESSAGE_HAS(make_trainer(model, d.x_train, Tensor::zeros({d.x_train.dim(0), 1}), 4), "one target per time step",
                     "[32, 1]");
  EXPECT_MESSAGE_HAS(make_trainer(model, d.x_train, d.y_train, -1), "tbptt = -1");
  TrainConfig config;
  config.tbptt = 4;
  EXPECT_MESSAGE_HAS(SupervisedTrainer(model, std::make_unique<SGD>(model->named_parameters(), SGDOptions{}), nullptr,
                                       cross_entropy("none"), config, d.x_train, d.y_train),
                     "reduction 'none'");
}

// A module whose only child is the Sequential (as the spec's model) is unwrapped.
class Wrapped : public Layer {
 public:
  explicit Wrapped(std::shared_ptr<Sequential> inner) : inner_(register_module("layers", std::move(inner))) {}
  std::string type_name() const override { return "Model"; }
  Var forward(const Var& x) override { return inner_->forward(x); }
  Shape output_shape(const Shape& in) const override { return inner_->output_shape(in); }

 private:
  std::shared_ptr<Sequential> inner_;
};

TEST(Tbptt, AWrappedSequentialIsFound) {
  const Dataset d = recall_data();
  auto inner = make_model(CellKind::Lstm, d);
  Wrapped wrapped(inner);
  const RecurrentStack stack = find_recurrent_stack(wrapped);
  EXPECT_EQ(stack.recurrent, inner->at(0).get());
  ASSERT_EQ(stack.head.size(), 2u);
  EXPECT_EQ(stack.head[1], inner->at(2).get());
}

}  // namespace
}  // namespace gradlab
