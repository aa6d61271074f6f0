// Recurrent probes (inspect/recurrent_probe.h, intervention.h). Every number is derived a
// second way: per-step gradient norms by autograd through a re-run of the rest of the
// sequence from h_t; gate maps and saturation from the cell equations with chosen weights;
// step Jacobians by finite differences over one re-run step with a perturbed h_{t-1}
// (and c_{t-1}); singular values from matrices whose singular values are known; clamp
// interventions from what a clamp must do (o = 0 makes every output 0).
#include "nn/recurrent.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <tuple>

#include "inspect/inspect.h"
#include "nn/layers.h"
#include "optim/optimizers.h"
#include "support/check.h"

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;

RecurrentOptions opts(CellKind kind, std::int64_t I, std::int64_t H, int layers = 1, bool bidirectional = false,
                      bool peephole = false) {
  RecurrentOptions o;
  o.kind = kind;
  o.input_size = I;
  o.hidden_size = H;
  o.num_layers = layers;
  o.bidirectional = bidirectional;
  o.peephole = peephole;
  return o;
}

double sigmoid_of(double v) { return 1 / (1 + std::exp(-v)); }

// Every parameter set to zero (so a test can place the few numbers it needs).
void zero_all(Recurrent& m) {
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : m.named_parameters()) state.emplace_back(n, Tensor::zeros(v.shape()));
  m.load_state(state);
}

void set_param(Recurrent& m, const std::string& name, const Tensor& value) {
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : m.named_parameters()) state.emplace_back(n, n == name ? value : v.value());
  m.load_state(state);
}

// ---- per-step gradient norms -----------------------------------------------------------------

class GradNorms : public ::testing::TestWithParam<CellKind> {};

// dL/dh_t (c_t held fixed) is the gradient with respect to h0 of the rest of the loss, run
// from h_t (and c_t): sum(h_t * W_t) + sum over s > t of sum(y_s * W_s). h_t and c_t come
// from a separate run on the prefix x[:, :t+1], not from the trace.
TEST_P(GradNorms, MatchAutogradThroughTheRestOfTheSequence) {
  const std::int64_t B = 2, T = 5, I = 3, H = 4;
  Rng rng(21);
  Recurrent m(opts(GetParam(), I, H), rng);
  const Var x(rng.normal_tensor({B, T, I}, 0, 1));
  const Tensor W = rng.uniform_tensor({B, T, H}, 0.5, 1.5);
  m.set_trace(true);
  sum(m.forward(x) * Var(W)).backward();
  const RecurrentProbe p = probe_recurrent(m);
  ASSERT_EQ(p.streams.size(), 1u);
  EXPECT_TRUE(p.streams[0].has_grad);
  ASSERT_EQ(p.streams[0].grad_norm.size(), static_cast<std::size_t>(T));
  m.set_trace(false);
  const Var Wv(W);
  for (std::int64_t t = 0; t < T; ++t) {
    const RecurrentOutput prefix = m.forward_full(slice(x, 1, 0, t + 1));
    Var h_t(prefix.h_n.value(), /*requires_grad=*/true);  // [1, B, H]
    Var loss = sum(select(h_t, 0, 0) * select(Wv, 1, t));
    if (t + 1 < T) {
      const Var c_t = prefix.c_n.defined() ? Var(prefix.c_n.value()) : Var();
      const Var rest = m.forward_full(slice(x, 1, t + 1, T), h_t, c_t).output;
      loss = loss + sum(rest * slice(Wv, 1, t + 1, T));
    }
    loss.backward();
    double sq = 0;
    for (std::int64_t k = 0; k < h_t.numel(); ++k) sq += static_cast<double>(h_t.grad()[k]) * h_t.grad()[k];
    EXPECT_NEAR(p.streams[0].grad_norm[static_cast<std::size_t>(t)], std::sqrt(sq), kDouble ? 1e-10 : 1e-4)
        << "t = " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, GradNorms, ::testing::Values(CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru));

TEST(RecurrentProbe, NoBackwardMeansNoGradient) {
  Rng rng(1);
  Recurrent m(opts(CellKind::Gru, 2, 3), rng);
  m.set_trace(true);
  m.forward(Var(rng.normal_tensor({1, 4, 2}, 0, 1)));
  const RecurrentProbe p = probe_recurrent(m);
  EXPECT_FALSE(p.streams[0].has_grad);
  for (double g : p.streams[0].grad_norm) EXPECT_EQ(g, 0);
}

// ---- gate maps and saturation ----------------------------------------------------------------

// At t = 0 (h0 = c0 = 0) the gates depend on x_0 only: LSTM i = s(W_ii x_0 + b_ii + b_hi), ...;
// GRU n = tanh(W_in x_0 + b_in + r * b_hn).
TEST(RecurrentProbe, GateMapsAtTheFirstStepByHand) {
  const std::int64_t B = 3, T = 2, I = 2, H = 3;
  for (CellKind kind : {CellKind::Lstm, CellKind::Gru}) {
    Rng rng(7);
    Recurrent m(opts(kind, I, H), rng);
    const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
    m.set_trace(true);
    m.forward(Var(x));
    const RecurrentProbe p = probe_recurrent(m, {.batch_element = 1});
    const Tensor& w = m.parameter("weight_ih_l0").value();
    const Tensor& bi = m.parameter("bias_ih_l0").value();
    const Tensor& bh = m.parameter("bias_hh_l0").value();
    const std::int64_t G = m.num_gates();
    // pre[b][row] = W_ih x_0 + b_ih (+ b_hh, except GRU n whose b_hn sits inside r * (...))
    auto pre = [&](std::int64_t b, std::int64_t row) {
      double v = bi[row];
      for (std::int64_t k = 0; k < I; ++k) v += w[row * I + k] * x.at({b, 0, k});
      return v;
    };
    const std::vector<std::string> names =
        kind == CellKind::Lstm ? std::vector<std::string>{"i", "f", "g", "o"} : std::vector<std::string>{"r", "z", "n"};
    ASSERT_EQ(p.streams[0].gates.size(), names.size());
    for (std::int64_t k = 0; k < G; ++k) {
      const GateMap& g = p.streams[0].gates[static_cast<std::size_t>(k)];
      EXPECT_EQ(g.name, names[static_cast<std::size_t>(k)]);
      EXPECT_EQ(g.activation, (g.name == "g" || g.name == "n") ? "tanh" : "sigmoid");
      EXPECT_EQ(g.mean.shape(), (Shape{T, H}));
      EXPECT_EQ(g.element.shape(), (Shape{T, H}));
      for (std::int64_t j = 0; j < H; ++j) {
        double mean = 0, element = 0;
        for (std::int64_t b = 0; b < B; ++b) {
          const std::int64_t row = k * H + j;
          double a;
          if (g.name == "n") {
            const double r = sigmoid_of(pre(b, j) + bh[j]);
            a = std::tanh(pre(b, row) + r * bh[row]);
          } else if (g.name == "g") {
            a = std::tanh(pre(b, row) + bh[row]);
          } else {
            a = sigmoid_of(pre(b, row) + bh[row]);
          }
          mean += a / B;
          if (b == 1) element = a;
        }
        EXPECT_NEAR(g.mean[j], mean, kDouble ? 1e-12 : 1e-6) << g.name << " unit " << j;
        EXPECT_NEAR(g.element[j], element, kDouble ? 1e-12 : 1e-6) << g.name << " unit " << j;
      }
    }
  }
}

// With every weight 0 the gates are fixed by the biases: s(0) = 0.5 (not saturated),
// s(10) > 0.95 and tanh(3) = 0.995 (saturated), tanh(0) = 0 (not).
TEST(RecurrentProbe, SaturationFromTheBiases) {
  const std::int64_t B = 2, T = 3, I = 2, H = 4;
  Rng rng(8);
  Recurrent m(opts(CellKind::Lstm, I, H), rng);
  zero_all(m);
  m.set_forget_bias(10);
  Tensor b_ih = m.parameter("bias_ih_l0").value().clone();
  for (std::int64_t j = 0; j < H; ++j) b_ih[2 * H + j] = j < 2 ? 3 : 0;  // half the g units saturate
  set_param(m, "bias_ih_l0", b_ih);
  m.set_trace(true);
  m.forward(Var(rng.normal_tensor({B, T, I}, 0, 1)));
  const RecurrentProbe p = probe_recurrent(m);
  const auto& gates = p.streams[0].gates;
  EXPECT_EQ(gates[0].saturated_fraction, 0);    // i = 0.5
  EXPECT_EQ(gates[1].saturated_fraction, 1);    // f = s(10)
  EXPECT_EQ(gates[2].saturated_fraction, 0.5);  // g = tanh(3) for 2 of 4 units
  EXPECT_EQ(gates[3].saturated_fraction, 0);    // o = 0.5
  EXPECT_EQ(gates[1].saturated_per_step, (std::vector<double>{1, 1, 1}));
  EXPECT_NEAR(gates[1].mean[0], sigmoid_of(10), kDouble ? 1e-12 : 1e-6);
  // Stricter thresholds: tanh(3) = 0.99505 is no longer saturated at 0.999.
  const RecurrentProbe strict = probe_recurrent(m, {.thresholds = {.tanh_abs = 0.999}});
  EXPECT_EQ(strict.streams[0].gates[2].saturated_fraction, 0);
  EXPECT_EQ(to_json(p)["thresholds"]["sigmoid_high"], 0.95);
}

TEST(RecurrentProbe, RnnReportsItsHiddenStateAndDeadReluUnits) {
  Rng rng(9);
  Recurrent relu(opts(CellKind::RnnRelu, 2, 3), rng);
  zero_all(relu);
  set_param(relu, "bias_ih_l0", Tensor::from({3}, {-1, -1, 1}));  // two dead units, one alive
  relu.set_trace(true);
  relu.forward(Var(rng.normal_tensor({2, 4, 2}, 0, 1)));
  const RecurrentProbe p = probe_recurrent(relu);
  EXPECT_EQ(p.kind, "rnn_relu");
  ASSERT_EQ(p.streams[0].gates.size(), 1u);
  EXPECT_EQ(p.streams[0].gates[0].name, "h");
  EXPECT_EQ(p.streams[0].gates[0].activation, "relu");
  EXPECT_NEAR(p.streams[0].gates[0].saturated_fraction, 2.0 / 3.0, 1e-12);
}

TEST(RecurrentProbe, StreamsOfABidirectionalStack) {
  Rng rng(10);
  Recurrent m(opts(CellKind::Gru, 2, 3, 2, true), rng);
  m.set_trace(true);
  sum(m.forward(Var(rng.normal_tensor({2, 4, 2}, 0, 1)))).backward();
  const RecurrentProbe p = probe_recurrent(m);
  ASSERT_EQ(p.streams.size(), 4u);
  EXPECT_EQ(p.streams[3].layer, 1);
  EXPECT_EQ(p.streams[3].direction, 1);
  for (const auto& s : p.streams) EXPECT_TRUE(s.has_grad);
  const nlohmann::json j = to_json(p);
  EXPECT_EQ(j["streams"].size(), 4u);
  EXPECT_EQ(j["streams"][1]["gates"][2]["name"], "n");
  EXPECT_EQ(j["streams"][1]["gates"][2]["mean"]["shape"], nlohmann::json({4, 3}));
  EXPECT_TRUE(j["batch_element"].is_null());
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

TEST(RecurrentProbe, Errors) {
  Rng rng(11);
  Recurrent m(opts(CellKind::Lstm, 2, 3), rng);
  EXPECT_THROW(probe_recurrent(m), std::invalid_argument);  // no trace yet
  EXPECT_THROW(step_jacobians(m, {}), std::invalid_argument);
  m.set_trace(true);
  m.forward(Var(rng.normal_tensor({2, 4, 2}, 0, 1)));
  EXPECT_THROW(probe_recurrent(m, {.batch_element = 2}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.steps = {4}}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.layer = 1}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.direction = 1}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.batch_element = 2}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.top_k = 7}), std::invalid_argument);  // LSTM: up to 2H = 6
  EXPECT_NO_THROW(step_jacobians(m, {.top_k = 6}));
  EXPECT_THROW(step_jacobians(m, {.clamped_gates = {"z"}}), std::invalid_argument);
  EXPECT_THROW(step_jacobians(m, {.h0 = Tensor::zeros({1, 3, 3})}), std::invalid_argument);
  try {
    step_jacobians(m, {.steps = {9}});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: 0..3"), std::string::npos) << e.what();
  }
}

// ---- step Jacobians against finite differences ---------------------------------------------

// The largest singular value by power iteration on J^T J (independent of linalg::singular_values' Jacobi sweeps).
double spectral_norm(const Tensor& J) {
  const std::int64_t n = J.dim(0);
  std::vector<double> v(static_cast<std::size_t>(n), 1.0), w(static_cast<std::size_t>(n));
  double sigma = 0;
  for (int it = 0; it < 2000; ++it) {
    std::vector<double> u(static_cast<std::size_t>(n), 0.0);  // u = J v
    for (std::int64_t r = 0; r < n; ++r)
      for (std::int64_t c = 0; c < n; ++c) u[r] += J[r * n + c] * v[c];
    std::fill(w.begin(), w.end(), 0.0);  // w = J^T u
    for (std::int64_t r = 0; r < n; ++r)
      for (std::int64_t c = 0; c < n; ++c) w[c] += J[r * n + c] * u[r];
    double norm = 0;
    for (double x : w) norm += x * x;
    norm = std::sqrt(norm);
    if (norm == 0) return 0;
    sigma = std::sqrt(norm);  // ||J^T J v|| with ||v|| = 1 -> sigma_max^2
    for (std::size_t k = 0; k < w.size(); ++k) v[k] = w[k] / norm;
  }
  return sigma;
}

struct JacobianCase {
  CellKind kind;
  bool peephole;
  int layers;
  bool bidirectional;
  int layer, direction, batch_element;
  std::vector<std::string> clamp;  // gates clamped (to 1 for sigmoid gates)
  bool coupled = false;            // LSTM: coupled_input_forget (f = 1 - i)
  bool reset_before = false;       // GRU: the 2014 reset-before form
  std::int64_t proj = 0;           // LSTM: proj_size
};

RecurrentOptions jacobian_options(const JacobianCase& c, std::int64_t I, std::int64_t H, int layers, bool bidirectional) {
  RecurrentOptions o = opts(c.kind, I, H, layers, bidirectional, c.peephole);
  o.coupled_input_forget = c.coupled;
  o.reset_before = c.reset_before;
  o.proj_size = c.proj;
  return o;
}

class StepJacobianFd : public ::testing::TestWithParam<JacobianCase> {};

// The finite-difference Jacobian: one step of a one-layer, one-direction copy of the stream
// (same weights), run from the traced previous state with one element of it nudged.
TEST_P(StepJacobianFd, MatchesFiniteDifferencesOfOneStep) {
  const JacobianCase c = GetParam();
  const std::int64_t B = 2, T = 4, I = 3, H = 3, P = c.proj > 0 ? c.proj : H;  // P: the width of h
  const bool lstm = c.kind == CellKind::Lstm;
  Rng rng(31);
  Recurrent m(jacobian_options(c, I, H, c.layers, c.bidirectional), rng);
  for (const auto& g : c.clamp) m.clamp_gate(g, 1.0);
  const int D = m.num_directions();
  const std::int64_t LD = c.layers * D;
  const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
  const Tensor h0 = rng.normal_tensor({LD, B, P}, 0, 0.5), c0 = rng.normal_tensor({LD, B, H}, 0, 0.5);
  m.set_trace(true);
  m.forward_full(Var(x), Var(h0), lstm ? Var(c0) : Var());
  const std::vector<StepJacobian> js = step_jacobians(m, {.layer = c.layer,
                                                          .direction = c.direction,
                                                          .batch_element = c.batch_element,
                                                          .h0 = h0,
                                                          .c0 = lstm ? c0 : Tensor(),
                                                          .clamped_gates = c.clamp});
  ASSERT_EQ(js.size(), static_cast<std::size_t>(T));

  // The copy: layer input width I for layer 0, D*P above.
  const std::int64_t I_k = c.layer == 0 ? I : D * P;
  Recurrent cell(jacobian_options(c, I_k, H, 1, false), rng);
  const std::string suffix = "_l" + std::to_string(c.layer) + (c.direction == 1 ? "_reverse" : "");
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : cell.named_parameters())
    state.emplace_back(n, m.parameter(n.substr(0, n.size() - 3) + suffix).value());
  cell.load_state(state);
  for (const auto& g : c.clamp) cell.clamp_gate(g, 1.0);

  const RecurrentTrace::Stream& s = m.trace().at(c.layer, c.direction);
  const std::int64_t row = c.layer * D + c.direction;
  const double eps = kDouble ? 1e-6 : 1e-2, tol = kDouble ? 1e-7 : 2e-2;
  const std::int64_t S = lstm ? P + H : H;  // state size: [h; c] for LSTM
  const std::int64_t b = c.batch_element;
  for (std::int64_t t = 0; t < T; ++t) {
    // x_t [B, 1, I_k]
    Tensor x_t({B, 1, I_k});
    for (std::int64_t bb = 0; bb < B; ++bb)
      for (std::int64_t k = 0; k < I_k; ++k)
        x_t[bb * I_k + k] =
            c.layer == 0 ? x.at({bb, t, k}) : m.trace().at(0, static_cast<int>(k / P)).h.at({t, bb, k % P});
    const bool first = c.direction == 0 ? t == 0 : t == T - 1;
    const std::int64_t prev = c.direction == 0 ? t - 1 : t + 1;
    Tensor h_prev({1, B, P}), c_prev({1, B, H});
    for (std::int64_t k = 0; k < B * P; ++k) h_prev[k] = first ? h0[row * B * P + k] : s.h[prev * B * P + k];
    for (std::int64_t k = 0; k < B * H && lstm; ++k) c_prev[k] = first ? c0[row * B * H + k] : s.c[prev * B * H + k];
    auto run = [&](std::int64_t which, double delta) {  // the new state [h; c] of element b
      Tensor hp = h_prev.clone(), cp = c_prev.clone();
      if (which < P)
        hp[b * P + which] += static_cast<Scalar>(delta);
      else
        cp[b * H + which - P] += static_cast<Scalar>(delta);
      NoGradGuard no_grad;
      const RecurrentOutput o = cell.forward_full(Var(x_t), Var(hp), lstm ? Var(cp) : Var());
      std::vector<double> out;
      for (std::int64_t j = 0; j < P; ++j) out.push_back(o.h_n.value()[b * P + j]);
      if (lstm)
        for (std::int64_t j = 0; j < H; ++j) out.push_back(o.c_n.value()[b * H + j]);
      return out;
    };
    const Tensor& analytic = lstm ? js[t].full : js[t].hh;
    ASSERT_EQ(analytic.shape(), (Shape{S, S}));
    // The traced forward state must be what the copy computes (it checks the harness).
    const std::vector<double> base = run(0, 0);
    for (std::int64_t j = 0; j < P; ++j) EXPECT_NEAR(base[j], s.h.at({t, b, j}), kDouble ? 1e-12 : 1e-5);
    double worst = 0;
    for (std::int64_t col = 0; col < S; ++col) {
      const std::vector<double> up = run(col, eps), down = run(col, -eps);
      for (std::int64_t r = 0; r < S; ++r)
        worst = std::max(worst, std::fabs((up[r] - down[r]) / (2 * eps) - analytic[r * S + col]));
    }
    EXPECT_LT(worst, tol) << "t = " << t;
    if (lstm) {  // the h->h block is the top-left of the full Jacobian
      for (std::int64_t r = 0; r < P; ++r)
        for (std::int64_t col = 0; col < P; ++col) EXPECT_EQ(js[t].hh[r * P + col], js[t].full[r * S + col]);
    }
    // Singular values: largest first, the largest equal to the spectral norm of the matrix.
    const auto& sv = lstm ? js[t].full_singular_values : js[t].hh_singular_values;
    ASSERT_EQ(sv.size(), static_cast<std::size_t>(S));
    for (std::size_t k = 1; k < sv.size(); ++k) EXPECT_GE(sv[k - 1], sv[k]);
    EXPECT_NEAR(sv[0], spectral_norm(analytic), 1e-6 * sv[0]);
  }
}

INSTANTIATE_TEST_SUITE_P(Cells, StepJacobianFd,
                         ::testing::Values(JacobianCase{CellKind::RnnTanh, false, 1, false, 0, 0, 0, {}},
                                           JacobianCase{CellKind::RnnRelu, false, 1, false, 0, 0, 1, {}},
                                           JacobianCase{CellKind::Lstm, false, 1, false, 0, 0, 0, {}},
                                           JacobianCase{CellKind::Lstm, true, 1, false, 0, 0, 1, {}},
                                           JacobianCase{CellKind::Gru, false, 1, false, 0, 0, 0, {}},
                                           JacobianCase{CellKind::Lstm, true, 2, true, 1, 1, 0, {}},
                                           JacobianCase{CellKind::Gru, false, 2, true, 1, 1, 1, {}},
                                           JacobianCase{CellKind::RnnTanh, false, 1, true, 0, 1, 0, {}},
                                           JacobianCase{CellKind::Lstm, true, 1, false, 0, 0, 0, {"f", "o"}},
                                           JacobianCase{CellKind::Gru, false, 1, false, 0, 0, 0, {"z"}},
                                           JacobianCase{CellKind::Lstm, false, 1, false, 0, 0, 0, {}, true},
                                           JacobianCase{CellKind::Lstm, false, 2, true, 1, 1, 1, {}, true},
                                           JacobianCase{CellKind::Lstm, false, 1, false, 0, 0, 0, {"i"}, true},
                                           JacobianCase{CellKind::Gru, false, 1, false, 0, 0, 0, {}, false, true},
                                           JacobianCase{CellKind::Gru, false, 2, true, 1, 1, 1, {}, false, true},
                                           JacobianCase{CellKind::Gru, false, 1, false, 0, 0, 0, {"r"}, false, true},
                                           JacobianCase{CellKind::Lstm, false, 1, false, 0, 0, 0, {}, false, false, 2},
                                           JacobianCase{CellKind::Lstm, true, 2, true, 1, 1, 1, {}, false, false, 2},
                                           JacobianCase{CellKind::Lstm, false, 1, false, 0, 0, 1, {}, true, false, 1}),
                         [](const ::testing::TestParamInfo<JacobianCase>& info) {
                           const JacobianCase& c = info.param;
                           std::string name = std::string(to_string(c.kind)) + (c.peephole ? "_peephole" : "") + "_L" +
                                              std::to_string(c.layers) + (c.bidirectional ? "_bi" : "") + "_stream" +
                                              std::to_string(c.layer) + std::to_string(c.direction) + "_b" +
                                              std::to_string(c.batch_element);
                           for (const auto& g : c.clamp) name += "_clamp" + g;
                           if (c.coupled) name += "_coupled";
                           if (c.reset_before) name += "_reset_before";
                           if (c.proj > 0) name += "_proj" + std::to_string(c.proj);
                           return name;
                         });

// h0 = 0, no input weights, no biases: h stays 0, so dh_t/dh_{t-1} = diag(1 - 0^2) W_hh = W_hh,
// whose singular values are those of a permuted diagonal: |1.5|, |0.5|, |-0.25|, |0.1|.
TEST(StepJacobian, KnownSingularValues) {
  Rng rng(12);
  Recurrent m(opts(CellKind::RnnTanh, 2, 4), rng);
  zero_all(m);
  set_param(m, "weight_hh_l0", Tensor::from({4, 4}, {0, 1.5, 0, 0, 0.5, 0, 0, 0, 0, 0, -0.25, 0, 0, 0, 0, 0.1}));
  m.set_trace(true);
  m.forward(Var(rng.normal_tensor({1, 3, 2}, 0, 1)));
  const auto js = step_jacobians(m, {.steps = {2}});
  ASSERT_EQ(js.size(), 1u);
  const std::vector<double> expect{1.5, 0.5, 0.25, 0.1};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(js[0].hh_singular_values[k], expect[k], 1e-7);
  const auto top2 = step_jacobians(m, {.steps = {2}, .top_k = 2});
  EXPECT_EQ(top2[0].hh_singular_values.size(), 2u);
  EXPECT_NEAR(top2[0].hh_singular_values[1], 0.5, 1e-7);
  EXPECT_FALSE(top2[0].full.defined());
  const nlohmann::json j = to_json(top2);
  EXPECT_EQ(j[0]["t"], 2);
  EXPECT_EQ(j[0]["hh"]["shape"], nlohmann::json({4, 4}));
  EXPECT_TRUE(j[0]["full"].is_null());
}

// Tiny recurrent weights: every step shrinks the gradient (all singular values < 1), and the
// gradient norms the backward left in the trace obey ||dL/dh_{t-1}|| <= s_max(J_t) ||dL/dh_t||
// (with the loss on the last step only and B = 1, dL/dh_{t-1} = J_t^T dL/dh_t exactly).
TEST(StepJacobian, TinyRnnWeightsVanish) {
  const std::int64_t T = 8, H = 6;
  Rng rng(13);
  Recurrent m(opts(CellKind::RnnTanh, 2, H), rng);
  Tensor w = m.parameter("weight_hh_l0").value().clone();
  for (std::int64_t k = 0; k < w.numel(); ++k) w[k] *= Scalar(0.05);  // |w| <= 0.05 / sqrt(6)
  set_param(m, "weight_hh_l0", w);
  m.set_trace(true);
  const Var y = m.forward(Var(rng.normal_tensor({1, T, 2}, 0, 1)));
  sum(select(y, 1, T - 1)).backward();
  const RecurrentProbe p = probe_recurrent(m);
  const auto js = step_jacobians(m, {});
  const auto& g = p.streams[0].grad_norm;
  for (std::int64_t t = 0; t < T; ++t) {
    const auto& sv = js[static_cast<std::size_t>(t)].hh_singular_values;
    EXPECT_LT(sv[0], 1.0);
    if (t > 0) {
      EXPECT_LE(g[t - 1], sv[0] * g[t] * (1 + 1e-5) + 1e-30) << "t = " << t;
      EXPECT_GE(g[t - 1], sv.back() * g[t] * (1 - 1e-5)) << "t = " << t;
    }
  }
  EXPECT_LT(g[0] / g[T - 1], 1e-6);
  std::printf("  tiny RNN: s_max(J_7) = %.3g, ||dL/dh_0|| / ||dL/dh_7|| = %.3g\n", js[7].hh_singular_values[0],
              g[0] / g[T - 1]);
}

// An LSTM with tiny weights and a forget bias of 5: the h->h block is tiny, but the cell
// path carries the state almost unchanged (dc_t/dc_{t-1} ~ diag(f), f = s(5) = 0.9933), which
// only the full state Jacobian shows. Over 5 steps the product of h->h blocks vanishes while
// the product of full Jacobians keeps its size. (One full step's largest singular value is
// about sqrt(f^2 + (o (1 - tanh^2 c) f)^2) = 1.11 > 1 here, because h_t reads c_{t-1} too;
// the product over many steps decays like f^n.)
TEST(StepJacobian, LstmCellPathKeepsTheGradient) {
  const std::int64_t H = 4, S = 2 * H, T = 6;
  Rng rng(14);
  Recurrent m(opts(CellKind::Lstm, 2, H), rng);
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : m.named_parameters()) {
    Tensor t = v.value().clone();
    for (std::int64_t k = 0; k < t.numel(); ++k) t[k] *= Scalar(0.02);
    state.emplace_back(n, t);
  }
  m.load_state(state);
  m.set_forget_bias(5);
  m.set_trace(true);
  m.forward(Var(rng.normal_tensor({1, T, 2}, 0, 1)));
  const auto js = step_jacobians(m, {});
  // dc_t/dc_{t-1} ~ diag(f): the bottom-right block.
  for (std::int64_t j = 0; j < H; ++j) EXPECT_NEAR(js[5].full[(H + j) * S + H + j], sigmoid_of(5), 0.01);
  auto product = [&](bool full) {  // J_5 J_4 ... J_1
    const std::int64_t n = full ? S : H;
    Tensor p({n, n});
    for (std::int64_t k = 0; k < n; ++k) p[k * n + k] = 1;
    for (std::int64_t t = 1; t < T; ++t) {
      const Tensor& J = full ? js[static_cast<std::size_t>(t)].full : js[static_cast<std::size_t>(t)].hh;
      Tensor next({n, n});
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < n; ++c)
          for (std::int64_t k = 0; k < n; ++k) next[r * n + c] += J[r * n + k] * p[k * n + c];
      p = next;
    }
    return singular_values(p)[0];
  };
  const double full_5 = product(true), hh_5 = product(false);
  EXPECT_GT(full_5, 0.5);
  EXPECT_LT(hh_5, 1e-6);
  EXPECT_LT(js[5].hh_singular_values[0], 0.05);
  std::printf("  LSTM, forget bias 5: one step s_max full = %.4f, h->h = %.4f; over 5 steps full = %.4f, h->h = %.3g\n",
              js[5].full_singular_values[0], js[5].hh_singular_values[0], full_5, hh_5);
}

// ---- gains, products through time, the LSTM cell path ----------------------------------------

// Singular values of a 2x2 matrix [[a, b], [c, d]] by hand: s^2 are the eigenvalues of M^T M,
// (S +- sqrt(S^2 - 4 det^2)) / 2 with S = a^2 + b^2 + c^2 + d^2 = ||M||_F^2.
std::pair<double, double> singular_values_2x2(const double m[4]) {
  const double S = m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + m[3] * m[3];
  const double det = m[0] * m[3] - m[1] * m[2];
  const double root = std::sqrt(std::max(0.0, S * S - 4 * det * det));
  return {std::sqrt((S + root) / 2), std::sqrt(std::max(0.0, (S - root) / 2))};
}

// singular_values (one-sided Jacobi) on matrices with known singular values: small ones by
// hand, a rank-deficient one, and P diag(s) Q with Householder reflections P [m, m] and
// Q [n, n] (orthogonal), tall, wide and square, with a wide spread of magnitudes.
TEST(SingularValues, KnownMatrices) {
  const double tol = kDouble ? 1e-12 : 1e-6;  // relative to the largest value
  auto expect_values = [&](const Tensor& m, std::vector<double> expect) {
    std::sort(expect.begin(), expect.end(), std::greater<>());
    const std::vector<double> got = singular_values(m);
    ASSERT_EQ(got.size(), expect.size()) << to_string(m.shape());
    for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], expect[k], tol * expect[0]) << to_string(m.shape()) << " k = " << k;
  };
  expect_values(Tensor::from({2, 2}, {3, 0, 4, 5}), {std::sqrt(45.0), std::sqrt(5.0)});  // M^T M = [[25, 20], [20, 25]]
  expect_values(Tensor::from({2, 3}, {1, 1, 0, 0, 1, 1}), {std::sqrt(3.0), 1.0});        // M M^T = [[2, 1], [1, 2]]
  expect_values(Tensor::from({2, 2}, {1, 2, 2, 4}), {5.0, 0.0});                         // rank 1
  expect_values(Tensor::from({1, 1}, {-2}), {2.0});

  // I - 2 v v^T / v^T v for v = (1, 2, ..., k) shifted by `shift`: orthogonal, dense.
  auto reflection = [](std::int64_t k, double shift) {
    std::vector<double> v(static_cast<std::size_t>(k)), r(static_cast<std::size_t>(k * k));
    double vv = 0;
    for (std::int64_t i = 0; i < k; ++i) vv += (v[static_cast<std::size_t>(i)] = static_cast<double>(i + 1) + shift) * v[static_cast<std::size_t>(i)];
    for (std::int64_t i = 0; i < k; ++i)
      for (std::int64_t j = 0; j < k; ++j)
        r[static_cast<std::size_t>(i * k + j)] = (i == j ? 1.0 : 0.0) - 2 * v[static_cast<std::size_t>(i)] * v[static_cast<std::size_t>(j)] / vv;
    return r;
  };
  for (const auto& [m, n] : std::vector<std::pair<std::int64_t, std::int64_t>>{{5, 3}, {3, 5}, {4, 4}, {6, 1}}) {
    const std::int64_t r = std::min(m, n);
    std::vector<double> s(static_cast<std::size_t>(r));
    for (std::int64_t k = 0; k < r; ++k) s[static_cast<std::size_t>(k)] = std::pow(10.0, -0.7 * static_cast<double>(k)) * (1 + 0.1 * static_cast<double>(k));
    const std::vector<double> P = reflection(m, -0.5), Q = reflection(n, 0.25);
    Tensor M({m, n});
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::int64_t k = 0; k < r; ++k) sum += P[static_cast<std::size_t>(i * m + k)] * s[static_cast<std::size_t>(k)] * Q[static_cast<std::size_t>(k * n + j)];
        M[i * n + j] = static_cast<Scalar>(sum);
      }
    expect_values(M, s);
  }
  EXPECT_THROW(singular_values(Tensor({3})), std::invalid_argument);
}

// A tanh RNN with input 1, hidden 2, pinned weights and inputs, h0 = 0: h_t by hand in
// double, J_t = diag(1 - h_t^2) W_hh, its singular values and RMS gain sqrt(S / 2) =
// ||J_t||_F / sqrt(2) by the 2x2 formulas, and the products J_{T-1} ... J_t the same way.
TEST(StepJacobian, HandComputed2x2TanhRnn) {
  const std::int64_t T = 3;
  Rng rng(50);
  Recurrent m(opts(CellKind::RnnTanh, 1, 2), rng);
  zero_all(m);
  const double W_hh[4] = {0.9, -0.4, 0.3, 0.7}, W_ih[2] = {1.0, -0.5}, b_ih[2] = {0.1, 0.2};
  const double xs[T] = {0.5, -1.0, 0.8};
  set_param(m, "weight_hh_l0", Tensor::from({2, 2}, {0.9, -0.4, 0.3, 0.7}));
  set_param(m, "weight_ih_l0", Tensor::from({2, 1}, {1.0, -0.5}));
  set_param(m, "bias_ih_l0", Tensor::from({2}, {0.1, 0.2}));
  m.set_trace(true);
  m.forward(Var(Tensor::from({1, T, 1}, {0.5, -1.0, 0.8})));
  const std::vector<StepJacobian> js = step_jacobians(m, {});
  ASSERT_EQ(js.size(), static_cast<std::size_t>(T));

  double h[2] = {0, 0};
  double J[T][4];
  for (std::int64_t t = 0; t < T; ++t) {
    const double a0 = W_ih[0] * xs[t] + b_ih[0] + W_hh[0] * h[0] + W_hh[1] * h[1];
    const double a1 = W_ih[1] * xs[t] + b_ih[1] + W_hh[2] * h[0] + W_hh[3] * h[1];
    h[0] = std::tanh(a0);
    h[1] = std::tanh(a1);
    const double d0 = 1 - h[0] * h[0], d1 = 1 - h[1] * h[1];
    const double Jt[4] = {d0 * W_hh[0], d0 * W_hh[1], d1 * W_hh[2], d1 * W_hh[3]};
    std::copy(Jt, Jt + 4, J[t]);
  }
  const double tol = kDouble ? 1e-12 : 1e-5;
  for (std::int64_t t = 0; t < T; ++t) {
    const StepJacobian& j = js[static_cast<std::size_t>(t)];
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(j.hh[k], J[t][k], tol) << "t = " << t;
    const auto [s1, s2] = singular_values_2x2(J[t]);
    ASSERT_EQ(j.hh_singular_values.size(), 2u);  // all of them, not a top few
    EXPECT_NEAR(j.hh_singular_values[0], s1, tol);
    EXPECT_NEAR(j.hh_singular_values[1], s2, tol);
    const double S = J[t][0] * J[t][0] + J[t][1] * J[t][1] + J[t][2] * J[t][2] + J[t][3] * J[t][3];
    EXPECT_NEAR(j.hh_rms_gain, std::sqrt(S / 2), tol);
    EXPECT_NEAR(j.hh_rms_gain, std::sqrt((s1 * s1 + s2 * s2) / 2), tol);  // the RMS of the singular values
    EXPECT_TRUE(std::isnan(j.full_rms_gain));
  }
  // Products from the last step back: P_2 = J_2, P_1 = J_2 J_1, P_0 = J_2 J_1 J_0.
  double P[4] = {1, 0, 0, 1};
  for (std::int64_t t = T - 1; t >= 0; --t) {
    const double next[4] = {P[0] * J[t][0] + P[1] * J[t][2], P[0] * J[t][1] + P[1] * J[t][3],
                            P[2] * J[t][0] + P[3] * J[t][2], P[2] * J[t][1] + P[3] * J[t][3]};
    std::copy(next, next + 4, P);
    const StepJacobian& j = js[static_cast<std::size_t>(t)];
    const auto [s1, s2] = singular_values_2x2(P);
    EXPECT_EQ(j.product_steps, T - t);
    EXPECT_NEAR(j.product_norm, s1, tol) << "t = " << t;
    ASSERT_EQ(j.product_singular_values.size(), 2u);
    EXPECT_NEAR(j.product_singular_values[1], s2, tol);
    EXPECT_NEAR(j.product_rms_gain, std::sqrt((s1 * s1 + s2 * s2) / 2), tol);
  }
  const nlohmann::json j = to_json(js);
  EXPECT_EQ(j[0]["product_steps"], 3);
  EXPECT_TRUE(j[0]["hh_rms_gain"].is_number());
  EXPECT_TRUE(j[0]["full_rms_gain"].is_null());
  EXPECT_TRUE(j[0]["full_product_norm"].is_null());
  EXPECT_EQ(j[0]["product_singular_values"].size(), 2u);
}

// The product P_t = J_last ... J_t is d(state at the last step)/d(state before t): nudging
// h_{t-1} (and for LSTM c_{t-1}) and running the rest of the sequence moves the last state
// by P_t's columns (finite differences in double over the whole remaining sequence), for
// both directions.
class ProductFd : public ::testing::TestWithParam<std::tuple<CellKind, bool>> {};

TEST_P(ProductFd, ProductsMatchFiniteDifferencesOverTheRestOfTheSequence) {
  const auto [kind, bidirectional] = GetParam();
  const std::int64_t B = 2, T = 5, I = 2, H = 3;
  const bool lstm = kind == CellKind::Lstm;
  const std::int64_t S = lstm ? 2 * H : H;
  Rng rng(60);
  Recurrent m(opts(kind, I, H, 1, bidirectional), rng);
  const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
  m.set_trace(true);
  m.forward(Var(x));
  m.set_trace(false);
  const int direction = bidirectional ? 1 : 0;
  const std::int64_t b = 1;
  const std::vector<StepJacobian> js = step_jacobians(m, {.direction = direction, .batch_element = b});
  // A one-direction copy of the stream (same weights).
  Recurrent cell(opts(kind, I, H), rng);
  const std::string suffix = direction == 1 ? "_l0_reverse" : "_l0";
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& [n, v] : cell.named_parameters()) state.emplace_back(n, m.parameter(n.substr(0, n.size() - 3) + suffix).value());
  cell.load_state(state);
  const RecurrentTrace::Stream& s = m.trace().at(0, direction);
  const double eps = kDouble ? 1e-6 : 1e-2, tol = kDouble ? 1e-7 : 3e-2;
  for (std::int64_t t = 0; t < T; ++t) {
    // The rest of the sequence in processing order, as a forward sequence for the copy.
    const std::int64_t n = direction == 0 ? T - t : t + 1;
    Tensor rest({B, n, I});
    for (std::int64_t bb = 0; bb < B; ++bb)
      for (std::int64_t k = 0; k < n; ++k)
        for (std::int64_t i = 0; i < I; ++i) rest[(bb * n + k) * I + i] = x.at({bb, direction == 0 ? t + k : t - k, i});
    const bool first = direction == 0 ? t == 0 : t == T - 1;
    const std::int64_t prev = direction == 0 ? t - 1 : t + 1;
    auto run = [&](std::int64_t which, double delta) {
      Tensor hp({1, B, H}), cp({1, B, H});
      for (std::int64_t k = 0; k < B * H; ++k) {
        hp[k] = first ? Scalar(0) : s.h[prev * B * H + k];
        if (lstm) cp[k] = first ? Scalar(0) : s.c[prev * B * H + k];
      }
      if (which < H) hp[b * H + which] += static_cast<Scalar>(delta);
      else cp[b * H + which - H] += static_cast<Scalar>(delta);
      NoGradGuard no_grad;
      const RecurrentOutput o = cell.forward_full(Var(rest), Var(hp), lstm ? Var(cp) : Var());
      std::vector<double> out;
      for (std::int64_t j = 0; j < H; ++j) out.push_back(o.h_n.value()[b * H + j]);
      if (lstm)
        for (std::int64_t j = 0; j < H; ++j) out.push_back(o.c_n.value()[b * H + j]);
      return out;
    };
    Tensor fd({S, S});
    for (std::int64_t col = 0; col < S; ++col) {
      const auto up = run(col, eps), down = run(col, -eps);
      for (std::int64_t r = 0; r < S; ++r) fd[r * S + col] = static_cast<Scalar>((up[r] - down[r]) / (2 * eps));
    }
    const StepJacobian& j = js[static_cast<std::size_t>(t)];
    EXPECT_EQ(j.product_steps, n);
    const std::vector<double> sv = singular_values(fd);
    double sq = 0;
    for (std::int64_t k = 0; k < S * S; ++k) sq += static_cast<double>(fd[k]) * fd[k];
    if (lstm) {
      EXPECT_NEAR(j.full_product_norm, sv[0], tol) << "t = " << t;
      EXPECT_NEAR(j.full_product_rms_gain, std::sqrt(sq / static_cast<double>(S)), tol) << "t = " << t;
      ASSERT_EQ(j.full_product_singular_values.size(), static_cast<std::size_t>(S));
      for (std::size_t k = 0; k < sv.size(); ++k) EXPECT_NEAR(j.full_product_singular_values[k], sv[k], tol);
      double full_sq = 0;
      for (std::int64_t k = 0; k < S * S; ++k) full_sq += static_cast<double>(j.full[k]) * j.full[k];
      EXPECT_NEAR(j.full_rms_gain, std::sqrt(full_sq / static_cast<double>(S)), 1e-6 * j.full_rms_gain);
    } else {
      EXPECT_NEAR(j.product_norm, sv[0], tol) << "t = " << t;
      EXPECT_NEAR(j.product_rms_gain, std::sqrt(sq / static_cast<double>(S)), tol) << "t = " << t;
      for (std::size_t k = 0; k < sv.size(); ++k) EXPECT_NEAR(j.product_singular_values[k], sv[k], tol);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cells, ProductFd,
                         ::testing::Values(std::make_tuple(CellKind::RnnTanh, false), std::make_tuple(CellKind::Gru, false),
                                           std::make_tuple(CellKind::Lstm, false), std::make_tuple(CellKind::RnnTanh, true),
                                           std::make_tuple(CellKind::Lstm, true)),
                         [](const ::testing::TestParamInfo<std::tuple<CellKind, bool>>& info) {
                           return std::string(to_string(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_reverse" : "_forward");
                         });

// ||dL/dc_t||: the total gradient reaching the cell state, checked element by element by
// finite differences in double. c_t is nudged after a run of the prefix x[:, :t+1]; h_t =
// o_t tanh(c_t) follows it (o_t from the prefix's trace), and the rest of the sequence runs
// from (h_t, c_t). L = sum(W * y) over every output. Fused and unfused paths alike.
class CellGradient : public ::testing::TestWithParam<bool> {};

TEST_P(CellGradient, MatchesFiniteDifferencesAndTheForgetGateMean) {
  const bool fused = GetParam();
  const std::int64_t B = 2, T = 5, I = 2, H = 3;
  Rng rng(70);
  Recurrent m(opts(CellKind::Lstm, I, H), rng);
  m.set_fused(fused);
  const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
  const Tensor W = rng.uniform_tensor({B, T, H}, 0.5, 1.5);
  m.set_trace(true);
  sum(m.forward(Var(x)) * Var(W)).backward();
  const RecurrentProbe p = probe_recurrent(m);
  const RecurrentTrace::Stream s = m.trace().at(0, 0);  // a copy: the runs below trace too
  ASSERT_EQ(p.streams[0].cell_grad_norm.size(), static_cast<std::size_t>(T));
  ASSERT_EQ(p.streams[0].forget_gate_mean.size(), static_cast<std::size_t>(T));
  const double eps = kDouble ? 1e-6 : 1e-2, tol = kDouble ? 1e-7 : 3e-2;
  for (std::int64_t t = 0; t < T; ++t) {
    const RecurrentOutput prefix = m.forward_full(Var(slice(Var(x), 1, 0, t + 1).value()));
    const Tensor o_t = select(Var(m.trace().at(0, 0).gate("o")), 0, t).value();  // [B, H]
    auto loss = [&](std::int64_t k, double delta) {
      NoGradGuard no_grad;
      Tensor c = prefix.c_n.value().clone();  // [1, B, H]
      c[k] += static_cast<Scalar>(delta);
      Tensor h({1, B, H});
      for (std::int64_t e = 0; e < B * H; ++e) h[e] = static_cast<Scalar>(o_t[e] * std::tanh(static_cast<double>(c[e])));
      double L = 0;
      for (std::int64_t bb = 0; bb < B; ++bb)
        for (std::int64_t j = 0; j < H; ++j) L += W.at({bb, t, j}) * h[bb * H + j];
      if (t + 1 < T) {
        const Tensor y = m.forward_full(Var(slice(Var(x), 1, t + 1, T).value()), Var(h), Var(c)).output.value();
        for (std::int64_t bb = 0; bb < B; ++bb)
          for (std::int64_t u = t + 1; u < T; ++u)
            for (std::int64_t j = 0; j < H; ++j) L += W.at({bb, u, j}) * y.at({bb, u - t - 1, j});
      }
      return L;
    };
    double sq = 0;
    for (std::int64_t k = 0; k < B * H; ++k) {
      const double fd = (loss(k, eps) - loss(k, -eps)) / (2 * eps);
      EXPECT_NEAR(s.dc[t * B * H + k], fd, tol) << "t = " << t << ", element " << k;
      sq += fd * fd;
    }
    EXPECT_NEAR(p.streams[0].cell_grad_norm[static_cast<std::size_t>(t)], std::sqrt(sq), tol);
    double f_sum = 0;
    for (std::int64_t k = 0; k < B * H; ++k) f_sum += s.gate("f")[t * B * H + k];
    EXPECT_NEAR(p.streams[0].forget_gate_mean[static_cast<std::size_t>(t)], f_sum / (B * H), 1e-12);
  }
  const nlohmann::json j = to_json(p);
  EXPECT_EQ(j["streams"][0]["cell_grad_norm"].size(), static_cast<std::size_t>(T));
  // A clamp shows its value as the mean; an RNN has neither field.
  m.clamp_gate("f", 0.25);
  m.set_trace(true);
  m.forward(Var(x));
  const RecurrentProbe clamped = probe_recurrent(m);
  for (double f : clamped.streams[0].forget_gate_mean) EXPECT_NEAR(f, 0.25, 1e-7);
  Recurrent rnn(opts(CellKind::RnnTanh, I, H), rng);
  rnn.set_trace(true);
  rnn.forward(Var(x));
  EXPECT_TRUE(to_json(probe_recurrent(rnn))["streams"][0]["cell_grad_norm"].is_null());
}

INSTANTIATE_TEST_SUITE_P(Paths, CellGradient, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "fused" : "unfused"; });

// ---- interventions ---------------------------------------------------------------------------

struct Recall {  // an LSTM and a readout; the loss is the mse on a fixed batch
  static constexpr std::int64_t B = 16, T = 5, H = 6;
  Rng rng{40};
  std::shared_ptr<Recurrent> lstm = std::make_shared<Recurrent>(opts(CellKind::Lstm, 1, H), rng);
  std::shared_ptr<Linear> readout = std::make_shared<Linear>(H, 1, rng);
  Var forward(const Tensor& x) { return readout->forward(select(lstm->forward(Var(x)), 1, T - 1)); }
  // x [B, T, 1] of +-1; the target is the first input (remember it over T steps).
  std::pair<Tensor, Tensor> batch(Rng& r) {
    Tensor x({B, T, 1}), y({B, 1});
    for (std::int64_t k = 0; k < x.numel(); ++k) x[k] = r.uniform() < 0.5 ? -1 : 1;
    for (std::int64_t b = 0; b < B; ++b) y[b] = x[b * T];
    return {x, y};
  }
};

TEST(ClampIntervention, OutputGateZeroSilencesTheLayerAndIsUndone) {
  Recall net;
  Rng data(41);
  const auto xy = net.batch(data);  // not a structured binding: clang 14 cannot capture one
  const Tensor& x = xy.first;
  const Tensor& y = xy.second;
  auto loss = [&] {
    NoGradGuard no_grad;
    return mse_loss(net.forward(x), Var(y)).item();
  };
  const double plain = loss();
  // o = 0: h_t = 0 everywhere, so the prediction is the readout bias and the loss is
  // mean((bias - y)^2), with y = +-1.
  const double bias = net.readout->bias().value()[0];
  double expect = 0;
  for (std::int64_t b = 0; b < Recall::B; ++b) expect += (bias - y[b]) * (bias - y[b]) / Recall::B;
  const InterventionResult r = clamp_intervention(*net.lstm, {{.gate = "o", .value = 0}}, loss);
  EXPECT_EQ(r.loss_before, plain);
  EXPECT_NEAR(r.loss_after, expect, kDouble ? 1e-12 : 1e-6);
  EXPECT_EQ(loss(), plain);  // no clamp left behind
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["clamps"][0]["gate"], "o");
  EXPECT_NEAR(j["delta"].get<double>(), expect - plain, 1e-6);

  // Clamps that were on before come back, and the "before" loss includes them.
  net.lstm->clamp_gate("f", 1.0);
  const double with_f = loss();
  const InterventionResult r2 =
      clamp_intervention(*net.lstm, {{.gate = "o", .value = 0}}, loss, {{.gate = "f", .value = 1.0}});
  EXPECT_EQ(r2.loss_before, with_f);
  EXPECT_EQ(loss(), with_f);

  // A bad clamp throws (naming the allowed gates) and still restores the layer.
  try {
    clamp_intervention(*net.lstm, {{.gate = "q", .value = 0}}, loss, {{.gate = "f", .value = 1.0}});
    FAIL() << "gate 'q' accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("allowed: i, f, g, o"), std::string::npos) << e.what();
  }
  EXPECT_EQ(loss(), with_f);
  net.lstm->clear_clamps();

  const ClampSweep sweep = clamp_sweep(*net.lstm, "o", {0.0, 1.0}, loss);
  EXPECT_EQ(sweep.loss_before, plain);
  EXPECT_NEAR(sweep.losses[0], expect, kDouble ? 1e-12 : 1e-6);
  EXPECT_EQ(loss(), plain);
  EXPECT_EQ(to_json(sweep)["losses"].size(), 2u);
}

// After training the LSTM to recall its first input over 5 steps, forgetting (f = 0) costs
// most of what it learned.
TEST(ClampIntervention, ForgettingHurtsATrainedRecall) {
  Recall net;
  std::vector<std::pair<std::string, Var>> params = net.lstm->named_parameters();
  for (auto& p : net.readout->named_parameters()) params.push_back(p);
  Adam adam(params, {.lr = 0.03});
  Rng data(42);
  for (int step = 0; step < 300; ++step) {
    const auto [x, y] = net.batch(data);
    adam.zero_grad();
    mse_loss(net.forward(x), Var(y)).backward();
    adam.step();
  }
  Rng test_data(43);
  Tensor xs({4 * Recall::B, Recall::T, 1}), ys({4 * Recall::B, 1});
  for (int k = 0; k < 4; ++k) {
    const auto [x, y] = net.batch(test_data);
    std::copy(x.data(), x.data() + x.numel(), xs.data() + k * x.numel());
    std::copy(y.data(), y.data() + y.numel(), ys.data() + k * y.numel());
  }
  auto loss = [&] {
    NoGradGuard no_grad;
    return mse_loss(net.readout->forward(select(net.lstm->forward(Var(xs)), 1, Recall::T - 1)), Var(ys)).item();
  };
  const InterventionResult r = clamp_intervention(*net.lstm, {{.gate = "f", .value = 0}}, loss);
  std::printf("  trained recall: loss %.4f, with f = 0: %.4f\n", r.loss_before, r.loss_after);
  EXPECT_LT(r.loss_before, 0.1);  // it learned (chance is 1)
  EXPECT_GT(r.loss_after, 0.1);
  EXPECT_GT(r.loss_after, 50 * r.loss_before);
  EXPECT_EQ(loss(), r.loss_before);
}

}  // namespace
}  // namespace gradlab
