// Sequence tasks: shapes [N, T, F], and the truth each task promises (copy/reverse answers,
// recall lag, the adding problem's markers and baseline, running parity, spike timing, lookahead,
// order's label and its tokens that say nothing about it).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/dataset.h"

namespace gradlab {
namespace {

// The one-hot symbol at (sample i, step t) of x [N, T, F], or -1 if none of the first s channels is set.
int symbol_at(const Tensor& x, std::int64_t i, std::int64_t t, std::int64_t s) {
  const std::int64_t T = x.dim(1), F = x.dim(2);
  int found = -1;
  for (std::int64_t f = 0; f < s; ++f)
    if (x[(i * T + t) * F + f] == 1) {
      EXPECT_EQ(found, -1) << "two symbols at one step";
      found = static_cast<int>(f);
    }
  return found;
}

DatasetOptions seq(int n, int t, std::uint64_t seed = 1) {
  DatasetOptions o;
  o.n_samples = n;
  o.seq_len = t;
  o.seed = seed;
  return o;
}

TEST(Sequence, CopyWritesTheSymbolsBackAfterTheDelimiter) {
  DatasetOptions o = seq(50, 6);
  o.num_symbols = 5;
  const Dataset d = make_dataset("copy", o);
  EXPECT_EQ(d.task, task::sequence_labelling);
  ASSERT_EQ(d.x_train.shape(), (Shape{40, 13, 6}));
  ASSERT_EQ(d.y_train.shape(), (Shape{40, 13}));
  EXPECT_EQ(d.num_classes, 6);
  for (std::int64_t i = 0; i < 40; ++i) {
    for (std::int64_t t = 0; t < 6; ++t) {
      const int s = symbol_at(d.x_train, i, t, 5);
      ASSERT_GE(s, 0);
      EXPECT_EQ(d.y_train[i * 13 + t], 0);
      EXPECT_EQ(d.y_train[i * 13 + 7 + t], s + 1);
      EXPECT_EQ(symbol_at(d.x_train, i, 7 + t, 6), -1);  // answer steps are blank
    }
    EXPECT_EQ(d.x_train[(i * 13 + 6) * 6 + 5], 1);  // the delimiter
    EXPECT_EQ(d.y_train[i * 13 + 6], 0);
  }
}

// Reads the answer of sample i as symbols (label - 1) from y [N, 2L + 1].
std::vector<int> answer(const Tensor& y, std::int64_t i, std::int64_t len) {
  std::vector<int> out;
  for (std::int64_t k = 0; k < len; ++k) out.push_back(static_cast<int>(y[i * (2 * len + 1) + len + 1 + k]) - 1);
  return out;
}

TEST(Sequence, ReverseOfReverseIsIdentity) {
  const std::int64_t len = 7;
  const Dataset d = make_dataset("reverse", seq(30, len));
  for (std::int64_t i = 0; i < d.x_train.dim(0); ++i) {
    std::vector<int> input;
    for (std::int64_t t = 0; t < len; ++t) input.push_back(symbol_at(d.x_train, i, t, 8));
    const std::vector<int> out = answer(d.y_train, i, len);
    EXPECT_EQ(std::vector<int>(out.rbegin(), out.rend()), input);
    EXPECT_NE(out, input) << "a palindrome of 7 random symbols out of 8 is too unlikely; reverse must reverse";
  }
}

TEST(Sequence, DelayedRecallOutputsTheSymbolLagStepsAgo) {
  DatasetOptions o = seq(20, 12);
  o.lag = 4;
  o.num_symbols = 3;
  const Dataset d = make_dataset("delayed_recall", o);
  ASSERT_EQ(d.x_train.shape(), (Shape{16, 12, 3}));
  EXPECT_EQ(d.num_classes, 4);
  for (std::int64_t i = 0; i < 16; ++i)
    for (std::int64_t t = 0; t < 12; ++t)
      EXPECT_EQ(d.y_train[i * 12 + t], t < 4 ? 0 : symbol_at(d.x_train, i, t - 4, 3) + 1);
}

TEST(Sequence, AddingProblemHasTwoMarkersOneInEachHalfAndTheMarkedSum) {
  const std::int64_t t = 30;
  const Dataset d = make_dataset("adding", seq(500, static_cast<int>(t)));
  EXPECT_EQ(d.task, task::sequence_regression);
  ASSERT_EQ(d.x_train.shape(), (Shape{400, t, 2}));
  ASSERT_EQ(d.y_train.shape(), (Shape{400, 1}));
  for (std::int64_t i = 0; i < 400; ++i) {
    int first_half = 0, second_half = 0;
    double sum = 0;
    for (std::int64_t k = 0; k < t; ++k) {
      const double v = d.x_train[(i * t + k) * 2], m = d.x_train[(i * t + k) * 2 + 1];
      ASSERT_GE(v, 0);
      ASSERT_LT(v, 1);
      ASSERT_TRUE(m == 0 || m == 1);
      if (m == 1) {
        (k < t / 2 ? first_half : second_half)++;
        sum += v;
      }
    }
    EXPECT_EQ(first_half, 1);
    EXPECT_EQ(second_half, 1);
    EXPECT_NEAR(d.y_train[i], sum, 1e-6);
  }
}

TEST(Sequence, AddingProblemMeanBaselineIsAboutOneSixth) {
  // Predicting the mean target gives MSE = Var(u1 + u2) = 2/12 for u ~ U(0, 1).
  const Dataset d = make_dataset("adding", seq(20000, 10, 4));
  const Tensor& y = d.y_train;
  double mean = 0, mse = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) mean += y[i];
  mean /= static_cast<double>(y.numel());
  for (std::int64_t i = 0; i < y.numel(); ++i) mse += std::pow(y[i] - mean, 2);
  mse /= static_cast<double>(y.numel());
  EXPECT_NEAR(mean, 1.0, 0.01);
  EXPECT_NEAR(mse, 1.0 / 6.0, 0.006);
}

TEST(Sequence, ParityLabelsAreTheRunningXor) {
  const Dataset d = make_dataset("parity", seq(100, 25));
  ASSERT_EQ(d.x_train.shape(), (Shape{80, 25, 1}));
  ASSERT_EQ(d.y_train.shape(), (Shape{80, 25}));
  std::int64_t ones = 0;
  for (std::int64_t i = 0; i < 80; ++i) {
    int running = 0;
    for (std::int64_t t = 0; t < 25; ++t) {
      const double bit = d.x_train[i * 25 + t];
      ASSERT_TRUE(bit == 0 || bit == 1);
      running ^= static_cast<int>(bit);
      EXPECT_EQ(d.y_train[i * 25 + t], running);
      ones += running;
    }
  }
  EXPECT_NEAR(static_cast<double>(ones) / (80 * 25), 0.5, 0.05);
}

TEST(Sequence, TimingSpikesExactlyLagStepsAfterTheOnlyCue) {
  DatasetOptions o = seq(200, 15);
  o.lag = 6;
  const Dataset d = make_dataset("timing", o);
  std::vector<int> cue_positions(15, 0);
  for (std::int64_t i = 0; i < 160; ++i) {
    int cues = 0, spikes = 0;
    std::int64_t cue = -1, spike = -1;
    for (std::int64_t t = 0; t < 15; ++t) {
      if (d.x_train[i * 15 + t] == 1) cues++, cue = t;
      if (d.y_train[i * 15 + t] == 1) spikes++, spike = t;
    }
    ASSERT_EQ(cues, 1);
    ASSERT_EQ(spikes, 1);
    EXPECT_EQ(spike - cue, 6);
    cue_positions[static_cast<std::size_t>(cue)]++;
  }
  // Cues vary over every allowed position (0..T-1-lag), so position alone does not give the answer.
  for (int t = 0; t < 9; ++t) EXPECT_GT(cue_positions[static_cast<std::size_t>(t)], 0) << t;
}

TEST(Sequence, LookaheadLabelIsTheNextInput) {
  const Dataset d = make_dataset("lookahead", seq(50, 10));
  for (std::int64_t i = 0; i < 40; ++i) {
    for (std::int64_t t = 0; t + 1 < 10; ++t) EXPECT_EQ(d.y_train[i * 10 + t], d.x_train[i * 10 + t + 1]);
    EXPECT_EQ(d.y_train[i * 10 + 9], 0);
  }
  // The label is independent of the past: agreement with the current bit is near chance.
  std::int64_t same = 0;
  for (std::int64_t i = 0; i < 40 * 10; ++i) same += d.y_train[i] == d.x_train[i];
  EXPECT_NEAR(static_cast<double>(same) / 400, 0.5, 0.1);
}

TEST(Sequence, ShapesFollowSeqLen) {
  for (int t : {2, 9}) {
    const Dataset d = make_dataset("adding", seq(10, t));
    EXPECT_EQ(d.x_test.shape(), (Shape{2, t, 2}));
  }
}

TEST(Sequence, OrderLabelsAWithBAndTheTokensAloneSayNothing) {
  DatasetOptions o = seq(2000, 7, 3);
  o.num_symbols = 5;
  o.test_fraction = 0;
  const Dataset d = make_dataset("order", o);
  EXPECT_EQ(d.task, task::sequence_classification);
  ASSERT_EQ(d.x_train.shape(), (Shape{2000, 7, 5}));
  ASSERT_EQ(d.y_train.shape(), (Shape{2000}));
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"A", "B", "a", "b", "c"}));
  std::int64_t ones = 0;
  std::vector<std::int64_t> a_at(7, 0);
  // Token counts per label: a bag-of-tokens model sees the same counts for either label.
  std::vector<std::vector<double>> counts(2, std::vector<double>(5, 0));
  std::vector<double> per_label(2, 0);
  for (std::int64_t i = 0; i < 2000; ++i) {
    int a = -1, b = -1;
    const int label = static_cast<int>(d.y_train[i]);
    per_label[static_cast<std::size_t>(label)]++;
    for (std::int64_t t = 0; t < 7; ++t) {
      const int s = symbol_at(d.x_train, i, t, 5);
      ASSERT_GE(s, 0);
      if (s == 0) a = static_cast<int>(t);
      if (s == 1) b = static_cast<int>(t);
      counts[static_cast<std::size_t>(label)][static_cast<std::size_t>(s)]++;
    }
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    EXPECT_EQ(label, a < b ? 1 : 0);
    ones += label;
    a_at[static_cast<std::size_t>(a)]++;
  }
  EXPECT_NEAR(static_cast<double>(ones) / 2000, 0.5, 0.05);
  for (int t = 0; t < 7; ++t) EXPECT_GT(a_at[static_cast<std::size_t>(t)], 200) << "A at every position";
  for (int s = 0; s < 5; ++s)  // exactly one A and one B per sequence; fillers at the same rate
    EXPECT_NEAR(counts[0][static_cast<std::size_t>(s)] / per_label[0], counts[1][static_cast<std::size_t>(s)] / per_label[1], 0.1) << s;
  // Deterministic from the seed.
  const Dataset again = make_dataset("order", o);
  for (std::int64_t k = 0; k < d.x_train.numel(); ++k) ASSERT_EQ(d.x_train[k], again.x_train[k]);
}

}  // namespace
}  // namespace gradlab
