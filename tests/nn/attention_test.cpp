// Attention: parameter names, a hand-computed dot example, rows summing to 1, exact zeros
// under a mask, finite differences for every kind (first and second order), and errors.
#include "nn/attention.h"

#include <cmath>

#include "nn/embedding.h"
#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// A scalar that depends on both outputs, so the weights' own gradient path is checked too.
Var both(const AttentionOutput& out) { return weighted_sum(out.context) + weighted_sum(out.weights); }

// The three kinds with B = 2, Tq = 3, Tk = 4, Dq = 3, Dk = 3 (dot) or 5, Dv = 2, A = 4.
struct Case {
  std::shared_ptr<Attention> attn;
  Var query, keys, values;
};
Case make_case(const std::string& kind, Rng& rng) {
  const bool dot = kind == "dot";
  Case c;
  c.attn = std::make_shared<Attention>(kind, 3, dot ? 3 : 5, rng, kind == "additive" ? 4 : 0, dot);
  c.attn->assign_names();
  c.query = random_var(rng, {2, 3, 3});
  c.keys = random_var(rng, {2, 4, dot ? 3 : 5});
  c.values = random_var(rng, {2, 4, 2});
  return c;
}

// Batch 0 keeps keys 0, 2; batch 1 keeps keys 1, 2, 3.
Tensor key_mask() { return Tensor::from({2, 4}, {1, 0, 1, 0, 0, 1, 1, 1}); }
// Per query row: every row keeps a different subset (row (1, 2) keeps key 3 only).
Tensor row_mask() {
  return Tensor::from({2, 3, 4}, {1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1,  //
                                  0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1});
}

TEST(Attention, ParameterNamesReadAsTheFormulas) {
  Rng rng(1);
  EXPECT_TRUE(Attention("dot", 4, 4, rng).named_parameters().empty());
  auto general = Attention("general", 3, 5, rng).named_parameters();
  ASSERT_EQ(general.size(), 1u);
  EXPECT_EQ(general[0].first, "proj.weight");
  EXPECT_EQ(general[0].second.shape(), (Shape{3, 5}));  // W [Dq, Dk]
  auto additive = Attention("additive", 3, 5, rng, 7).named_parameters();
  ASSERT_EQ(additive.size(), 3u);
  EXPECT_EQ(additive[0].first, "query_proj.weight");
  EXPECT_EQ(additive[0].second.shape(), (Shape{7, 3}));  // W_q [A, Dq]
  EXPECT_EQ(additive[1].first, "key_proj.weight");
  EXPECT_EQ(additive[1].second.shape(), (Shape{7, 5}));  // W_k [A, Dk]
  EXPECT_EQ(additive[2].first, "v.weight");
  EXPECT_EQ(additive[2].second.shape(), (Shape{1, 7}));  // v [1, A]
}

TEST(Attention, HandComputedDotExample) {
  // B = 1, Tq = Tk = 2, D = 2.  keys k0 = (ln 3, 0), k1 = (0, 0);  values (1, 2), (5, 6).
  // query row 0 = (1, 0): scores (ln 3, 0) -> weights (3/4, 1/4)
  //   context = 3/4 (1, 2) + 1/4 (5, 6) = (2, 3)
  // query row 1 = (0, 1): scores (0, 0) -> weights (1/2, 1/2) -> context (3, 4)
  Rng rng(2);
  Attention attn("dot", 2, 2, rng);
  const double ln3 = std::log(3.0);
  Var q(Tensor::from({1, 2, 2}, {1, 0, 0, 1}));
  Var k(Tensor::from({1, 2, 2}, {ln3, 0, 0, 0}));
  Var v(Tensor::from({1, 2, 2}, {1, 2, 5, 6}));
  AttentionOutput out = attn.forward(q, k, v);
  const std::vector<double> w = {0.75, 0.25, 0.5, 0.5}, ctx = {2, 3, 3, 4};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(out.weights.value()[i], w[i], 1e-6) << i;
    EXPECT_NEAR(out.context.value()[i], ctx[i], 1e-6) << i;
  }
  // Scaled by 1/sqrt(2): query (sqrt 2, 0) gives the score ln 3 again -> (3/4, 1/4).
  Attention scaled("dot", 2, 2, rng, 0, true);
  Var q2(Tensor::from({1, 1, 2}, {std::sqrt(2.0), 0}));
  AttentionOutput s = scaled.forward(q2, k, v);
  EXPECT_NEAR(s.weights.value()[0], 0.75, 1e-6);
  EXPECT_NEAR(s.weights.value()[1], 0.25, 1e-6);
  // Masking key 1 for the whole batch: all weight on key 0, context = value 0 exactly.
  const Tensor mask = Tensor::from({1, 2}, {1, 0});
  AttentionOutput m = attn.forward(q, k, v, &mask);
  EXPECT_EQ(m.weights.value().to_vector(), (std::vector<Scalar>{1, 0, 1, 0}));
  EXPECT_EQ(m.context.value().to_vector(), (std::vector<Scalar>{1, 2, 1, 2}));
}

TEST(Attention, RowsSumToOneAndMaskedKeysGetExactZeros) {
  for (const std::string kind : {"dot", "general", "additive"}) {
    Rng rng(3);
    Case c = make_case(kind, rng);
    const Tensor km = key_mask(), rm = row_mask();
    for (const Tensor* mask : {static_cast<const Tensor*>(nullptr), &km, &rm}) {
      AttentionOutput out = c.attn->forward(c.query, c.keys, c.values, mask);
      ASSERT_EQ(out.weights.shape(), (Shape{2, 3, 4}));
      ASSERT_EQ(out.context.shape(), (Shape{2, 3, 2}));
      const Tensor& w = out.weights.value();
      for (std::int64_t b = 0; b < 2; ++b)
        for (std::int64_t i = 0; i < 3; ++i) {
          double total = 0;
          for (std::int64_t j = 0; j < 4; ++j) {
            total += w.at({b, i, j});
            const bool masked = mask && (*mask)[mask->rank() == 2 ? b * 4 + j : (b * 3 + i) * 4 + j] == 0;
            if (masked) EXPECT_EQ(w.at({b, i, j}), Scalar(0)) << kind << " b" << b << " i" << i << " j" << j;
            else EXPECT_GT(w.at({b, i, j}), Scalar(0)) << kind << " b" << b << " i" << i << " j" << j;
          }
          EXPECT_NEAR(total, 1.0, 1e-6) << kind << " b" << b << " i" << i;
        }
    }
  }
}

TEST(Attention, KeysMaskedEverywhereGetNoGradient) {
  Rng rng(4);
  Case c = make_case("additive", rng);
  const Tensor mask = key_mask();  // batch 0 masks keys 1 and 3
  both(c.attn->forward(c.query, c.keys, c.values, &mask)).backward();
  for (std::int64_t j : {1, 3}) {
    for (std::int64_t d = 0; d < 5; ++d) EXPECT_EQ(c.keys.grad().at({0, j, d}), Scalar(0));
    for (std::int64_t d = 0; d < 2; ++d) EXPECT_EQ(c.values.grad().at({0, j, d}), Scalar(0));
  }
  EXPECT_NE(c.values.grad().at({0, 0, 0}), Scalar(0));  // a kept key does get one
  for (std::int64_t i = 0; i < c.query.numel(); ++i) ASSERT_TRUE(std::isfinite(c.query.grad()[i]));
}

TEST(AttentionGrad, EveryKindWithAndWithoutMask) {
  for (const std::string kind : {"dot", "general", "additive"}) {
    Rng rng(5);
    Case c = make_case(kind, rng);
    std::vector<Var> inputs = {c.query, c.keys, c.values};
    for (const Var& p : c.attn->parameters()) inputs.push_back(p);
    const Tensor km = key_mask(), rm = row_mask();
    for (const Tensor* mask : {static_cast<const Tensor*>(nullptr), &km, &rm}) {
      SCOPED_TRACE(kind + (mask ? " with a " + std::to_string(mask->rank()) + "-d mask" : " unmasked"));
      EXPECT_GRADCHECK([&] { return both(c.attn->forward(c.query, c.keys, c.values, mask)); }, inputs);
    }
  }
}

TEST(AttentionSecondOrder, GradOfGradThroughDotAttention) {
  // gq = d(loss)/d(query) with create_graph, then |gq|^2 differentiated again.
  Rng rng(6);
  Attention attn("dot", 3, 3, rng, 0, true);
  Var q = random_var(rng, {2, 2, 3}), k = random_var(rng, {2, 4, 3}), v = random_var(rng, {2, 4, 2});
  const Tensor mask = Tensor::from({2, 4}, {1, 1, 0, 1, 0, 1, 1, 1});
  auto penalty = [&] {
    Var gq = grad({both(attn.forward(q, k, v, &mask))}, {q}, {}, true)[0];
    return sum(gq * gq);
  };
  EXPECT_GRADCHECK(penalty, {q, k, v});
}

TEST(AttentionSecondOrder, GradOfGradThroughEmbeddingThenSelfAttention) {
  // Token ids -> embedding -> dot self-attention (queries = keys = values); the penalty is
  // the squared norm of the gradient with respect to the embedding table.
  Rng rng(7);
  Embedding emb(5, 3, rng);
  emb.assign_names("emb.");
  Attention attn("dot", 3, 3, rng);
  Var ids(Tensor::from({2, 3}, {4, 1, 4, 0, 2, 2}));
  auto penalty = [&] {
    Var x = emb.forward(ids);
    Var gw = grad({weighted_sum(attn.forward(x, x, x).context)}, {emb.weight()}, {}, true)[0];
    return sum(gw * gw);
  };
  EXPECT_GRADCHECK(penalty, {emb.weight()});
}

TEST(AttentionErrors, ConstructionListsWhatIsAllowed) {
  Rng rng(8);
  std::string m = message_of([&] { Attention("multiplicative", 3, 3, rng); });
  expect_contains(m, "unknown attention kind 'multiplicative'");
  expect_contains(m, "allowed: dot, general, additive");
  m = message_of([&] { Attention("dot", 3, 4, rng); });
  expect_contains(m, "query_dim == key_dim");
  m = message_of([&] { Attention("additive", 3, 4, rng); });
  expect_contains(m, "positive attn_dim");
  m = message_of([&] { Attention("general", 3, 4, rng, 5); });
  expect_contains(m, "'additive' only");
  m = message_of([&] { Attention("general", 3, 4, rng, 0, true); });
  expect_contains(m, "'dot' only");
}

TEST(AttentionErrors, WrongDimsAreNamed) {
  Rng rng(9);
  Attention attn("general", 3, 5, rng);
  Var q(Tensor({2, 1, 3})), k(Tensor({2, 4, 5})), v(Tensor({2, 4, 2}));
  std::string m = message_of([&] { attn.forward(Var(Tensor({2, 1, 4})), k, v); });
  expect_contains(m, "Attention('general', query_dim=3, key_dim=5)");
  expect_contains(m, "query must be [batch, query_len, 3]");
  expect_contains(m, "query [2, 1, 4]");
  m = message_of([&] { attn.forward(q, Var(Tensor({2, 4, 3})), v); });
  expect_contains(m, "keys must be [batch, key_len, 5]");
  m = message_of([&] { attn.forward(q, k, Var(Tensor({2, 3, 2}))); });
  expect_contains(m, "same length");
  m = message_of([&] { attn.forward(Var(Tensor({1, 1, 3})), k, v); });
  expect_contains(m, "batch sizes differ");
  const Tensor bad_shape({2, 5});
  m = message_of([&] { attn.forward(q, k, v, &bad_shape); });
  expect_contains(m, "mask of shape [2, 5]");
  expect_contains(m, "[2, 4] or [batch, query_len, key_len] = [2, 1, 4]");
  const Tensor bad_value = Tensor::from({2, 4}, {1, 1, 1, 1, 1, 0.5, 1, 1});
  m = message_of([&] { attn.forward(q, k, v, &bad_value); });
  expect_contains(m, "flat position 5 is 0.5");
}

TEST(AttentionErrors, FullyMaskedRowNamesBatchAndRow) {
  Rng rng(10);
  Attention attn("dot", 2, 2, rng);
  Var q(Tensor({2, 2, 2})), k(Tensor({2, 3, 2})), v(Tensor({2, 3, 1}));
  const Tensor per_key = Tensor::from({2, 3}, {1, 0, 0, 0, 0, 0});
  std::string m = message_of([&] { attn.forward(q, k, v, &per_key); });
  expect_contains(m, "keeps no key for batch 1 (every query row)");
  const Tensor per_row = Tensor::from({2, 2, 3}, {1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0});
  m = message_of([&] { attn.forward(q, k, v, &per_row); });
  expect_contains(m, "keeps no key for batch 1, query row 1");
}

}  // namespace
}  // namespace gradlab
