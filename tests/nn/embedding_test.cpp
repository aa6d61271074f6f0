// Embedding layer: PyTorch name and init, lookups, gradients, the next-word-prediction
// concatenation (order matters), and errors that name the layer.
#include "nn/embedding.h"

#include <cmath>

#include "nn/layers.h"
#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

TEST(EmbeddingLayer, WeightIsNamedAndInitialisedAsPytorch) {
  Rng rng(1);
  Embedding emb(100, 50, rng);
  auto params = emb.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{100, 50}));
  // N(0, 1): over 5000 draws the mean is within 4 standard errors (4 / sqrt(5000) = 0.057)
  // of 0 and the variance within 0.1 of 1. A U(-1, 1) init (variance 1/3) would fail.
  const Tensor& w = emb.weight().value();
  double s = 0, s2 = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) s += w[i], s2 += double(w[i]) * w[i];
  const double mean = s / double(w.numel());
  EXPECT_NEAR(mean, 0.0, 0.057);
  EXPECT_NEAR(s2 / double(w.numel()) - mean * mean, 1.0, 0.1);
  EXPECT_EQ(emb.output_shape({4, 7}), (Shape{4, 7, 50}));
}

TEST(EmbeddingLayer, ForwardLooksUpRowsAndGradientsAccumulate) {
  Rng rng(2);
  Embedding emb(3, 2, rng);
  emb.load_state({{"weight", Tensor::from({3, 2}, {0, 1, 10, 11, 20, 21})}});
  Var y = emb.forward(Var(Tensor::from({3}, {2, 2, 0})));
  EXPECT_EQ(y.value().to_vector(), (std::vector<Scalar>{20, 21, 20, 21, 0, 1}));
  sum(y).backward();
  EXPECT_EQ(emb.weight().grad().to_vector(), (std::vector<Scalar>{1, 1, 0, 0, 2, 2}));
}

TEST(EmbeddingLayer, GradcheckWithDuplicateIdsThroughLinear) {
  Rng rng(3);
  Embedding emb(6, 3, rng);
  Linear head(3, 2, rng);
  emb.assign_names("emb.");
  Var ids(Tensor::from({2, 4}, {5, 0, 5, 2, 2, 5, 1, 0}));
  EXPECT_GRADCHECK([&] { return test::weighted_sum(tanh(head.forward(emb.forward(ids)))); }, {emb.weight()});
}

TEST(EmbeddingLayer, NextWordContextConcatenationKeepsWordOrder) {
  // V = 5, E = 2, n = 3 context words, then Linear(n * E = 6, 1).
  Rng rng(4);
  Embedding emb(5, 2, rng);
  emb.load_state({{"weight", Tensor::from({5, 2}, {0, 0, 1, 0, 0, 1, 1, 1, 2, 3})}});
  Linear next(6, 1, rng);
  next.load_state({{"weight", Tensor::from({1, 6}, {1, 2, 3, 4, 5, 6})}, {"bias", Tensor::from({1}, {0.5})}});

  // Row 0: context (1, 4, 3); row 1: the same words with the first two swapped (4, 1, 3).
  Var ids(Tensor::from({2, 3}, {1, 4, 3, 4, 1, 3}));
  Var e = emb.forward(ids);  // [B, n, E] = [2, 3, 2]
  Var x = reshape(e, {2, 3 * 2});
  // Word j occupies columns [2j, 2j + 2): row 0 = e1 | e4 | e3, row 1 = e4 | e1 | e3.
  EXPECT_EQ(x.value().to_vector(), (std::vector<Scalar>{1, 0, 2, 3, 1, 1, 2, 3, 1, 0, 1, 1}));
  Var y = next.forward(x);
  // row 0: 1*1 + 2*0 + 3*2 + 4*3 + 5*1 + 6*1 + 0.5 = 30.5
  // row 1: 1*2 + 2*3 + 3*1 + 4*0 + 5*1 + 6*1 + 0.5 = 22.5
  EXPECT_EQ(y.value().to_vector(), (std::vector<Scalar>{30.5, 22.5}));
  // An order-blind summary (the mean of the three vectors) cannot tell them apart.
  Var pooled = mean(e, 1);
  EXPECT_EQ(pooled.value().at({0, 0}), pooled.value().at({1, 0}));
  EXPECT_EQ(pooled.value().at({0, 1}), pooled.value().at({1, 1}));
}

TEST(EmbeddingLayer, ErrorsNameTheLayerAndTheBadId) {
  Rng rng(5);
  Embedding emb(5, 2, rng);
  std::string m = message_of([&] { emb.forward(Var(Tensor::from({2, 2}, {0, 1, 4, 7}))); });
  EXPECT_NE(m.find("Embedding(5, 2)"), std::string::npos) << m;
  EXPECT_NE(m.find("flat position 3"), std::string::npos) << m;
  EXPECT_NE(m.find("is 7"), std::string::npos) << m;
  EXPECT_NE(m.find("[0, 5)"), std::string::npos) << m;
  m = message_of([&] { emb.forward(Var(Tensor::from({1}, {0.25}))); });
  EXPECT_NE(m.find("not an integer"), std::string::npos) << m;
  m = message_of([&] { Embedding(0, 3, rng); });
  EXPECT_NE(m.find("Embedding(0, 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("must be positive"), std::string::npos) << m;
}

}  // namespace
}  // namespace gradlab
