// Recurrent layers (nn/recurrent.h): gradient checks of every kind and layout on both
// paths, fused against unfused, clamps, trace, parameter names and counts, errors, and the
// speed of the fused path. Golden numbers from tfjs are in recurrent_golden_test.cpp.
// Sizes are small (B = 2, T = 3, I = 3, H = 4) so the f64 gradient checks stay fast.
#include "nn/recurrent.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <tuple>

#include "support/check.h"
#include "support/recurrent.h"

namespace gradlab {
namespace {

using test::expect_invalid;

using test::weighted_sum;
constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr std::int64_t B = 2, T = 3, I = 3, H = 4;

RecurrentOptions opts(CellKind kind, int layers = 1, bool bidirectional = false, bool peephole = false) {
  RecurrentOptions o;
  o.kind = kind;
  o.input_size = I;
  o.hidden_size = H;
  o.num_layers = layers;
  o.bidirectional = bidirectional;
  o.peephole = peephole;
  return o;
}

// The loss every comparison uses, and one forward/backward collecting every gradient.
Var loss_of(const RecurrentOutput& r) { return test::recurrent_loss(r); }
using RunResult = test::RecurrentRun;
RunResult run(Recurrent& m, Var& x, Var h0 = Var(), Var c0 = Var()) { return test::run_recurrent(m, x, h0, c0); }

// ---- 1 + 2: gradient checks and fused == unfused, for every kind and layout -------------

using Config = std::tuple<CellKind, bool /*peephole*/, int /*layers*/, bool /*bidirectional*/>;

class RecurrentAll : public ::testing::TestWithParam<Config> {
 protected:
  RecurrentOptions options() const {
    auto [kind, peephole, layers, bidirectional] = GetParam();
    return opts(kind, layers, bidirectional, peephole);
  }
};

TEST_P(RecurrentAll, GradcheckBothPaths) {
  Rng rng(11);
  Recurrent m(options(), rng);
  // In float, a step of 1e-2 across stacked relus often straddles a kink; 1e-4 rarely does
  // (and rounding still leaves it well inside the loose float tolerance).
  GradCheckOptions check = test::default_gradcheck_options();
  if (!kDouble && m.options().kind == CellKind::RnnRelu) check.eps = 1e-4;
  test::expect_gradcheck_both_paths(m, rng, B, T, check);
}

TEST_P(RecurrentAll, FusedAndUnfusedAgree) {
  Rng rng(12);
  Recurrent m(options(), rng);
  test::expect_fused_matches_unfused(m, rng, B, T);
}

// Without an h0 the fused path skips the first step's h0 W_hh^T (forward) and dG_0 W_hh
// (backward, dL/dh0): the same numbers as a given all-zero h0 and c0 that need no gradient,
// which run those products.
TEST_P(RecurrentAll, FusedWithoutH0EqualsGivenZeroStates) {
  Rng rng(14);
  Recurrent m(options(), rng);
  m.set_fused(true);
  const std::int64_t LD = m.options().num_layers * m.num_directions();
  Var x = test::random_var(rng, {B, T, I});
  Var h0(Tensor({LD, B, m.output_size()}), false);
  Var c0 = m.options().kind == CellKind::Lstm ? Var(Tensor({LD, B, H}), false) : Var();
  const RunResult skipped = run(m, x), given = run(m, x, h0, c0);
  auto same = [](const Tensor& a, const Tensor& b, const std::string& what) {
    ASSERT_EQ(a.shape(), b.shape()) << what;
    for (std::int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a[i], b[i]) << what << " element " << i;
  };
  same(skipped.output, given.output, "output");
  same(skipped.h_n, given.h_n, "h_n");
  if (skipped.c_n.defined()) same(skipped.c_n, given.c_n, "c_n");
  ASSERT_GE(given.grads.size(), skipped.grads.size());
  for (std::size_t k = 0; k < skipped.grads.size(); ++k)
    same(skipped.grads[k].second, given.grads[k].second, skipped.grads[k].first);
}

// Under no-grad the fused forward keeps nothing for a backward (an LSTM does not store
// tanh(c_t)) and leaves its buffers unfilled until written: the same numbers, bit for bit.
TEST_P(RecurrentAll, NoGradForwardEqualsRecordingForward) {
  Rng rng(13);
  Recurrent m(options(), rng);
  const Var x(rng.normal_tensor({B, T, I}, 0, 1), true);
  const RecurrentOutput recorded = m.forward_full(x);
  ASSERT_TRUE(recorded.output.requires_grad());
  RecurrentOutput plain;
  {
    NoGradGuard no_grad;
    plain = m.forward_full(x);
  }
  EXPECT_FALSE(plain.output.requires_grad());
  auto same = [](const Var& a, const Var& b, const char* what) {
    ASSERT_EQ(a.defined(), b.defined()) << what;
    if (!a.defined()) return;
    ASSERT_EQ(a.shape(), b.shape()) << what;
    for (std::int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.value()[i], b.value()[i]) << what << " element " << i;
  };
  same(recorded.output, plain.output, "output");
  same(recorded.h_n, plain.h_n, "h_n");
  same(recorded.c_n, plain.c_n, "c_n");
}

std::string config_name(const ::testing::TestParamInfo<Config>& info) {
  auto [kind, peephole, layers, bidirectional] = info.param;
  return std::string(to_string(kind)) + (peephole ? "_peephole" : "") + "_L" + std::to_string(layers) +
         (bidirectional ? "_bi" : "_uni");
}

INSTANTIATE_TEST_SUITE_P(Kinds, RecurrentAll,
                         ::testing::Combine(::testing::Values(CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm,
                                                              CellKind::Gru),
                                            ::testing::Values(false), ::testing::Values(1, 2), ::testing::Bool()),
                         config_name);
INSTANTIATE_TEST_SUITE_P(Peephole, RecurrentAll,
                         ::testing::Combine(::testing::Values(CellKind::Lstm), ::testing::Values(true),
                                            ::testing::Values(1, 2), ::testing::Bool()),
                         config_name);

TEST(Recurrent, NoBiasPassesGradcheckOnBothPaths) {
  for (CellKind kind : {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru}) {
    Rng rng(13);
    RecurrentOptions o = opts(kind, 2, true);
    o.bias = false;
    Recurrent m(o, rng);
    EXPECT_EQ(m.named_parameters().size(), 8u);  // 2 weights x 2 layers x 2 directions
    Var x = test::random_var(rng, {B, T, I});
    for (bool fused : {true, false}) {
      m.set_fused(fused);
      std::vector<Var> inputs = m.parameters();
      inputs.push_back(x);
      EXPECT_GRADCHECK([&] { return loss_of(m.forward_full(x)); }, inputs);
    }
  }
}

TEST(Recurrent, SingleStepSequencePassesGradcheck) {
  // T = 1: the first step is also the last, so h0 is the only h_prev (dW_hh's one-GEMM branch).
  for (CellKind kind : {CellKind::Lstm, CellKind::Gru}) {
    Rng rng(26);
    Recurrent m(opts(kind, 2, true, kind == CellKind::Lstm), rng);
    Var x = test::random_var(rng, {B, 1, I});
    Var h0 = test::random_var(rng, {4, B, H});
    std::vector<Var> inputs = m.parameters();
    inputs.push_back(x);
    inputs.push_back(h0);
    for (bool fused : {true, false}) {
      m.set_fused(fused);
      EXPECT_GRADCHECK([&] { return loss_of(m.forward_full(x, h0)); }, inputs);
    }
  }
}

TEST(Recurrent, UnfusedSupportsSecondOrderGradientsAndFusedRefuses) {
  Rng rng(14);
  Recurrent m(opts(CellKind::Lstm, 1, true, true), rng);
  Var x = test::random_var(rng, {B, T, I});
  Var w = m.parameter("weight_hh_l0");
  // A gradient penalty: sum((dL/dx)^2 weighted), differentiated again w.r.t. W_hh.
  auto penalty = [&] {
    Var loss = loss_of(m.forward_full(x));
    Var dx = grad({loss}, {x}, {}, /*create_graph=*/true)[0];
    return weighted_sum(dx * dx);
  };
  m.set_fused(false);
  EXPECT_GRADCHECK(penalty, {w, x});
  m.set_fused(true);
  try {
    penalty();
    FAIL() << "fused path accepted create_graph";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("fused"), std::string::npos) << e.what();
  }
}

// ---- forward values pinned by hand -----------------------------------------------------

TEST(Recurrent, TanhRnnMatchesHandComputation) {
  Rng rng(15);
  RecurrentOptions o = opts(CellKind::RnnTanh);
  o.input_size = 1;
  o.hidden_size = 1;
  Recurrent m(o, rng);
  m.load_state({{"weight_ih_l0", Tensor::from({1, 1}, {0.5})},
                {"weight_hh_l0", Tensor::from({1, 1}, {-0.8})},
                {"bias_ih_l0", Tensor::from({1}, {0.1})},
                {"bias_hh_l0", Tensor::from({1}, {0.2})}});
  Var x(Tensor::from({1, 3, 1}, {1.0, -2.0, 0.5}));
  double h = 0;
  std::vector<double> want;
  for (double xt : {1.0, -2.0, 0.5}) {
    h = std::tanh(0.5 * xt + 0.1 - 0.8 * h + 0.2);
    want.push_back(h);
  }
  for (bool fused : {true, false}) {
    m.set_fused(fused);
    RecurrentOutput r = m.forward_full(x);
    for (int t = 0; t < 3; ++t) EXPECT_NEAR(r.output.value()[t], want[static_cast<std::size_t>(t)], 1e-6);
    EXPECT_NEAR(r.h_n.item(), want[2], 1e-6);
  }
}

TEST(Recurrent, BidirectionalReverseHalfReadsTheSequenceBackwards) {
  // The reverse direction of a sequence equals the forward direction of the flipped sequence.
  Rng rng(16);
  Recurrent bi(opts(CellKind::Gru, 1, true), rng);
  Rng rng2(99);
  Recurrent uni(opts(CellKind::Gru), rng2);
  uni.load_state({{"weight_ih_l0", bi.parameter("weight_ih_l0_reverse").value()},
                  {"weight_hh_l0", bi.parameter("weight_hh_l0_reverse").value()},
                  {"bias_ih_l0", bi.parameter("bias_ih_l0_reverse").value()},
                  {"bias_hh_l0", bi.parameter("bias_hh_l0_reverse").value()}});
  Tensor xs = rng.uniform_tensor({B, T, I}, -1, 1), flipped({B, T, I});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t i = 0; i < I; ++i) flipped[(b * T + t) * I + i] = xs[(b * T + (T - 1 - t)) * I + i];
  for (bool fused : {true, false}) {
    bi.set_fused(fused);
    RecurrentOutput r = bi.forward_full(Var(xs));
    RecurrentOutput u = uni.forward_full(Var(flipped));
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t t = 0; t < T; ++t)
        for (std::int64_t j = 0; j < H; ++j)
          EXPECT_NEAR(r.output.value()[(b * T + t) * 2 * H + H + j], u.output.value()[(b * T + (T - 1 - t)) * H + j],
                      1e-6);
    for (std::int64_t k = 0; k < B * H; ++k) EXPECT_NEAR(r.h_n.value()[B * H + k], u.h_n.value()[k], 1e-6);
  }
}

// ---- 4: clamps ----------------------------------------------------------------------------

TEST(Recurrent, ForgetGateClampedToZero) {
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "unfused");
    Rng rng(17);
    Recurrent m(opts(CellKind::Lstm, 2, true, true), rng);
    m.set_fused(fused);
    m.set_trace(true);
    Var x = test::random_var(rng, {B, T, I});
    const double unclamped = run(m, x).loss;
    m.clamp_gate("f", 0.0);
    RunResult r = run(m, x);
    EXPECT_GT(std::fabs(r.loss - unclamped), 1e-3);
    for (const auto& s : m.trace().streams) {
      const Tensor &i = s.gate("i"), &g = s.gate("g"), &f = s.gate("f");
      for (std::int64_t k = 0; k < s.c.numel(); ++k) {
        EXPECT_EQ(f[k], Scalar(0));
        EXPECT_EQ(s.c[k], i[k] * g[k]);  // exactly: c_t = 0 * c_{t-1} + i * g
      }
    }
    // No gradient reaches the f rows [H, 2H) of any weight or bias, nor the f peephole.
    for (auto& [name, grad] : r.grads) {
      if (name.rfind("weight_peephole_f", 0) != 0) continue;
      for (std::int64_t k = 0; k < grad.numel(); ++k) {
        EXPECT_EQ(grad[k], Scalar(0)) << name;
      }
    }
    test::expect_gate_rows_without_gradient(r, H, 2 * H);
    m.clear_clamps();
    EXPECT_NEAR(run(m, x).loss, unclamped, 1e-12);
  }
}

TEST(Recurrent, ClampsSelectLayerAndDirection) {
  Rng rng(18);
  Recurrent m(opts(CellKind::Gru, 2, true), rng);
  m.set_trace(true);
  m.clamp_gate("z", 1.0, /*layer=*/1, /*direction=*/0);  // z = 1: h_t = h_{t-1} = h0 = 0
  for (bool fused : {true, false}) {
    m.set_fused(fused);
    Var x = test::random_var(rng, {B, T, I});
    RecurrentOutput r = m.forward_full(x);
    for (std::int64_t k = 0; k < B * H; ++k) {
      EXPECT_EQ(r.h_n.value()[2 * B * H + k], Scalar(0));  // layer 1, direction 0
      EXPECT_NE(r.h_n.value()[3 * B * H + k], Scalar(0));  // layer 1, direction 1 untouched
    }
    EXPECT_NE(m.trace().at(0, 0).gate("z")[0], Scalar(1));
    EXPECT_EQ(m.trace().at(1, 0).gate("z")[0], Scalar(1));
  }
}

// ---- 5: trace -----------------------------------------------------------------------------

TEST(Recurrent, TraceFusedMatchesUnfusedHooks) {
  for (CellKind kind : {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru}) {
    Rng rng(19);
    Recurrent m(opts(kind, 2, true, kind == CellKind::Lstm), rng);
    m.set_trace(true);
    Var x = test::random_var(rng, {B, T, I});
    m.set_fused(true);
    run(m, x);
    const RecurrentTrace fused = m.trace();  // stays valid: the next forward starts a new trace
    m.set_fused(false);
    run(m, x);
    const RecurrentTrace& unfused = m.trace();
    ASSERT_EQ(fused.streams.size(), 4u);
    ASSERT_EQ(unfused.streams.size(), 4u);
    const std::size_t gates = kind == CellKind::RnnTanh ? 0 : kind == CellKind::Lstm ? 4 : 3;
    for (std::size_t k = 0; k < 4; ++k) {
      const auto &a = fused.streams[k], &b = unfused.streams[k];
      EXPECT_EQ(a.layer, static_cast<int>(k / 2));
      EXPECT_EQ(a.direction, static_cast<int>(k % 2));
      for (const Tensor* t : {&a.h, &a.dh, &b.h, &b.dh}) EXPECT_EQ(t->shape(), (Shape{T, B, H}));
      EXPECT_LE(max_abs_diff(a.h, b.h), 1e-6);
      EXPECT_LE(max_abs_diff(a.dh, b.dh), kDouble ? 1e-12 : 1e-5);
      double norm = 0;
      for (std::int64_t i = 0; i < a.dh.numel(); ++i) norm += std::fabs(a.dh[i]);
      EXPECT_GT(norm, 0.0);
      ASSERT_EQ(a.gates.size(), gates);
      ASSERT_EQ(b.gates.size(), gates);
      for (std::size_t g = 0; g < gates; ++g) {
        EXPECT_EQ(a.gates[g].first, b.gates[g].first);
        EXPECT_EQ(a.gates[g].second.shape(), (Shape{T, B, H}));
        EXPECT_LE(max_abs_diff(a.gates[g].second, b.gates[g].second), 1e-6) << a.gates[g].first;
      }
      if (kind == CellKind::Lstm) {
        EXPECT_LE(max_abs_diff(a.c, b.c), 1e-6);
      }
    }
  }
}

TEST(Recurrent, TraceDhIsOutputGradientPlusRecurrentGradient) {
  // Single layer, one direction: the last step has no successor, so dL/dh_{T-1} is exactly
  // the loss's direct gradient from output[:, T-1] plus that from h_n.
  Rng rng(20);
  Recurrent m(opts(CellKind::Lstm), rng);
  m.set_trace(true);
  Var x = test::random_var(rng, {B, T, I});
  RecurrentOutput r = m.forward_full(x);
  Tensor w_out = Rng(7).uniform_tensor({B, T, H}, -1, 1), w_hn = Rng(8).uniform_tensor({1, B, H}, -1, 1);
  Var loss = sum(r.output * Var(w_out)) + sum(r.h_n * Var(w_hn));
  loss.backward();
  const Tensor& dh = m.trace().at(0, 0).dh;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j)
      EXPECT_NEAR(dh[((T - 1) * B + b) * H + j], w_out[(b * T + T - 1) * H + j] + w_hn[b * H + j], 1e-6);
  // The trace's h is the output, time-indexed.
  for (std::int64_t t = 0; t < T; ++t)
    EXPECT_EQ(m.trace().at(0, 0).h[(t * B + 1) * H + 2], r.output.value()[(1 * T + t) * H + 2]);
}

// ---- 6: parameters --------------------------------------------------------------------------

TEST(Recurrent, ParameterCountsFollowPytorch) {
  Rng rng(21);
  RecurrentOptions o = opts(CellKind::RnnTanh);
  o.input_size = 20;
  o.hidden_size = 128;
  Recurrent rnn(o, rng);
  EXPECT_EQ(rnn.num_parameters(), 128 * 20 + 128 * 128 + 2 * 128);
  for (std::int64_t steps : {1, 5, 17}) {
    Var x(Tensor::zeros({2, steps, 20}));
    EXPECT_EQ(rnn.forward(x).shape(), (Shape{2, steps, 128}));
    EXPECT_EQ(rnn.num_parameters(), 128 * 20 + 128 * 128 + 2 * 128);  // independent of T
  }
  auto formula = [](std::int64_t G, std::int64_t in, std::int64_t hidden, int layers, int D) {
    std::int64_t n = 0;
    for (int l = 0; l < layers; ++l) n += D * G * hidden * ((l == 0 ? in : D * hidden) + hidden + 2);
    return n;
  };
  for (auto [kind, G] : {std::pair{CellKind::Lstm, 4}, std::pair{CellKind::Gru, 3}, std::pair{CellKind::RnnRelu, 1}})
    for (int layers : {1, 3})
      for (bool bi : {false, true}) {
        RecurrentOptions p = opts(kind, layers, bi);
        p.input_size = 10;
        p.hidden_size = 16;
        Recurrent m(p, rng);
        EXPECT_EQ(m.num_parameters(), formula(G, 10, 16, layers, bi ? 2 : 1)) << to_string(kind);
      }
}

TEST(Recurrent, NamesShapesAndOrderFollowPytorch) {
  Rng rng(22);
  Recurrent m(opts(CellKind::Lstm, 2, true, true), rng);
  const std::vector<std::pair<std::string, Shape>> want = {{"weight_ih_l0", {16, 3}},
                                                           {"weight_hh_l0", {16, 4}},
                                                           {"bias_ih_l0", {16}},
                                                           {"bias_hh_l0", {16}},
                                                           {"weight_peephole_i_l0", {4}},
                                                           {"weight_peephole_f_l0", {4}},
                                                           {"weight_peephole_o_l0", {4}},
                                                           {"weight_ih_l0_reverse", {16, 3}},
                                                           {"weight_hh_l0_reverse", {16, 4}},
                                                           {"bias_ih_l0_reverse", {16}},
                                                           {"bias_hh_l0_reverse", {16}},
                                                           {"weight_peephole_i_l0_reverse", {4}},
                                                           {"weight_peephole_f_l0_reverse", {4}},
                                                           {"weight_peephole_o_l0_reverse", {4}},
                                                           {"weight_ih_l1", {16, 8}},
                                                           {"weight_hh_l1", {16, 4}}};
  auto got = m.named_parameters();
  ASSERT_EQ(got.size(), 28u);
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got[k].first, want[k].first);
    EXPECT_EQ(got[k].second.shape(), want[k].second) << want[k].first;
  }
  EXPECT_EQ(got.back().first, "weight_peephole_o_l1_reverse");
  EXPECT_EQ(m.type_name(), "LSTM");
  for (auto& [n, v] : got)
    for (std::int64_t k = 0; k < v.numel(); ++k) EXPECT_LE(std::fabs(v.value()[k]), 0.5) << n;  // 1/sqrt(H)
}

TEST(Recurrent, SetForgetBias) {
  Rng rng(23);
  Recurrent m(opts(CellKind::Lstm, 1, true), rng);
  m.set_forget_bias(1.0);
  for (const char* suffix : {"_l0", "_l0_reverse"}) {
    const Tensor bi = m.parameter(std::string("bias_ih") + suffix).value();
    const Tensor bh = m.parameter(std::string("bias_hh") + suffix).value();
    for (std::int64_t j = 0; j < 4 * H; ++j) {
      if (j >= H && j < 2 * H) {
        EXPECT_EQ(bi[j], Scalar(1));
        EXPECT_EQ(bh[j], Scalar(0));
      } else {
        EXPECT_NE(bi[j], Scalar(1));
      }
    }
  }
  Recurrent gru(opts(CellKind::Gru), rng);
  EXPECT_THROW(gru.set_forget_bias(1.0), std::invalid_argument);
}

// ---- 7: errors ------------------------------------------------------------------------------

TEST(Recurrent, ErrorsSayWhatWasFoundAndWhatIsAllowed) {
  Rng rng(24);
  Recurrent lstm(opts(CellKind::Lstm, 2), rng);
  expect_invalid([&] { lstm.forward(Var(Tensor::zeros({2, 3}))); }, {"LSTM", "[2, 3]", "rank 2", "[B, T, I]", "I = 3"});
  expect_invalid([&] { lstm.forward(Var(Tensor::zeros({2, 3, 5}))); }, {"LSTM", "5 features", "I = input_size = 3"});
  expect_invalid([&] { lstm.output_shape({2, 3, 5}); }, {"5 features"});
  EXPECT_EQ(lstm.output_shape({2, 7, 3}), (Shape{2, 7, 4}));
  expect_invalid([&] { lstm.clamp_gate("x", 0.5); }, {"LSTM", "unknown gate 'x'", "allowed: i, f, g, o"});
  expect_invalid([&] { lstm.clamp_gate("f", 0.5, 2); }, {"layer 2", "allowed: 0..1, or -1"});
  expect_invalid([&] { lstm.clamp_gate("f", 0.5, 0, 1); }, {"direction 1", "allowed: 0..0"});
  expect_invalid([&] { lstm.clamp_gate("f", 1.5); }, {"1.5", "[0, 1]"});
  expect_invalid(
      [&] {
        lstm.forward_full(Var(Tensor::zeros({2, 3, 3})), Var(Tensor::zeros({1, 2, 4})));
      },
      {"h0", "[1, 2, 4]", "[2, 2, 4]"});
  Recurrent gru(opts(CellKind::Gru), rng);
  expect_invalid([&] { gru.clamp_gate("n", 0.5); }, {"GRU", "unknown gate 'n'", "allowed: r, z"});
  expect_invalid(
      [&] {
        gru.forward_full(Var(Tensor::zeros({2, 3, 3})), Var(), Var(Tensor::zeros({1, 2, 4})));
      },
      {"c0", "LSTM only"});
  Recurrent rnn(opts(CellKind::RnnTanh), rng);
  expect_invalid([&] { rnn.clamp_gate("i", 0.5); }, {"RNN", "no gates"});
  expect_invalid([&] { Recurrent(opts(CellKind::Gru, 1, false, true), rng); }, {"GRU", "peephole", "LSTM", "gru"});
  expect_invalid([&] { Recurrent(opts(CellKind::Lstm, 0), rng); }, {"num_layers", "0"});
}

// ---- speed (measured, printed; the numbers are in the report, not asserted) ----------------

TEST(RecurrentSpeed, LstmB32T50I64H128ForwardBackward) {
  Rng rng(25);
  RecurrentOptions o = opts(CellKind::Lstm);
  o.input_size = 64;
  o.hidden_size = 128;
  Recurrent m(o, rng);
  Var x(rng.uniform_tensor({32, 50, 64}, -1, 1), true);
  auto time_ms = [&](bool fused, int reps, double* loss) {
    m.set_fused(fused);
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      m.zero_grad();
      const auto start = std::chrono::steady_clock::now();
      Var l = sum(m.forward(x));
      l.backward();
      const auto stop = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double, std::milli>(stop - start).count());
      *loss = l.item();
    }
    return best;
  };
  double loss_fused = 0, loss_unfused = 0;
  const double fused = time_ms(true, 5, &loss_fused);
  const Tensor grad_fused = m.parameter("weight_hh_l0").grad().clone();
  const double unfused = time_ms(false, 2, &loss_unfused);
  std::printf(
      "[ speed    ] LSTM B=32 T=50 I=64 H=128 forward+backward (%s, best of runs): fused %.2f ms, "
      "unfused %.2f ms, unfused/fused %.2fx\n",
      kDouble ? "f64" : "f32", fused, unfused, unfused / fused);
  RecordProperty("fused_ms", std::to_string(fused));
  RecordProperty("unfused_ms", std::to_string(unfused));
  EXPECT_NEAR(loss_fused, loss_unfused, std::fabs(loss_fused) * (kDouble ? 1e-12 : 1e-4));
  EXPECT_LE(max_abs_diff(grad_fused, m.parameter("weight_hh_l0").grad()), kDouble ? 1e-10 : 1e-2);
}

}  // namespace
}  // namespace gradlab
