// Kernel parity: every variant against the scalar reference, on lengths that are not
// multiples of 4 or of any tile. How to add a kernel: add it to GRADLAB_KERNEL_LIST in
// kernels.h, write ref/ first, then a variant, then a case here.
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#if GRADLAB_NATIVE_KERNELS
#include <Eigen/Core>
#endif

#include <cmath>
#include <vector>

#include "tensor/rng.h"

namespace gradlab {
namespace {

// float variants may differ from the double-accumulating reference by rounding.
constexpr double kTol = sizeof(Scalar) == 4 ? 2e-5 : 1e-12;

std::vector<Scalar> random_vec(Rng& rng, std::size_t n, double lo = -3, double hi = 3) {
  std::vector<Scalar> v(n);
  for (auto& x : v) x = static_cast<Scalar>(rng.uniform(lo, hi));
  return v;
}

void expect_close(const std::vector<Scalar>& a, const std::vector<Scalar>& b, double tol, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], tol * std::max(1.0, std::fabs(double(b[i])))) << what << " at " << i;
}

#if GRADLAB_NATIVE_KERNELS
// Eigen's blocking (and so the bits of every native GEMM) follows fixed cache sizes, not the
// CPU's: the same run gives the same numbers on every machine.
TEST(Kernels, NativeGemmBlocksForFixedCacheSizesNotTheCpus) {
  EXPECT_EQ(Eigen::l1CacheSize(), kernels::native::kEigenCacheSizes[0]);
  EXPECT_EQ(Eigen::l2CacheSize(), kernels::native::kEigenCacheSizes[1]);
  EXPECT_EQ(Eigen::l3CacheSize(), kernels::native::kEigenCacheSizes[2]);
}
#endif

TEST(Kernels, GemmAllTransposesMatchReference) {
  Rng rng(3);
  for (auto [M, N, K] : {std::tuple{1, 1, 1}, {3, 5, 7}, {17, 9, 13}, {33, 65, 31}}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        auto A = random_vec(rng, std::size_t(M * K));
        auto B = random_vec(rng, std::size_t(K * N));
        auto C0 = random_vec(rng, std::size_t(M * N));
        auto Cref = C0, Cnat = C0;
        const std::int64_t lda = ta ? M : K, ldb = tb ? K : N;
        kernels::ref::gemm(ta, tb, M, N, K, Scalar(0.5), A.data(), lda, B.data(), ldb, Scalar(2), Cref.data(), N);
        kernels::native::gemm(ta, tb, M, N, K, Scalar(0.5), A.data(), lda, B.data(), ldb, Scalar(2), Cnat.data(), N);
        expect_close(Cnat, Cref, kTol * K, "gemm");
      }
    }
  }
}

TEST(Kernels, GemmWithZeroBetaIgnoresGarbageInC) {
  std::vector<Scalar> A{1, 2}, B{3, 4}, C{NAN};
  kernels::ref::gemm(false, false, 1, 1, 2, 1, A.data(), 2, B.data(), 1, 0, C.data(), 1);
  EXPECT_EQ(C[0], 11);
  C[0] = NAN;
  kernels::native::gemm(false, false, 1, 1, 2, 1, A.data(), 2, B.data(), 1, 0, C.data(), 1);
  EXPECT_EQ(C[0], 11);
}

using Unary = void (*)(Scalar*, const Scalar*, std::size_t);
using Binary = void (*)(Scalar*, const Scalar*, const Scalar*, std::size_t);

TEST(Kernels, UnaryMatchReference) {
  Rng rng(5);
  struct Case { const char* name; Unary ref, nat; double lo, hi; };
  const Case cases[] = {
      {"exp", kernels::ref::exp, kernels::native::exp, -20, 20},
      {"log", kernels::ref::log, kernels::native::log, 1e-3, 50},
      {"tanh", kernels::ref::tanh, kernels::native::tanh, -12, 12},
      {"sigmoid", kernels::ref::sigmoid, kernels::native::sigmoid, -30, 30},
      {"relu", kernels::ref::relu, kernels::native::relu, -3, 3},
  };
  for (const auto& c : cases) {
    for (std::size_t n : {1u, 3u, 7u, 33u, 1001u}) {
      auto x = random_vec(rng, n, c.lo, c.hi);
      std::vector<Scalar> a(n), b(n);
      c.ref(a.data(), x.data(), n);
      c.nat(b.data(), x.data(), n);
      expect_close(b, a, kTol, c.name);
    }
  }
}

TEST(Kernels, BinaryMatchReference) {
  Rng rng(6);
  struct Case { const char* name; Binary ref, nat; };
  const Case cases[] = {
      {"add", kernels::ref::add, kernels::native::add},
      {"sub", kernels::ref::sub, kernels::native::sub},
      {"mul", kernels::ref::mul, kernels::native::mul},
      {"div", kernels::ref::div, kernels::native::div},
      {"tanh_backward", kernels::ref::tanh_backward, kernels::native::tanh_backward},
      {"sigmoid_backward", kernels::ref::sigmoid_backward, kernels::native::sigmoid_backward},
  };
  for (const auto& c : cases) {
    for (std::size_t n : {1u, 5u, 31u, 257u}) {
      auto x = random_vec(rng, n), y = random_vec(rng, n, 0.5, 2);
      std::vector<Scalar> a(n), b(n);
      c.ref(a.data(), x.data(), y.data(), n);
      c.nat(b.data(), x.data(), y.data(), n);
      expect_close(b, a, kTol, c.name);
    }
  }
}

TEST(Kernels, SigmoidSaturatesWithoutOverflow) {
  std::vector<Scalar> x{-1000, -80, 0, 80, 1000}, y(5);
  kernels::ref::sigmoid(y.data(), x.data(), 5);
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[2], Scalar(0.5));
  EXPECT_EQ(y[4], 1);
  for (auto v : y) EXPECT_FALSE(std::isnan(v));
}

TEST(Kernels, SoftmaxRowsSumToOneAndLogSoftmaxAgrees) {
  Rng rng(8);
  const std::int64_t R = 5, C = 7;
  auto x = random_vec(rng, std::size_t(R * C), -50, 50);
  std::vector<Scalar> p(x.size()), lp(x.size());
  kernels::softmax_rows(p.data(), x.data(), R, C);
  kernels::log_softmax_rows(lp.data(), x.data(), R, C);
  for (std::int64_t r = 0; r < R; ++r) {
    double s = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      s += p[std::size_t(r * C + c)];
      EXPECT_NEAR(std::exp(double(lp[std::size_t(r * C + c)])), p[std::size_t(r * C + c)], kTol);
    }
    EXPECT_NEAR(s, 1.0, kTol);
  }
}

TEST(Kernels, ReductionsMatchReference) {
  Rng rng(9);
  for (std::size_t n : {0u, 1u, 6u, 999u}) {
    auto a = random_vec(rng, n), b = random_vec(rng, n);
    EXPECT_NEAR(kernels::native::sum(a.data(), n), kernels::ref::sum(a.data(), n), kTol * double(n + 1));
    EXPECT_NEAR(kernels::native::dot(a.data(), b.data(), n), kernels::ref::dot(a.data(), b.data(), n), kTol * double(n + 1));
  }
}

}  // namespace
}  // namespace gradlab
