// Inverted dropout: identity at eval, zero-or-scaled at train time with a mask drawn from
// the Rng, a gradient through the same mask, and errors for p outside [0, 1).
#include "ops/ops.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using test::message_of;

using test::random_var;
using test::weighted_sum;

bool same_state(const Rng& a, const Rng& b) {
  const auto sa = a.state(), sb = b.state();
  return sa.state == sb.state && sa.inc == sb.inc && sa.has_spare == sb.has_spare;
}

TEST(DropoutForward, EvalAndZeroPAreTheIdentityAndDrawNothing) {
  Rng rng(71), untouched(71);
  Var x(Tensor::from({2, 2}, {1, 2, 3, 4}), true);
  Var y = dropout(x, 0.5, /*training=*/false, rng);
  EXPECT_TRUE(y.same_node(x));
  EXPECT_TRUE(dropout(x, 0.0, /*training=*/true, rng).same_node(x));
  EXPECT_TRUE(same_state(rng, untouched));
}

TEST(DropoutForward, EachElementIsZeroOrScaledByOneOverKeep) {
  // p = 0.25: a survivor of x = 3 becomes 3 / 0.75 = 4
  Rng rng(72);
  Var x(Tensor::full({1000}, 3));
  Tensor y = dropout(x, 0.25, true, rng).value();
  int zeros = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    EXPECT_TRUE(y[i] == 0 || std::fabs(y[i] - 4) < 1e-6) << i << ": " << y[i];
    zeros += y[i] == 0;
  }
  // The mask is the documented draw: element i survives when the i-th rng.uniform() >= p.
  Rng replay(72);
  for (std::int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(y[i] == 0, replay.uniform() < 0.25) << i;
  // About a quarter dropped: the binomial sd is sqrt(1000 * 0.25 * 0.75) = 13.7, so 250 +- 55 is 4 sd.
  EXPECT_GT(zeros, 195);
  EXPECT_LT(zeros, 305);
}

TEST(DropoutForward, KeepsTheExpectedValue) {
  // Mean of dropout(ones) over 20000 elements at p = 0.5: each is 0 or 2 with mean 1 and sd 1,
  // so the sample mean is 1 +- 1/sqrt(20000) = 0.007 (sd); 0.03 is over 4 sd.
  Rng rng(73);
  Var x(Tensor::ones({20000}));
  EXPECT_NEAR(mean(dropout(x, 0.5, true, rng)).item(), 1.0, 0.03);
  // And two calls draw different masks (the Rng moves on).
  Tensor a = dropout(x, 0.5, true, rng).value(), b = dropout(x, 0.5, true, rng).value();
  EXPECT_GT(max_abs_diff(a, b), 0);
}

TEST(DropoutBackward, GradientUsesTheSameMask) {
  // dx = mask / (1 - p): with x = ones, the gradient of sum(y) equals y itself.
  Rng rng(74);
  Var x(Tensor::ones({50}), true);
  Var y = dropout(x, 0.4, true, rng);
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector(), y.value().to_vector());
}

TEST(DropoutGrad, FiniteDifferencesWithAFixedMask) {
  // Re-seeding inside the loss fixes the mask across the finite-difference evaluations.
  Var x = [] { Rng r(75); return random_var(r, {4, 5}); }();
  EXPECT_GRADCHECK([&] { Rng rng(76); return weighted_sum(dropout(x, 0.3, true, rng)); }, {x});
  // Second order: a gradient penalty through dropout (and tanh, to make it curve).
  Var w = [] { Rng r(77); return random_var(r, {5, 5}); }();
  EXPECT_GRADCHECK(
      [&] {
        Rng rng(78);
        Var gx = grad({weighted_sum(tanh(dropout(matmul(x, w), 0.5, true, rng)))}, {x}, {}, true)[0];
        return sum(gx * gx);
      },
      {w});
}

TEST(DropoutErrors, ProbabilityOutsideZeroToOne) {
  Rng rng(79);
  Var x(Tensor::ones({3}));
  for (double p : {-0.1, 1.0, 1.5, static_cast<double>(NAN)}) {
    const std::string msg = message_of([&] { dropout(x, p, true, rng); });
    EXPECT_NE(msg.find("dropout"), std::string::npos) << msg;
    EXPECT_NE(msg.find("p = "), std::string::npos) << msg;
    EXPECT_NE(msg.find("0 <= p < 1"), std::string::npos) << msg;
  }
  // Checked at eval time too, so a bad spec fails before training starts.
  EXPECT_THROW(dropout(x, 1.0, false, rng), std::invalid_argument);
  EXPECT_NE(message_of([&] { dropout(x, 1.5, true, rng); }).find("p = 1.5"), std::string::npos);
}

}  // namespace
}  // namespace gradlab
