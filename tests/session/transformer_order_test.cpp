// The order task ("is A before B?") with a one-layer Transformer encoder, on three seeds:
// without a positional layer the trained model is permutation equivariant up to mean_pool
// (permuting the steps of an input permutes the encoder's outputs and leaves the prediction
// unchanged, to float rounding) and stays at chance; with sinusoidal positions it solves the
// task. Also the self_attention snapshot: every head's map with the example's tokens.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "ops/ops.h"
#include "session/session.h"
#include "spec/build.h"

namespace gradlab {
namespace {

nlohmann::json example_spec() {
  std::ifstream in(GRADLAB_SOURCE_DIR "/examples/order-transformer.json");
  if (!in) throw std::runtime_error("cannot open examples/order-transformer.json");
  return nlohmann::json::parse(in);
}

// The example without its positional layer (layers.1): linear, encoder, mean_pool, linear.
nlohmann::json without_positions(nlohmann::json spec) {
  auto& layers = spec["model"]["layers"];
  EXPECT_EQ(layers[1]["type"], "positional");
  layers.erase(1);
  return spec;
}

// x [N, T, F] with its steps reordered: out[:, t] = x[:, order[t]].
Tensor permute_steps(const Tensor& x, const std::vector<std::int64_t>& order) {
  NoGradGuard no_grad;
  return index_select(Var(x), 1, order).value();
}

const std::vector<std::int64_t> kReverse = {7, 6, 5, 4, 3, 2, 1, 0};

TEST(TransformerOrder, WithoutPositionsItIsOrderBlindAndAtChanceWithThemItSolvesTheTask) {
  const double tol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;
  for (int seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    nlohmann::json with = example_spec();
    with["seed"] = seed;
    with["data"]["options"]["seed"] = seed;
    const nlohmann::json blind = without_positions(with);

    // Without positions: trained directly, so the layers can be applied one by one.
    auto exp = build_experiment(parse_spec(blind));
    for (int s = 0; s < 300; ++s) exp->trainer->step();
    Sequential& layers = exp->model->layers();
    layers.train(false);
    const Tensor& x = exp->data.x_test;
    const Tensor xp = permute_steps(x, kReverse);
    {
      NoGradGuard no_grad;
      const Tensor h = layers.at(1)->forward(layers.at(0)->forward(Var(x))).value();  // encoder output [N, T, E]
      const Tensor hp = layers.at(1)->forward(layers.at(0)->forward(Var(xp))).value();
      EXPECT_LE(max_abs_diff(hp, permute_steps(h, kReverse)), tol) << "permuted input -> permuted encoder output";
      const Tensor y = layers.forward(Var(x)).value(), yp = layers.forward(Var(xp)).value();
      EXPECT_LE(max_abs_diff(y, yp), tol) << "after mean_pool the prediction ignores order";
    }

    Session blind_session(blind.dump()), with_session(with.dump());
    blind_session.train(300);
    with_session.train(300);
    const double blind_test = blind_session.evaluate("test").at("accuracy"), blind_train = blind_session.evaluate("train").at("accuracy");
    const double with_test = with_session.evaluate("test").at("accuracy");
    std::printf("[ order    ] seed %d: test accuracy without positions %.3f (train %.3f), with %.3f\n", seed, blind_test,
                blind_train, with_test);
    EXPECT_LE(blind_test, 0.6);
    EXPECT_LE(blind_train, 0.6);
    EXPECT_GE(with_test, 0.9);

    // With positions the same reversal changes the encoder's output beyond a permutation.
    auto positioned = build_experiment(parse_spec(with));
    Sequential& pl = positioned->model->layers();
    NoGradGuard no_grad;
    const Tensor g = pl.at(2)->forward(pl.at(1)->forward(pl.at(0)->forward(Var(x)))).value();
    const Tensor gp = pl.at(2)->forward(pl.at(1)->forward(pl.at(0)->forward(Var(xp)))).value();
    EXPECT_GT(max_abs_diff(gp, permute_steps(g, kReverse)), 1e-2);
  }
}

TEST(TransformerOrder, SelfAttentionSnapshotHasEveryHeadWithTheTokens) {
  Session s(example_spec().dump());
  const auto names = s.snapshot_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "self_attention"), names.end());
  s.train(20);
  const nlohmann::json j = s.snapshot("self_attention");
  EXPECT_EQ(j.at("split"), "test");
  const auto tokens = j.at("tokens").get<std::vector<std::string>>();
  ASSERT_EQ(tokens.size(), 8u);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), "A"), 1);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), "B"), 1);
  ASSERT_EQ(j.at("layers").size(), 1u);
  const auto& layer = j.at("layers")[0];
  EXPECT_EQ(layer.at("name"), "layers.2.self_attn");
  EXPECT_EQ(layer.at("causal"), false);
  ASSERT_EQ(layer.at("num_heads"), 2);
  for (const auto& head : layer.at("heads")) {
    EXPECT_EQ(head.at("Tq"), 8);
    EXPECT_EQ(head.at("Tk"), 8);
    EXPECT_EQ(head.at("source_tokens").get<std::vector<std::string>>(), tokens);
    EXPECT_EQ(head.at("weights").at("shape"), (std::vector<int>{8, 8}));
    for (double r : head.at("row_sums")) EXPECT_NEAR(r, 1, 1e-5);
  }
  // The two heads differ (they have their own projections).
  EXPECT_NE(layer.at("heads")[0].at("weights"), layer.at("heads")[1].at("weights"));
}

// The spec names the field that is wrong and what is allowed; the count is PyTorch's.
TEST(TransformerOrder, SpecErrorsNameThePointerAndParametersAreCounted) {
  auto issue_of = [](const nlohmann::json& spec) -> SpecIssue {
    try {
      Session s(spec.dump());  // parsing, then shape inference against the data
    } catch (const SpecError& e) {
      return e.issues().at(0);
    }
    return {"<none>", "no SpecError"};
  };
  nlohmann::json bad = example_spec();
  bad["model"]["layers"][2]["nhead"] = 3;
  SpecIssue i = issue_of(bad);
  EXPECT_EQ(i.pointer, "/model/layers/2/nhead");
  EXPECT_NE(i.message.find("d_model = 16 must be divisible by nhead = 3"), std::string::npos) << i.message;
  bad = example_spec();
  bad["model"]["layers"][2]["activation"] = "tanh";
  i = issue_of(bad);
  EXPECT_EQ(i.pointer, "/model/layers/2/activation");
  EXPECT_NE(i.message.find("relu"), std::string::npos) << i.message;
  bad = example_spec();
  bad["model"]["layers"][2]["d_model"] = 12;
  i = issue_of(bad);
  EXPECT_EQ(i.pointer, "/model/layers/2/d_model");
  EXPECT_NE(i.message.find("expects 12 features per step"), std::string::npos) << i.message;
  nlohmann::json mha = example_spec();
  mha["model"]["layers"][2] = {{"type", "multihead_attention"}, {"embed_dim", 16}, {"num_heads", 5}};
  i = issue_of(mha);
  EXPECT_EQ(i.pointer, "/model/layers/2/num_heads");

  // linear 4*16 + 16, encoder 4*16*16 + 4*16 + (32*16 + 32) + (16*32 + 16) + 4*16, linear 16*2 + 2.
  Session s(example_spec().dump());
  EXPECT_EQ(s.total_params(), 80 + 2224 + 34);
  const auto params = s.params();
  EXPECT_EQ(params.at(2).name, "layers.2.self_attn.in_proj_weight");
  EXPECT_EQ(params.at(2).shape, (Shape{48, 16}));
  EXPECT_EQ(params.at(5).name, "layers.2.self_attn.out_proj.bias");
}

}  // namespace
}  // namespace gradlab
