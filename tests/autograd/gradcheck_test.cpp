// The gradient check itself (autograd/gradcheck.h): it catches a wrong backward, samples
// large tensors deterministically, and leaves out only what finite differences cannot
// resolve (a kink within eps, the loss's rounding), never a smooth wrong gradient.
#include "autograd/gradcheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "ops/ops.h"
#include "support/check.h"
#include "tensor/rng.h"

namespace gradlab {
namespace {

// y = x * x with a backward that is off by `factor`: dx += factor * 2x * dy.
Var square_with_wrong_backward(const Var& x, double factor) {
  Tensor y = x.value().clone();
  for (std::int64_t k = 0; k < y.numel(); ++k) y[k] = y[k] * y[k];
  return record("wrong_square", {x}, y, [factor](Grads& g, const Var& dy) {
    Tensor dx = g.input(0).value().clone();
    for (std::int64_t k = 0; k < dx.numel(); ++k) dx[k] = static_cast<Scalar>(factor * 2 * dx[k] * dy.value()[k]);
    g.accumulate(0, dx);
  });
}

GradCheckOptions options() { return test::default_gradcheck_options(); }

TEST(GradCheck, ARightBackwardPasses) {
  Rng rng(1);
  Var x = test::random_var(rng, {3, 4});
  const GradCheckResult r = gradcheck([&] { return test::weighted_sum(square_with_wrong_backward(x, 1.0)); }, {x}, options());
  EXPECT_TRUE(r.ok) << r.worst_rel_error();
  EXPECT_EQ(r.entries[0].checked, 12);
  EXPECT_EQ(r.entries[0].total, 12);
  EXPECT_EQ(r.entries[0].skipped, 0);
}

// Factors a check must catch: in double (tolerance 1e-6) 1% and 0.01% off; in float
// (tolerance 5e-2, differences good to a few digits) 50% and 20% off.
std::vector<double> wrong_factors() {
  if constexpr (sizeof(Scalar) == 8) return {1.01, 1.0001};
  else return {1.5, 1.2};
}

// Values at least 0.1 away from zero, alternating in sign: far from a ReLU's kink.
Var away_from_zero(Shape shape, std::uint64_t seed) {
  Rng rng(seed);
  Tensor v = rng.uniform_tensor(std::move(shape), 0.1, 1);
  for (std::int64_t k = 1; k < v.numel(); k += 2) v[k] = -v[k];
  return Var(v, /*requires_grad=*/true);
}

TEST(GradCheck, AWrongBackwardFails) {
  for (double factor : wrong_factors()) {
    Rng rng(2);
    Var x = test::random_var(rng, {3, 4});
    const GradCheckResult r =
        gradcheck([&] { return test::weighted_sum(square_with_wrong_backward(x, factor)); }, {x}, options());
    EXPECT_FALSE(r.ok) << "factor " << factor;
    EXPECT_GT(r.entries[0].max_rel_error, (factor - 1) / 4) << "factor " << factor;
    EXPECT_EQ(r.entries[0].skipped, 0);
  }
}

TEST(GradCheck, AWrongBackwardAfterAReluIsStillCaught) {
  // The kink rule looks only at the loss values: with no entry near the ReLU's kink, every
  // entry is judged and the wrong square is caught.
  for (double factor : wrong_factors()) {
    Var x = away_from_zero({4, 4}, 3);
    const GradCheckResult r =
        gradcheck([&] { return test::weighted_sum(square_with_wrong_backward(relu(x), factor)); }, {x}, options());
    EXPECT_FALSE(r.ok) << "factor " << factor;
    EXPECT_EQ(r.entries[0].skipped, 0);
  }
}

TEST(GradCheck, AKinkWithinEpsIsRetriedThenSkippedAndCounted) {
  // relu at x = eps/2: the central difference straddles the kink (0.75 where the slope is
  // 1), but at eps/10 it does not: judged there, and right. At x = eps/20 and -eps/30 the
  // kink stays inside even at eps/10: those two are skipped. 0.7 and -0.4 are smooth.
  const GradCheckOptions o = options();
  const double h = o.eps;
  Var x(Tensor({5}, {static_cast<Scalar>(h / 2), static_cast<Scalar>(h / 20), static_cast<Scalar>(-h / 30),
                     static_cast<Scalar>(0.7), static_cast<Scalar>(-0.4)}),
        /*requires_grad=*/true);
  const GradCheckResult r = gradcheck([&] { return sum(relu(x)); }, {x}, o);
  EXPECT_TRUE(r.ok) << r.worst_rel_error();
  EXPECT_EQ(r.entries[0].checked, 5);
  EXPECT_EQ(r.entries[0].skipped, 2);
  // The plain rule (no retry, no skipping) would have failed: |1 - 0.75| at eps/2.
  EXPECT_LT(r.entries[0].max_abs_error, 0.01);
}

TEST(GradCheck, AWrongBackwardAtASkippedKinkStillFailsElsewhere) {
  // (relu(x) + 1)^2 has a kink at 0 (slope 0 left, 2 right): the entry within eps/10 of it
  // is skipped; the wrong gradient of the others is still judged.
  for (double factor : wrong_factors()) {
    const double h = options().eps;
    Var x(Tensor({3}, {static_cast<Scalar>(h / 20), static_cast<Scalar>(0.6), static_cast<Scalar>(-0.8)}), true);
    const GradCheckResult r =
        gradcheck([&] { return test::weighted_sum(square_with_wrong_backward(relu(x) + 1.0, factor)); }, {x}, options());
    EXPECT_FALSE(r.ok) << "factor " << factor;
    EXPECT_EQ(r.entries[0].skipped, 1) << "factor " << factor;
  }
}

TEST(GradCheck, LargeTensorsAreSampledDeterministically) {
  Rng rng(4);
  Var w = test::random_var(rng, {100, 100});
  w.set_name("w");
  Tensor& v = w.mutable_value();
  v[4321] = 3;  // the largest gradient of sum(w*w): always in the sample
  GradCheckOptions o = options();
  o.max_entries = 64;
  std::vector<std::int64_t> progress;
  o.progress = [&](const GradCheckProgress& p) {
    EXPECT_EQ(p.name, "w");
    EXPECT_EQ(p.count, 64);
    EXPECT_EQ(p.total, 10000);
    progress.push_back(p.done);
  };
  const GradCheckResult r = gradcheck([&] { return sum(square_with_wrong_backward(w, 1.0)); }, {w}, o);
  EXPECT_TRUE(r.ok) << r.worst_rel_error();
  EXPECT_EQ(r.entries[0].checked, 64);
  EXPECT_EQ(r.entries[0].total, 10000);
  ASSERT_EQ(progress.size(), 64u);
  EXPECT_EQ(progress.front(), 1);
  EXPECT_EQ(progress.back(), 64);

  const auto a = gradcheck_sample("w", 10000, 64, 4321), b = gradcheck_sample("w", 10000, 64, 4321);
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::set<std::int64_t>(a.begin(), a.end()).size(), 64u);  // distinct
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_TRUE(std::binary_search(a.begin(), a.end(), 4321));
  EXPECT_LT(a.back(), 10000);
  EXPECT_GE(a.front(), 0);
  EXPECT_NE(gradcheck_sample("v", 10000, 64), gradcheck_sample("w", 10000, 64));  // per tensor
  EXPECT_EQ(gradcheck_sample("w", 10, 64).size(), 10u);  // small tensors: every entry
  EXPECT_EQ(gradcheck_sample("w", 10, 0).size(), 10u);   // 0: every entry

  // A wrong backward is caught on the sample alone.
  const GradCheckResult wrong = gradcheck([&] { return sum(square_with_wrong_backward(w, wrong_factors()[0])); }, {w}, o);
  EXPECT_FALSE(wrong.ok);
}

TEST(GradCheck, RefusesMeaninglessOptions) {
  Rng rng(5);
  Var x = test::random_var(rng, {2});
  for (double eps : {0.0, -1e-6, std::nan(""), HUGE_VAL}) {
    GradCheckOptions o;
    o.eps = eps;
    EXPECT_THROW(gradcheck([&] { return sum(x); }, {x}, o), std::invalid_argument) << eps;
  }
  GradCheckOptions o;
  o.tolerance = std::nan("");
  EXPECT_THROW(gradcheck([&] { return sum(x); }, {x}, o), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
