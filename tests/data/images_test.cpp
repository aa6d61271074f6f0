// The image datasets (shapes, digits): shapes [N, 1, H, H], balanced labels, pixel values,
// determinism, and what `shift` moves: the test objects' centre of mass sits `shift`
// pixels right and down of the training objects' (measured), nothing moves with shift 0.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "data/dataset.h"
#include "support/check.h"

namespace gradlab {
namespace {

DatasetOptions options(int image_size, int shift, double noise = 0, int n = 400) {
  DatasetOptions o;
  o.seed = 5;
  o.n_samples = n;
  o.image_size = image_size;
  o.shift = shift;
  o.noise = noise;
  return o;
}

// Mean (row, column) of the pixel mass over every image of x [N, 1, H, H].
std::pair<double, double> centre_of_mass(const Tensor& x) {
  const std::int64_t H = x.dim(2);
  double m = 0, r = 0, c = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x[i];
    const std::int64_t p = i % (H * H);
    m += v;
    r += v * static_cast<double>(p / H);
    c += v * static_cast<double>(p % H);
  }
  return {r / m, c / m};
}

// One image as text, for a failure message.
std::string ascii(const Tensor& x, std::int64_t k) {
  const std::int64_t H = x.dim(2);
  std::string s;
  for (std::int64_t i = 0; i < H; ++i) {
    for (std::int64_t j = 0; j < H; ++j) s += x[(k * H + i) * H + j] > 0.35 ? '#' : '.';
    s += '\n';
  }
  return s;
}

TEST(Images, ShapesLabelsAndPixelValues) {
  for (const char* name : {"shapes", "digits"})
    for (int H : {12, 16, 32}) {
      SCOPED_TRACE(std::string(name) + " " + std::to_string(H));
      const Dataset d = make_dataset(name, options(H, 0));
      EXPECT_EQ(d.task, task::classification);
      EXPECT_EQ(d.x_train.shape(), (Shape{320, 1, H, H}));
      EXPECT_EQ(d.x_test.shape(), (Shape{80, 1, H, H}));
      EXPECT_EQ(d.num_classes, 10);
      EXPECT_EQ(d.input_size, H * H);
      EXPECT_EQ(d.class_names.size(), 10u);
      std::vector<int> count(10, 0);
      for (const Tensor* y : {&d.y_train, &d.y_test})
        for (std::int64_t i = 0; i < y->numel(); ++i) ++count[static_cast<std::size_t>((*y)[i])];
      for (int c : count) EXPECT_EQ(c, 40);
      // Without noise: 0 background, objects of brightness 0.7 to 1, each image holding one.
      for (std::int64_t k = 0; k < d.x_train.dim(0); ++k) {
        std::int64_t lit = 0;
        for (std::int64_t p = 0; p < H * H; ++p) {
          const double v = d.x_train[k * H * H + p];
          ASSERT_TRUE(v == 0 || (v >= 0.7 && v <= 1)) << v;
          lit += v > 0;
        }
        ASSERT_GE(lit, 5) << "image " << k << "\n" << ascii(d.x_train, k);  // a "1" of 6 rows lights 6 or 7
        ASSERT_LE(lit, H * H / 3) << "image " << k << "\n" << ascii(d.x_train, k);
      }
    }
}

TEST(Images, ClassesLookDifferent) {
  // The mean image of each class differs from every other class's (positions jitter, so
  // the means are blurred; that the classes can be learned is tests/session/image_snapshots_test.cpp).
  for (const char* name : {"shapes", "digits"}) {
    const Dataset d = make_dataset(name, options(16, 0, 0, 1000));
    std::vector<std::vector<double>> mean(10, std::vector<double>(256, 0.0));
    for (std::int64_t k = 0; k < d.x_train.dim(0); ++k)
      for (int p = 0; p < 256; ++p) mean[static_cast<std::size_t>(d.y_train[k])][static_cast<std::size_t>(p)] += d.x_train[k * 256 + p] / 80;
    for (int a = 0; a < 10; ++a)
      for (int b = a + 1; b < 10; ++b) {
        double dist = 0;
        for (int p = 0; p < 256; ++p) dist += std::pow(mean[a][p] - mean[b][p], 2);
        EXPECT_GT(std::sqrt(dist), 0.4) << name << " classes " << a << " and " << b;
      }
  }
}

TEST(Images, ShiftMovesTheTestSplitRightAndDown) {
  for (const char* name : {"shapes", "digits"}) {
    SCOPED_TRACE(name);
    const Dataset centred = make_dataset(name, options(16, 0));
    const auto [r0, c0] = centre_of_mass(centred.x_train);
    const auto [r1, c1] = centre_of_mass(centred.x_test);
    EXPECT_NEAR(r0, r1, 0.5);
    EXPECT_NEAR(c0, c1, 0.5);
    EXPECT_NEAR(r0, 7.5, 1.0);  // the middle of a 16-pixel side
    const Dataset shifted = make_dataset(name, options(16, 8));
    const auto [tr, tc] = centre_of_mass(shifted.x_train);
    const auto [sr, sc] = centre_of_mass(shifted.x_test);
    EXPECT_NEAR(sr - tr, 8, 1.0);
    EXPECT_NEAR(sc - tc, 8, 1.0);
    // shift 8 of 16: training objects in the top-left quarter, test objects in the bottom-right one.
    EXPECT_LT(tr, 5);
    EXPECT_GT(sr, 10);
  }
}

TEST(Images, DeterministicPerSeedAndNoiseIsAdded) {
  const Dataset a = make_dataset("digits", options(16, 4, 0.1));
  const Dataset b = make_dataset("digits", options(16, 4, 0.1));
  EXPECT_EQ(a.x_train.to_vector(), b.x_train.to_vector());
  EXPECT_EQ(a.y_test.to_vector(), b.y_test.to_vector());
  DatasetOptions other = options(16, 4, 0.1);
  other.seed = 6;
  EXPECT_NE(make_dataset("digits", other).x_train.to_vector(), a.x_train.to_vector());
  double sum_sq = 0;
  std::int64_t background = 0;
  const Dataset clean = make_dataset("digits", options(16, 4, 0));
  for (std::int64_t i = 0; i < clean.x_train.numel(); ++i)
    if (clean.x_train[i] == 0) {
      sum_sq += std::pow(a.x_train[i], 2);
      ++background;
    }
  EXPECT_NEAR(std::sqrt(sum_sq / static_cast<double>(background)), 0.1, 0.005);  // the noise's std
}

TEST(Images, OptionsAreValidated) {
  DatasetOptions o = options(16, 9);
  test::expect_invalid([&] { validate_options("shapes", o); }, {"dataset 'shapes'", "option shift = 9", "image_size = 16", "0 to 8"});
  o = options(8, 0);
  test::expect_invalid([&] { validate_options("digits", o); }, {"option image_size = 8", "from 12 to 64"});
  o = options(64, 0, 0, 10000);
  test::expect_invalid([&] { validate_options("digits", o); }, {"image_size = 64", "40960000 pixels"});
  o = {};
  o.shift = 2;
  test::expect_invalid([&] { validate_options("circle", o); }, {"does not read option shift"});
}

}  // namespace
}  // namespace gradlab
