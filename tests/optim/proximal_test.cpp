// soft_threshold (optim/proximal.h): the proximal step of l1 * sum|w|, by hand.
#include "optim/proximal.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

TEST(SoftThreshold, ShrinksTowardZeroAndStopsThere) {
  // sign(w) max(|w| - 0.25, 0): 0.75 -> 0.5, -0.5 -> -0.25, 0.25 -> 0, -0.125 -> 0, 0 -> 0, 2 -> 1.75.
  Var w(Tensor::from({6}, {0.75, -0.5, 0.25, -0.125, 0, 2}), true);
  Var b(Tensor::from({1}, {-1}), true);
  soft_threshold({w, b}, 0.25);
  test::expect_values(w.value(), {0.5, -0.25, 0, 0, 0, 1.75}, 0);
  test::expect_values(b.value(), {-0.75}, 0);
  for (std::int64_t i = 2; i < 5; ++i) EXPECT_FALSE(std::signbit(w.value()[i])) << "exactly +0.0 at " << i;
  soft_threshold({w}, 0);  // no change
  test::expect_values(w.value(), {0.5, -0.25, 0, 0, 0, 1.75}, 0);
  EXPECT_MESSAGE_HAS(soft_threshold({w}, -1), "threshold", ">= 0");
}

}  // namespace
}  // namespace gradlab
