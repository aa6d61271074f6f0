// Small probes (inspect/params.h, attention_map.h, gradcheck_report.h): statistics and
// histograms against numbers worked out by hand, attention maps against a softmax computed
// here, and the gradient-check report catching a deliberately wrong backward.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "inspect/inspect.h"
#include "nn/attention.h"
#include "nn/layers.h"
#include "support/check.h"

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr double kTol = kDouble ? 1e-12 : 1e-5;

std::shared_ptr<Linear> linear_with(const Tensor& w, const Tensor& b) {
  Rng rng(0);
  auto lin = std::make_shared<Linear>(w.dim(1), w.dim(0), rng);
  lin->load_state({{"weight", w}, {"bias", b}});
  return lin;
}

// ---- parameter statistics ------------------------------------------------------------------

TEST(Histogram, BinsFromTheDataHoldTheMaximumInTheLastBin) {
  const Tensor t = Tensor::from({6}, {1, 2, 3, 4, 5, 6});
  const Histogram h = histogram(t, {.bins = 5});
  EXPECT_EQ(h.lo, 1);
  EXPECT_EQ(h.hi, 6);
  EXPECT_EQ(h.counts, (std::vector<std::int64_t>{1, 1, 1, 1, 2}));  // [1,2) [2,3) [3,4) [4,5) [5,6]
  EXPECT_EQ(h.edges(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(h.below + h.above, 0);
}

TEST(Histogram, GivenRangeCountsOutliersApart) {
  const Tensor t = Tensor::from({7}, {-1, 1, 2, 3, 4, 5, 6});
  const Histogram h = histogram(t, {.bins = 4, .range = std::pair{0.0, 4.0}});
  EXPECT_EQ(h.counts, (std::vector<std::int64_t>{0, 1, 1, 2}));  // 4 == hi goes into the last bin
  EXPECT_EQ(h.below, 1);
  EXPECT_EQ(h.above, 2);
}

TEST(Histogram, OneValueIsASpikeInTheMiddle) {
  const Histogram h = histogram(Tensor::full({5}, 2), {.bins = 3});
  EXPECT_EQ(h.lo, 1.5);
  EXPECT_EQ(h.hi, 2.5);
  EXPECT_EQ(h.counts, (std::vector<std::int64_t>{0, 5, 0}));
}

TEST(Histogram, RejectsBadOptions) {
  const Tensor t = Tensor::ones({3});
  EXPECT_THROW(histogram(t, {.bins = 0}), std::invalid_argument);
  EXPECT_THROW(histogram(t, {.bins = 10001}), std::invalid_argument);
  EXPECT_THROW(histogram(t, {.bins = 4, .range = std::pair{1.0, 1.0}}), std::invalid_argument);
  EXPECT_THROW(histogram(t, {.bins = 4, .range = std::pair{0.0, INFINITY}}), std::invalid_argument);
  try {
    histogram(t, {.bins = 0});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1..10000"), std::string::npos) << e.what();
  }
}

TEST(TensorStats, SummaryNumbersByHand) {
  const TensorStats s = tensor_stats(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(s.count, 6);
  EXPECT_EQ(s.non_finite, 0);
  EXPECT_NEAR(s.norm, std::sqrt(91.0), kTol);  // 1 + 4 + 9 + 16 + 25 + 36
  EXPECT_NEAR(s.mean, 3.5, kTol);
  EXPECT_NEAR(s.std, std::sqrt(35.0 / 12.0), kTol);  // population variance of 1..6
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 6);
}

TEST(TensorStats, NonFiniteValuesAreCountedNotFoldedIn) {
  const Scalar nan = std::numeric_limits<Scalar>::quiet_NaN(), inf = std::numeric_limits<Scalar>::infinity();
  Tensor t({4});
  t[0] = 1;
  t[1] = nan;
  t[2] = -inf;
  t[3] = 3;
  const TensorStats s = tensor_stats(t, {.bins = 2});
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.non_finite, 2);
  EXPECT_NEAR(s.mean, 2, kTol);
  EXPECT_EQ(s.histogram.counts, (std::vector<std::int64_t>{1, 1}));
  // All non-finite: NaN summary numbers, which JSON shows as null.
  const TensorStats all_bad = tensor_stats(Tensor::full({2}, nan));
  EXPECT_TRUE(std::isnan(all_bad.mean));
  const nlohmann::json j = to_json(all_bad);
  EXPECT_TRUE(j["mean"].is_null());
  EXPECT_EQ(j["non_finite"], 2);
}

TEST(ParameterStats, ValueAndGradientOfALinearLayer) {
  // y = x W^T + b, L = sum(y): dW[o, i] = sum_n x[n, i], db[o] = N.
  auto lin = linear_with(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}), Tensor::from({2}, {-1, 1}));
  auto before = parameter_stats(*lin);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_FALSE(before[0].has_grad);
  EXPECT_EQ(before[0].grad.norm, 0);

  const Tensor x = Tensor::from({2, 3}, {1, 0, -1, 2, 1, 0});  // column sums 3, 1, -1
  sum(lin->forward(Var(x))).backward();
  auto stats = parameter_stats(*lin, {.value = {.bins = 5}, .grad = {.bins = 4}});
  EXPECT_EQ(stats[0].name, "weight");
  EXPECT_EQ(stats[0].shape, (Shape{2, 3}));
  EXPECT_NEAR(stats[0].value.norm, std::sqrt(91.0), kTol);
  EXPECT_EQ(stats[0].value.histogram.counts, (std::vector<std::int64_t>{1, 1, 1, 1, 2}));
  EXPECT_TRUE(stats[0].has_grad);
  // dW = [[3, 1, -1], [3, 1, -1]]
  EXPECT_NEAR(stats[0].grad.norm, std::sqrt(2 * (9.0 + 1 + 1)), kTol);
  EXPECT_EQ(stats[0].grad.min, -1);
  EXPECT_EQ(stats[0].grad.max, 3);
  EXPECT_NEAR(stats[0].grad.mean, 1, kTol);
  // [-1, 3] in 4 bins of width 1: -1 -> bin 0, 1 -> bin 2, 3 (the maximum) -> bin 3
  EXPECT_EQ(stats[0].grad.histogram.counts, (std::vector<std::int64_t>{2, 0, 2, 2}));
  EXPECT_EQ(stats[1].name, "bias");
  EXPECT_NEAR(stats[1].grad.norm, std::sqrt(8.0), kTol);  // db = [2, 2]

  const nlohmann::json j = to_json(stats);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[0]["name"], "weight");
  EXPECT_EQ(j[0]["shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(j[0]["grad"]["histogram"]["counts"], nlohmann::json({2, 0, 2, 2}));
  EXPECT_EQ(j[1]["grad"]["histogram"]["edges"].size(), 5u);  // 4 bins
  // Plain data: it survives a round trip through text unchanged.
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

// ---- attention maps ------------------------------------------------------------------------

TEST(AttentionMap, RowsAreSoftmaxesThatSumToOne) {
  Rng rng(3);
  Attention attn("dot", 4, 4, rng);  // unscaled: weights = softmax_k(q . k)
  const std::int64_t B = 2, Tq = 3, Tk = 5;
  const Tensor q = rng.normal_tensor({B, Tq, 4}, 0, 1), k = rng.normal_tensor({B, Tk, 4}, 0, 1);
  AttentionOutput out = attn.forward(Var(q), Var(k), Var(k));
  const std::vector<std::string> src{"the", "black", "cat", "sat", "<eos>"}, tgt{"le", "chat", "noir"};
  AttentionMap m = attention_map(out.weights.value(), 1, src, tgt);
  EXPECT_EQ(m.Tq, Tq);
  EXPECT_EQ(m.Tk, Tk);
  EXPECT_EQ(m.weights.shape(), (Shape{Tq, Tk}));
  EXPECT_EQ(m.source_tokens, src);
  EXPECT_EQ(m.target_tokens, tgt);
  ASSERT_EQ(m.row_sums.size(), static_cast<std::size_t>(Tq));
  for (double s : m.row_sums) EXPECT_NEAR(s, 1.0, 1e-5);
  // The weights of batch element 1, by hand.
  for (std::int64_t i = 0; i < Tq; ++i) {
    std::vector<double> score(Tk);
    double top = -INFINITY, z = 0;
    for (std::int64_t j = 0; j < Tk; ++j) {
      score[j] = 0;
      for (int d = 0; d < 4; ++d) score[j] += q.at({1, i, d}) * k.at({1, j, d});
      top = std::max(top, score[j]);
    }
    for (std::int64_t j = 0; j < Tk; ++j) z += std::exp(score[j] - top);
    std::int64_t best = 0;
    for (std::int64_t j = 0; j < Tk; ++j) {
      EXPECT_NEAR(m.weights[i * Tk + j], std::exp(score[j] - top) / z, kDouble ? 1e-12 : 1e-6);
      if (score[j] > score[best]) best = j;
    }
    EXPECT_EQ(m.argmax[i], best);
  }
  const nlohmann::json j = to_json(m);
  EXPECT_EQ(j["weights"]["shape"], nlohmann::json({3, 5}));
  EXPECT_EQ(j["source_tokens"][2], "cat");
  EXPECT_EQ(j["row_sums"].size(), 3u);
}

TEST(AttentionMap, MaskedKeysGetZeroAndPositionLabelsByDefault) {
  Rng rng(4);
  Attention attn("additive", 3, 2, rng, 5);
  const Tensor q = rng.normal_tensor({1, 2, 3}, 0, 1), k = rng.normal_tensor({1, 4, 2}, 0, 1);
  const Tensor mask = Tensor::from({1, 4}, {1, 1, 0, 1});
  AttentionMap m = attention_map(attn.forward(Var(q), Var(k), Var(k), &mask).weights.value(), 0);
  EXPECT_EQ(m.source_tokens, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(m.target_tokens, (std::vector<std::string>{"0", "1"}));
  for (std::int64_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m.weights[i * 4 + 2], 0);
    EXPECT_NEAR(m.row_sums[i], 1.0, 1e-5);
  }
}

TEST(AttentionMap, SpreadOfEachRowByHand) {
  // Row 0 one-hot, row 1 even over 2 keys, row 2 even over 4, row 3 shades (0.7, 0.1, 0.1, 0.1).
  const Tensor w = Tensor::from({1, 4, 4}, {0, 1, 0, 0, 0.5, 0, 0.5, 0, 0.25, 0.25, 0.25, 0.25, 0.7, 0.1, 0.1, 0.1});
  const AttentionMap m = attention_map(w, 0);
  const double h3 = -(0.7 * std::log(0.7) + 3 * 0.1 * std::log(0.1));
  ASSERT_EQ(m.row_spread.size(), 4u);
  EXPECT_NEAR(m.row_entropy[0], 0, kTol);
  EXPECT_NEAR(m.row_spread[0], 1, kTol);
  EXPECT_NEAR(m.row_entropy[1], std::log(2.0), kTol);
  EXPECT_NEAR(m.row_spread[1], 2, kTol);
  EXPECT_NEAR(m.row_spread[2], 4, kTol);
  EXPECT_NEAR(m.row_entropy[3], h3, 1e-6);
  EXPECT_NEAR(m.row_spread[3], std::exp(h3), 1e-6);  // about 2.56: between one source and four
  EXPECT_NEAR(m.row_max[3], 0.7, 1e-6);
  EXPECT_NEAR(m.mean_spread, (1 + 2 + 4 + std::exp(h3)) / 4, 1e-6);
  const nlohmann::json j = to_json(m);
  EXPECT_NEAR(j.at("row_spread").at(1).get<double>(), 2, kTol);
  EXPECT_NEAR(j.at("mean_spread").get<double>(), m.mean_spread, 1e-12);
}

TEST(AttentionMap, ErrorsNameWhatDoesNotFit) {
  const Tensor w = Tensor::full({2, 3, 4}, 0.25);
  EXPECT_THROW(attention_map(Tensor::ones({3, 4}), 0), std::invalid_argument);
  EXPECT_THROW(attention_map(w, 2), std::invalid_argument);
  EXPECT_THROW(attention_map(w, -1), std::invalid_argument);
  try {
    attention_map(w, 0, {"a", "b"});
    FAIL() << "2 source tokens for 4 keys accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2 source tokens for 4 keys"), std::string::npos) << e.what();
  }
  EXPECT_THROW(attention_map(w, 0, {}, {"x"}), std::invalid_argument);
}

TEST(AttentionMap, TokenStringsFromIds) {
  const std::vector<std::string> vocab{"<pad>", "<bos>", "<eos>", "a", "b"};
  const Tensor ids = Tensor::from({2, 3}, {1, 3, 2, 1, 4, 4});
  EXPECT_EQ(token_strings(ids, 1, vocab), (std::vector<std::string>{"<bos>", "b", "b"}));
  EXPECT_THROW(token_strings(Tensor::from({1, 2}, {1, 5}), 0, vocab), std::invalid_argument);
  EXPECT_THROW(token_strings(Tensor::from({1, 2}, {1, 0.5}), 0, vocab), std::invalid_argument);
  EXPECT_THROW(token_strings(ids, 2, vocab), std::invalid_argument);
}

// ---- gradient-check report -----------------------------------------------------------------

GradCheckOptions check_options() {
  if constexpr (kDouble)
    return {1e-6, 1e-6};
  else
    return {1e-2, 5e-2};
}

TEST(GradCheckReport, PassesForACorrectNetworkWithParameterNames) {
  Rng rng(5);
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Linear>(3, 4, rng));
  net->add(std::make_shared<Activation>("tanh"));
  net->add(std::make_shared<Linear>(4, 2, rng));
  const Tensor x = rng.normal_tensor({5, 3}, 0, 1);
  const GradCheckReport r =
      gradcheck_report([&] { return test::weighted_sum(net->forward(Var(x))); }, *net, check_options());
  EXPECT_TRUE(r.ok);
  ASSERT_EQ(r.entries.size(), 4u);
  EXPECT_EQ(r.entries[0].name, "0.weight");
  EXPECT_EQ(r.entries[3].name, "2.bias");
  EXPECT_LE(r.worst_rel_error, check_options().tolerance);
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["entries"][1]["name"], "0.bias");
  EXPECT_EQ(j["entries"][0]["shape"], nlohmann::json({4, 3}));
}

// y = 3 w with a backward that claims dy/dw = 2: the report must fail and name it.
Var wrong_triple(const Var& w) {
  Tensor y = w.value().clone();
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] *= 3;
  return record("wrong_triple", {w}, y, [](Grads& g, const Var& dy) { g.accumulate(0, dy * 2.0); });
}

TEST(GradCheckReport, CatchesAWrongBackwardAndNamesTheParameter) {
  Var good(Tensor::from({2}, {0.5, -1}), true), bad(Tensor::from({3}, {1, 2, 3}), true);
  const GradCheckReport r = gradcheck_report([&] { return sum(tanh(good)) + sum(wrong_triple(bad)); },
                                             {{"good", good}, {"bad", bad}}, check_options());
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.entries[0].ok);
  EXPECT_FALSE(r.entries[1].ok);
  EXPECT_EQ(r.worst, "bad");
  EXPECT_NEAR(r.entries[1].max_abs_error, 1.0, kDouble ? 1e-6 : 1e-2);  // |2 - 3|
  EXPECT_NEAR(r.worst_rel_error, 1.0 / 3.0, kDouble ? 1e-6 : 1e-2);
  EXPECT_EQ(to_json(r)["worst"], "bad");
}

TEST(GradCheckReport, RejectsWhatItCannotCheck) {
  Var leaf(Tensor::ones({2}), true);
  Var not_leaf = leaf * 2.0;
  Var frozen(Tensor::ones({2}), false);
  auto loss = [&] { return sum(leaf); };
  EXPECT_THROW(gradcheck_report(loss, std::vector<std::pair<std::string, Var>>{}), std::invalid_argument);
  EXPECT_THROW(gradcheck_report(loss, {{"y", not_leaf}}), std::invalid_argument);
  EXPECT_THROW(gradcheck_report(loss, {{"frozen", frozen}}), std::invalid_argument);
  EXPECT_THROW(gradcheck_report(loss, {{"w", leaf}}, {0, 1e-6}), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
