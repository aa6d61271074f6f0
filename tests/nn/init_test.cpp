// Initialisers with an explicit scale (nn/init.h), against torch.nn.init's formulas: the
// empirical std and bounds of a large weight match them to statistical tolerance, the
// gains are calculate_gain's, and an orthogonal weight has W W^T = gain^2 I.
#include "nn/init.h"

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

constexpr std::int64_t kOut = 200, kIn = 300;  // 60,000 elements: the std is known to ~0.3%

struct Moments {
  double mean = 0, std = 0, max_abs = 0;
};
Moments moments(const Tensor& t) {
  Moments m;
  for (std::int64_t i = 0; i < t.numel(); ++i) m.mean += t[i];
  m.mean /= static_cast<double>(t.numel());
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    m.std += (t[i] - m.mean) * (t[i] - m.mean);
    m.max_abs = std::max(m.max_abs, std::fabs(static_cast<double>(t[i])));
  }
  m.std = std::sqrt(m.std / static_cast<double>(t.numel()));
  return m;
}

// Expects a N(0, std^2) sample: std within 3%, mean within 4 standard errors.
void expect_normal(const Tensor& t, double std) {
  const Moments m = moments(t);
  EXPECT_NEAR(m.std, std, 0.03 * std);
  EXPECT_NEAR(m.mean, 0, 4 * std / std::sqrt(static_cast<double>(t.numel())));
}

// Expects a U(-bound, bound) sample: inside the bounds, reaching close to them, std bound/sqrt(3).
void expect_uniform(const Tensor& t, double bound) {
  const Moments m = moments(t);
  EXPECT_LE(m.max_abs, bound * (1 + 1e-6));
  EXPECT_GT(m.max_abs, 0.999 * bound);
  EXPECT_NEAR(m.std, bound / std::sqrt(3.0), 0.03 * bound / std::sqrt(3.0));
}

TEST(InitScale, NormalStdAndUniformBound) {
  Rng rng(1);
  Tensor w({kOut, kIn});
  init::InitOptions o;
  o.std = 0.02;
  init::by_name("normal", w, rng, o);
  expect_normal(w, 0.02);
  o.bound = 0.5;
  init::by_name("uniform", w, rng, o);
  expect_uniform(w, 0.5);
  // gradlab's defaults when no scale is given: N(0, 0.1^2) and U(-0.1, 0.1).
  init::by_name("normal", w, rng);
  expect_normal(w, 0.1);
  init::by_name("uniform", w, rng);
  expect_uniform(w, 0.1);
}

TEST(InitScale, XavierWithGain) {
  Rng rng(2);
  Tensor w({kOut, kIn});
  init::InitOptions o;
  o.gain = 5.0 / 3.0;  // calculate_gain("tanh")
  init::by_name("xavier_normal", w, rng, o);
  expect_normal(w, o.gain * std::sqrt(2.0 / (kIn + kOut)));
  init::by_name("xavier_uniform", w, rng, o);
  expect_uniform(w, o.gain * std::sqrt(6.0 / (kIn + kOut)));
}

TEST(InitScale, KaimingNonlinearityAndMode) {
  Rng rng(3);
  Tensor w({kOut, kIn});
  init::InitOptions o;  // PyTorch's defaults: a = 0, fan_in, leaky_relu -> gain sqrt(2)
  init::by_name("kaiming_normal", w, rng, o);
  expect_normal(w, std::sqrt(2.0) / std::sqrt(static_cast<double>(kIn)));
  o.nonlinearity = "tanh";
  o.mode = "fan_out";
  init::by_name("kaiming_normal", w, rng, o);
  expect_normal(w, (5.0 / 3.0) / std::sqrt(static_cast<double>(kOut)));
  o.nonlinearity = "leaky_relu";
  o.a = 0.2;
  o.mode = "fan_in";
  init::by_name("kaiming_uniform", w, rng, o);
  expect_uniform(w, std::sqrt(2.0 / (1 + 0.04)) * std::sqrt(3.0 / kIn));
  o.nonlinearity = "linear";  // LeCun: std 1/sqrt(fan_in)
  init::by_name("kaiming_normal", w, rng, o);
  expect_normal(w, 1.0 / std::sqrt(static_cast<double>(kIn)));
  // A conv weight [O, C, k, k]: fan_in = C*k*k.
  Tensor c({16, 8, 3, 3});
  init::kaiming_uniform(c, rng, 0.0, "fan_in", "relu");
  EXPECT_LE(moments(c).max_abs, std::sqrt(2.0) * std::sqrt(3.0 / 72) * (1 + 1e-6));
  EXPECT_GT(moments(c).max_abs, 0.95 * std::sqrt(2.0) * std::sqrt(3.0 / 72));
  EXPECT_MESSAGE_HAS(init::kaiming_normal(w, rng, 0, "fan_avg"), "fan_avg", "fan_in, fan_out");
}

TEST(InitScale, CalculateGainIsPyTorchs) {
  EXPECT_DOUBLE_EQ(init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", 0.01), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_MESSAGE_HAS(init::calculate_gain("swish"), "swish", "tanh", "leaky_relu");
}

// W W^T (wide) or W^T W (tall) = gain^2 I, to rounding.
void expect_orthogonal(const Tensor& w, double gain) {
  const std::int64_t rows = w.dim(0), cols = w.numel() / rows;
  const bool wide = rows <= cols;
  const std::int64_t n = wide ? rows : cols, k = wide ? cols : rows;
  const double tol = (sizeof(Scalar) == 4 ? 1e-5 : 1e-12) * gain * gain * std::sqrt(static_cast<double>(k));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double d = 0;
      for (std::int64_t m = 0; m < k; ++m)
        d += wide ? static_cast<double>(w[i * cols + m]) * w[j * cols + m] : static_cast<double>(w[m * cols + i]) * w[m * cols + j];
      ASSERT_NEAR(d, i == j ? gain * gain : 0.0, tol) << "(" << i << ", " << j << ")";
    }
}

TEST(InitScale, OrthogonalWithGain) {
  Rng rng(4);
  init::InitOptions o;
  o.gain = 2.5;
  Tensor wide({6, 10}), tall({12, 5}), square({8, 8});
  init::by_name("orthogonal", wide, rng, o);
  expect_orthogonal(wide, 2.5);
  init::by_name("orthogonal", tall, rng, o);
  expect_orthogonal(tall, 2.5);
  o.gain = 1;
  init::by_name("orthogonal", square, rng, o);
  expect_orthogonal(square, 1);
}

}  // namespace
}  // namespace gradlab
