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
#include "support/recurrent.h"

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
    RecurrentOptions o;
    o.kind = kind_of(c.at("kind"));
    o.input_size = c.at("input_size");
    o.hidden_size = c.at("hidden_size");
    o.num_layers = c.at("num_layers");
    o.bidirectional = c.at("bidirectional");
    worst = std::max(worst, test::expect_golden_case(c, o, kTol));
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::printf("[ golden   ] worst error relative to tensor scale: %.3g (tolerance %.0e)\n", worst, kTol);
}

}  // namespace
}  // namespace gradlab
