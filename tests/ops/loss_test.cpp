// Losses: mse_loss (and broadcast against a larger target, Q19), cross_entropy, nll_loss, bce_with_logits, l1/l2 penalties, and the
// Reduction names. Forward values by hand, gradients against finite differences (first
// and second order), large-logit stability, errors.
#include "ops/ops.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-14 : 1e-6;
const double ln2 = std::log(2.0), ln3 = std::log(3.0);

void expect_values(const Var& y, const std::vector<double>& want) {
  ASSERT_EQ(y.numel(), static_cast<std::int64_t>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(y.value()[static_cast<std::int64_t>(i)], want[i], kTol * std::max(1.0, std::fabs(want[i]))) << i;
}

TEST(Reduction, ParseNamesAndListsTheAllowedOnes) {
  EXPECT_EQ(parse_reduction("none"), Reduction::None);
  EXPECT_EQ(parse_reduction("mean"), Reduction::Mean);
  EXPECT_EQ(parse_reduction("sum"), Reduction::Sum);
  EXPECT_STREQ(to_string(Reduction::Sum), "sum");
  EXPECT_MESSAGE_HAS(parse_reduction("avg"), "'avg'", "\"none\", \"mean\", \"sum\"");
  EXPECT_MESSAGE_HAS(parse_reduction("Mean"), "'Mean'");
}

TEST(LossForward, MseByHand) {
  // pred [1, 2, 3] vs target [1, 0, 5]: squared errors [0, 4, 4], sum 8, mean 8/3
  Var p(Tensor::from({3}, {1, 2, 3})), t(Tensor::from({3}, {1, 0, 5}));
  expect_values(mse_loss(p, t, Reduction::None), {0, 4, 4});
  expect_values(mse_loss(p, t, Reduction::Sum), {8});
  expect_values(mse_loss(p, t), {8.0 / 3});
  EXPECT_EQ(mse_loss(p, t).shape(), Shape{});
}

TEST(LossForward, CrossEntropyByHand) {
  // row 0 logits [0, ln 2, ln 3]: softmax [1, 2, 3] / 6; target 2 -> -ln(3/6) = ln 2
  // row 1 logits [1, 1, 1]: uniform; target 0 -> ln 3
  Var logits(Tensor::from({2, 3}, {0, ln2, ln3, 1, 1, 1}));
  Tensor targets = Tensor::from({2}, {2, 0});
  expect_values(cross_entropy(logits, targets, Reduction::None), {ln2, ln3});
  expect_values(cross_entropy(logits, targets, Reduction::Sum), {ln2 + ln3});   // ln 6 = 1.791759469228055
  expect_values(cross_entropy(logits, targets), {(ln2 + ln3) / 2});              // 0.8958797346140275
  // [N, T, C] = [1, 2, 2]: step 0 logits [0, 0], target 1 -> ln 2;
  // step 1 logits [ln 3, 0]: softmax [3/4, 1/4], target 1 -> ln 4. None -> [1, 2]; mean over N*T = 1.5 ln 2
  Var seq(Tensor::from({1, 2, 2}, {0, 0, ln3, 0}));
  Tensor seq_targets = Tensor::from({1, 2}, {1, 1});
  Var per = cross_entropy(seq, seq_targets, Reduction::None);
  EXPECT_EQ(per.shape(), (Shape{1, 2}));
  expect_values(per, {ln2, 2 * ln2});
  expect_values(cross_entropy(seq, seq_targets), {1.5 * ln2});
}

TEST(LossForward, NllByHandAndCrossEntropyIsLogSoftmaxThenNll) {
  // log_probs [[-0.5, -1.2], [-2, -0.1]], targets [1, 0]: [1.2, 2], mean 1.6, sum 3.2
  Var lp(Tensor::from({2, 2}, {-0.5, -1.2, -2, -0.1}));
  Tensor t = Tensor::from({2}, {1, 0});
  expect_values(nll_loss(lp, t, Reduction::None), {1.2, 2});
  expect_values(nll_loss(lp, t), {1.6});
  expect_values(nll_loss(lp, t, Reduction::Sum), {3.2});
  Rng rng(61);
  Var logits(rng.uniform_tensor({2, 3, 4}, -3, 3));
  Tensor targets = Tensor::from({2, 3}, {0, 3, 1, 2, 2, 0});
  EXPECT_LT(max_abs_diff(cross_entropy(logits, targets, Reduction::None).value(),
                         nll_loss(log_softmax(logits), targets, Reduction::None).value()),
            kTol * 10);
}

TEST(LossForward, CrossEntropyIsFiniteForHugeLogits) {
  // [[1e4, 0], [0, 1e4]] with targets [0, 0]: losses [0, 1e4] (log(1 + e^-1e4) vanishes)
  Var logits(Tensor::from({2, 2}, {1e4, 0, 0, 1e4}), true);
  Var loss = cross_entropy(logits, Tensor::from({2}, {0, 0}), Reduction::None);
  EXPECT_EQ(loss.value().to_vector(), (std::vector<Scalar>{0, 1e4}));
  // d mean / d logits = (softmax - onehot) / N: row 0 [1 - 1, 0] / 2 = 0; row 1 ([0, 1] - [1, 0]) / 2
  // (Near, not equal: the vectorised exp may return a denormal ~1e-309 for e^-1e4 instead of 0.)
  mean(loss).backward();
  const double want[] = {0, 0, -0.5, 0.5};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(logits.grad()[i], want[i], 1e-30) << i;
}

TEST(LossBackward, CrossEntropyGradientAndHessianByHand) {
  // One row, logits [0, ln 3] -> p = [1/4, 3/4], target 0.
  // dL/dz = p - onehot = [-3/4, 3/4]; Hessian = diag(p) - p p^T, row 0 = [p0 - p0^2, -p0 p1] = [3/16, -3/16]
  Var z(Tensor::from({1, 2}, {0, ln3}), true);
  Var dz = grad({cross_entropy(z, Tensor::from({1}, {0}))}, {z}, {}, true)[0];
  expect_values(dz, {-0.75, 0.75});
  select(select(dz, 0, 0), 0, 0).backward();
  EXPECT_NEAR(z.grad()[0], 3.0 / 16, kTol * 10);
  EXPECT_NEAR(z.grad()[1], -3.0 / 16, kTol * 10);
}

TEST(LossForward, BceWithLogitsByHandAndStable) {
  // x = 0, t = 1: ln 2;  x = 2, t = 0: 2 + ln(1 + e^-2) = 2.1269280110429727;
  // x = -3, t = 1: 3 + ln(1 + e^-3) = 3.048587351573742;  x = 0.5, t = 0.3: 0.35 + ln(1 + e^-0.5) = 0.8240769841801066
  Var x(Tensor::from({4}, {0, 2, -3, 0.5})), t(Tensor::from({4}, {1, 0, 1, 0.3}));
  expect_values(bce_with_logits(x, t, Reduction::None), {ln2, 2.1269280110429727, 3.048587351573742, 0.8240769841801066});
  expect_values(bce_with_logits(x, t, Reduction::Sum),
                {ln2 + 2.1269280110429727 + 3.048587351573742 + 0.8240769841801066});
  // Huge logits neither overflow nor lose the answer: right and confident -> 0, wrong -> |x|
  Var big(Tensor::from({4}, {1e4, -1e4, 1e4, -1e4})), bt(Tensor::from({4}, {1, 0, 0, 1}));
  EXPECT_EQ(bce_with_logits(big, bt, Reduction::None).value().to_vector(), (std::vector<Scalar>{0, 0, 1e4, 1e4}));
}

TEST(LossForward, PenaltiesByHand) {
  // w1 = [1, -2], w2 = [[0.5]]: l1 = 1 + 2 + 0.5 = 3.5; l2 = 1 + 4 + 0.25 = 5.25
  Var w1(Tensor::from({2}, {1, -2}), true), w2(Tensor::from({1, 1}, {0.5}), true);
  EXPECT_EQ(l1_penalty({w1, w2}).item(), 3.5);
  EXPECT_EQ(l2_penalty({w1, w2}).item(), 5.25);
  EXPECT_EQ(l1_penalty({}).item(), 0);
  EXPECT_EQ(l2_penalty({}).shape(), Shape{});
  // gradients: sign(w) and 2w
  l1_penalty({w1, w2}).backward();
  EXPECT_EQ(w1.grad().to_vector(), (std::vector<Scalar>{1, -1}));
  w1.zero_grad();
  l2_penalty({w1}).backward();
  EXPECT_EQ(w1.grad().to_vector(), (std::vector<Scalar>{2, -4}));
}

TEST(LossGrad, EveryLossAndReduction) {
  Rng rng(62);
  Var pred = random_var(rng, {3, 4}), target = random_var(rng, {3, 4});
  Var logits = random_var(rng, {4, 5}, -3, 3), seq = random_var(rng, {2, 3, 4}, -3, 3);
  Tensor labels = Tensor::from({4}, {0, 4, 2, 4});
  Tensor seq_labels = Tensor::from({2, 3}, {3, 0, 1, 1, 2, 3});
  Var probs = random_var(rng, {4, 5}, 0.05, 1);  // targets for BCE, in (0, 1)
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    auto scalar = [r](const Var& l) { return r == Reduction::None ? weighted_sum(l) : l; };
    EXPECT_GRADCHECK([&] { return scalar(mse_loss(pred, target, r)); }, {pred, target});
    EXPECT_GRADCHECK([&] { return scalar(cross_entropy(logits, labels, r)); }, {logits});
    EXPECT_GRADCHECK([&] { return scalar(cross_entropy(seq, seq_labels, r)); }, {seq});
    EXPECT_GRADCHECK([&] { return scalar(nll_loss(log_softmax(seq), seq_labels, r)); }, {seq});
    EXPECT_GRADCHECK([&] { return scalar(bce_with_logits(logits, probs, r)); }, {logits, probs});
  }
  EXPECT_GRADCHECK([&] { return l1_penalty({pred, logits}); }, {pred, logits});
  EXPECT_GRADCHECK([&] { return l2_penalty({pred, logits}); }, {pred, logits});
}

TEST(LossSecondOrder, GradientPenaltiesThroughEachLoss) {
  // L(w) = ||d loss / dx||^2 for a small model x -> tanh(x W + b) -> loss, checked in w, b.
  Rng rng(63);
  Var x = random_var(rng, {3, 4}), w = random_var(rng, {4, 4}), b = random_var(rng, {4});
  Var target(rng.uniform_tensor({3, 4}, -1, 1));
  Var bits(Tensor::from({3, 4}, {1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}));
  Tensor labels = Tensor::from({3}, {2, 0, 3});
  auto penalty = [&](auto loss) {
    return [&, loss] {
      Var h = linear(x, w, b) * 2.0;
      Var gx = grad({loss(h)}, {x}, {}, true)[0];
      return sum(gx * gx);
    };
  };
  EXPECT_GRADCHECK(penalty([&](const Var& h) { return mse_loss(tanh(h), target); }), {w, b});
  EXPECT_GRADCHECK(penalty([&](const Var& h) { return cross_entropy(h, labels); }), {w, b});
  EXPECT_GRADCHECK(penalty([&](const Var& h) { return nll_loss(log_softmax(h), labels, Reduction::Sum); }), {w, b});
  EXPECT_GRADCHECK(penalty([&](const Var& h) { return bce_with_logits(h, bits); }), {w, b});
  EXPECT_GRADCHECK(penalty([&](const Var& h) { return l2_penalty({tanh(h)}); }), {w, b});
}

// COURSE.md Q19: a 32x32 kernel on a 32x32 image gives one number yhat = sum(W * X); with
// the loss summed against a 32x32 target Y (yhat broadcast), L = sum_ij (yhat - Y_ij)^2, so
// dL/dyhat = 2 (N^2 yhat - sum Y) and dL/dW = 2 X (N^2 yhat - sum Y), N = 32.
TEST(MseBroadcast, Q19KernelGradientByHand) {
  constexpr std::int64_t N = 32;
  Rng rng(19);
  const Var X(rng.uniform_tensor({1, 1, N, N}, 0, 1));
  const Var W(rng.uniform_tensor({1, 1, N, N}, -0.05, 0.05), true);
  const Tensor Y = rng.uniform_tensor({1, 1, N, N}, 0, 1);
  const Var yhat = conv2d(X, W);  // [1, 1, 1, 1]
  ASSERT_EQ(yhat.shape(), (Shape{1, 1, 1, 1}));
  const Var L = mse_loss_broadcast(yhat, Var(Y), Reduction::Sum);
  double sum_y = 0, by_hand = 0;
  for (std::int64_t k = 0; k < Y.numel(); ++k) sum_y += Y[k];
  const double y1 = yhat.value()[0];
  for (std::int64_t k = 0; k < Y.numel(); ++k) by_hand += (y1 - Y[k]) * (y1 - Y[k]);
  EXPECT_NEAR(L.item(), by_hand, 1e-5 * by_hand);
  L.backward();
  const double factor = 2 * (N * N * y1 - sum_y);
  const double tol = sizeof(Scalar) == 8 ? 1e-10 : 1e-3;
  for (std::int64_t k = 0; k < W.numel(); ++k)
    ASSERT_NEAR(W.grad()[k], X.value()[k] * factor, tol * std::fabs(factor)) << "dL/dW at flat index " << k;
  // The mean divides by the N^2 target pixels; without broadcasting the shapes are refused.
  EXPECT_NEAR(mse_loss_broadcast(yhat, Var(Y)).item(), by_hand / (N * N), 1e-5 * by_hand / (N * N));
  EXPECT_NE(message_of([&] { mse_loss(yhat, Var(Y)); }).find("differ"), std::string::npos);
}

TEST(MseBroadcast, GradcheckAndShapeErrors) {
  Rng rng(7);
  Var pred = random_var(rng, {3, 1, 2});
  Var target = random_var(rng, {3, 4, 2});
  for (Reduction r : {Reduction::Sum, Reduction::Mean})
    EXPECT_TRUE(test::gradcheck_passes([&] { return mse_loss_broadcast(pred, target, r); }, {pred, target}));
  EXPECT_EQ(mse_loss_broadcast(pred, target, Reduction::None).shape(), (Shape{3, 4, 2}));
  test::expect_invalid([&] { mse_loss_broadcast(target, pred); }, {"pred of shape [3, 4, 2]", "target of shape [3, 1, 2]", "either 1 or target's"});
  test::expect_invalid([&] { mse_loss_broadcast(Var(Tensor({3, 4})), pred); }, {"the same rank"});
}

TEST(LossErrors, ShapesAndTargetsAreNamed) {
  Var a(Tensor({2})), b(Tensor({3}));
  EXPECT_MESSAGE_HAS(mse_loss(a, b), "mse_loss", "pred of shape [2]", "target of shape [3]", "the same shape");
  EXPECT_MESSAGE_HAS(bce_with_logits(a, b), "bce_with_logits", "[2]", "[3]", "the same shape");

  Var logits(Tensor({2, 3}));
  EXPECT_MESSAGE_HAS(cross_entropy(Var(Tensor({3})), Tensor::from({}, {0})), "cross_entropy", "logits of shape [3]",
                     "[N, C] or [N, T, C]");
  EXPECT_MESSAGE_HAS(cross_entropy(Var(Tensor({1, 2, 3, 4})), Tensor({1, 2, 3})), "cross_entropy", "[1, 2, 3, 4]");
  EXPECT_MESSAGE_HAS(cross_entropy(logits, Tensor({3})), "cross_entropy", "targets of shape [3]", "[2, 3]",
                     "targets of shape [2]");
  EXPECT_MESSAGE_HAS(cross_entropy(logits, Tensor::from({2}, {0, 1.5})), "cross_entropy", "flat position 1",
                     "is 1.5", "integer class index in [0, 3)");
  EXPECT_MESSAGE_HAS(cross_entropy(logits, Tensor::from({2}, {3, 0})), "flat position 0", "is 3", "[0, 3)");
  EXPECT_MESSAGE_HAS(cross_entropy(logits, Tensor::from({2}, {0, -1})), "flat position 1", "is -1");
  EXPECT_MESSAGE_HAS(cross_entropy(logits, Tensor::from({2}, {NAN, 0})), "flat position 0", "is nan");
  EXPECT_MESSAGE_HAS(cross_entropy(Var(Tensor({2, 2, 3})), Tensor::from({2, 2}, {0, 1, 2, 7})),
                     "flat position 3", "is 7");
  EXPECT_MESSAGE_HAS(nll_loss(logits, Tensor::from({2}, {0, 5})), "nll_loss", "flat position 1", "is 5", "[0, 3)");
  EXPECT_MESSAGE_HAS(nll_loss(logits, Tensor({2, 1})), "nll_loss", "targets of shape [2, 1]", "log_probs");
}

}  // namespace
}  // namespace gradlab
