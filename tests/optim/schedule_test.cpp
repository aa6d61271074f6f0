// Learning-rate schedules at chosen steps against their closed forms, worked by hand.
#include "optim/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gradlab {
namespace {

// Schedules compute in double whatever Scalar is.
constexpr double kTol = 1e-15;

TEST(Schedule, Constant) {
  ConstantLR s(0.1);
  EXPECT_EQ(s.lr_at(0), 0.1);
  EXPECT_EQ(s.lr_at(100000), 0.1);
}

TEST(Schedule, StepLRDropsByGammaEveryStepSize) {
  StepLR s(0.1, /*step_size=*/3, /*gamma=*/0.5);
  EXPECT_EQ(s.lr_at(0), 0.1);
  EXPECT_EQ(s.lr_at(2), 0.1);
  EXPECT_NEAR(s.lr_at(3), 0.05, kTol);  // 0.1 * 0.5^1
  EXPECT_NEAR(s.lr_at(5), 0.05, kTol);
  EXPECT_NEAR(s.lr_at(6), 0.025, kTol);    // 0.1 * 0.5^2
  EXPECT_NEAR(s.lr_at(10), 0.0125, kTol);  // floor(10 / 3) = 3: 0.1 * 0.125
}

TEST(Schedule, ExponentialLR) {
  ExponentialLR s(0.1, 0.9);
  EXPECT_EQ(s.lr_at(0), 0.1);
  EXPECT_NEAR(s.lr_at(1), 0.09, kTol);
  EXPECT_NEAR(s.lr_at(2), 0.081, kTol);
  EXPECT_NEAR(s.lr_at(10), 0.0348678440100, kTol);  // 0.1 * 0.9^10
}

TEST(Schedule, CosineAnnealing) {
  CosineAnnealingLR s(0.1, /*T_max=*/10, /*eta_min=*/0.01);
  EXPECT_NEAR(s.lr_at(0), 0.1, kTol);                 // cos 0 = 1: base_lr
  EXPECT_NEAR(s.lr_at(2), 0.0914057647468726, kTol);  // 0.01 + 0.09 (1 + cos(pi/5)) / 2, cos(pi/5) = 0.809016994
  EXPECT_NEAR(s.lr_at(5), 0.055, kTol);               // cos(pi/2) = 0: halfway
  EXPECT_NEAR(s.lr_at(10), 0.01, kTol);               // cos pi = -1: eta_min
  EXPECT_NEAR(s.lr_at(15), 0.055, kTol);              // past T_max the cosine carries on
  EXPECT_NEAR(s.lr_at(20), 0.1, kTol);
}

TEST(Schedule, ArgumentsAreValidated) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message([] { StepLR(0.1, 0); }), "StepLR: step_size = 0 is outside [1, inf)");
  EXPECT_EQ(message([] { StepLR(0.1, 2, -0.5); }), "StepLR: gamma = -0.5 is outside [0, inf)");
  EXPECT_EQ(message([] { ExponentialLR(-0.1, 0.9); }), "ExponentialLR: base_lr = -0.1 is outside [0, inf)");
  EXPECT_EQ(message([] { CosineAnnealingLR(0.1, 0); }), "CosineAnnealingLR: T_max = 0 is outside [1, inf)");
  EXPECT_EQ(message([] { CosineAnnealingLR(0.1, 5, std::nan("")); }),
            "CosineAnnealingLR: eta_min = nan is outside [0, inf)");
  EXPECT_EQ(message([] { ConstantLR(0.1).lr_at(-1); }), "ConstantLR: step = -1 is negative");
}

}  // namespace
}  // namespace gradlab
