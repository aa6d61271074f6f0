// Shape ops: slice, select, concat, stack, transpose, permute, unsqueeze, squeeze,
// index_select. Gradient checks (first and second order), forward values written out
// by hand, and the errors each op gives.
#include <algorithm>

#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

std::vector<Scalar> values(const Var& v) { return v.value().to_vector(); }

// x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]  (shape [3, 4], x[i][j] = 4i + j)
Var iota34() { return Var(Tensor::from({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})); }

TEST(ShapeOpsForward, SliceAndSelect) {
  Var x = iota34();
  // columns 1..2 of each row: [1, 2], [5, 6], [9, 10]
  EXPECT_EQ(slice(x, 1, 1, 3).shape(), (Shape{3, 2}));
  EXPECT_EQ(values(slice(x, 1, 1, 3)), (std::vector<Scalar>{1, 2, 5, 6, 9, 10}));
  // negative bounds count from the end: rows -2..3 = rows 1, 2
  EXPECT_EQ(values(slice(x, 0, -2, 3)), (std::vector<Scalar>{4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(slice(x, 0, 2, 2).shape(), (Shape{0, 4}));  // empty slice is allowed
  // select drops the axis: row 1 = [4..7]; column -1 = [3, 7, 11]
  EXPECT_EQ(select(x, 0, 1).shape(), (Shape{4}));
  EXPECT_EQ(values(select(x, 0, 1)), (std::vector<Scalar>{4, 5, 6, 7}));
  EXPECT_EQ(values(select(x, 1, -1)), (std::vector<Scalar>{3, 7, 11}));
}

TEST(ShapeOpsForward, ConcatAndStack) {
  Var a(Tensor::from({2, 2}, {1, 2, 3, 4})), b(Tensor::from({2, 1}, {5, 6}));
  // along axis 1 the rows are joined: [1 2 | 5], [3 4 | 6]
  EXPECT_EQ(concat({a, b}, 1).shape(), (Shape{2, 3}));
  EXPECT_EQ(values(concat({a, b}, -1)), (std::vector<Scalar>{1, 2, 5, 3, 4, 6}));
  // along axis 0 the blocks follow each other
  EXPECT_EQ(values(concat({a, a}, 0)), (std::vector<Scalar>{1, 2, 3, 4, 1, 2, 3, 4}));
  Var c(Tensor::from({2, 2}, {10, 20, 30, 40}));
  // stack on 0: [a; c] of shape [2, 2, 2]; on 2: pairs (a_ij, c_ij)
  EXPECT_EQ(stack({a, c}, 0).shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values(stack({a, c}, 0)), (std::vector<Scalar>{1, 2, 3, 4, 10, 20, 30, 40}));
  EXPECT_EQ(values(stack({a, c}, 2)), (std::vector<Scalar>{1, 10, 2, 20, 3, 30, 4, 40}));
  // stack on 1: y[i][k][j] = xs[k][i][j] -> row 0 of a, row 0 of c, row 1 of a, row 1 of c
  EXPECT_EQ(values(stack({a, c}, 1)), (std::vector<Scalar>{1, 2, 10, 20, 3, 4, 30, 40}));
  EXPECT_EQ(stack({a, c}, -1).shape(), (Shape{2, 2, 2}));
}

TEST(ShapeOpsForward, TransposePermuteSqueeze) {
  Var x = iota34();
  // transpose: y[j][i] = x[i][j] = 4i + j
  EXPECT_EQ(transpose(x, 0, 1).shape(), (Shape{4, 3}));
  EXPECT_EQ(values(transpose(x, 0, 1)), (std::vector<Scalar>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  // x3[i][j][k] = 6i + 3j + k, shape [2, 2, 3]; permute {2, 0, 1}: y[k][i][j] = 6i + 3j + k
  Var x3(Tensor::from({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  Var p = permute(x3, {2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{3, 2, 2}));
  // k = 0: (i,j) = (0,0),(0,1),(1,0),(1,1) -> 0, 3, 6, 9; then k = 1: 1, 4, 7, 10; k = 2: 2, 5, 8, 11
  EXPECT_EQ(values(p), (std::vector<Scalar>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
  EXPECT_EQ(values(permute(x3, {0, 1, 2})), values(x3));
  EXPECT_EQ(unsqueeze(x, 0).shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(unsqueeze(x, 1).shape(), (Shape{3, 1, 4}));
  EXPECT_EQ(unsqueeze(x, -1).shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(squeeze(unsqueeze(x, 1), 1).shape(), (Shape{3, 4}));
  EXPECT_EQ(values(squeeze(unsqueeze(x, 1), -2)), values(x));
}

// Every permutation of a rank-4 tensor, against index arithmetic, including those that keep
// the last axis last (attention's head split and merge), a last axis of size 1, and a scalar.
TEST(ShapeOpsForward, PermuteEqualsIndexArithmeticForEveryOrder) {
  for (const Shape& xs : {Shape{2, 3, 4, 5}, Shape{3, 2, 4, 1}}) {
    std::vector<Scalar> v(static_cast<std::size_t>(numel(xs)));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<Scalar>(i);
    const Var x(Tensor(xs, v));
    std::vector<int> p{0, 1, 2, 3};
    do {
      const Var y = permute(x, p);
      std::int64_t k = 0;
      std::vector<std::int64_t> at(4);
      for (at[0] = 0; at[0] < xs[p[0]]; ++at[0])
        for (at[1] = 0; at[1] < xs[p[1]]; ++at[1])
          for (at[2] = 0; at[2] < xs[p[2]]; ++at[2])
            for (at[3] = 0; at[3] < xs[p[3]]; ++at[3], ++k) {
              std::vector<std::int64_t> xi(4);
              for (int d = 0; d < 4; ++d)
                xi[static_cast<std::size_t>(p[static_cast<std::size_t>(d)])] = at[static_cast<std::size_t>(d)];
              const Scalar want = static_cast<Scalar>(((xi[0] * xs[1] + xi[1]) * xs[2] + xi[2]) * xs[3] + xi[3]);
              ASSERT_EQ(y.value().data()[k], want)
                  << to_string(xs) << " permuted {" << p[0] << p[1] << p[2] << p[3] << "} at " << k;
            }
    } while (std::next_permutation(p.begin(), p.end()));
  }
  const Var s(Tensor::scalar(3));
  EXPECT_EQ(values(permute(s, {})), (std::vector<Scalar>{3}));
}

TEST(ShapeOpsForward, IndexSelectRepeatsAndReorders) {
  Var x = iota34();
  // rows 2, 0, 2
  EXPECT_EQ(values(index_select(x, 0, {2, 0, 2})), (std::vector<Scalar>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  // columns 3, 3: [3, 3], [7, 7], [11, 11]
  EXPECT_EQ(values(index_select(x, 1, {3, 3})), (std::vector<Scalar>{3, 3, 7, 7, 11, 11}));
  EXPECT_EQ(index_select(x, 1, {}).shape(), (Shape{3, 0}));
}

TEST(ShapeOpsBackward, IndexSelectScatterAddsRepeats) {
  // y = x[[2, 0, 2]] along axis 0, L = sum(y): row 2 is picked twice -> gradient 2, row 0 -> 1, row 1 -> 0
  Var x(Tensor::zeros({3, 2}), true);
  sum(index_select(x, 0, {2, 0, 2})).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<Scalar>{1, 1, 0, 0, 2, 2}));
}

TEST(ShapeOpsBackward, SlicePadsZerosAroundTheGradient) {
  Var x(Tensor::zeros({2, 4}), true);
  // L = sum(slice(x, 1, 1, 3) * [[1, 2], [3, 4]])
  sum(slice(x, 1, 1, 3) * Var(Tensor::from({2, 2}, {1, 2, 3, 4}))).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<Scalar>{0, 1, 2, 0, 0, 3, 4, 0}));
}

TEST(ShapeOpsGrad, EveryOp) {
  Rng rng(21);
  Var x = random_var(rng, {2, 3, 4}), y = random_var(rng, {2, 2, 4}), z = random_var(rng, {2, 3, 4});
  EXPECT_GRADCHECK([&] { return weighted_sum(slice(x, 1, 1, 3)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(slice(x, -1, 0, 3)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(select(x, 2, 1)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(select(x, 0, -1)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(concat({x, y, x}, 1)); }, {x, y});
  EXPECT_GRADCHECK([&] { return weighted_sum(stack({x, z}, 0)); }, {x, z});
  EXPECT_GRADCHECK([&] { return weighted_sum(stack({x, z, x}, 3)); }, {x, z});
  EXPECT_GRADCHECK([&] { return weighted_sum(transpose(x, 0, 2)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(permute(x, {1, 2, 0})); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(squeeze(unsqueeze(x, 1), 1) * unsqueeze(x, 0)); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(index_select(x, 1, {2, 0, 2, 1})); }, {x});
  EXPECT_GRADCHECK([&] { return weighted_sum(index_select(x, -1, {3, 3})); }, {x});
}

TEST(ShapeOpsSecondOrder, GradOfGradThroughShapeOps) {
  // The gradient of a non-linear function of rearranged x, differentiated again.
  Rng rng(22);
  Var x = random_var(rng, {2, 3}), w = random_var(rng, {2, 2});
  auto loss = [&] {
    Var h = tanh(concat({slice(x, 1, 0, 2), index_select(x, 1, {2, 0})}, 1));  // [2, 4]
    Var t = permute(stack({h, h * h}, 0), {1, 2, 0});                         // [2, 4, 2]
    Var out = matmul(select(t, 2, 1), concat({w, transpose(w, 0, 1)}, 0));        // [2, 2]
    Var gx = grad({weighted_sum(tanh(out))}, {x}, {}, true)[0];
    return sum(gx * gx);
  };
  EXPECT_GRADCHECK(loss, {x, w});
}

TEST(ShapeOpsErrors, MessagesNameTheOpWhatWasFoundAndWhatIsAllowed) {
  Var x = iota34();
  EXPECT_MESSAGE_HAS(slice(x, 2, 0, 1), "slice", "axis 2", "[3, 4]", "-2 to 1");
  EXPECT_MESSAGE_HAS(slice(x, 1, 3, 5), "slice", "[3, 5)", "[3, 4]", "0 <= start <= end <= 4");
  EXPECT_MESSAGE_HAS(slice(x, 1, 3, 2), "slice", "[3, 2)");
  EXPECT_MESSAGE_HAS(select(x, 0, 3), "select", "index 3", "[3, 4]", "-3 to 2");
  EXPECT_MESSAGE_HAS(select(x, 0, -4), "select", "index -4");
  EXPECT_MESSAGE_HAS(concat({}, 0), "concat", "none");
  EXPECT_MESSAGE_HAS(concat({x, Var(Tensor({2, 4}))}, 1), "concat", "tensor 1", "[2, 4]", "[3, 4]", "except along axis 1");
  EXPECT_MESSAGE_HAS(concat({x, Var(Tensor({3}))}, 0), "concat", "tensor 1", "[3]");
  EXPECT_MESSAGE_HAS(stack({x, Var(Tensor({4, 3}))}, 0), "stack", "tensor 1", "[4, 3]", "same shape");
  EXPECT_MESSAGE_HAS(stack({x}, 3), "stack", "axis 3", "-3 to 2");
  EXPECT_MESSAGE_HAS(transpose(x, 0, 2), "transpose", "axis 2");
  EXPECT_MESSAGE_HAS(permute(x, {0, 0}), "permute", "{0, 0}", "[3, 4]", "permutation");
  EXPECT_MESSAGE_HAS(permute(x, {0}), "permute", "{0}", "0..1");
  EXPECT_MESSAGE_HAS(unsqueeze(x, 3), "unsqueeze", "axis 3", "-3 to 2");
  EXPECT_MESSAGE_HAS(squeeze(x, 0), "squeeze", "size 3", "[3, 4]", "only a size-1 axis");
  EXPECT_MESSAGE_HAS(index_select(x, 1, {0, 4}), "index_select", "index 4", "position 1", "0 to 3");
  EXPECT_MESSAGE_HAS(index_select(x, 0, {-1}), "index_select", "index -1");
  EXPECT_MESSAGE_HAS(select(Var(Tensor::scalar(1)), 0, 0), "select", "a scalar has no axes");
}

}  // namespace
}  // namespace gradlab
