// Activation-memory ceilings (issue 12): a spec inside every per-field range can still ask
// for an activation of 2^32 elements (batch 65536 through a 65536-wide layer), or an
// attention map of B x heads x T x T with T = 1000. validate_spec and the Session refuse
// such specs before anything is allocated, with the same words, at the field to change.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "session/session.h"
#include "session/validate.h"
#include "spec/spec.h"
#include "support/files.h"

namespace gradlab {
namespace {

using nlohmann::json;

// validate's one issue, and the Session's SpecError, which must say the same.
json refused(const json& spec) {
  const json r = validate_spec(spec.dump());
  EXPECT_FALSE(r["ok"].get<bool>()) << r.dump();
  if (r["issues"].empty()) return json::object();
  try {
    Session s(spec.dump());
    ADD_FAILURE() << "the Session accepted what validate refused: " << r["issues"].dump();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.issues().size(), r["issues"].size());
    for (std::size_t i = 0; i < e.issues().size() && i < r["issues"].size(); ++i) {
      EXPECT_EQ(e.issues()[i].pointer, r["issues"][i]["pointer"]);
      EXPECT_EQ(e.issues()[i].message, r["issues"][i]["message"]);
    }
  }
  return r["issues"][0];
}

json circle(std::int64_t n_samples, std::int64_t width, std::int64_t batch) {
  return {{"version", 1}, {"seed", 1},
          {"data", {{"dataset", "circle"}, {"options", {{"n_samples", n_samples}}}}},
          {"model", {{"layers", json::array({{{"type", "linear"}, {"in", 2}, {"out", width}},
                                             {{"type", "relu"}},
                                             {{"type", "linear"}, {"in", width}, {"out", 2}}})}}},
          {"loss", {{"type", "cross_entropy"}}}, {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
          {"training", {{"steps", 1}, {"batch_size", batch}}}};
}

TEST(ActivationLimits, EstimatesFollowTheShapes) {
  std::vector<SpecIssue> issues;
  const LayerSpec linear{"linear", "/model/layers/0", {{"in", 2}, {"out", 8}, {"bias", true}}, {}};
  auto s = summarize_layers({linear}, {4, 2}, issues);
  ASSERT_TRUE(issues.empty());
  EXPECT_EQ(s[0].kept, 32);  // the [4, 8] output
  EXPECT_EQ(s[0].largest, 32);
  // LSTM, B = 2, T = 3, I = 1, H = 4: output 24, plus per step (G + 3) H + G H = 7*4 + 16 = 44
  const LayerSpec lstm{"lstm", "/model/layers/0",
                       {{"input_size", 1}, {"hidden_size", 4}, {"num_layers", 1}, {"bidirectional", false}, {"bias", true}, {"peephole", false}},
                       {}};
  s = summarize_layers({lstm}, {2, 3, 1}, issues);
  ASSERT_TRUE(issues.empty());
  EXPECT_EQ(s[0].kept, 24 + 2 * 3 * 44);
  EXPECT_EQ(s[0].largest, 2 * 3 * 16);  // the input projection for all steps
  // attention: B x heads x T x T scores (and their softmax) dominate for long sequences
  const LayerSpec mha{"multihead_attention", "/model/layers/0", {{"embed_dim", 8}, {"num_heads", 2}, {"dropout", 0.0}, {"causal", false}, {"bias", true}}, {}};
  s = summarize_layers({mha}, {3, 100, 8}, issues);
  ASSERT_TRUE(issues.empty()) << issues[0].message;
  EXPECT_EQ(s[0].largest, 3.0 * 2 * 100 * 100);
  EXPECT_EQ(s[0].kept, 5.0 * 3 * 100 * 8 + 2 * 3.0 * 2 * 100 * 100);
}

TEST(ActivationLimits, AHugeBatchThroughAWideLayerIsRefusedAtTheBatchSize) {
  // 65536 rows through a 65536-wide layer: 2^32 floats (16 GiB) in one activation; every
  // field is inside its own range and the model has only 327,682 parameters.
  const json issue = refused(circle(100000, 65536, 65536));
  EXPECT_EQ(issue["pointer"], "/training/batch_size");
  const std::string m = issue["message"];
  // 2^32 elements in each of the first Linear's output and the ReLU's: 32 GiB of floats
  // (64 GiB in the double build, whose limits are the same bytes)
  const double bytes = 2.0 * 65536.0 * 65536.0 * sizeof(Scalar);
  EXPECT_NE(m.find("one training step on batches of 65536 would keep about " + format_bytes(bytes)), std::string::npos) << m;
  EXPECT_NE(m.find("/model/layers/0"), std::string::npos) << m;
  EXPECT_NE(m.find("at most 512 MiB"), std::string::npos) << m;
  // The batch is what the step really uses: batch_size 65536 on 500 examples is 500 rows.
  EXPECT_TRUE(validate_spec(circle(500, 4096, 65536).dump())["ok"].get<bool>());
}

TEST(ActivationLimits, EvaluatingAllExamplesAtOnceIsBoundedToo) {
  // 100,000 examples through 4096 units is 1.5 GiB in the evaluation's single pass, though
  // a training step of 32 rows keeps 1 MiB.
  const json issue = refused(circle(100000, 4096, 32));
  EXPECT_EQ(issue["pointer"], "/data/options/n_samples");
  const std::string m = issue["message"];
  EXPECT_NE(m.find("evaluating all 100000 examples in one pass would make a tensor of about " +
                   format_bytes(100000.0 * 4096 * sizeof(Scalar)) + " at /model/layers/"),
            std::string::npos)
      << m;
  EXPECT_TRUE(validate_spec(circle(5000, 4096, 32).dump())["ok"].get<bool>());  // 78 MiB (156 in double)
}

TEST(ActivationLimits, AttentionOverLongSequencesCountsItsTSquaredMaps) {
  json spec = json::parse(test::example("order-transformer.json"));
  spec["data"]["options"]["seq_len"] = 1000;
  spec["model"]["layers"][1]["max_len"] = 1000;
  // 32 x 2 heads x 1000 x 1000 scores and their softmax: 512 MiB, beyond the step's budget
  json issue = refused(spec);
  EXPECT_EQ(issue["pointer"], "/training/batch_size");
  EXPECT_NE(issue["message"].get<std::string>().find("/model/layers/2, transformer_encoder_layer"), std::string::npos) << issue.dump();
  // 8 rows fit a step, but evaluating 1000 sequences at once does not (8 GB of maps)
  spec["training"]["batch_size"] = 8;
  issue = refused(spec);
  EXPECT_EQ(issue["pointer"], "/data/options/n_samples");
  spec["data"]["options"]["n_samples"] = 10;  // 76 MiB of maps (153 MiB in the double build)
  const json ok = validate_spec(spec.dump());
  EXPECT_TRUE(ok["ok"].get<bool>()) << ok.dump();
}

TEST(ActivationLimits, Seq2seqAndGanSessionsHaveTheParameterCapValidateHas) {
  json dates = json::parse(test::example("dates-attention.json"));
  dates["model"]["hidden_size"] = 4096;
  dates["model"]["embed_dim"] = 4096;  // 705,650,702 parameters: the Session used to start allocating them
  json issue = refused(dates);
  EXPECT_EQ(issue["pointer"], "/model");
  EXPECT_NE(issue["message"].get<std::string>().find("705650702 parameters"), std::string::npos) << issue.dump();
  json gan = json::parse(test::example("gan-ring-minimax.json"));
  gan["model"]["generator_hidden"] = json::array({4096, 4096});
  gan["model"]["discriminator_hidden"] = json::array({4096, 4096});
  // 2 x (4096 x 4096) plus the small layers: 33.6M parameters
  issue = refused(gan);
  EXPECT_EQ(issue["pointer"], "/model");
}

TEST(ActivationLimits, EveryShippedExampleFitsWithRoomToSpare) {
  for (const char* name : {"adding-lstm.json", "dates-attention.json", "diffusion-ring.json", "gan-ring-minimax.json",
                           "order-transformer.json", "shapes-cnn.json", "xor.json"}) {
    const json r = validate_spec(test::example(name));
    EXPECT_TRUE(r["ok"].get<bool>()) << name << ": " << r.dump();
  }
}

}  // namespace
}  // namespace gradlab
