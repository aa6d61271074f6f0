// Objective::accuracy: the arg-max over the last axis against class-id targets (the first of
// equal maxima wins), per row of any leading shape ([B, T, C] logits and [B, T] targets as the
// recurrent models give them); the sign of the logit for bce_with_logits; NaN for a
// regression loss or no targets.
#include "train/objective.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gradlab {
namespace {

Objective of(const std::string& type) {
  Objective o;
  o.type = type;
  return o;
}

TEST(ObjectiveAccuracy, ArgMaxPerRowOverTheLastAxis) {
  // [2, 3, 4] logits: rows' arg-max 2, 0, 3, 1, 0 (a tie of 0 and 3: the first wins), 3.
  const Tensor out({2, 3, 4}, {0.1f, 0.2f, 0.9f, -1.0f,  //
                               5.0f, 1.0f, 2.0f, 3.0f,   //
                               -3.0f, -2.0f, -4.0f, -1.0f,  //
                               0.0f, 0.5f, 0.25f, 0.4f,  //
                               7.0f, 1.0f, 2.0f, 7.0f,   //
                               0.0f, 0.0f, 0.0f, 1e-6f});
  const Tensor all_right({2, 3}, {2, 0, 3, 1, 0, 3});
  EXPECT_EQ(of("cross_entropy").accuracy(out, all_right), 1.0);
  EXPECT_EQ(of("nll").accuracy(out, all_right), 1.0);
  const Tensor half({2, 3}, {2, 1, 3, 0, 3, 3});  // rows 1, 3, 4 wrong (row 4: the tie goes to class 0)
  EXPECT_EQ(of("cross_entropy").accuracy(out, half), 0.5);
}

TEST(ObjectiveAccuracy, BceWithLogitsComparesTheSignWithTheTarget) {
  const Tensor out({4, 1}, {2.0f, -1.0f, 0.0f, 0.5f});
  const Tensor y({4, 1}, {1, 0, 1, 0});  // right, right, wrong (0 is not > 0), wrong
  EXPECT_EQ(of("bce_with_logits").accuracy(out, y), 0.5);
}

TEST(ObjectiveAccuracy, NotANumberForRegressionOrNoTargets) {
  const Tensor out({2, 2}, {1, 2, 3, 4});
  EXPECT_TRUE(std::isnan(of("mse").accuracy(out, Tensor({2, 2}, {1, 2, 3, 4}))));
  EXPECT_TRUE(std::isnan(of("cross_entropy").accuracy(Tensor({0, 2}), Tensor({0}))));
}

}  // namespace
}  // namespace gradlab
