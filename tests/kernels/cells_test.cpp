// Recurrent cell kernels (kernels/cells.h): each backward against central differences of
// its own forward, clamps, and the native variant against the reference on sizes that are
// not multiples of 4. The layer-level checks are in tests/nn/recurrent_test.cpp.
#include "kernels/cells.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "tensor/rng.h"

namespace gradlab {
namespace {

using Vec = std::vector<Scalar>;
constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr std::int64_t B = 3, H = 5;  // B batch rows, H hidden size (odd on purpose)

Vec random_vec(Rng& rng, std::int64_t n, double lo = -1.5, double hi = 1.5) {
  Vec v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<Scalar>(rng.uniform(lo, hi));
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

// Central differences of `loss` with respect to every element of `x`, against `analytic`.
void expect_matches_finite_differences(const std::function<double()>& loss, Vec& x, const Vec& analytic,
                                       const char* what) {
  const double eps = kDouble ? 1e-6 : 1e-2, tol = kDouble ? 1e-7 : 2e-2;
  ASSERT_EQ(x.size(), analytic.size());
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Scalar saved = x[k];
    x[k] = static_cast<Scalar>(saved + eps);
    const double up = loss();
    x[k] = static_cast<Scalar>(saved - eps);
    const double down = loss();
    x[k] = saved;
    const double numeric = (up - down) / (2 * eps);
    EXPECT_NEAR(analytic[k], numeric, tol * std::max(1.0, std::fabs(numeric))) << what << " at " << k;
  }
}

TEST(CellKernels, RnnBackwardMatchesFiniteDifferences) {
  for (bool relu : {false, true}) {
    Rng rng(1);
    Vec pre = random_vec(rng, B * H), w = random_vec(rng, B * H), h(pre.size()), dpre(pre.size());
    auto loss = [&] {
      kernels::ref::rnn_cell_forward(B, H, relu, pre.data(), h.data());
      return dot(h, w);
    };
    loss();
    kernels::ref::rnn_cell_backward(B, H, relu, h.data(), w.data(), dpre.data());
    expect_matches_finite_differences(loss, pre, dpre, relu ? "relu dpre" : "tanh dpre");
    if (!relu) {
      EXPECT_NEAR(h[0], std::tanh(pre[0]), 1e-6);
    }
  }
}

struct LstmCase {
  Vec pre, c_prev, peep, wh, wc;
  Vec act, c, h;
  kernels::GateClamps clamps;
  bool use_peep = false, use_clamps = false;
  LstmCase(Rng& rng, bool peephole)
      : pre(random_vec(rng, B * 4 * H)),
        c_prev(random_vec(rng, B * H)),
        peep(random_vec(rng, 3 * H)),
        wh(random_vec(rng, B * H)),
        wc(random_vec(rng, B * H)),
        act(pre.size()),
        c(c_prev.size()),
        h(c_prev.size()),
        use_peep(peephole) {}
  void forward() {
    kernels::ref::lstm_cell_forward(B, H, pre.data(), c_prev.data(), use_peep ? peep.data() : nullptr,
                                    use_clamps ? &clamps : nullptr, act.data(), c.data(), h.data());
  }
  double loss() {  // sum(wh * h) + sum(wc * c): dh = wh, and wc arrives as dc from "step t+1"
    forward();
    return dot(h, wh) + dot(c, wc);
  }
};

TEST(CellKernels, LstmBackwardMatchesFiniteDifferences) {
  for (bool peephole : {false, true}) {
    Rng rng(2);
    LstmCase k(rng, peephole);
    k.forward();
    Vec dpre(k.pre.size()), dc_prev(k.c.size()), dpeep(k.peep.size(), Scalar(0));
    kernels::ref::lstm_cell_backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(),
                                     peephole ? k.peep.data() : nullptr, nullptr, k.wh.data(), k.wc.data(), dpre.data(),
                                     dc_prev.data(), peephole ? dpeep.data() : nullptr);
    auto loss = [&] { return k.loss(); };
    expect_matches_finite_differences(loss, k.pre, dpre, "dgates_pre");
    expect_matches_finite_differences(loss, k.c_prev, dc_prev, "dc_prev");
    if (peephole) expect_matches_finite_differences(loss, k.peep, dpeep, "dpeephole");
  }
}

TEST(CellKernels, LstmForwardIsTheFormula) {
  Rng rng(3);
  LstmCase k(rng, false);
  k.forward();
  auto s = [](double x) { return 1 / (1 + std::exp(-x)); };
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      const Scalar* p = k.pre.data() + b * 4 * H;
      const double i = s(p[j]), f = s(p[H + j]), g = std::tanh(double(p[2 * H + j])), o = s(p[3 * H + j]);
      const double c = f * k.c_prev[b * H + j] + i * g;
      EXPECT_NEAR(k.c[b * H + j], c, 1e-6);
      EXPECT_NEAR(k.h[b * H + j], o * std::tanh(c), 1e-6);
    }
}

TEST(CellKernels, ClampedLstmGateIsConstantAndStopsItsGradient) {
  Rng rng(4);
  LstmCase k(rng, true);
  k.use_clamps = true;
  k.clamps.on[1] = true;  // f = 0
  k.clamps.value[1] = 0;
  k.clamps.on[3] = true;  // o = 0.5
  k.clamps.value[3] = Scalar(0.5);
  k.forward();
  Vec dpre(k.pre.size()), dc_prev(k.c.size()), dpeep(k.peep.size(), Scalar(0));
  kernels::ref::lstm_cell_backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(), k.peep.data(), &k.clamps,
                                   k.wh.data(), k.wc.data(), dpre.data(), dc_prev.data(), dpeep.data());
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      const Scalar* a = k.act.data() + b * 4 * H;
      EXPECT_EQ(a[H + j], Scalar(0));
      EXPECT_EQ(a[3 * H + j], Scalar(0.5));
      EXPECT_EQ(k.c[b * H + j], a[j] * a[2 * H + j]);  // c = i * g exactly
      EXPECT_EQ(dpre[b * 4 * H + H + j], Scalar(0));
      EXPECT_EQ(dpre[b * 4 * H + 3 * H + j], Scalar(0));
      EXPECT_NE(dpre[b * 4 * H + j], Scalar(0));
    }
  for (std::int64_t j = 0; j < H; ++j) {
    EXPECT_EQ(dpeep[H + j], Scalar(0));      // f's peephole
    EXPECT_EQ(dpeep[2 * H + j], Scalar(0));  // o's peephole
  }
  // The unclamped gates still match finite differences of the clamped forward.
  auto loss = [&] { return k.loss(); };
  expect_matches_finite_differences(loss, k.pre, dpre, "clamped dgates_pre");
  expect_matches_finite_differences(loss, k.c_prev, dc_prev, "clamped dc_prev");
}

TEST(CellKernels, GruBackwardMatchesFiniteDifferences) {
  for (bool clamp : {false, true}) {
    Rng rng(5);
    Vec gx = random_vec(rng, B * 3 * H), gh = random_vec(rng, B * 3 * H), hp = random_vec(rng, B * H),
        w = random_vec(rng, B * H);
    Vec act(gx.size()), hn(hp.size()), h(hp.size());
    kernels::GateClamps clamps;
    clamps.on[0] = clamp;  // r = 0.25
    clamps.value[0] = Scalar(0.25);
    auto loss = [&] {
      kernels::ref::gru_cell_forward(B, H, gx.data(), gh.data(), hp.data(), &clamps, act.data(), hn.data(), h.data());
      return dot(h, w);
    };
    loss();
    Vec dgx(gx.size()), dgh(gh.size()), dhp(hp.size());
    kernels::ref::gru_cell_backward(B, H, act.data(), hn.data(), hp.data(), &clamps, w.data(), dgx.data(), dgh.data(),
                                    dhp.data());
    expect_matches_finite_differences(loss, gx, dgx, "dgx");
    expect_matches_finite_differences(loss, gh, dgh, "dgh");
    expect_matches_finite_differences(loss, hp, dhp, "dh_prev");
    if (clamp) {
      EXPECT_EQ(act[0], Scalar(0.25));
      EXPECT_EQ(dgx[0], Scalar(0));
      EXPECT_EQ(dgh[0], Scalar(0));
    }
    EXPECT_EQ(hn[0], gh[2 * H]);  // hn keeps gh's n block
  }
}

TEST(CellKernels, ColumnSumsAccumulate) {
  const Vec in{1, 2, 3, 4, 5, 6};  // [3, 2]
  std::vector<double> out{10, 20};
  kernels::ref::add_column_sums(3, 2, in.data(), 2, out.data());
  EXPECT_EQ(out, (std::vector<double>{19, 32}));
  kernels::ref::add_column_sums(1, 2, in.data() + 4, 2, out.data());  // a second call adds on
  EXPECT_EQ(out, (std::vector<double>{24, 38}));
  std::vector<double> part{10};  // column 1 only: rows read with the leading dimension 2
  kernels::ref::add_column_sums(3, 1, in.data() + 1, 2, part.data());
  EXPECT_EQ(part, (std::vector<double>{22}));
  // In double: 2^24 + 1 is not a float, and the sum keeps it.
  const Vec big{Scalar(16777216), Scalar(1)};
  std::vector<double> one{0};
  kernels::ref::add_column_sums(2, 1, big.data(), 1, one.data());
  EXPECT_EQ(one[0], 16777217.0);
}

// lstm_cell_forward's tanh_c keeps the tanh(c) that h used; lstm_cell_backward given it reads
// those values instead of computing tanh(c) again. Both ways give the same bits, in each backend.
template <class Forward, class Backward>
void expect_kept_tanh_changes_nothing(Forward forward, Backward backward, const char* backend) {
  Rng rng(7);
  kernels::GateClamps clamps;
  clamps.on[3] = true;  // o clamped: dpre_o is 0 but tanh(c) still scales dc_t
  clamps.value[3] = Scalar(0.5);
  for (bool peephole : {false, true}) {
    for (const kernels::GateClamps* cl :
         {static_cast<const kernels::GateClamps*>(nullptr), static_cast<const kernels::GateClamps*>(&clamps)}) {
      LstmCase k(rng, peephole);
      const Scalar* p = peephole ? k.peep.data() : nullptr;
      Vec act2(k.act.size()), c2(k.c.size()), h2(k.h.size()), tc(k.c.size(), Scalar(7));
      forward(B, H, k.pre.data(), k.c_prev.data(), p, cl, k.act.data(), k.c.data(), k.h.data(), nullptr);
      forward(B, H, k.pre.data(), k.c_prev.data(), p, cl, act2.data(), c2.data(), h2.data(), tc.data());
      ASSERT_EQ(act2, k.act) << backend;
      ASSERT_EQ(c2, k.c) << backend;
      ASSERT_EQ(h2, k.h) << backend;
      for (std::size_t i = 0; i < tc.size(); ++i) {
        ASSERT_NEAR(tc[i], std::tanh(k.c[i]), kDouble ? 1e-15 : 1e-6) << backend << " at " << i;
        if (!cl) {
          ASSERT_EQ(k.h[i], k.act[(i / H) * 4 * H + 3 * H + i % H] * tc[i]) << backend << ": h = o tanh(c)";
        }
      }
      Vec d1(k.pre.size()), d2(k.pre.size()), dc1(k.c.size()), dc2(k.c.size()), dp1(3 * H, 1), dp2(3 * H, 1);
      backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(), p, cl, k.wh.data(), k.wc.data(), d1.data(), dc1.data(),
               peephole ? dp1.data() : nullptr, nullptr);
      backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(), p, cl, k.wh.data(), k.wc.data(), d2.data(), dc2.data(),
               peephole ? dp2.data() : nullptr, tc.data());
      ASSERT_EQ(d2, d1) << backend;
      ASSERT_EQ(dc2, dc1) << backend;
      ASSERT_EQ(dp2, dp1) << backend;
    }
  }
}

TEST(CellKernels, KeptTanhOfCellChangesNothing) {
  expect_kept_tanh_changes_nothing(kernels::ref::lstm_cell_forward, kernels::ref::lstm_cell_backward, "ref");
  expect_kept_tanh_changes_nothing(kernels::native::lstm_cell_forward, kernels::native::lstm_cell_backward, "native");
}

TEST(CellKernels, NativeMatchesReference) {
  const double tol = kDouble ? 1e-12 : 1e-5;
  auto expect_close = [&](const Vec& a, const Vec& b, const char* what) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i], b[i], tol * std::max(1.0, std::fabs(double(b[i])))) << what << " at " << i;
  };
  Rng rng(6);
  kernels::GateClamps clamps;
  clamps.on[2] = true;
  clamps.value[2] = Scalar(-0.5);
  const kernels::GateClamps* none = nullptr;
  for (const kernels::GateClamps* cl : {none, static_cast<const kernels::GateClamps*>(&clamps)}) {
    LstmCase k(rng, true);
    Vec act2(k.act.size()), c2(k.c.size()), h2(k.h.size());
    kernels::ref::lstm_cell_forward(B, H, k.pre.data(), k.c_prev.data(), k.peep.data(), cl, k.act.data(), k.c.data(),
                                    k.h.data());
    kernels::native::lstm_cell_forward(B, H, k.pre.data(), k.c_prev.data(), k.peep.data(), cl, act2.data(), c2.data(),
                                       h2.data());
    expect_close(act2, k.act, "lstm act");
    expect_close(c2, k.c, "lstm c");
    expect_close(h2, k.h, "lstm h");
    Vec d1(k.pre.size()), d2(k.pre.size()), dc1(k.c.size()), dc2(k.c.size()), dp1(3 * H, 0), dp2(3 * H, 0);
    kernels::ref::lstm_cell_backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(), k.peep.data(), cl, k.wh.data(),
                                     k.wc.data(), d1.data(), dc1.data(), dp1.data());
    kernels::native::lstm_cell_backward(B, H, k.act.data(), k.c_prev.data(), k.c.data(), k.peep.data(), cl, k.wh.data(),
                                        k.wc.data(), d2.data(), dc2.data(), dp2.data());
    expect_close(d2, d1, "lstm dgates");
    expect_close(dc2, dc1, "lstm dc_prev");
    expect_close(dp2, dp1, "lstm dpeephole");
  }
  {
    Vec gx = random_vec(rng, B * 3 * H), gh = random_vec(rng, B * 3 * H), hp = random_vec(rng, B * H),
        dh = random_vec(rng, B * H);
    Vec a1(gx.size()), a2(gx.size()), n1(hp.size()), n2(hp.size()), h1(hp.size()), h2(hp.size());
    kernels::ref::gru_cell_forward(B, H, gx.data(), gh.data(), hp.data(), nullptr, a1.data(), n1.data(), h1.data());
    kernels::native::gru_cell_forward(B, H, gx.data(), gh.data(), hp.data(), nullptr, a2.data(), n2.data(), h2.data());
    expect_close(a2, a1, "gru act");
    expect_close(h2, h1, "gru h");
    Vec x1(gx.size()), x2(gx.size()), y1(gx.size()), y2(gx.size()), p1(hp.size()), p2(hp.size());
    kernels::ref::gru_cell_backward(B, H, a1.data(), n1.data(), hp.data(), nullptr, dh.data(), x1.data(), y1.data(),
                                    p1.data());
    kernels::native::gru_cell_backward(B, H, a1.data(), n1.data(), hp.data(), nullptr, dh.data(), x2.data(), y2.data(),
                                       p2.data());
    expect_close(x2, x1, "gru dgx");
    expect_close(y2, y1, "gru dgh");
    expect_close(p2, p1, "gru dh_prev");
    // cells.h: dgh's r and z columns are dgx's values exactly (the bias gradients copy them).
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t j = 0; j < 2 * H; ++j) {
        const std::size_t k = std::size_t(b * 3 * H + j);
        ASSERT_EQ(y1[k], x1[k]) << "ref, row " << b << " column " << j;
        ASSERT_EQ(y2[k], x2[k]) << "native, row " << b << " column " << j;
      }
  }
  for (bool relu : {false, true}) {
    Vec pre = random_vec(rng, B * H), dh = random_vec(rng, B * H), h1(pre.size()), h2(pre.size()), d1(pre.size()),
        d2(pre.size());
    kernels::ref::rnn_cell_forward(B, H, relu, pre.data(), h1.data());
    kernels::native::rnn_cell_forward(B, H, relu, pre.data(), h2.data());
    expect_close(h2, h1, "rnn h");
    kernels::ref::rnn_cell_backward(B, H, relu, h1.data(), dh.data(), d1.data());
    kernels::native::rnn_cell_backward(B, H, relu, h1.data(), dh.data(), d2.data());
    expect_close(d2, d1, "rnn dpre");
  }
  // Column sums: each column's rows added in order in double by both, so the same bits.
  const std::int64_t R = 37, C = 13;
  Vec in = random_vec(rng, R * C);
  std::vector<double> s1(C, 1), s2(C, 1);
  kernels::ref::add_column_sums(R, C, in.data(), C, s1.data());
  kernels::native::add_column_sums(R, C, in.data(), C, s2.data());
  EXPECT_EQ(s2, s1) << "column sums";
  std::vector<double> t1(5, 1), t2(5, 1);  // columns 4..8 of the same rows
  kernels::ref::add_column_sums(R, 5, in.data() + 4, C, t1.data());
  kernels::native::add_column_sums(R, 5, in.data() + 4, C, t2.data());
  EXPECT_EQ(t2, t1) << "column sums, strided";
  for (std::int64_t c = 0; c < 5; ++c) EXPECT_EQ(t1[std::size_t(c)], s1[std::size_t(c + 4)]) << "column " << c + 4;
}

}  // namespace
}  // namespace gradlab
