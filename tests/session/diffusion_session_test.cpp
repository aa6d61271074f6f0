// The diffusion model kind through the Session: spec fields and their errors with JSON
// pointers, PyTorch-style names, the bound's terms in the elbo snapshot (they sum to it, L_T
// does not move with training, the bound does), the other snapshots, the gradient check,
// validate_spec and bit-exact resume from a checkpoint.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "session/session.h"
#include "session/validate.h"

namespace gradlab {
namespace {

nlohmann::json example() {
  std::ifstream in(std::string(GRADLAB_SOURCE_DIR) + "/examples/diffusion-ring.json");
  EXPECT_TRUE(in) << "missing examples/diffusion-ring.json";
  return nlohmann::json::parse(in);
}

// The example made small: 20 steps, a 16-wide net, 200 points.
nlohmann::json small() {
  auto spec = example();
  spec["data"]["options"]["n_samples"] = 200;
  spec["model"]["timesteps"] = 20;
  spec["model"]["beta_start"] = 0.01;
  spec["model"]["beta_end"] = 0.5;
  spec["model"]["time_embed_dim"] = 4;
  spec["model"]["layers"] = {{{"type", "linear"}, {"in", 6}, {"out", 16}}, {{"type", "tanh"}}};
  spec["training"]["batch_size"] = 32;
  spec["inspection"]["diffusion_t"] = 10;
  return spec;
}

SpecIssue first_issue(const nlohmann::json& spec) {
  try {
    Session s(spec.dump());
  } catch (const SpecError& e) {
    return e.issues().at(0);
  }
  ADD_FAILURE() << "accepted: " << spec.dump();
  return {};
}

TEST(DiffusionSpec, BadFieldsArePointedAt) {
  auto spec = small();
  spec["model"]["beta_end"] = 0.001;
  SpecIssue i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/model/beta_end");
  EXPECT_NE(i.message.find("at least beta_start"), std::string::npos) << i.message;

  spec = small();
  spec["model"]["time_embed_dim"] = 5;
  EXPECT_EQ(first_issue(spec).pointer, "/model/time_embed_dim");

  spec = small();
  spec["model"]["beta_schedule"] = "cosine";
  i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/model/beta_start");
  EXPECT_NE(i.message.find("cosine"), std::string::npos) << i.message;

  spec = small();
  spec["model"]["beta_schedule"] = "sigmoid";
  i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/model/beta_schedule");
  EXPECT_NE(i.message.find("linear"), std::string::npos) << i.message;

  spec = small();
  spec["model"]["timesteps"] = 1;
  EXPECT_EQ(first_issue(spec).pointer, "/model/timesteps");

  spec = small();
  spec["model"]["variance"] = "learned";
  EXPECT_EQ(first_issue(spec).pointer, "/model/variance");

  spec = small();
  spec["model"]["layers"][0]["in"] = 2;
  i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/model/layers/0/in");
  EXPECT_NE(i.message.find("2 + time_embed_dim = 6"), std::string::npos) << i.message;

  spec = small();
  spec["loss"] = {{"type", "mse"}};
  EXPECT_EQ(first_issue(spec).pointer, "/loss");

  spec = small();
  spec["inspection"]["diffusion_t"] = 21;
  EXPECT_EQ(first_issue(spec).pointer, "/inspection/diffusion_t");

  spec = small();
  spec["training"]["l2"] = 0.01;
  i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/training/l2");
  EXPECT_NE(i.message.find("clip_grad_norm"), std::string::npos) << i.message;

  spec = small();
  spec["data"] = {{"dataset", "parity"}};
  i = first_issue(spec);
  EXPECT_EQ(i.pointer, "/data/dataset");
  EXPECT_NE(i.message.find("2-D points"), std::string::npos) << i.message;
}

TEST(DiffusionSpec, DefaultsScaleHoBetasToTheChainLength) {
  auto spec = small();
  spec["model"] = {{"kind", "diffusion"}, {"layers", nlohmann::json::array()}};
  Session s(spec.dump());
  const auto& c = s.spec().kind_config;
  EXPECT_EQ(c["timesteps"], 100);
  EXPECT_EQ(c["beta_schedule"], "linear");
  EXPECT_NEAR(c["beta_start"].get<double>(), 1e-3, 1e-15);  // 1e-4 * 1000 / T
  EXPECT_NEAR(c["beta_end"].get<double>(), 0.2, 1e-15);     // 0.02 * 1000 / T
  EXPECT_EQ(c["time_embed_dim"], 16);
  EXPECT_EQ(c["variance"], "posterior");
  // No layers: eps_theta is one Linear(2 + 16, 2).
  ASSERT_EQ(s.params().size(), 2u);
  EXPECT_EQ(s.params()[0].name, "out.weight");
  EXPECT_EQ(s.params()[0].shape, (Shape{2, 18}));
  EXPECT_EQ(s.train(2).back()["step"], 2);
}

TEST(DiffusionSession, NamesValidationAndGradientCheck) {
  Session s(small().dump());
  std::vector<std::string> names;
  for (const auto& p : s.params()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "out.weight", "out.bias"}));
  EXPECT_EQ(s.total_params(), 16 * 6 + 16 + 2 * 16 + 2);

  const auto v = validate_spec(small().dump());
  EXPECT_TRUE(v["ok"]) << v.dump();
  EXPECT_EQ(v["input_shape"], (nlohmann::json{32, 6}));
  EXPECT_EQ(v["total_parameters"], s.total_params());
  EXPECT_EQ(v["layers"].back()["pointer"], "/model/out");

  const auto grad = nlohmann::json::parse(s.grad_json());
  EXPECT_TRUE(grad["loss"].is_number());
  EXPECT_EQ(grad["gradients"].size(), 4u);
  GradCheckOptions options = sizeof(Scalar) == 8 ? GradCheckOptions{1e-6, 1e-6} : GradCheckOptions{1e-2, 5e-2};
  const GradCheckResult r = s.check_gradients(options);
  EXPECT_TRUE(r.ok) << "worst " << r.worst_rel_error();
  EXPECT_EQ(r.entries.size(), 4u);
}

TEST(DiffusionSession, ElboTermsSumToTheBoundAndOnlyTheLearnedOnesMove) {
  auto spec = small();
  spec["model"]["layers"] = {{{"type", "linear"}, {"in", 6}, {"out", 32}}, {{"type", "relu"}},
                             {{"type", "linear"}, {"in", 32}, {"out", 32}}, {{"type", "relu"}}};
  Session s(spec.dump());
  const auto before = s.snapshot("elbo");
  ASSERT_EQ(before["terms"].size(), 21u);
  EXPECT_EQ(before["names"][0], "L_0");
  EXPECT_EQ(before["names"][20], "L_20");
  double sum = 0;
  for (const auto& v : before["terms"]) sum += v.get<double>();
  EXPECT_NEAR(before["bound"].get<double>(), sum, 1e-12 * std::abs(sum));
  EXPECT_EQ(before["split"], "test");
  EXPECT_EQ(before["n"], 40);
  const auto eval_before = s.evaluate("test");
  EXPECT_EQ(eval_before["nll_bound"], before["bound"]);  // the same noise: the same numbers

  s.train(600);
  const auto after = s.snapshot("elbo");
  EXPECT_EQ(after["L_T"].get<double>(), before["L_T"].get<double>());  // bit for bit: no parameter in L_T
  EXPECT_LT(after["L_T"].get<double>(), 0.01);  // abar_20 ~ 1e-5: q(x_T | x_0) ~ N(0, I)
  EXPECT_LT(after["bound"].get<double>(), before["bound"].get<double>() - 1);
  const auto eval = s.evaluate("test");
  EXPECT_EQ(eval["L_T"], after["L_T"]);
  EXPECT_NEAR(eval["L_0"].get<double>() + eval["L_middle"].get<double>() + eval["L_T"].get<double>(),
              eval["nll_bound"].get<double>(), 1e-9);
  EXPECT_LT(eval["loss"].get<double>(), eval_before["loss"].get<double>());
  EXPECT_EQ(eval["num_modes"], 8);
}

TEST(DiffusionSession, SnapshotsShowForwardReverseSamplesAndPosterior) {
  Session s(small().dump());
  auto names = s.snapshot_names();
  EXPECT_EQ(names, (std::vector<std::string>{"elbo", "diffusion_forward", "diffusion_reverse", "diffusion_samples",
                                             "diffusion_posterior", "params"}));
  const auto fwd = s.snapshot("diffusion_forward");
  EXPECT_EQ(fwd["t"], 10);
  EXPECT_EQ(fwd["x_t"]["shape"], (nlohmann::json{40, 2}));
  EXPECT_NEAR(fwd["mean_scale"].get<double>() * fwd["mean_scale"].get<double>() +
                  fwd["noise_std"].get<double>() * fwd["noise_std"].get<double>(), 1, 1e-12);

  const auto rev = s.snapshot("diffusion_reverse");
  EXPECT_EQ(rev["trajectories"]["shape"], (nlohmann::json{21, 16, 2}));
  EXPECT_EQ(rev["t"][0], 20);
  EXPECT_EQ(rev["t"][20], 0);

  const auto smp = s.snapshot("diffusion_samples");
  EXPECT_EQ(smp["generated"]["shape"], (nlohmann::json{512, 2}));
  EXPECT_EQ(smp["modes"]["shape"], (nlohmann::json{8, 2}));
  EXPECT_EQ(smp["coverage"]["threshold"], 11);  // ceil(2% of 512)

  // The closed-form posterior: its mean is the stated combination of x_0 and x_t, and
  // another x_0 gives another mean for the same x_t.
  const auto post = s.snapshot("diffusion_posterior");
  EXPECT_EQ(post["t"], 10);
  for (int d = 0; d < 2; ++d)
    EXPECT_NEAR(post["posterior_mean"][d].get<double>(),
                post["coef_x0"].get<double>() * post["x0"][d].get<double>() + post["coef_xt"].get<double>() * post["x_t"][d].get<double>(),
                1e-12);
  const double beta = post["beta_t"], ab = post["alpha_bar_t"], ab_prev = post["alpha_bar_prev"];
  EXPECT_NEAR(post["posterior_variance"].get<double>(), (1 - ab_prev) / (1 - ab) * beta, 1e-15);
  EXPECT_GT(post["posterior_mean_spread"].get<double>(), 0.1);
  EXPECT_GT(post["effective_points"].get<double>(), 1.0);
  EXPECT_EQ(post["other_x0"].size(), 8u);
  // Snapshots do not change training: the next step is the one it would have been.
  Session plain(small().dump());
  EXPECT_EQ(s.step()["loss"], plain.step()["loss"]);
}

TEST(DiffusionSession, ResumesBitForBitAndUpdatesTheOptimizer) {
  const auto spec = small();
  Session straight(spec.dump());
  const auto all = straight.train(9);
  Session first(spec.dump());
  first.train(4);
  Session resumed = Session::from_checkpoint(first.checkpoint_json());
  const auto rest = resumed.train(5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rest[i]["loss"], all[4 + i]["loss"]) << i;
  EXPECT_EQ(resumed.checkpoint_json(), straight.checkpoint_json());

  auto faster = spec;
  faster["optimizer"]["lr"] = 0.01;
  EXPECT_EQ(resumed.update(faster.dump()), (std::vector<std::string>{"/optimizer/lr"}));
  auto clipped = faster;
  clipped["training"]["clip_grad_norm"] = 1e-3;
  EXPECT_EQ(resumed.update(clipped.dump()), (std::vector<std::string>{"/training/clip_grad_norm"}));
  const auto m = resumed.step();
  EXPECT_TRUE(m["clipped"].get<bool>());
  EXPECT_GT(m["grad_norm"].get<double>(), 1e-3);  // the norm before clipping
  EXPECT_FALSE(straight.step()["clipped"].get<bool>());
  auto longer = spec;
  longer["model"]["timesteps"] = 30;
  EXPECT_THROW(resumed.update(longer.dump()), NeedsReset);
}

}  // namespace
}  // namespace gradlab
