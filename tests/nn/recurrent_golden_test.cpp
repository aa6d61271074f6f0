// Recurrent layers against golden numbers from an independent implementation (tfjs, see
// tests/golden/recurrent.mjs; its LSTM is cross-checked there against Keras' LSTM):
// forward output, h_n, c_n and every gradient, for RNN tanh, LSTM and GRU, uni- and
// bidirectional, 1 and 2 layers, on both paths.
//
// Regenerate the data:  cd tests/golden && npm ci && node recurrent.mjs ../data/recurrent_golden.json
//
// Tolerance: tfjs computes in float32, so its numbers carry float32 rounding (~6e-8
// relative per op, a few 1e-7 after a whole sequence and its backward); that, not our
// double build, is the bound. Each tensor must have max|ours - golden| <= tol * max(1,
// max|golden|) with tol = 1e-6 for our double build (measured worst 1.8e-7) and 1e-5 for
// our float build (measured worst 3.0e-7).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "nn/recurrent.h"
#include "ops/ops.h"
#include "support/golden.h"

namespace gradlab {
namespace {

using nlohmann::json;
constexpr double kTol = sizeof(Scalar) == 8 ? 1e-6 : 1e-5;

using test::tensor_of;

const json& golden() {
  static const json doc = test::read_golden("recurrent_golden.json");
  return doc;
}

CellKind kind_of(const std::string& k) {
  if (k == "rnn_tanh") return CellKind::RnnTanh;
  if (k == "lstm") return CellKind::Lstm;
  if (k == "gru") return CellKind::Gru;
  throw std::runtime_error("golden file: unknown kind " + k);
}

// Relative to the tensor's scale, as stated at the top; returns the measured error.
double expect_matches(const Tensor& ours, const json& want, const std::string& what) {
  const Tensor g = tensor_of(want);
  EXPECT_EQ(ours.shape(), g.shape()) << what;
  if (ours.shape() != g.shape()) return INFINITY;
  double scale = 1;
  for (std::int64_t k = 0; k < g.numel(); ++k) scale = std::max(scale, std::fabs(double(g[k])));
  const double err = max_abs_diff(ours, g) / scale;
  EXPECT_LE(err, kTol) << what;
  return err;
}

TEST(RecurrentGolden, FileCoversEveryKindAndLayout) {
  const json& cases = golden().at("cases");
  EXPECT_EQ(cases.size(), 12u);
  int keras_checked = 0;
  for (const auto& c : cases) {
    if (!c.contains("keras_max_abs_diff")) continue;
    ++keras_checked;
    for (const auto& [what, v] : c.at("keras_max_abs_diff").items()) EXPECT_LE(v.get<double>(), 1e-5) << what;
  }
  EXPECT_EQ(keras_checked, 2);  // LSTM uni and bidirectional went through Keras too
}

TEST(RecurrentGolden, ForwardAndGradientsMatchTfjs) {
  double worst = 0;
  for (const auto& c : golden().at("cases")) {
    const std::string name = c.at("name");
    RecurrentOptions o;
    o.kind = kind_of(c.at("kind"));
    o.input_size = c.at("input_size");
    o.hidden_size = c.at("hidden_size");
    o.num_layers = c.at("num_layers");
    o.bidirectional = c.at("bidirectional");
    Rng rng(0);
    Recurrent m(o, rng);
    std::vector<std::pair<std::string, Tensor>> state;
    for (const auto& [n, t] : c.at("params").items()) state.emplace_back(n, tensor_of(t));
    m.load_state(state);  // strict: every name must match ours, with its shape

    Var x(tensor_of(c.at("x")), true);
    Var h0 = c.contains("h0") ? Var(tensor_of(c.at("h0")), true) : Var();
    Var c0 = c.contains("c0") ? Var(tensor_of(c.at("c0")), true) : Var();
    const json& w = c.at("loss_weights");
    for (bool fused : {true, false}) {
      SCOPED_TRACE(name + (fused ? " fused" : " unfused"));
      m.set_fused(fused);
      m.zero_grad();
      x.zero_grad();
      if (h0.defined()) h0.zero_grad();
      if (c0.defined()) c0.zero_grad();
      RecurrentOutput r = m.forward_full(x, h0, c0);
      Var loss = sum(r.output * Var(tensor_of(w.at("output")))) + sum(r.h_n * Var(tensor_of(w.at("h_n"))));
      if (r.c_n.defined()) loss = loss + sum(r.c_n * Var(tensor_of(w.at("c_n"))));
      loss.backward();
      worst = std::max(worst, expect_matches(r.output.value(), c.at("output"), "output"));
      worst = std::max(worst, expect_matches(r.h_n.value(), c.at("h_n"), "h_n"));
      if (o.kind == CellKind::Lstm) worst = std::max(worst, expect_matches(r.c_n.value(), c.at("c_n"), "c_n"));
      const double want_loss = c.at("loss");
      EXPECT_NEAR(loss.item(), want_loss, kTol * std::max(1.0, std::fabs(want_loss)));
      const json& grads = c.at("grads");
      EXPECT_EQ(grads.size(), m.named_parameters().size() + 1 + (h0.defined() ? 1 : 0) + (c0.defined() ? 1 : 0));
      for (auto& [n, v] : m.named_parameters()) worst = std::max(worst, expect_matches(v.grad(), grads.at(n), "d" + n));
      worst = std::max(worst, expect_matches(x.grad(), grads.at("x"), "dx"));
      if (h0.defined()) worst = std::max(worst, expect_matches(h0.grad(), grads.at("h0"), "dh0"));
      if (c0.defined()) worst = std::max(worst, expect_matches(c0.grad(), grads.at("c0"), "dc0"));
    }
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::printf("[ golden   ] worst error relative to tensor scale: %.3g (tolerance %.0e)\n", worst, kTol);
}

}  // namespace
}  // namespace gradlab
