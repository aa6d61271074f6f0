// Transformer layers against golden numbers from PyTorch 1.13 in float64 (nn.LayerNorm,
// nn.MultiheadAttention batch_first with and without a causal mask and 2 heads,
// nn.TransformerEncoderLayer relu/gelu x norm_first false/true, one causal): forward output,
// per-head attention weights, the loss and the gradient of every parameter and of the input.
// Parameters are loaded by PyTorch's state_dict names (strict), so the names are checked too.
//
// Regenerate the data (needs Debian's python3-torch; CI has none, the JSON is committed):
//   /usr/bin/python3 tests/golden/transformer.py tests/data/transformer_golden.json
//
// Tolerance: PyTorch computed in double, so the bound is our own rounding: relative to each
// tensor's scale, 1e-9 for our double build and 1e-5 for the float build.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "nn/transformer.h"
#include "ops/ops.h"
#include "support/golden.h"

namespace gradlab {
namespace {

using nlohmann::json;
using test::tensor_of;
constexpr double kTol = sizeof(Scalar) == 8 ? 1e-9 : 1e-5;  // PyTorch computed in double

const json& golden() {
  static const json doc = test::read_golden("transformer_golden.json");  // read once per program
  return doc;
}

// max|ours - golden| / max(1, max|golden|); expects it <= kTol and returns it.
double expect_matches(const Tensor& ours, const json& want, const std::string& what) {
  const Tensor g = tensor_of(want);
  EXPECT_EQ(ours.shape(), g.shape()) << what;
  if (ours.shape() != g.shape()) return INFINITY;
  double scale = 1, err = 0;
  for (std::int64_t k = 0; k < g.numel(); ++k) {
    scale = std::max(scale, std::fabs(double(g[k])));
    err = std::max(err, std::fabs(double(ours[k]) - double(g[k])));
  }
  err /= scale;
  EXPECT_LE(err, kTol) << what;
  return err;
}

std::shared_ptr<Layer> build(const json& c, Rng& rng) {
  const std::string kind = c.at("kind");
  const json& o = c.at("options");
  if (kind == "layer_norm") return std::make_shared<LayerNorm>(o.at("normalized_shape").get<std::int64_t>(), o.at("eps").get<double>());
  if (kind == "multihead_attention")
    return std::make_shared<MultiheadAttention>(o.at("embed_dim").get<std::int64_t>(), o.at("num_heads").get<std::int64_t>(), rng,
                                                o.at("causal").get<bool>());
  TransformerEncoderLayerOptions e;
  e.d_model = o.at("d_model");
  e.nhead = o.at("nhead");
  e.dim_feedforward = o.at("dim_feedforward");
  e.activation = o.at("activation");
  e.norm_first = o.at("norm_first");
  e.causal = o.at("causal");
  return std::make_shared<TransformerEncoderLayer>(e, rng);
}

// (No dynamic_cast: the wasm build has no RTTI.)
const MultiheadAttention* attention_of(const Layer& layer) {
  if (const MultiheadAttention* m = layer.as_multihead_attention()) return m;
  if (layer.type_name() == "TransformerEncoderLayer") return &static_cast<const TransformerEncoderLayer&>(layer).self_attn();
  return nullptr;
}

TEST(TransformerGolden, FileCoversEveryLayerAndVariant) {
  std::vector<std::string> names;
  for (const auto& c : golden().at("cases")) names.push_back(c.at("name"));
  const std::vector<std::string> expected = {"layer_norm",           "mha",
                                             "mha_causal",           "encoder_relu_post_norm",
                                             "encoder_relu_post_norm_causal", "encoder_relu_norm_first",
                                             "encoder_gelu_post_norm",        "encoder_gelu_norm_first"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(golden().at("dtype"), "float64");
}

TEST(TransformerGolden, ForwardAndEveryGradientMatchPyTorch) {
  double worst = 0;
  for (const auto& c : golden().at("cases")) {
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    Rng rng(0);
    auto layer = build(c, rng);
    std::vector<std::pair<std::string, Tensor>> state;
    for (const auto& [n, t] : c.at("params").items()) state.emplace_back(n, tensor_of(t));
    layer->load_state(state);  // strict: every PyTorch name must be ours, with its shape

    Var x(tensor_of(c.at("input")), true);
    Var y = layer->forward(x);
    Var loss = sum(y * Var(tensor_of(c.at("output_weights"))));
    loss.backward();
    worst = std::max(worst, expect_matches(y.value(), c.at("output"), "output"));
    const double want_loss = c.at("loss");
    EXPECT_NEAR(loss.item(), want_loss, kTol * std::max(1.0, std::fabs(want_loss)));
    if (c.contains("attn_weights")) {
      const MultiheadAttention* mha = attention_of(*layer);
      ASSERT_NE(mha, nullptr);
      worst = std::max(worst, expect_matches(mha->last_weights(), c.at("attn_weights"), "attention weights"));
    }
    const json& grads = c.at("grads");
    EXPECT_EQ(grads.size(), layer->named_parameters().size());
    for (auto& [n, v] : layer->named_parameters()) worst = std::max(worst, expect_matches(v.grad(), grads.at(n), "d" + n));
    worst = std::max(worst, expect_matches(x.grad(), c.at("input_grad"), "dx"));
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::printf("[ golden   ] worst error relative to tensor scale: %.3g (tolerance %.0e)\n", worst, kTol);
}

}  // namespace
}  // namespace gradlab
