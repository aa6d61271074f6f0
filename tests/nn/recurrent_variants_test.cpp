// The recurrent variants (nn/recurrent.h): the coupled input-forget LSTM (f = 1 - i), the
// LSTM with proj_size (PyTorch) and the reset-before GRU (Cho et al. 2014). Gradient checks
// on both paths, fused against unfused, golden numbers from PyTorch for proj_size (and the
// default GRU and LSTM), a hand-worked reset-before GRU, clamps, traces, names and counts.
//
// Golden data: tests/data/recurrent_torch_golden.json, written by
//   /usr/bin/python3 tests/golden/recurrent_torch.py tests/data/recurrent_torch_golden.json
// (torch 1.13, float64). Tolerance: max|ours - torch| <= tol * max(1, max|torch|) per tensor,
// tol = 1e-10 in our double build (both sides float64), 1e-5 in float.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "nn/recurrent.h"
#include "support/check.h"
#include "support/recurrent.h"

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr std::int64_t B = 2, T = 3, I = 3, H = 4;

enum class Variant { Coupled, Proj, ProjPeephole, ResetBefore };

RecurrentOptions variant_options(Variant v, int layers, bool bidirectional) {
  RecurrentOptions o;
  o.kind = v == Variant::ResetBefore ? CellKind::Gru : CellKind::Lstm;
  o.input_size = I;
  o.hidden_size = H;
  o.num_layers = layers;
  o.bidirectional = bidirectional;
  o.coupled_input_forget = v == Variant::Coupled;
  o.proj_size = v == Variant::Proj || v == Variant::ProjPeephole ? 2 : 0;
  o.peephole = v == Variant::ProjPeephole;
  o.reset_before = v == Variant::ResetBefore;
  return o;
}

using RunResult = test::RecurrentRun;
RunResult run(Recurrent& m, Var& x, Var h0 = Var(), Var c0 = Var()) { return test::run_recurrent(m, x, h0, c0); }

// ---- gradient checks and fused == unfused, every variant and layout ------------------------

using Config = std::tuple<Variant, int /*layers*/, bool /*bidirectional*/>;

class RecurrentVariants : public ::testing::TestWithParam<Config> {
 protected:
  RecurrentOptions options() const {
    auto [v, layers, bidirectional] = GetParam();
    return variant_options(v, layers, bidirectional);
  }
};

TEST_P(RecurrentVariants, GradcheckBothPaths) {
  Rng rng(31);
  Recurrent m(options(), rng);
  test::expect_gradcheck_both_paths(m, rng, B, T);
}

TEST_P(RecurrentVariants, FusedAndUnfusedAgree) {
  Rng rng(32);
  Recurrent m(options(), rng);
  test::expect_fused_matches_unfused(m, rng, B, T);
}

std::string config_name(const ::testing::TestParamInfo<Config>& info) {
  auto [v, layers, bidirectional] = info.param;
  const char* names[] = {"coupled", "proj", "proj_peephole", "gru_reset_before"};
  return std::string(names[static_cast<int>(v)]) + "_L" + std::to_string(layers) + (bidirectional ? "_bi" : "_uni");
}

INSTANTIATE_TEST_SUITE_P(All, RecurrentVariants,
                         ::testing::Combine(::testing::Values(Variant::Coupled, Variant::Proj, Variant::ResetBefore),
                                            ::testing::Values(1, 2), ::testing::Bool()),
                         config_name);
INSTANTIATE_TEST_SUITE_P(Peephole, RecurrentVariants,
                         ::testing::Values(Config{Variant::ProjPeephole, 1, false}, Config{Variant::ProjPeephole, 2, true}),
                         config_name);

// ---- PyTorch golden numbers: proj_size (1 and 2 layers, bidirectional), LSTM, GRU ---------

using nlohmann::json;

TEST(RecurrentVariantsGolden, ProjSizeAndDefaultsMatchTorch) {
  std::ifstream in(GRADLAB_SOURCE_DIR "/tests/data/recurrent_torch_golden.json");
  ASSERT_TRUE(in) << "cannot open tests/data/recurrent_torch_golden.json";
  const json doc = json::parse(in);
  ASSERT_EQ(doc.at("cases").size(), 5u);
  double worst = 0;
  int proj_cases = 0;
  const double tol = kDouble ? 1e-10 : 1e-5;
  for (const auto& c : doc.at("cases")) {
    RecurrentOptions o;
    o.kind = c.at("kind") == "lstm" ? CellKind::Lstm : CellKind::Gru;
    o.input_size = c.at("input_size");
    o.hidden_size = c.at("hidden_size");
    o.proj_size = c.at("proj_size");
    o.num_layers = c.at("num_layers");
    o.bidirectional = c.at("bidirectional");
    proj_cases += o.proj_size > 0;
    worst = std::max(worst, test::expect_golden_case(c, o, tol));
  }
  EXPECT_EQ(proj_cases, 3);
  std::printf("[ golden   ] worst error against torch, relative to tensor scale: %.3g\n", worst);
}

// ---- the reset-before GRU, worked by hand ----------------------------------------------------

// I = H = 1, one sequence x = (1, -0.5), h0 = 0.5. Gate rows r, z, n:
//   W_ih = (0.5, -0.25, 1), W_hh = (1, 0.5, 2), b_ih = (0, 0, 0.5), b_hh = (0, 0, -0.25).
// Step 1 (x = 1, h = 0.5):
//   r = s(0.5 + 1*0.5) = s(1) = 0.731058578630005;  z = s(-0.25 + 0.5*0.5) = s(0) = 0.5
//   reset before: n = tanh(1 + 0.5 + 2*(r*0.5) - 0.25) = tanh(1.981058578630005) = 0.962664628458775
//   PyTorch:      n = tanh(1 + 0.5 + r*(2*0.5 - 0.25)) = tanh(2.048293933972504) = 0.967285381576243
//   h = (1 - z) n + z h = 0.5 n + 0.25:  before 0.731332314229387, PyTorch 0.733642690788121
// Step 2 (x = -0.5, h = step 1's h), the same way:
//   before:  r = 0.618062431979968, z = 0.620263349374911, n = 0.574368682549917, h = 0.671727470465475
//   PyTorch: r = 0.618607673419156, z = 0.620535400815575, n = 0.636948421600268, h = 0.696950638687322
TEST(RecurrentVariants, ResetBeforeGruMatchesHandComputation) {
  for (bool before : {true, false})
    for (bool fused : {true, false}) {
      SCOPED_TRACE(std::string(before ? "reset before" : "PyTorch form") + (fused ? ", fused" : ", unfused"));
      RecurrentOptions o;
      o.kind = CellKind::Gru;
      o.input_size = 1;
      o.hidden_size = 1;
      o.reset_before = before;
      Rng rng(0);
      Recurrent m(o, rng);
      m.load_state({{"weight_ih_l0", Tensor({3, 1}, {0.5, -0.25, 1})},
                    {"weight_hh_l0", Tensor({3, 1}, {1, 0.5, 2})},
                    {"bias_ih_l0", Tensor({3}, {0, 0, 0.5})},
                    {"bias_hh_l0", Tensor({3}, {0, 0, -0.25})}});
      m.set_fused(fused);
      m.set_trace(true);
      const Var x(Tensor({1, 2, 1}, {1, -0.5}));
      const Var h0(Tensor({1, 1, 1}, {0.5}));
      const Tensor y = m.forward_full(x, h0).output.value();
      const double tol = kDouble ? 1e-14 : 1e-6;
      const auto& s = m.trace().at(0, 0);
      if (before) {
        test::expect_values(s.gate("r"), {0.731058578630005, 0.618062431979968}, tol);
        test::expect_values(s.gate("z"), {0.5, 0.620263349374911}, tol);
        test::expect_values(s.gate("n"), {0.962664628458775, 0.574368682549917}, tol);
        test::expect_values(y, {0.731332314229387, 0.671727470465475}, tol);
      } else {
        test::expect_values(s.gate("r"), {0.731058578630005, 0.618607673419156}, tol);
        test::expect_values(s.gate("z"), {0.5, 0.620535400815575}, tol);
        test::expect_values(s.gate("n"), {0.967285381576243, 0.636948421600268}, tol);
        test::expect_values(y, {0.733642690788121, 0.696950638687322}, tol);
      }
    }
}

// ---- the coupled input-forget LSTM -------------------------------------------------------

TEST(RecurrentVariants, CoupledLstmHasThreeQuartersOfTheGateParameters) {
  for (int layers : {1, 2})
    for (bool bi : {false, true}) {
      Rng rng(33);
      RecurrentOptions o = variant_options(Variant::Coupled, layers, bi);
      o.input_size = 10;
      o.hidden_size = 16;
      Recurrent coupled(o, rng);
      o.coupled_input_forget = false;
      Recurrent standard(o, rng);
      EXPECT_EQ(4 * coupled.num_parameters(), 3 * standard.num_parameters());
      const std::int64_t D = bi ? 2 : 1;
      std::int64_t want = 0;
      for (int l = 0; l < layers; ++l) want += D * 3 * 16 * ((l == 0 ? 10 : D * 16) + 16 + 2);
      EXPECT_EQ(coupled.num_parameters(), want);
    }
  Rng rng(34);
  Recurrent m(variant_options(Variant::Coupled, 1, false), rng);
  auto got = m.named_parameters();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].second.shape(), (Shape{3 * H, I}));
  EXPECT_EQ(got[1].second.shape(), (Shape{3 * H, H}));
  EXPECT_EQ(got[2].second.shape(), (Shape{3 * H}));
}

TEST(RecurrentVariants, CoupledForgetTraceIsOneMinusInputAndClampsFollowI) {
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "unfused");
    Rng rng(35);
    Recurrent m(variant_options(Variant::Coupled, 2, true), rng);
    m.set_fused(fused);
    m.set_trace(true);
    Var x = test::random_var(rng, {B, T, I});
    const double unclamped = run(m, x).loss;
    for (const auto& s : m.trace().streams) {
      const Tensor &i = s.gate("i"), &f = s.gate("f");
      for (std::int64_t k = 0; k < i.numel(); ++k) EXPECT_NEAR(f[k], 1 - i[k], kDouble ? 1e-15 : 1e-7);
      double dc = 0;
      for (std::int64_t k = 0; k < s.dc.numel(); ++k) dc += std::fabs(s.dc[k]);
      EXPECT_GT(dc, 0.0);  // the dc trace is filled by the backward
    }
    // "f" has no clamp of its own: the error says what to do instead.
    EXPECT_MESSAGE_HAS(m.clamp_gate("f", 1.0), "coupled_input_forget", "clamp gate 'i' to 1 - value", "allowed: i, g, o");
    // i = 0 makes f = 1: the cell keeps c0 = 0 unchanged, whatever g is.
    m.clamp_gate("i", 0.0);
    RunResult r = run(m, x);
    EXPECT_GT(std::fabs(r.loss - unclamped), 1e-3);
    for (const auto& s : m.trace().streams) {
      for (std::int64_t k = 0; k < s.c.numel(); ++k) {
        EXPECT_EQ(s.gate("f")[k], Scalar(1));
        EXPECT_EQ(s.c[k], Scalar(0));
      }
    }
    // i = 1 makes f = 0: the cell is exactly this step's candidate, c_t = g.
    m.clamp_gate("i", 1.0);
    run(m, x);
    for (const auto& s : m.trace().streams)
      for (std::int64_t k = 0; k < s.c.numel(); ++k) {
        EXPECT_EQ(s.gate("f")[k], Scalar(0));
        EXPECT_EQ(s.c[k], s.gate("g")[k]);
      }
    // A clamped i passes no gradient to its rows (the first H) of any weight or bias.
    test::expect_gate_rows_without_gradient(run(m, x), 0, H);
    m.clear_clamps();
    EXPECT_NEAR(run(m, x).loss, unclamped, 1e-12);
  }
}

// ---- proj_size ---------------------------------------------------------------------------

TEST(RecurrentVariants, ProjSizeNamesShapesAndTrace) {
  Rng rng(36);
  Recurrent m(variant_options(Variant::Proj, 2, true), rng);  // H = 4, P = 2
  const std::vector<std::pair<std::string, Shape>> want = {
      {"weight_ih_l0", {16, 3}}, {"weight_hh_l0", {16, 2}}, {"bias_ih_l0", {16}}, {"bias_hh_l0", {16}},
      {"weight_hr_l0", {2, 4}},  {"weight_ih_l0_reverse", {16, 3}}};
  auto got = m.named_parameters();
  ASSERT_EQ(got.size(), 20u);
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got[k].first, want[k].first);
    EXPECT_EQ(got[k].second.shape(), want[k].second) << want[k].first;
  }
  EXPECT_EQ(m.parameter("weight_ih_l1").value().shape(), (Shape{16, 4}));  // I_1 = D*P
  EXPECT_EQ(m.num_parameters(), 2 * (16 * (3 + 2) + 32 + 8) + 2 * (16 * (4 + 2) + 32 + 8));
  EXPECT_EQ(m.output_shape({B, T, I}), (Shape{B, T, 4}));
  for (bool fused : {true, false}) {
    m.set_fused(fused);
    m.set_trace(true);
    Var x = test::random_var(rng, {B, T, I});
    run(m, x);
    for (const auto& s : m.trace().streams) {
      EXPECT_EQ(s.h.shape(), (Shape{T, B, 2}));
      EXPECT_EQ(s.dh.shape(), (Shape{T, B, 2}));
      EXPECT_EQ(s.c.shape(), (Shape{T, B, H}));
      EXPECT_EQ(s.gate("o").shape(), (Shape{T, B, H}));
    }
  }
  EXPECT_MESSAGE_HAS(m.forward_full(test::random_var(rng, {B, T, I}), test::random_var(rng, {4, B, H})),
                     "initial state h0", "expected [L*D, B, P] = [4, 2, 2]");
}

TEST(RecurrentVariants, ErrorsSayWhatWasFoundAndWhatIsAllowed) {
  Rng rng(37);
  auto make = [&](RecurrentOptions o) { Recurrent m(o, rng); };
  RecurrentOptions o = variant_options(Variant::Proj, 1, false);
  o.proj_size = H;
  EXPECT_MESSAGE_HAS(make(o), "proj_size must be 0 (no projection) or in 1..3", "got 4");
  o = variant_options(Variant::Coupled, 1, false);
  o.peephole = true;
  EXPECT_MESSAGE_HAS(make(o), "coupled_input_forget and peephole");
  o = variant_options(Variant::ResetBefore, 1, false);
  o.proj_size = 2;
  EXPECT_MESSAGE_HAS(make(o), "proj_size is an LSTM option", "kind is gru");
  o = variant_options(Variant::Coupled, 1, false);
  o.reset_before = true;
  EXPECT_MESSAGE_HAS(make(o), "reset_before is a GRU option", "kind is lstm");
  o = variant_options(Variant::Coupled, 1, false);
  Recurrent coupled(o, rng);
  EXPECT_MESSAGE_HAS(coupled.set_forget_bias(1.0), "f = 1 - i");
}

// ---- the reset-before GRU: z keeps, r does not --------------------------------------------

TEST(RecurrentVariants, GruZCopiesTheStateAndRDoesNotStopIt) {
  for (bool before : {false, true})
    for (bool fused : {true, false}) {
      SCOPED_TRACE(std::string(before ? "reset before" : "PyTorch form") + (fused ? ", fused" : ", unfused"));
      Rng rng(38);
      RecurrentOptions o = variant_options(Variant::ResetBefore, 1, false);
      o.reset_before = before;
      Recurrent m(o, rng);
      m.set_fused(fused);
      m.set_trace(true);
      Var x = test::random_var(rng, {B, T, I});
      Var h0 = test::random_var(rng, {1, B, H});
      // z = 1: h_t = h_{t-1} exactly, so every step is h0; dL/dh0 is the sum of the output weights.
      m.clamp_gate("z", 1.0);
      RunResult r = run(m, x, h0);
      for (std::int64_t t = 0; t < T; ++t)
        for (std::int64_t k = 0; k < B * H; ++k) EXPECT_EQ(m.trace().at(0, 0).h[t * B * H + k], h0.value()[k]);
      // r = 0: n forgets h_{t-1}, but the state still reaches h_t through z h_{t-1}.
      m.clear_clamps();
      m.clamp_gate("r", 0.0);
      r = run(m, x, h0);
      const Tensor& dh0 = r.grads.back().second;
      double norm = 0;
      for (std::int64_t k = 0; k < dh0.numel(); ++k) norm += std::fabs(dh0[k]);
      EXPECT_GT(norm, 0.1);
    }
}

}  // namespace
}  // namespace gradlab
