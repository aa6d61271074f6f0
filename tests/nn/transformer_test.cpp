// Transformer layers: PyTorch's parameter names and shapes, finite differences (double:
// relative error <= 1e-6) for layer_norm, MultiheadAttention with and without the causal
// mask, every TransformerEncoderLayer variant and MeanPool; attention rows summing to 1 and
// exact zeros above the diagonal when causal; permutation equivariance without positional
// encoding (and its loss with it); and the errors.
#include "nn/transformer.h"

#include <algorithm>
#include <cmath>

#include "nn/positional.h"
#include "ops/ops.h"
#include "support/check.h"

namespace gradlab {
namespace {

using test::random_var;
using test::weighted_sum;

// B = 2, T = 4, E = 6 throughout (2 heads of 3 columns).
constexpr std::int64_t B = 2, T = 4, E = 6;

// Non-default values in every parameter (biases start at 0 and LayerNorm at 1), so every
// gradient path carries numbers.
void randomise(Module& m, Rng& rng) {
  for (auto& [name, p] : m.named_parameters()) {
    Var handle = p;
    handle.mutable_value() = rng.uniform_tensor(p.shape(), -0.5, 0.5);
  }
}

std::vector<Var> params_and(const Module& m, const Var& x) {
  std::vector<Var> v = m.parameters();
  v.push_back(x);
  return v;
}

TransformerEncoderLayerOptions encoder_options(const std::string& activation, bool norm_first, bool causal = false) {
  TransformerEncoderLayerOptions o;
  o.d_model = E;
  o.nhead = 2;
  o.dim_feedforward = 8;
  o.activation = activation;
  o.norm_first = norm_first;
  o.causal = causal;
  return o;
}

// x with its T steps reordered: out[:, t] = x[:, order[t]].
Var permuted(const Var& x, const std::vector<std::int64_t>& order) { return index_select(x, 1, order); }
const std::vector<std::int64_t> kOrder = {2, 0, 3, 1};

TEST(Transformer, ParameterNamesAndShapesArePyTorchs) {
  Rng rng(1);
  TransformerEncoderLayer layer(encoder_options("relu", false), rng);
  const std::vector<std::pair<std::string, Shape>> expected = {
      {"self_attn.in_proj_weight", {3 * E, E}}, {"self_attn.in_proj_bias", {3 * E}},
      {"self_attn.out_proj.weight", {E, E}},    {"self_attn.out_proj.bias", {E}},
      {"linear1.weight", {8, E}},               {"linear1.bias", {8}},
      {"linear2.weight", {E, 8}},               {"linear2.bias", {E}},
      {"norm1.weight", {E}},                    {"norm1.bias", {E}},
      {"norm2.weight", {E}},                    {"norm2.bias", {E}}};
  const auto named = layer.named_parameters();
  ASSERT_EQ(named.size(), expected.size());
  for (std::size_t i = 0; i < named.size(); ++i) {
    EXPECT_EQ(named[i].first, expected[i].first);
    EXPECT_EQ(named[i].second.shape(), expected[i].second) << named[i].first;
  }
  // PyTorch's init: in_proj_weight xavier_uniform (bound sqrt(6 / (E + 3E))), zero biases.
  const Tensor& w = layer.parameter("self_attn.in_proj_weight").value();
  const double bound = std::sqrt(6.0 / (4.0 * E));
  for (std::int64_t i = 0; i < w.numel(); ++i) EXPECT_LE(std::fabs(w[i]), bound);
  for (const char* zero : {"self_attn.in_proj_bias", "self_attn.out_proj.bias", "norm1.bias"}) {
    const Tensor& b = layer.parameter(zero).value();
    for (std::int64_t i = 0; i < b.numel(); ++i) EXPECT_EQ(b[i], 0) << zero;
  }
  EXPECT_EQ(layer.parameter("norm2.weight").value()[0], 1);
  EXPECT_TRUE(LayerNorm(5, 1e-5, /*elementwise_affine=*/false).named_parameters().empty());
}

TEST(Transformer, LayerNormHandValues) {
  // Row (1, 2, 3, 4): mean 2.5, biased var 1.25; row (2, 2, 2, 2): var 0 -> all zeros.
  LayerNorm ln(4, 1e-5);
  Tensor y = ln.forward(Var(Tensor::from({2, 4}, {1, 2, 3, 4, 2, 2, 2, 2}))).value();
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  test::expect_values(y, {-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s, 0, 0, 0, 0}, sizeof(Scalar) == 8 ? 1e-12 : 1e-5);
}

TEST(Transformer, LayerNormGradients) {
  Rng rng(2);
  LayerNorm ln(5);
  randomise(ln, rng);
  Var x = random_var(rng, {B, 3, 5});
  EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(ln.forward(x)); }, params_and(ln, x)));
  LayerNorm plain(5, 1e-5, false);
  EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(plain.forward(x)); }, {x}));
}

TEST(Transformer, MultiheadAttentionGradientsWithAndWithoutCausalMask) {
  for (bool causal : {false, true}) {
    Rng rng(3);
    MultiheadAttention mha(E, 2, rng, causal);
    randomise(mha, rng);
    Var x = random_var(rng, {B, T, E});
    EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(mha.forward(x)); }, params_and(mha, x))) << "causal " << causal;
  }
}

TEST(Transformer, EncoderLayerGradientsForEveryVariant) {
  for (const char* activation : {"relu", "gelu"})
    for (bool norm_first : {false, true})
      for (bool causal : {false, true}) {
        Rng rng(4);
        TransformerEncoderLayer layer(encoder_options(activation, norm_first, causal), rng);
        randomise(layer, rng);
        Var x = random_var(rng, {B, T, E});
        EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(layer.forward(x)); }, params_and(layer, x)))
            << activation << " norm_first " << norm_first << " causal " << causal;
      }
}

TEST(Transformer, MeanPoolIsTheMeanOverTimeWithItsGradient) {
  Rng rng(5);
  MeanPool pool;
  Var x = random_var(rng, {B, T, 3});
  Tensor y = pool.forward(x).value();
  ASSERT_EQ(y.shape(), (Shape{B, 3}));
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < 3; ++c) {
      double m = 0;
      for (std::int64_t t = 0; t < T; ++t) m += x.value()[(b * T + t) * 3 + c];
      EXPECT_NEAR(y[b * 3 + c], m / T, 1e-6);
    }
  EXPECT_TRUE(test::gradcheck_passes([&] { return weighted_sum(pool.forward(x)); }, {x}));
}

TEST(Transformer, AttentionRowsSumToOneAndCausalRowsSeeNoFuture) {
  for (bool causal : {false, true}) {
    Rng rng(6);
    MultiheadAttention mha(E, 3, rng, causal);
    mha.forward(random_var(rng, {B, T, E}));
    const Tensor& w = mha.last_weights();
    ASSERT_EQ(w.shape(), (Shape{B, 3, T, T}));
    for (std::int64_t row = 0; row < B * 3 * T; ++row) {
      double sum = 0;
      const std::int64_t i = row % T;
      for (std::int64_t j = 0; j < T; ++j) {
        sum += w[row * T + j];
        if (causal && j > i) {
          EXPECT_EQ(w[row * T + j], 0) << "query " << i << " sees key " << j;
        } else {
          EXPECT_GT(w[row * T + j], 0);
        }
      }
      EXPECT_NEAR(sum, 1, 1e-6);
    }
  }
}

// Without positional information self-attention is permutation equivariant: reorder the
// steps and the outputs are reordered the same way, nothing else changes. A positional
// encoding in front breaks it.
TEST(Transformer, PermutingTheInputPermutesTheOutputWithoutPositions) {
  Rng rng(7);
  TransformerEncoderLayer layer(encoder_options("gelu", false), rng);
  randomise(layer, rng);
  Var x = random_var(rng, {B, T, E});
  const Tensor y = layer.forward(x).value();
  const Tensor y_of_permuted = layer.forward(permuted(x, kOrder)).value();
  const Tensor permuted_y = permuted(Var(y), kOrder).value();
  const double tol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;
  for (std::int64_t i = 0; i < y.numel(); ++i) EXPECT_NEAR(y_of_permuted[i], permuted_y[i], tol) << "at " << i;

  SinusoidalPositionalEncoding pe(16, E);
  const Tensor z = layer.forward(pe.forward(x)).value();
  const Tensor z_of_permuted = layer.forward(pe.forward(permuted(x, kOrder))).value();
  const Tensor permuted_z = permuted(Var(z), kOrder).value();
  double largest = 0;
  for (std::int64_t i = 0; i < z.numel(); ++i) largest = std::max(largest, std::fabs(double(z_of_permuted[i] - permuted_z[i])));
  EXPECT_GT(largest, 1e-2) << "with positions, order must matter";

  // A causal mask is a positional signal too: position i sees only steps 0..i.
  TransformerEncoderLayer masked(encoder_options("relu", false, /*causal=*/true), rng);
  const Tensor m = permuted(masked.forward(x), kOrder).value();
  const Tensor m_of_permuted = masked.forward(permuted(x, kOrder)).value();
  largest = 0;
  for (std::int64_t i = 0; i < m.numel(); ++i) largest = std::max(largest, std::fabs(double(m_of_permuted[i] - m[i])));
  EXPECT_GT(largest, 1e-2);
}

TEST(Transformer, ErrorsNameWhatIsWrong) {
  Rng rng(8);
  EXPECT_MESSAGE_HAS(MultiheadAttention(6, 4, rng), "MultiheadAttention(embed_dim=6, num_heads=4)", "divisible by num_heads");
  EXPECT_MESSAGE_HAS(MultiheadAttention(6, 2, rng).forward(random_var(rng, {2, 3, 5})), "expects inputs [batch, time, 6]",
                     "[2, 3, 5]");
  EXPECT_MESSAGE_HAS(LayerNorm(4).forward(random_var(rng, {2, 3})), "LayerNorm(4)", "last dimension is 4");
  auto o = encoder_options("tanh", false);
  EXPECT_MESSAGE_HAS(TransformerEncoderLayer(o, rng), "unknown activation 'tanh'", "relu, gelu");
  o = encoder_options("relu", false);
  o.dropout = 0.1;
  EXPECT_MESSAGE_HAS(TransformerEncoderLayer(o, rng), "needs a random generator");
  EXPECT_MESSAGE_HAS(MeanPool().forward(random_var(rng, {2, 3})), "MeanPool expects [batch, time, features]");
}

TEST(Transformer, DropoutIsOffInEval) {
  Rng rng(9), drops(10);
  auto o = encoder_options("relu", true);
  o.dropout = 0.5;
  TransformerEncoderLayer layer(o, rng, &drops);
  Var x = random_var(rng, {B, T, E});
  layer.train(false);
  const Tensor a = layer.forward(x).value(), b = layer.forward(x).value();
  for (std::int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a[i], b[i]);
  layer.train(true);
  const Tensor c = layer.forward(x).value();
  bool differs = false;
  for (std::int64_t i = 0; i < a.numel(); ++i) differs = differs || a[i] != c[i];
  EXPECT_TRUE(differs) << "dropout 0.5 in training changes the output";
}

}  // namespace
}  // namespace gradlab
