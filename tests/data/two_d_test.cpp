// 2-D classification and regression datasets and the GAN targets: shapes, balance, ranges,
// and the geometric truth each one promises.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/dataset.h"

namespace gradlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<std::int64_t> class_counts(const Tensor& y, std::int64_t classes) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(classes), 0);
  for (std::int64_t i = 0; i < y.numel(); ++i) counts[static_cast<std::size_t>(y[i])]++;
  return counts;
}

DatasetOptions with(int n, double noise, std::uint64_t seed = 1) {
  DatasetOptions o;
  o.n_samples = n;
  o.noise = noise;
  o.seed = seed;
  return o;
}

TEST(TwoD, ClassificationShapesAndBalancePerSplit) {
  for (const char* name : {"circle", "xor", "gaussians", "spiral", "moons"}) {
    SCOPED_TRACE(name);
    DatasetOptions o = with(503, 0.05);
    const bool multi = std::string(name) == "gaussians" || std::string(name) == "spiral";
    if (multi) o.num_classes = 4;
    const Dataset d = make_dataset(name, o);
    const std::int64_t c = multi ? 4 : 2;
    EXPECT_EQ(d.num_classes, c);
    EXPECT_EQ(d.x_train.shape(), (Shape{402, 2}));
    EXPECT_EQ(d.y_train.shape(), (Shape{402}));
    EXPECT_EQ(d.x_test.shape(), (Shape{101, 2}));
    EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x1", "x2"}));
    for (const Tensor* y : {&d.y_train, &d.y_test}) {
      const auto counts = class_counts(*y, c);
      for (auto k : counts) {
        EXPECT_GE(k, y->numel() / c);  // balanced to within one sample
        EXPECT_LE(k, y->numel() / c + 1);
      }
    }
    for (std::int64_t i = 0; i < d.x_train.numel(); ++i) EXPECT_LE(std::fabs(d.x_train[i]), 1.3);
  }
}

TEST(TwoD, NoiselessGeometryHolds) {
  const DatasetOptions o = with(400, 0.0);
  const Dataset circle = make_dataset("circle", o);
  for (std::int64_t i = 0; i < circle.y_train.numel(); ++i) {
    const double r = std::hypot(circle.x_train[2 * i], circle.x_train[2 * i + 1]);
    if (circle.y_train[i] == 0) {
      EXPECT_LE(r, 0.5 + 1e-6);
    } else {
      EXPECT_TRUE(r >= 0.7 - 1e-6 && r <= 1.0 + 1e-6) << r;
    }
  }
  const Dataset x = make_dataset("xor", o);
  for (std::int64_t i = 0; i < x.y_train.numel(); ++i) {
    const double prod = x.x_train[2 * i] * x.x_train[2 * i + 1];
    EXPECT_EQ(x.y_train[i], prod > 0 ? 0 : 1);
  }
  DatasetOptions g = o;
  g.num_classes = 3;
  const Dataset blobs = make_dataset("gaussians", g);
  for (std::int64_t i = 0; i < blobs.y_train.numel(); ++i) {
    const double angle = 2 * kPi * blobs.y_train[i] / 3;
    EXPECT_NEAR(blobs.x_train[2 * i], 0.7 * std::cos(angle), 1e-6);
    EXPECT_NEAR(blobs.x_train[2 * i + 1], 0.7 * std::sin(angle), 1e-6);
  }
  const Dataset moons = make_dataset("moons", o);
  for (std::int64_t i = 0; i < moons.y_train.numel(); ++i) {
    // Undo the scaling; the upper moon lies on the unit circle about (0, 0), the lower about (1, 0.5).
    const double a = moons.x_train[2 * i] * 1.5 + 0.5, b = moons.x_train[2 * i + 1] * 1.5 + 0.25;
    const double r = moons.y_train[i] == 0 ? std::hypot(a, b) : std::hypot(a - 1, b - 0.5);
    EXPECT_NEAR(r, 1.0, 1e-5);
  }
}

TEST(TwoD, BlobStdFollowsNoise) {
  DatasetOptions o = with(4000, 0.2);
  o.num_classes = 2;
  const Dataset d = make_dataset("gaussians", o);
  double s2 = 0;
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) {
    const double cx = d.y_train[i] == 0 ? 0.7 : -0.7;
    s2 += std::pow(d.x_train[2 * i] - cx, 2) + std::pow(d.x_train[2 * i + 1], 2);
    n += 2;
  }
  EXPECT_NEAR(std::sqrt(s2 / n), 0.2, 0.01);
}

TEST(TwoD, SpiralArmsAreRotatedCopies) {
  DatasetOptions o = with(300, 0.0);
  o.num_classes = 3;
  const Dataset d = make_dataset("spiral", o);
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) {
    // radius = 0.05 + 0.95 t, angle = 3.5 pi t + 2 pi k / C (mod 2 pi).
    const double x = d.x_train[2 * i], y = d.x_train[2 * i + 1];
    const double t = (std::hypot(x, y) - 0.05) / 0.95;
    const double expected = 3.5 * kPi * t + 2 * kPi * d.y_train[i] / 3;
    EXPECT_NEAR(std::cos(expected), x / std::hypot(x, y), 1e-4);
    EXPECT_NEAR(std::sin(expected), y / std::hypot(x, y), 1e-4);
  }
}

TEST(TwoD, RegressionTargetsFollowTheirFormula) {
  const Dataset sine = make_dataset("sine", with(200, 0.0));
  EXPECT_EQ(sine.task, task::regression);
  EXPECT_EQ(sine.num_classes, 0);
  EXPECT_EQ(sine.x_train.shape(), (Shape{160, 1}));
  EXPECT_EQ(sine.y_train.shape(), (Shape{160, 1}));
  for (std::int64_t i = 0; i < 160; ++i) {
    EXPECT_GE(sine.x_train[i], -1);
    EXPECT_LT(sine.x_train[i], 1);
    EXPECT_NEAR(sine.y_train[i], std::sin(kPi * sine.x_train[i]), 1e-5);
  }
  DatasetOptions p = with(200, 0.0);
  p.coefficients = {1, -2, 0.5};
  const Dataset poly = make_dataset("polynomial", p);
  for (std::int64_t i = 0; i < 160; ++i) {
    const double x = poly.x_train[i];
    EXPECT_NEAR(poly.y_train[i], 1 - 2 * x + 0.5 * x * x, 1e-5);
  }
  EXPECT_NE(poly.description.find("1 - 2 x + 0.5 x^2"), std::string::npos) << poly.description;
  DatasetOptions q = with(200, 0.0);
  q.coefficients = {0.5, 2, -1};
  const Dataset plane = make_dataset("plane", q);
  EXPECT_EQ(plane.x_train.shape(), (Shape{160, 2}));
  for (std::int64_t i = 0; i < 160; ++i)
    EXPECT_NEAR(plane.y_train[i], 0.5 + 2 * plane.x_train[2 * i] - plane.x_train[2 * i + 1], 1e-5);
}

TEST(TwoD, RandomPolynomialHasTheDegreeAndUnitPeak) {
  DatasetOptions o = with(2000, 0.0, 5);
  o.degree = 4;
  const Dataset d = make_dataset("polynomial", o);
  double peak = 0;
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) peak = std::max(peak, std::fabs(double(d.y_train[i])));
  EXPECT_LE(peak, 1 + 1e-5);
  EXPECT_GT(peak, 0.9);  // 1600 draws come near the peak
  EXPECT_NE(d.description.find("x^4"), std::string::npos) << d.description;
  EXPECT_EQ(d.description.find("x^5"), std::string::npos) << d.description;
}

TEST(TwoD, RegressionNoiseHasTheRequestedStd) {
  const Dataset clean = make_dataset("sine", with(5000, 0.0, 3));
  const Dataset noisy = make_dataset("sine", with(5000, 0.3, 3));
  double s2 = 0;
  for (std::int64_t i = 0; i < noisy.y_train.numel(); ++i)
    s2 += std::pow(noisy.y_train[i] - std::sin(kPi * noisy.x_train[i]), 2);
  EXPECT_NEAR(std::sqrt(s2 / noisy.y_train.numel()), 0.3, 0.015);
  EXPECT_NE(clean.y_train.to_vector(), noisy.y_train.to_vector());
}

TEST(Gan, RingHasModesOnRadiusTwoAndSamplesNearThem) {
  DatasetOptions o;
  o.n_samples = 2000;
  const Dataset d = make_dataset("gan_ring", o);
  EXPECT_EQ(d.task, task::gan);
  ASSERT_EQ(d.modes.shape(), (Shape{8, 2}));
  EXPECT_DOUBLE_EQ(d.mode_std, 0.02);
  for (std::int64_t k = 0; k < 8; ++k) EXPECT_NEAR(std::hypot(d.modes[2 * k], d.modes[2 * k + 1]), 2.0, 1e-6);
  EXPECT_EQ(d.x_train.shape(), (Shape{1600, 2}));
  std::vector<int> seen(8, 0);
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) {
    const auto k = static_cast<std::int64_t>(d.y_train[i]);
    seen[static_cast<std::size_t>(k)]++;
    EXPECT_LT(std::hypot(d.x_train[2 * i] - d.modes[2 * k], d.x_train[2 * i + 1] - d.modes[2 * k + 1]), 0.02 * 6);
  }
  for (int c : seen) EXPECT_NEAR(c, 200, 60);  // a uniform mixture
}

TEST(Gan, GridIsCentredWithSpacingTwo) {
  DatasetOptions o;
  o.grid_size = 5;
  const Dataset d = make_dataset("gan_grid", o);
  ASSERT_EQ(d.modes.shape(), (Shape{25, 2}));
  double lo = 1e9, hi = -1e9;
  for (std::int64_t i = 0; i < d.modes.numel(); ++i) {
    lo = std::min(lo, double(d.modes[i]));
    hi = std::max(hi, double(d.modes[i]));
    EXPECT_EQ(std::fmod(d.modes[i] + 4, 2.0), 0.0);
  }
  EXPECT_EQ(lo, -4);
  EXPECT_EQ(hi, 4);
}

TEST(Gan, SpiralAndMoonsHaveNoModesAndStayInRange) {
  for (const char* name : {"gan_spiral", "gan_moons"}) {
    DatasetOptions o;
    o.noise = 0.0;
    const Dataset d = make_dataset(name, o);
    EXPECT_FALSE(d.modes.defined()) << name;
    for (std::int64_t i = 0; i < d.x_train.numel(); ++i) EXPECT_LE(std::fabs(d.x_train[i]), 2.0 + 1e-6) << name;
  }
}

TEST(Gan, PointsBecomeModes) {
  DatasetOptions o;
  o.points = {{1, 1, 0}, {-3, 0.5, 1}};
  o.noise = 0.01;
  o.n_samples = 100;
  const Dataset d = make_dataset("gan_points", o);
  EXPECT_EQ(d.modes.to_vector(), (std::vector<Scalar>{1, 1, -3, 0.5}));
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) {
    const auto k = static_cast<std::int64_t>(d.y_train[i]);
    EXPECT_LT(std::fabs(d.x_train[2 * i] - d.modes[2 * k]), 0.08);
  }
}

}  // namespace
}  // namespace gradlab
