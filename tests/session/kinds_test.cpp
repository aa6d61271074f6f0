// The seq2seq and GAN model kinds through the Session: they train from the example specs,
// resume bit for bit from checkpoints, give their snapshots, and reject misfits with pointers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "session/session.h"

namespace gradlab {
namespace {

nlohmann::json example(const std::string& name) {
  std::ifstream in(std::string(GRADLAB_SOURCE_DIR) + "/examples/" + name);
  EXPECT_TRUE(in) << "missing example " << name;
  return nlohmann::json::parse(in);
}

// Trains `a` straight for n steps, and `b` for k steps, checkpoints, resumes, and trains the rest.
void expect_exact_resume(const nlohmann::json& spec, int k, int n, const char* metric) {
  Session straight(spec.dump());
  auto all = straight.train(n);
  Session first(spec.dump());
  first.train(k);
  Session resumed = Session::from_checkpoint(first.checkpoint_json());
  auto rest = resumed.train(n - k);
  ASSERT_EQ(rest.size(), static_cast<std::size_t>(n - k));
  for (int i = 0; i < n - k; ++i)
    EXPECT_EQ(rest[i][metric].get<double>(), all[k + i][metric].get<double>()) << metric << " at step " << rest[i]["step"];
  EXPECT_EQ(resumed.checkpoint_json(), straight.checkpoint_json());
}

TEST(Seq2SeqSession, NamesMetricsAndAttentionSnapshot) {
  auto spec = example("dates-attention.json");
  spec["data"]["options"]["n_samples"] = 200;
  Session s(spec.dump());
  EXPECT_EQ(s.params()[0].name, "encoder.embedding.weight");
  auto m = s.train(3);
  EXPECT_EQ(m.back()["step"], 3);
  EXPECT_TRUE(m.back()["token_accuracy"].is_number());
  const auto eval = s.evaluate("test");
  EXPECT_EQ(eval["n"], 40);
  EXPECT_TRUE(eval["sequence_accuracy"].is_number());
  const auto att = s.snapshot("attention");
  for (const auto& row_sum : att["row_sums"]) EXPECT_NEAR(row_sum.get<double>(), 1.0, 1e-5);
  EXPECT_EQ(att["source_tokens"].size(), att["weights"]["shape"][1].get<std::size_t>());
  EXPECT_THROW(s.snapshot("field"), std::invalid_argument);
}

TEST(Seq2SeqSession, ResumesBitForBit) {
  auto spec = example("dates-attention.json");
  spec["data"]["options"]["n_samples"] = 200;
  spec["model"]["teacher_forcing"] = 0.5;  // the forcing draws are part of the state too
  spec["model"]["hidden_size"] = 16;
  expect_exact_resume(spec, 3, 7, "loss");
}

TEST(GanSession, StepsSnapshotsAndCoverage) {
  auto spec = example("gan-ring-wgan-gp.json");
  Session s(spec.dump());
  EXPECT_EQ(s.params()[0].name, "generator.0.weight");
  auto m = s.train(2);
  EXPECT_EQ(m.back()["critic_updates"], 10);
  EXPECT_TRUE(m.back()["gradient_penalty"].is_number());
  const auto samples = s.snapshot("samples");
  EXPECT_EQ(samples["generated"]["shape"][1], 2);
  EXPECT_EQ(samples["modes"]["shape"][0], 8);
  EXPECT_EQ(samples["generator_gradients"]["shape"], samples["generated"]["shape"]);
  const auto field = s.snapshot("critic_field");
  EXPECT_EQ(field["values"]["shape"][0], field["resolution"]);
  const auto cov = s.evaluate("test");
  EXPECT_EQ(cov["num_modes"], 8);
}

TEST(GanSession, ResumesBitForBit) {
  auto spec = example("gan-ring-wgan-gp.json");
  spec["model"]["generator_hidden"] = {16};
  spec["model"]["discriminator_hidden"] = {16};
  expect_exact_resume(spec, 3, 6, "d_loss");
}

TEST(KindErrors, MisfitsArePointedAt) {
  auto gan_on_xor = example("gan-ring-wgan-gp.json");
  gan_on_xor["data"] = {{"dataset", "xor"}};
  try {
    Session s(gan_on_xor.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/data/dataset");
    EXPECT_NE(e.issues()[0].message.find("gan_ring"), std::string::npos) << e.what();
  }
  auto with_loss = example("dates-attention.json");
  with_loss["loss"] = {{"type", "cross_entropy"}};
  try {
    Session s(with_loss.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/loss");
  }
  auto gan_optimizer = example("gan-ring-wgan-gp.json");
  gan_optimizer["optimizer"] = {{"type", "adam"}};
  try {
    Session s(gan_optimizer.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/optimizer");
    EXPECT_NE(e.issues()[0].message.find("generator_optimizer"), std::string::npos);
  }
  auto bad_width = example("gan-ring-wgan-gp.json");
  bad_width["model"]["generator_hidden"] = {64, 0};
  try {
    Session s(bad_width.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/model/generator_hidden/1");
  }
  auto seq_layers = example("dates-attention.json");
  seq_layers["model"]["layers"] = nlohmann::json::array();
  try {
    Session s(seq_layers.dump());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/model/layers");
    EXPECT_NE(e.issues()[0].message.find("unknown field"), std::string::npos);
  }
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

// Every example spec is a valid experiment (the one that teaches the Jacobian error aside),
// takes a training step and names its snapshots, so a spec that breaks fails here.
TEST(Examples, EveryExampleBuildsAndSteps) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(GRADLAB_SOURCE_DIR) + "/examples")) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (name == "vector-output-needs-seed.json") {
      EXPECT_THROW(Session{text.str()}, SpecError) << name;
      continue;
    }
    try {
      Session s(text.str());
      const auto m = s.step();
      EXPECT_EQ(m["step"], 1) << name;
      EXPECT_FALSE(s.snapshot_names().empty()) << name;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << e.what();
    }
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace gradlab

namespace gradlab {
namespace {

GradCheckOptions kind_check_options() {
  // Tight in double; a step of 1e-4 because some seq2seq gradients are ~1e-5 and a 1e-6
  // step's rounding would swamp them (see tests/train/seq2seq_test.cpp).
  if constexpr (sizeof(Scalar) == 8) return {1e-4, 1e-6};
  else return {1e-2, 5e-2};
}

TEST(KindGradients, GanAndSeq2SeqPassTheSessionGradientCheck) {
  auto gan = example("gan-ring-wgan-gp.json");
  gan["model"]["generator_hidden"] = {6};
  gan["model"]["discriminator_hidden"] = {6};
  gan["model"]["generator_activation"] = "tanh";
  gan["model"]["discriminator_activation"] = "tanh";
  gan["training"]["batch_size"] = 4;
  Session g(gan.dump());
  const GradCheckResult rg = g.check_gradients(kind_check_options());
  EXPECT_TRUE(rg.ok) << "worst " << rg.worst_rel_error();
  EXPECT_EQ(rg.entries.size(), g.params().size());
  const auto grad = nlohmann::json::parse(g.grad_json());
  EXPECT_TRUE(grad["loss"]["discriminator"].is_number());
  EXPECT_EQ(grad["gradients"].size(), g.params().size());

  auto s2s = example("dates-attention.json");
  s2s["data"]["options"]["n_samples"] = 50;
  s2s["model"]["embed_dim"] = 4;
  s2s["model"]["hidden_size"] = 4;
  s2s["training"]["batch_size"] = 2;
  Session s(s2s.dump());
  const GradCheckResult rs = s.check_gradients(kind_check_options());
  EXPECT_TRUE(rs.ok) << "worst " << rs.worst_rel_error();
}

}  // namespace
}  // namespace gradlab
