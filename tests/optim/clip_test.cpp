// Gradient clipping: the returned norm is the pre-clip one, a clipped set of gradients
// has norm max_norm (up to PyTorch's 1e-6), small ones are untouched, and non-finite
// norms come back as they are with the gradients left alone.
#include "optim/clip.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gradlab {
namespace {

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 2e-7;
constexpr double kInf = std::numeric_limits<double>::infinity();

// a = [3, 0] and b = [4] with gradients equal to their values; c has no gradient.
struct Grads {
  Grads(std::initializer_list<double> ga, std::initializer_list<double> gb) {
    a.set_grad(Tensor::from({2}, ga));
    b.set_grad(Tensor::from({1}, gb));
  }
  NamedParams params() const { return {{"a", a}, {"b", b}, {"c", c}}; }
  Var a{Tensor::from({2}, {0, 0}), true}, b{Tensor::from({1}, {0}), true}, c{Tensor::from({1}, {0}), true};
};

TEST(ClipGradNorm, ReturnsPreClipNormAndLeavesMaxNorm) {
  Grads g({3, 0}, {4});  // total 2-norm sqrt(9 + 16) = 5
  EXPECT_EQ(clip_grad_norm(g.params(), 1.0), 5.0);
  // every gradient times 1 / (5 + 1e-6)
  EXPECT_NEAR(g.a.grad()[0], 3 / (5 + 1e-6), kTol);
  EXPECT_EQ(g.a.grad()[1], Scalar(0));
  EXPECT_NEAR(g.b.grad()[0], 4 / (5 + 1e-6), kTol);
  EXPECT_NEAR(grad_norm({g.a, g.b}), 5 / (5 + 1e-6), kTol);  // = max_norm up to 2e-7
  EXPECT_NEAR(grad_norm({g.a, g.b}), 1.0, 1e-6);
  EXPECT_FALSE(g.c.has_grad());
}

TEST(ClipGradNorm, SmallNormLeavesGradientsExactlyAlone) {
  Grads g({0.3, 0}, {0.4});  // norm 0.5 < 1
  EXPECT_NEAR(clip_grad_norm(g.params(), 1.0), 0.5, 1e-7);
  EXPECT_EQ(g.a.grad()[0], Scalar(0.3));
  EXPECT_EQ(g.b.grad()[0], Scalar(0.4));
}

TEST(ClipGradNorm, OtherNormTypes) {
  {
    Grads g({3, 0}, {-4});
    EXPECT_EQ(clip_grad_norm(g.params(), 2.0, 1), 7.0);  // |3| + |0| + |-4|
    EXPECT_NEAR(g.b.grad()[0], -4 * 2 / (7 + 1e-6), kTol);
  }
  {
    Grads g({3, 0}, {-4});
    EXPECT_EQ(clip_grad_norm(g.params(), 2.0, kInf), 4.0);  // max |g|
    EXPECT_NEAR(g.a.grad()[0], 3 * 2 / (4 + 1e-6), kTol);
    EXPECT_NEAR(grad_norm({g.a, g.b}, kInf), 2.0, 1e-6);
  }
  {
    Grads g({3, 0}, {4});
    EXPECT_NEAR(clip_grad_norm(g.params(), 100.0, 3), std::cbrt(27.0 + 64.0), 1e-12);  // 4.497941445
  }
}

TEST(ClipGradNorm, NonFiniteNormIsReturnedAndGradientsKept) {
  Grads g({3, kInf}, {4});
  EXPECT_EQ(clip_grad_norm(g.params(), 1.0), kInf);
  EXPECT_EQ(g.a.grad()[0], Scalar(3));
  EXPECT_EQ(g.b.grad()[0], Scalar(4));
  Grads n({std::nan(""), 1}, {4});
  EXPECT_TRUE(std::isnan(clip_grad_norm(n.params(), 1.0)));
  EXPECT_TRUE(std::isnan(clip_grad_norm(n.params(), 1.0, kInf)));
  EXPECT_EQ(n.b.grad()[0], Scalar(4));
}

TEST(ClipGradValue, ClampsElementsAndReturnsPreClipTwoNorm) {
  Grads g({3, -0.5}, {-4});
  EXPECT_NEAR(clip_grad_value(g.params(), 1.0), std::sqrt(9 + 0.25 + 16), 1e-12);  // 5.024937811
  EXPECT_EQ(g.a.grad()[0], Scalar(1));
  EXPECT_EQ(g.a.grad()[1], Scalar(-0.5));
  EXPECT_EQ(g.b.grad()[0], Scalar(-1));
  EXPECT_FALSE(g.c.has_grad());
}

TEST(Clip, ArgumentsAreValidated) {
  Grads g({1, 1}, {1});
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message([&] { clip_grad_norm(g.params(), -1); }), "clip_grad_norm: max_norm = -1 is outside [0, inf]");
  EXPECT_EQ(message([&] { clip_grad_norm(g.params(), 1, 0); }), "clip_grad_norm: norm_type = 0 is outside (0, inf]");
  EXPECT_EQ(message([&] { clip_grad_value(g.params(), std::nan("")); }),
            "clip_grad_value: clip = nan is outside [0, inf]");
  EXPECT_EQ(g.a.grad()[0], Scalar(1));
}

}  // namespace
}  // namespace gradlab
