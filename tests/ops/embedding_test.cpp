// The embedding gather and its scatter-add adjoint: forward values, duplicate ids
// accumulating, finite differences (first and second order), and index validation.
#include "ops/embedding.h"

#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

TEST(EmbeddingForward, GathersRowsInIndexOrder) {
  // weight rows: 0 -> (0, 1), 1 -> (10, 11), 2 -> (20, 21)
  Var weight(Tensor::from({3, 2}, {0, 1, 10, 11, 20, 21}));
  Var y = embedding(weight, Tensor::from({2, 2}, {2, 0, 2, 1}));
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y.value().to_vector(), (std::vector<Scalar>{20, 21, 0, 1, 20, 21, 10, 11}));
  // A scalar index gives one row of shape [E].
  Var r = embedding(weight, Tensor::scalar(1));
  EXPECT_EQ(r.shape(), (Shape{2}));
  EXPECT_EQ(r.value().to_vector(), (std::vector<Scalar>{10, 11}));
}

TEST(EmbeddingBackward, DuplicateIdsAccumulate) {
  Var weight(Tensor::from({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31}), true);
  Var y = embedding(weight, Tensor::from({2, 2}, {2, 0, 2, 1}));
  y.backward(Tensor::from({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  // Row 2 is read at positions 0 and 2: (1, 2) + (5, 6) = (6, 8). Row 0 gets (3, 4),
  // row 1 gets (7, 8), row 3 is never read: (0, 0).
  EXPECT_EQ(weight.grad().to_vector(), (std::vector<Scalar>{3, 4, 7, 8, 6, 8, 0, 0}));
}

TEST(EmbeddingBackward, RecordedIdsIgnoreLaterWritesToTheIndexTensor) {
  Var weight(Tensor::from({3, 1}, {0, 0, 0}), true);
  Tensor ids = Tensor::from({1}, {2});
  Var y = embedding(weight, ids);
  ids[0] = 0;  // the graph keeps the id it was built with
  sum(y).backward();
  EXPECT_EQ(weight.grad().to_vector(), (std::vector<Scalar>{0, 0, 1}));
}

TEST(EmbeddingGrad, WeightWithDuplicateIds) {
  Rng rng(1);
  Var weight = random_var(rng, {5, 3});
  const Tensor ids = Tensor::from({2, 3}, {4, 1, 4, 0, 4, 1});
  EXPECT_GRADCHECK([&] { return weighted_sum(embedding(weight, ids)); }, {weight});
  EXPECT_GRADCHECK([&] { return weighted_sum(tanh(embedding(weight, ids))); }, {weight});
}

TEST(EmbeddingGrad, ScatterAddIsDifferentiableInDy) {
  Rng rng(2);
  Var dy = random_var(rng, {2, 3, 4});
  const Tensor ids = Tensor::from({2, 3}, {0, 2, 2, 5, 0, 2});
  Var out = embedding_backward(dy, ids, 6);
  // out row 2 = dy[0,1] + dy[0,2] + dy[1,2]; row 1 is never hit.
  for (int e = 0; e < 4; ++e) {
    const double want = double(dy.value()[4 + e]) + dy.value()[8 + e] + dy.value()[20 + e];
    EXPECT_NEAR(out.value()[2 * 4 + e], want, 1e-6);
    EXPECT_EQ(out.value()[1 * 4 + e], Scalar(0));
  }
  EXPECT_GRADCHECK([&] { return weighted_sum(embedding_backward(dy, ids, 6)); }, {dy});
}

TEST(EmbeddingSecondOrder, GradOfGradThroughEmbedding) {
  // gW = dL/dW built with create_graph: its backward runs embedding_backward's own
  // backward (a gather), and the tanh'' term reaches W through it.
  Rng rng(3);
  Var weight = random_var(rng, {4, 3});
  const Tensor ids = Tensor::from({5}, {1, 3, 1, 0, 1});
  auto penalty = [&] {
    Var h = tanh(embedding(weight, ids));
    Var gw = grad({weighted_sum(h * h)}, {weight}, {}, true)[0];
    return sum(gw * gw);
  };
  EXPECT_GRADCHECK(penalty, {weight});
}

TEST(EmbeddingErrors, IdsAreValidatedWithPositionAndValue) {
  Var weight(Tensor({5, 2}));
  std::string m = message_of([&] { embedding(weight, Tensor::from({2, 2}, {0, 1, 5, 2})); });
  EXPECT_NE(m.find("flat position 2"), std::string::npos) << m;
  EXPECT_NE(m.find("is 5"), std::string::npos) << m;
  EXPECT_NE(m.find("[0, 5)"), std::string::npos) << m;

  m = message_of([&] { embedding(weight, Tensor::from({3}, {0, -1, 2})); });
  EXPECT_NE(m.find("flat position 1"), std::string::npos) << m;
  EXPECT_NE(m.find("is -1"), std::string::npos) << m;

  m = message_of([&] { embedding(weight, Tensor::from({3}, {0, 1, 1.5})); });
  EXPECT_NE(m.find("flat position 2"), std::string::npos) << m;
  EXPECT_NE(m.find("1.5"), std::string::npos) << m;
  EXPECT_NE(m.find("not an integer"), std::string::npos) << m;

  m = message_of([&] { embedding(Var(Tensor({5})), Tensor::from({1}, {0})); });
  EXPECT_NE(m.find("[num_embeddings, embedding_dim]"), std::string::npos) << m;
  EXPECT_NE(m.find("[5]"), std::string::npos) << m;

  m = message_of([&] { embedding_backward(Var(Tensor({2, 3})), Tensor::from({3}, {0, 1, 2}), 4); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("indices of shape [3]"), std::string::npos) << m;
}

}  // namespace
}  // namespace gradlab
