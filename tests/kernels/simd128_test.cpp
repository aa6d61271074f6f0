// Parity of the simd128 kernels (kernels/simd128) with the scalar reference. Built with wasm
// SIMD (-msimd128, run under node) this checks the f32x4 code; in a native build it checks the
// portable fallback, which shares the blocking, packing and approximations; in the f64 build
// simd128 is the reference and every kernel must agree with ref bit for bit.
// Lengths are chosen around multiples of 4 (f32x4), 16 (reduction unroll) and the GEMM
// tiles (MR x NR = 4 x 8, 5 x 8 in the relaxed flavour; KC = 256, MC = 128 / 120, NC = 1024),
// never only on them.
// How to add a kernel: see kernels_test.cpp; then add its simd128 case here.
#include "kernels/simd128/simd128.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cells.h"
#include "kernels/kernels.h"
#include "kernels/packed_gemm.h"
#include "tensor/rng.h"

namespace gradlab {
namespace {

using Vec = std::vector<Scalar>;
constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr double kU = kDouble ? 0x1p-53 : 0x1p-24;  // unit roundoff of Scalar

Vec random_vec(Rng& rng, std::size_t n, double lo = -3, double hi = 3) {
  Vec v(n);
  for (auto& x : v) x = static_cast<Scalar>(rng.uniform(lo, hi));
  return v;
}

template <class To, class From>
To bit_cast(From from) {  // std::bit_cast, which Emscripten 3.1.6's libc++ lacks
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

bool same(Scalar a, Scalar b) { return std::isnan(a) ? std::isnan(b) : a == b; }

TEST(Simd128Kernels, DispatchUsesSimd128UnderWasmSimd) {
#if defined(__wasm_simd128__) && !(defined(GRADLAB_SIMD128_KERNELS) && GRADLAB_SIMD128_KERNELS == 0)
  EXPECT_STREQ(kernels::backend_name(), "simd128");
#else
  EXPECT_STRNE(kernels::backend_name(), "simd128");
#endif
}

// ---- GEMM ----

// The classic bound for a float dot product of length K in any summation order, applied to
// C = alpha op(A) op(B) + beta C: |err| <= (K + 2) u (|alpha| sum_k |a_ik b_kj| + |beta c_ij|),
// with u the unit roundoff; the double-accumulating reference contributes one more rounding.
struct GemmCase {
  bool ta, tb;
  std::int64_t M, N, K;
  Scalar alpha, beta;
  std::int64_t pad;  // extra leading-dimension slack, so strides differ from widths
};

void check_gemm(const GemmCase& g, Rng& rng) {
  const std::int64_t a_rows = g.ta ? g.K : g.M, a_cols = g.ta ? g.M : g.K;
  const std::int64_t b_rows = g.tb ? g.N : g.K, b_cols = g.tb ? g.K : g.N;
  const std::int64_t lda = a_cols + g.pad, ldb = b_cols + g.pad, ldc = g.N + g.pad;
  const Vec A = random_vec(rng, std::size_t(a_rows * lda));
  const Vec B = random_vec(rng, std::size_t(b_rows * ldb));
  const Vec C0 = random_vec(rng, std::size_t(g.M * ldc));
  Vec Cref = C0, Csimd = C0;
  if (g.beta == 0) std::fill(Csimd.begin(), Csimd.end(), Scalar(NAN));  // beta == 0 must not read C
  kernels::ref::gemm(g.ta, g.tb, g.M, g.N, g.K, g.alpha, A.data(), lda, B.data(), ldb, g.beta, Cref.data(), ldc);
  kernels::simd128::gemm(g.ta, g.tb, g.M, g.N, g.K, g.alpha, A.data(), lda, B.data(), ldb, g.beta, Csimd.data(), ldc);
  const std::string what = "gemm ta=" + std::to_string(g.ta) + " tb=" + std::to_string(g.tb) +
                           " M=" + std::to_string(g.M) + " N=" + std::to_string(g.N) + " K=" + std::to_string(g.K) +
                           " alpha=" + std::to_string(g.alpha) + " beta=" + std::to_string(g.beta);
  for (std::int64_t i = 0; i < g.M; ++i) {
    for (std::int64_t j = 0; j < ldc; ++j) {
      const std::size_t at = std::size_t(i * ldc + j);
      if (j >= g.N) {  // the padding of C is never written
        if (g.beta != 0) {
          ASSERT_TRUE(same(Csimd[at], C0[at])) << what << " wrote padding at " << i << "," << j;
        }
        continue;
      }
      double mag = 0;
      for (std::int64_t k = 0; k < g.K; ++k) {
        const double a = g.ta ? A[std::size_t(k * lda + i)] : A[std::size_t(i * lda + k)];
        const double b = g.tb ? B[std::size_t(j * ldb + k)] : B[std::size_t(k * ldb + j)];
        mag += std::fabs(a * b);
      }
      const double bound =
          double(g.K + 3) * kU * (std::fabs(double(g.alpha)) * mag + std::fabs(double(g.beta) * C0[at]));
      ASSERT_NEAR(Csimd[at], Cref[at], bound) << what << " at " << i << "," << j;
    }
  }
}

TEST(Simd128Kernels, GemmAllTransposesMatchReference) {
  Rng rng(11);
  struct Size {
    std::int64_t M, N, K;
  };
  // Tiles are 4 x 8: sizes below, at and just past them, with K across the KC = 256 block.
  // M == 1 or N == 1 take the unpacked matrix-vector path (dots of 16 lanes, or axpys).
  const Size sizes[] = {{1, 1, 1},   {1, 9, 2},    {3, 5, 7},   {4, 8, 4},    {5, 9, 3},     {7, 15, 17},
                        {8, 16, 33}, {13, 11, 64}, {17, 9, 13}, {33, 65, 31}, {12, 24, 257}, {6, 10, 600},
                        {1, 37, 35}, {29, 1, 35},  {1, 1, 50},  {2, 1, 300},  {1, 300, 3}};
  for (const auto& s : sizes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) check_gemm({ta, tb, s.M, s.N, s.K, Scalar(0.5), Scalar(2), 0}, rng);
}

// PackedB (kernels/packed_gemm.h): op(B) packed once must give the same bits as kernels::gemm
// packing it on every call, in every build (under wasm SIMD it runs the simd128 panels; the
// f32 native build checks simd128's own prepacked path directly below), including the shapes
// a recurrence uses (M = batch rows, K and N from H and 4H), K across the KC = 256 block, N
// across NR = 8 and NC = 1024, M = 1 (the matrix-vector path), strides and beta = 0 over NaN.
TEST(Simd128Kernels, PackedBIsBitForBitTheGemm) {
  Rng rng(21);
  struct Size {
    std::int64_t M, N, K;
  };
  const Size sizes[] = {{32, 512, 128}, {32, 128, 512}, {5, 9, 3}, {1, 37, 35}, {4, 8, 257},
                        {13, 1030, 20}, {7, 2, 600}, {2, 3, 1}, {9, 12, 0}};
  for (const auto& z : sizes)
    for (bool tb : {false, true})
      for (const auto& [alpha, beta] : {std::pair<Scalar, Scalar>{1, 0}, {1, 1}, {0.5f, -2}}) {
        const std::int64_t pad = 3, lda = z.K + pad, ldb = (tb ? z.K : z.N) + pad, ldc = z.N + pad;
        const Vec A = random_vec(rng, std::size_t(z.M * lda));
        const Vec B = random_vec(rng, std::size_t((tb ? z.N : z.K) * ldb));
        Vec C0 = random_vec(rng, std::size_t(z.M * ldc));
        if (beta == 0) std::fill(C0.begin(), C0.end(), Scalar(NAN));
        Vec want = C0, got = C0;
        kernels::gemm(false, tb, z.M, z.N, z.K, alpha, A.data(), lda, B.data(), ldb, beta, want.data(), ldc);
        const kernels::PackedB packed(tb, z.K, z.N, B.data(), ldb);
        packed.gemm(z.M, alpha, A.data(), lda, beta, got.data(), ldc);
        packed.gemm(z.M, alpha, A.data(), lda, beta, got.data(), ldc);  // reusable: the same panels again
        if (beta != 0) {  // applied twice: compare against gemm applied twice
          kernels::gemm(false, tb, z.M, z.N, z.K, alpha, A.data(), lda, B.data(), ldb, beta, want.data(), ldc);
        }
        for (std::size_t i = 0; i < want.size(); ++i)
          ASSERT_TRUE(same(got[i], want[i])) << "PackedB tb=" << tb << " M=" << z.M << " N=" << z.N << " K=" << z.K
                                             << " beta=" << beta << " at " << i << ": " << got[i] << " vs " << want[i];
#if !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)  // f64: simd128 is ref, without panels
        if (z.K > 0 && z.M > 1 && z.N > 1) {
          Vec direct = C0, panels = C0;
          kernels::simd128::gemm(false, tb, z.M, z.N, z.K, alpha, A.data(), lda, B.data(), ldb, beta, direct.data(), ldc);
          const Vec pb = kernels::simd128::pack_b_panels(tb, z.K, z.N, B.data(), ldb);
          kernels::simd128::gemm_prepacked_b(false, z.M, z.N, z.K, alpha, A.data(), lda, pb.data(), beta, panels.data(), ldc);
          for (std::size_t i = 0; i < direct.size(); ++i)
            ASSERT_TRUE(same(panels[i], direct[i])) << "prepacked tb=" << tb << " M=" << z.M << " N=" << z.N << " at " << i;
        }
#endif
      }
}

// Every C element is one multiply-add chain over k in order, whichever tile computes it: the
// relaxed flavour's 5x8 tiles, their edges, or the 2 x 16 tiles under them when a block's
// height leaves 1-2 rows (M = 32 per recurrent step: 6 x 5 + 2). So the first M rows of a
// product are the same bits as in the product of those rows with 3 more below them (whose
// tiles fall differently), for every transpose, alpha, beta, stride, K across KC = 256, N
// across 2 x 8 columns (a pair of panels, the second partial, or one panel alone) and
// NC = 1024, and M across MC = 120 / 128.
TEST(Simd128Kernels, GemmRowsAreTheSameBitsWhateverTileComputesThem) {
  Rng rng(15);
  const std::int64_t Ms[] = {2, 6, 7, 11, 12, 31, 32, 122, 123, 130};
  struct Size {
    std::int64_t N, K;
  };
  const Size sizes[] = {{8, 5}, {13, 7}, {16, 9}, {20, 3}, {24, 300}, {33, 17}, {1030, 4}};
  for (const std::int64_t M : Ms)
    for (const auto& z : sizes)
      for (bool ta : {false, true})
        for (bool tb : {false, true})
          for (const auto& [alpha, beta] : {std::pair<Scalar, Scalar>{1, 0}, {0.5f, -2}}) {
            if (z.N > 64 && (M > 12 || ta)) continue;  // keep the run short: N past NC for small M
            const std::int64_t big = M + 3, pad = 1;
            const std::int64_t lda = (ta ? big : z.K) + pad, ldb = (tb ? z.K : z.N) + pad, ldc = z.N + pad;
            const Vec A = random_vec(rng, std::size_t((ta ? z.K : big) * lda));  // op(A) has `big` rows
            const Vec B = random_vec(rng, std::size_t((tb ? z.N : z.K) * ldb));
            Vec C0 = random_vec(rng, std::size_t(big * ldc));
            if (beta == 0) std::fill(C0.begin(), C0.end(), Scalar(NAN));
            Vec small = C0, large = C0;
            // op(A)'s first M rows: the same A with the same lda (ta: its first M columns)
            kernels::simd128::gemm(ta, tb, M, z.N, z.K, alpha, A.data(), lda, B.data(), ldb, beta, small.data(), ldc);
            kernels::simd128::gemm(ta, tb, big, z.N, z.K, alpha, A.data(), lda, B.data(), ldb, beta, large.data(), ldc);
            for (std::int64_t i = 0; i < M; ++i)
              for (std::int64_t j = 0; j < z.N; ++j) {
                const std::size_t at = std::size_t(i * ldc + j);
                ASSERT_TRUE(same(small[at], large[at]))
                    << "ta=" << ta << " tb=" << tb << " M=" << M << " N=" << z.N << " K=" << z.K << " beta=" << beta
                    << " at " << i << "," << j << ": " << small[at] << " vs " << large[at];
              }
            for (std::int64_t i = M; i < big; ++i)  // rows past M are not written
              for (std::int64_t j = 0; j < ldc; ++j)
                ASSERT_TRUE(same(small[std::size_t(i * ldc + j)], C0[std::size_t(i * ldc + j)]));
          }
}

TEST(Simd128Kernels, GemmAlphaBetaAndStrides) {
  Rng rng(12);
  const std::pair<Scalar, Scalar> ab[] = {{1, 0}, {1, 1}, {-1.5f, 0}, {0.25f, -0.5f}, {0, 3}};
  for (const auto& [alpha, beta] : ab)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        check_gemm({ta, tb, 11, 21, 19, alpha, beta, 3}, rng);
        check_gemm({ta, tb, 1, 21, 19, alpha, beta, 3}, rng);  // matrix-vector paths
        check_gemm({ta, tb, 11, 1, 19, alpha, beta, 3}, rng);
      }
}

TEST(Simd128Kernels, GemmAcrossCacheBlocks) {
  Rng rng(13);
  // M past MC = 128, N past NC = 1024, K past 2 KC; beta == 0 with K blocks must read C only
  // from the second block on (check_gemm fills C with NaN when beta is 0).
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check_gemm({ta, tb, 131, 9, 23, Scalar(1), Scalar(0), 1}, rng);
      check_gemm({ta, tb, 3, 1029, 5, Scalar(1), Scalar(0.5), 0}, rng);
      check_gemm({ta, tb, 5, 7, 515, Scalar(-1), Scalar(0), 2}, rng);
    }
}

TEST(Simd128Kernels, GemmPackedPanelsWithStrides) {
  Rng rng(14);
  // Full 4-row / 8-column panels are packed with f32x4 loads and 4x4 transposes, 4 values
  // of K at a time; the K leftovers (K % 4 = 1..3), partial panels and odd leading
  // dimensions (unaligned rows) take the scalar path. Sizes mix both in one call, including
  // K across the KC = 256 block and M across MC = 128.
  struct Size {
    std::int64_t M, N, K;
  };
  const Size sizes[] = {{4, 8, 1},    {4, 8, 3},  {4, 8, 4},     {8, 16, 6},   {9, 17, 5},    {12, 8, 130},
                        {16, 32, 67}, {7, 24, 9}, {20, 15, 258}, {64, 64, 64}, {132, 40, 18}, {36, 72, 261}};
  for (const auto& s : sizes)
    for (std::int64_t pad : {0, 1, 5})
      for (bool ta : {false, true})
        for (bool tb : {false, true})
          check_gemm({ta, tb, s.M, s.N, s.K, Scalar(1), Scalar(pad == 1 ? 0.5f : 0), pad}, rng);
}

TEST(Simd128Kernels, GemmEmptyShapes) {
  Vec A{1, 2}, B{3, 4}, C{5, NAN};
  kernels::simd128::gemm(false, false, 0, 2, 1, 1, A.data(), 1, B.data(), 2, 0, C.data(), 2);  // M = 0: nothing
  EXPECT_EQ(C[0], 5);
  C = {5, 6};
  kernels::simd128::gemm(false, false, 1, 2, 0, 1, A.data(), 1, B.data(), 2, 2, C.data(), 2);  // K = 0: C = beta C
  EXPECT_EQ(C[0], 10);
  EXPECT_EQ(C[1], 12);
  C = {NAN, NAN};
  kernels::simd128::gemm(false, false, 1, 2, 0, 1, A.data(), 1, B.data(), 2, 0, C.data(), 2);  // K = 0, beta = 0
  EXPECT_EQ(C[0], 0);
  EXPECT_EQ(C[1], 0);
}

// ---- elementwise ----

using Unary = void (*)(Scalar*, const Scalar*, std::size_t);
using Binary = void (*)(Scalar*, const Scalar*, const Scalar*, std::size_t);

const std::size_t kLengths[] = {0, 1, 3, 4, 5, 7, 8, 15, 16, 17, 33, 1001};

// Elementwise arithmetic does the same roundings as ref in the same order: equal up to one
// rounding of the largest term (the allowance is for compilers that contract to FMA natively).
TEST(Simd128Kernels, BinaryMatchReference) {
  Rng rng(21);
  struct Case {
    const char* name;
    Binary ref, simd;
  };
  const Case cases[] = {
      {"add", kernels::ref::add, kernels::simd128::add},
      {"sub", kernels::ref::sub, kernels::simd128::sub},
      {"mul", kernels::ref::mul, kernels::simd128::mul},
      {"div", kernels::ref::div, kernels::simd128::div},
      {"tanh_backward", kernels::ref::tanh_backward, kernels::simd128::tanh_backward},
      {"sigmoid_backward", kernels::ref::sigmoid_backward, kernels::simd128::sigmoid_backward},
      {"axpy",
       [](Scalar* o, const Scalar* a, const Scalar* b, std::size_t n) {
         std::copy(a, a + n, o);
         kernels::ref::axpy(o, Scalar(-0.7), b, n);
       },
       [](Scalar* o, const Scalar* a, const Scalar* b, std::size_t n) {
         std::copy(a, a + n, o);
         kernels::simd128::axpy(o, Scalar(-0.7), b, n);
       }},
  };
  for (const auto& c : cases) {
    for (std::size_t n : kLengths) {
      for (std::size_t offset : {0u, 1u}) {  // unaligned starts too
        const Vec x = random_vec(rng, n + offset), y = random_vec(rng, n + offset, 0.5, 2);
        Vec a(n + offset), b(n + offset);
        c.ref(a.data() + offset, x.data() + offset, y.data() + offset, n);
        c.simd(b.data() + offset, x.data() + offset, y.data() + offset, n);
        for (std::size_t i = offset; i < n + offset; ++i) {
          const double mag = std::fabs(double(x[i])) + std::fabs(double(y[i])) + std::fabs(double(x[i]) * y[i]) + 1;
          ASSERT_NEAR(b[i], a[i], 4 * kU * mag) << c.name << " n=" << n << " at " << i;
        }
      }
    }
  }
}

TEST(Simd128Kernels, ScaleAndReluMatchReferenceExactly) {
  Rng rng(22);
  for (std::size_t n : kLengths) {
    Vec x = random_vec(rng, n);
    if (n > 2) x[1] = NAN, x[2] = Scalar(-0.0);  // relu: NaN and -0 give +0, as in ref
    Vec a(n), b(n);
    kernels::ref::scale(a.data(), x.data(), Scalar(1.3), n);
    kernels::simd128::scale(b.data(), x.data(), Scalar(1.3), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(same(b[i], a[i])) << "scale at " << i;
    kernels::ref::relu(a.data(), x.data(), n);
    kernels::simd128::relu(b.data(), x.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(std::signbit(b[i]), std::signbit(a[i])) << "relu at " << i;
      ASSERT_TRUE(same(b[i], a[i])) << "relu at " << i;
    }
  }
}

TEST(Simd128Kernels, AliasedOutputIsAllowed) {
  Rng rng(23);
  Vec x = random_vec(rng, 37), y = x, z = random_vec(rng, 37);
  kernels::ref::tanh(y.data(), y.data(), y.size());
  kernels::simd128::tanh(x.data(), x.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 4e-7) << i;
  y = x;
  kernels::ref::add(y.data(), y.data(), z.data(), y.size());
  kernels::simd128::add(x.data(), x.data(), z.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], 1e-6) << i;
}

// exp, tanh and sigmoid are polynomial approximations: within 2e-7 of the exact value (the
// reference formula evaluated in double) wherever that is a normal float, within one
// subnormal step below FLT_MIN, and saturating exactly.
double exact(const char* name, double x) {
  if (std::strcmp(name, "exp") == 0) return std::exp(x);
  if (std::strcmp(name, "tanh") == 0) return std::tanh(x);
  return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
}

struct Worst {
  double rel = 0, at = 0;
  long failures = 0;
};

void score(const char* name, float x, float got, double want, double rtol, Worst& w) {
  bool ok;
  double rel = 0;
  if (std::isnan(want)) {
    ok = std::isnan(got);
  } else if (std::fabs(want) > FLT_MAX) {  // overflow: inf (or FLT_MAX right at the edge)
    ok = std::isinf(got) || (std::fabs(want) < FLT_MAX * (1 + 0x1p-24) && std::fabs(got) == FLT_MAX);
  } else if (std::fabs(want) < FLT_MIN) {  // subnormal or zero result
    ok = std::fabs(got - want) <= 0x1p-149;
  } else {
    rel = std::fabs(got - want) / std::fabs(want);
    ok = rel <= rtol;
  }
  if (rel > w.rel) w.rel = rel, w.at = x;
  if (!ok && w.failures++ < 5)
    ADD_FAILURE() << name << "(" << x << " = " << std::hexfloat << x << std::defaultfloat << ") = " << got << ", exact "
                  << want << ", rel " << rel;
}

struct Approx {
  const char* name;
  Unary ref, simd;
};
const Approx kApprox[] = {{"exp", kernels::ref::exp, kernels::simd128::exp},
                          {"tanh", kernels::ref::tanh, kernels::simd128::tanh},
                          {"sigmoid", kernels::ref::sigmoid, kernels::simd128::sigmoid}};

// Every float whose bit pattern is a multiple of the stride (a prime, so exponents and
// mantissas mix). All 2^32 floats instead (minutes): GRADLAB_SIMD128_EXHAUSTIVE=1 in the
// environment natively; compiled with -DGRADLAB_SIMD128_EXHAUSTIVE=1 under node, where
// Emscripten's getenv does not see the process environment.
[[maybe_unused]] bool exhaustive() {  // unused in the f64 flavour
#if defined(GRADLAB_SIMD128_EXHAUSTIVE) && GRADLAB_SIMD128_EXHAUSTIVE
  return true;
#else
  const char* env = std::getenv("GRADLAB_SIMD128_EXHAUSTIVE");
  return env && env[0] == '1';
#endif
}

#if !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)  // f64: simd128 is the reference
TEST(Simd128Kernels, ApproximationsAreAccurateOverTheWholeFloatRange) {
  const std::uint64_t stride = exhaustive() ? 1 : 4093;
  constexpr std::size_t kBatch = 4099;  // not a multiple of 4: every batch has leftovers
  for (const auto& f : kApprox) {
    Worst vs_exact, vs_ref;
    Vec x, got(kBatch), ref(kBatch);
    x.reserve(kBatch);
    auto flush = [&] {
      f.simd(got.data(), x.data(), x.size());
      f.ref(ref.data(), x.data(), x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const float xi = float(x[i]), gi = float(got[i]);
        score(f.name, xi, gi, exact(f.name, xi), 2e-7, vs_exact);
        // ref rounds in float (sigmoid: three times), so it is itself up to ~2e-7 off exact.
        score(f.name, xi, gi, ref[i], 4e-7, vs_ref);
      }
      x.clear();
    };
    for (std::uint64_t bits = 0; bits < (1ull << 32); bits += stride) {
      x.push_back(Scalar(bit_cast<float>(static_cast<std::uint32_t>(bits))));
      if (x.size() == kBatch) flush();
    }
    flush();
    std::printf("[ simd128  ] %-7s max rel error %.3g vs exact (at %a), %.3g vs ref (at %a)\n", f.name, vs_exact.rel,
                vs_exact.at, vs_ref.rel, vs_ref.at);
    EXPECT_EQ(vs_exact.failures, 0) << f.name;
  }
}
#endif

TEST(Simd128Kernels, ApproximationsAreAccurateInTheUsualRange) {
  Rng rng(24);
  for (const auto& f : kApprox) {
    for (std::size_t n : kLengths) {
      const Vec x = random_vec(rng, n, -30, 30);
      Vec got(n), ref(n);
      f.simd(got.data(), x.data(), n);
      f.ref(ref.data(), x.data(), n);
      Worst w;
      for (std::size_t i = 0; i < n; ++i) {
        if (kDouble)
          ASSERT_EQ(got[i], ref[i]) << f.name;
        else
          score(f.name, float(x[i]), float(got[i]), exact(f.name, x[i]), 2e-7, w);
      }
      EXPECT_EQ(w.failures, 0) << f.name << " n=" << n;
    }
  }
}

#if !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)  // f64: simd128 is the reference
TEST(Simd128Kernels, ApproximationsSaturateAndPropagateNaN) {
  const Scalar inf = INFINITY, big = FLT_MAX, tiny = FLT_MIN, den = std::numeric_limits<float>::denorm_min();
  // 15 values: some land in the SIMD body, some in the leftovers.
  const Vec x{-inf, -1000, -104, -20, -0.0f, 0, 20, 89, 1000, inf, NAN, big, -big, tiny, -den};
  Vec y(x.size());

  kernels::simd128::exp(y.data(), x.data(), x.size());
  const Vec exp_want{0, 0, 0, Scalar(std::exp(-20.0)), 1, 1, Scalar(std::exp(20.0)), inf, inf, inf, NAN, inf, 0, 1, 1};
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(exp_want[i]) && exp_want[i] != 0)
      EXPECT_NEAR(y[i], exp_want[i], 2e-7 * exp_want[i]) << "exp(" << x[i] << ")";
    else
      EXPECT_TRUE(same(y[i], exp_want[i])) << "exp(" << x[i] << ") = " << y[i];
  }

  kernels::simd128::tanh(y.data(), x.data(), x.size());
  const Vec tanh_want{-1, -1, -1, -1, -0.0f, 0, 1, 1, 1, 1, NAN, 1, -1, tiny, -den};
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_TRUE(same(y[i], tanh_want[i])) << "tanh(" << x[i] << ") = " << y[i];
    EXPECT_EQ(std::signbit(y[i]), std::signbit(tanh_want[i])) << "tanh(" << x[i] << ") sign";
  }

  kernels::simd128::sigmoid(y.data(), x.data(), x.size());
  const Vec sigmoid_want{0, 0, 0, Scalar(exact("sigmoid", -20)), 0.5, 0.5, 1, 1, 1, 1, NAN, 1, 0, 0.5, 0.5};
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i == 3)
      EXPECT_NEAR(y[i], sigmoid_want[i], 2e-7 * sigmoid_want[i]) << "sigmoid(" << x[i] << ")";
    else
      EXPECT_TRUE(same(y[i], sigmoid_want[i])) << "sigmoid(" << x[i] << ") = " << y[i];
  }
}
#endif

// An element gets the same bits in the SIMD body and in the leftovers tail.
TEST(Simd128Kernels, BodyAndLeftoversAgreeBitForBit) {
  Rng rng(25);
  const Vec x = random_vec(rng, 23, -40, 40);
  for (const auto& f : kApprox) {
    Vec whole(x.size());
    f.simd(whole.data(), x.data(), x.size());
    for (std::size_t start = 1; start < 4; ++start) {
      Vec part(x.size() - start);
      f.simd(part.data(), x.data() + start, part.size());
      for (std::size_t i = 0; i < part.size(); ++i)
        ASSERT_EQ(bit_cast<std::uint64_t>(double(part[i])), bit_cast<std::uint64_t>(double(whole[i + start])))
            << f.name << " at " << i + start;
    }
  }
}

#if !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)  // f64: simd128 is the reference
// The f32x4 exp, tanh and sigmoid (their constants read once per call from VConsts' table)
// give the bits of the scalar twins that the leftovers use, over the float range (NaN in
// gives some NaN out). Natively both sides are the scalar code.
TEST(Simd128Kernels, VectorBodyIsTheScalarTwinBitForBit) {
  using namespace kernels::simd128_detail;
  struct Twin {
    const char* name;
    Unary simd;
    float (*scalar)(float);
  };
  const Twin twins[] = {{"exp", kernels::simd128::exp, [](float x) { return exp1(x); }},
                        {"tanh", kernels::simd128::tanh, [](float x) { return tanh1(x); }},
                        {"sigmoid", kernels::simd128::sigmoid, [](float x) { return sigmoid1(x); }}};
  const std::uint64_t stride = exhaustive() ? 1 : 4093;
  constexpr std::size_t kBatch = 4096;  // a multiple of 4: all but the last batch's tail is f32x4
  for (const auto& f : twins) {
    long mismatches = 0;
    Vec x, got(kBatch);
    x.reserve(kBatch);
    auto flush = [&] {
      f.simd(got.data(), x.data(), x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const float want = f.scalar(float(x[i]));
        const bool ok = std::isnan(want) ? std::isnan(got[i])
                                         : bit_cast<std::uint32_t>(float(got[i])) == bit_cast<std::uint32_t>(want);
        if (!ok && mismatches++ < 5)
          ADD_FAILURE() << f.name << "(" << std::hexfloat << x[i] << ") = " << got[i] << ", scalar twin " << want;
      }
      x.clear();
    };
    for (std::uint64_t bits = 0; bits < (1ull << 32); bits += stride) {
      x.push_back(Scalar(bit_cast<float>(static_cast<std::uint32_t>(bits))));
      if (x.size() == kBatch) flush();
    }
    flush();
    EXPECT_EQ(mismatches, 0) << f.name;
  }
}
#endif

// ---- reductions ----

TEST(Simd128Kernels, SumAndDotMatchReference) {
  Rng rng(31);
  for (std::size_t n : {0u, 1u, 3u, 15u, 16u, 17u, 100u, 1023u, 1024u, 1025u, 4099u, 100003u}) {
    const Vec a = random_vec(rng, n), b = random_vec(rng, n);
    double abs_sum = 0, abs_dot = 0;
    for (std::size_t i = 0; i < n; ++i) abs_sum += std::fabs(a[i]), abs_dot += std::fabs(double(a[i]) * b[i]);
    // Float partial sums: an error of at most n u times the sum of magnitudes (plus rounding).
    EXPECT_NEAR(kernels::simd128::sum(a.data(), n), kernels::ref::sum(a.data(), n), double(n + 2) * kU * abs_sum)
        << "sum n=" << n;
    EXPECT_NEAR(kernels::simd128::dot(a.data(), b.data(), n), kernels::ref::dot(a.data(), b.data(), n),
                double(n + 2) * kU * abs_dot)
        << "dot n=" << n;
  }
}

// softmax: each y is exp(x - m) / z with exp within 2e-7, z a sum of those in double and one
// final rounding; ref rounds its own exp: 5e-7 relative covers both. log_softmax differs
// from ref only through log z (ref sums double exps), which keeps |err| <= ~2e-7 |y| + 1 ulp,
// plus, where z is within ~1e-12 of 1 (one dominant logit, y ~ -log z ~ 0), the absolute
// rounding of z itself in double, which both do in their own order: (C + 1) 2^-52.
void check_softmax(std::int64_t R, std::int64_t C, double lo, double hi, Rng& rng) {
  const Vec x = random_vec(rng, std::size_t(R * C), lo, hi);
  Vec a(x.size()), b(x.size());
  kernels::ref::softmax_rows(a.data(), x.data(), R, C);
  kernels::simd128::softmax_rows(b.data(), x.data(), R, C);
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_NEAR(b[i], a[i], 5e-7 * std::fabs(a[i]) + 1e-37) << "softmax R=" << R << " C=" << C << " at " << i;
  kernels::ref::log_softmax_rows(a.data(), x.data(), R, C);
  kernels::simd128::log_softmax_rows(b.data(), x.data(), R, C);
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_NEAR(b[i], a[i], 4e-7 * std::fabs(a[i]) + double(C + 1) * 0x1p-52)
        << "log_softmax R=" << R << " C=" << C << " at " << i;
}

TEST(Simd128Kernels, SoftmaxRowsMatchReference) {
  Rng rng(32);
  for (std::int64_t C : {1, 3, 4, 5, 8, 17, 100, 1001})
    for (std::int64_t R : {1, 3}) {
      check_softmax(R, C, -1, 1, rng);
      check_softmax(R, C, -50, 50, rng);
    }
}

TEST(Simd128Kernels, SoftmaxRowsWithInfAndNaNAsReference) {
  const Scalar inf = INFINITY;
  const std::int64_t C = 6;
  const Vec x{1, 2, 3, NAN, 4, 5, 1, 2, 3, 4, 5, NAN, -inf, 0, 1, 2, 3, -inf, inf, 0, 1, 2, 3, 4};
  const std::int64_t R = std::int64_t(x.size()) / C;
  Vec a(x.size()), b(x.size());
  kernels::ref::softmax_rows(a.data(), x.data(), R, C);
  kernels::simd128::softmax_rows(b.data(), x.data(), R, C);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same(b[i], a[i]) || std::fabs(b[i] - a[i]) < 1e-6) << i;
  kernels::ref::log_softmax_rows(a.data(), x.data(), R, C);
  kernels::simd128::log_softmax_rows(b.data(), x.data(), R, C);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same(b[i], a[i]) || std::fabs(b[i] - a[i]) < 1e-6) << i;
}

// ---- fused recurrent cells (kernels/cells.h) ----

// The cells are ref's formulas in ref's order; they differ only through exp/tanh/sigmoid
// (<= ~2.3e-7 relative from ref's), compounded over a few operations on O(1) values.
constexpr double kCellTol = kDouble ? 0 : 2e-6;

void expect_close(const Vec& got, const Vec& want, const char* what, std::int64_t H) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], kCellTol * std::max(1.0, std::fabs(double(want[i]))))
        << what << " H=" << H << " at " << i;
}

TEST(Simd128Kernels, LstmCellMatchesReference) {
  Rng rng(51);
  const std::int64_t B = 3;
  kernels::GateClamps clamps;
  clamps.on[1] = true, clamps.value[1] = Scalar(0.25);  // f
  clamps.on[2] = true, clamps.value[2] = Scalar(-0.5);  // g
  for (std::int64_t H : {1, 3, 4, 5, 8, 13, 33}) {
    for (bool peep : {false, true}) {
      for (const kernels::GateClamps* cl :
           {static_cast<const kernels::GateClamps*>(nullptr), static_cast<const kernels::GateClamps*>(&clamps)}) {
        const Vec pre = random_vec(rng, std::size_t(B * 4 * H)), cp = random_vec(rng, std::size_t(B * H)),
                  pw = random_vec(rng, std::size_t(3 * H)), dh = random_vec(rng, std::size_t(B * H)),
                  dc = random_vec(rng, std::size_t(B * H));
        const Scalar* p = peep ? pw.data() : nullptr;
        Vec act1(pre.size()), c1(cp.size()), h1(cp.size());
        Vec act2 = pre, c2(cp.size()), h2(cp.size());  // act over pre: the documented aliasing
        kernels::ref::lstm_cell_forward(B, H, pre.data(), cp.data(), p, cl, act1.data(), c1.data(), h1.data());
        kernels::simd128::lstm_cell_forward(B, H, act2.data(), cp.data(), p, cl, act2.data(), c2.data(), h2.data());
        expect_close(act2, act1, "lstm act", H);
        expect_close(c2, c1, "lstm c", H);
        expect_close(h2, h1, "lstm h", H);
        // Backward from ref's forward, so only the backward differs.
        Vec d1(pre.size()), d2(pre.size()), dcp1(cp.size()), dcp2 = dc, dp1(pw.size(), 1), dp2(pw.size(), 1);
        kernels::ref::lstm_cell_backward(B, H, act1.data(), cp.data(), c1.data(), p, cl, dh.data(), dc.data(),
                                         d1.data(), dcp1.data(), peep ? dp1.data() : nullptr);
        kernels::simd128::lstm_cell_backward(B, H, act1.data(), cp.data(), c1.data(), p, cl, dh.data(), dcp2.data(),
                                             d2.data(), dcp2.data(), peep ? dp2.data() : nullptr);  // dc_prev over dc
        expect_close(d2, d1, "lstm dgates_pre", H);
        expect_close(dcp2, dcp1, "lstm dc_prev", H);
        expect_close(dp2, dp1, "lstm dpeephole", H);
        // tanh(c) kept by the forward and read by the backward: the same bits as without it.
        Vec act3 = pre, c3(cp.size()), h3(cp.size()), tc(cp.size(), Scalar(7));
        kernels::simd128::lstm_cell_forward(B, H, act3.data(), cp.data(), p, cl, act3.data(), c3.data(), h3.data(),
                                            tc.data());
        ASSERT_EQ(act3, act2);
        ASSERT_EQ(c3, c2);
        ASSERT_EQ(h3, h2);
        for (std::size_t i = 0; i < tc.size(); ++i) ASSERT_NEAR(tc[i], std::tanh(c3[i]), 2e-7) << "tanh(c) at " << i;
        Vec d3(pre.size()), dcp3 = dc, dp3(pw.size(), 1);
        kernels::simd128::lstm_cell_backward(B, H, act1.data(), cp.data(), c1.data(), p, cl, dh.data(), dcp3.data(),
                                             d3.data(), dcp3.data(), peep ? dp3.data() : nullptr);
        Vec tc1(cp.size());  // tanh(c1) by the same approximation the simd128 forward keeps
        kernels::simd128::tanh(tc1.data(), c1.data(), tc1.size());
        Vec d4(pre.size()), dcp4 = dc, dp4(pw.size(), 1);
        kernels::simd128::lstm_cell_backward(B, H, act1.data(), cp.data(), c1.data(), p, cl, dh.data(), dcp4.data(),
                                             d4.data(), dcp4.data(), peep ? dp4.data() : nullptr, tc1.data());
        ASSERT_EQ(d4, d3);
        ASSERT_EQ(dcp4, dcp3);
        ASSERT_EQ(dp4, dp3);
      }
    }
  }
}

TEST(Simd128Kernels, GruCellMatchesReference) {
  Rng rng(52);
  const std::int64_t B = 3;
  kernels::GateClamps clamps;
  clamps.on[0] = true, clamps.value[0] = Scalar(0.75);  // r
  for (std::int64_t H : {1, 3, 4, 5, 8, 13, 33}) {
    for (const kernels::GateClamps* cl :
         {static_cast<const kernels::GateClamps*>(nullptr), static_cast<const kernels::GateClamps*>(&clamps)}) {
      const Vec gx = random_vec(rng, std::size_t(B * 3 * H)), gh = random_vec(rng, std::size_t(B * 3 * H)),
                hp = random_vec(rng, std::size_t(B * H)), dh = random_vec(rng, std::size_t(B * H));
      Vec a1(gx.size()), n1(hp.size()), h1(hp.size());
      Vec a2 = gx, n2(hp.size()), h2(hp.size());  // gates_act over gx
      kernels::ref::gru_cell_forward(B, H, gx.data(), gh.data(), hp.data(), cl, a1.data(), n1.data(), h1.data());
      kernels::simd128::gru_cell_forward(B, H, a2.data(), gh.data(), hp.data(), cl, a2.data(), n2.data(), h2.data());
      expect_close(a2, a1, "gru act", H);
      expect_close(n2, n1, "gru hn", H);
      expect_close(h2, h1, "gru h", H);
      Vec x1(gx.size()), x2(gx.size()), y1(gx.size()), y2(gx.size()), p1(hp.size()), p2(hp.size());
      kernels::ref::gru_cell_backward(B, H, a1.data(), n1.data(), hp.data(), cl, dh.data(), x1.data(), y1.data(),
                                      p1.data());
      kernels::simd128::gru_cell_backward(B, H, a1.data(), n1.data(), hp.data(), cl, dh.data(), x2.data(), y2.data(),
                                          p2.data());
      expect_close(x2, x1, "gru dgx", H);
      expect_close(y2, y1, "gru dgh", H);
      expect_close(p2, p1, "gru dh_prev", H);
      // cells.h: dgh's r and z columns are dgx's values exactly (the bias gradients copy them).
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t j = 0; j < 2 * H; ++j) {
          const std::size_t k = std::size_t(b * 3 * H + j);
          ASSERT_EQ(y2[k], x2[k]) << "simd128, H=" << H << " row " << b << " column " << j;
        }
    }
  }
}

TEST(Simd128Kernels, RnnCellAndColumnSumsMatchReference) {
  Rng rng(53);
  for (std::int64_t H : {1, 5, 8, 13}) {
    const std::int64_t B = 3;
    for (bool relu : {false, true}) {
      Vec pre = random_vec(rng, std::size_t(B * H)), dh = random_vec(rng, std::size_t(B * H));
      if (relu) pre[0] = 0;  // relu'(0) = 0, as ref
      Vec h1(pre.size()), h2 = pre, d1(pre.size()), d2 = dh;
      kernels::ref::rnn_cell_forward(B, H, relu, pre.data(), h1.data());
      kernels::simd128::rnn_cell_forward(B, H, relu, h2.data(), h2.data());  // h over pre
      expect_close(h2, h1, "rnn h", H);
      kernels::ref::rnn_cell_backward(B, H, relu, h1.data(), dh.data(), d1.data());
      kernels::simd128::rnn_cell_backward(B, H, relu, h1.data(), d2.data(), d2.data());  // dpre over dh
      expect_close(d2, d1, "rnn dpre", H);
    }
  }
  // 256-column blocks, narrower blocks of a multiple of 4 and single columns, alone and together, over whole rows
  // and over a column range of wider rows (leading dimension ld > C, offset start); each
  // column is summed down the rows in double as ref does, so the two agree bit for bit.
  for (auto [R, C] : {std::pair<std::int64_t, std::int64_t>{37, 13}, {5, 300}, {1, 3}, {3, 23}, {1600, 512}, {2, 16}}) {
    for (std::int64_t pad : {0, 7}) {
      const std::int64_t ld = C + pad, start = pad ? 3 : 0;
      const Vec in = random_vec(rng, std::size_t(R * ld));
      std::vector<double> s1(std::size_t(C), 1), s2(std::size_t(C), 1);
      kernels::ref::add_column_sums(R, C, in.data() + start, ld, s1.data());
      kernels::simd128::add_column_sums(R, C, in.data() + start, ld, s2.data());
      // A second call adds on (as the recurrent backward's step-by-step sums do).
      kernels::ref::add_column_sums(R / 2 + 1, C, in.data() + start, ld, s1.data());
      kernels::simd128::add_column_sums(R / 2 + 1, C, in.data() + start, ld, s2.data());
      for (std::int64_t c = 0; c < C; ++c)
        ASSERT_EQ(s2[std::size_t(c)], s1[std::size_t(c)]) << "R=" << R << " C=" << C << " ld=" << ld << " at " << c;
    }
  }
}

// ---- f64 ----

#if defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE  // f32: covered by the parity tests above
TEST(Simd128Kernels, DoubleBuildIsTheReference) {
  Rng rng(41);
  const std::size_t n = 37;
  const Vec x = random_vec(rng, n), y = random_vec(rng, n);
  Vec a(n), b(n);
  kernels::ref::gemm(true, false, 3, 5, 7, 0.5, x.data(), 3, y.data(), 5, 0, a.data(), 5);
  kernels::simd128::gemm(true, false, 3, 5, 7, 0.5, x.data(), 3, y.data(), 5, 0, b.data(), 5);
  EXPECT_EQ(a, b);
  kernels::ref::softmax_rows(a.data(), x.data(), 1, std::int64_t(n));
  kernels::simd128::softmax_rows(b.data(), x.data(), 1, std::int64_t(n));
  EXPECT_EQ(a, b);
  EXPECT_EQ(kernels::ref::dot(x.data(), y.data(), n), kernels::simd128::dot(x.data(), y.data(), n));
}
#endif

}  // namespace
}  // namespace gradlab
