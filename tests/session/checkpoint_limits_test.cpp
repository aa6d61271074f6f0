// Loading a checkpoint (issue 12): its spec must be the session's (up to the fields that do
// not shape the state), its buffers must hold meaningful values, and its text obeys the
// same limits as a spec. Every refusal is a CheckpointError at a pointer inside the
// checkpoint, and leaves the session as it was.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "session/session.h"
#include "spec/json_text.h"

namespace gradlab {
namespace {

using nlohmann::json;

const char* kSpec = R"({"version": 1, "name": "bn", "seed": 4,
  "data": {"batch": {"inputs": [[0, 1], [1, 0], [1, 1], [0, 0]], "targets": [[1], [1], [0], [0]]}},
  "model": {"layers": [{"type": "linear", "in": 2, "out": 3}, {"type": "batch_norm1d", "num_features": 3},
                       {"type": "tanh"}, {"type": "linear", "in": 3, "out": 1}]},
  "loss": {"type": "mse"}, "optimizer": {"type": "adam", "lr": 0.01},
  "training": {"steps": 20, "batch_size": 4, "log_every": 5}})";

std::string edited(const std::string& text, const std::function<void(json&)>& edit) {
  json j = json::parse(text);
  edit(j);
  return j.dump();
}

// The issues of the CheckpointError that loading `checkpoint` into a fresh session of
// kSpec throws; checks that the session did not change.
std::vector<SpecIssue> refusal(const std::string& checkpoint) {
  Session s(kSpec);
  s.train(2);
  const std::string before = s.checkpoint_json();
  try {
    s.load_checkpoint(checkpoint);
  } catch (const CheckpointError& e) {
    EXPECT_EQ(s.checkpoint_json(), before);
    return e.issues();
  }
  ADD_FAILURE() << "the checkpoint loaded";
  return {};
}

std::string trained_checkpoint() {
  Session s(kSpec);
  s.train(3);
  return s.checkpoint_json();
}

TEST(CheckpointSpec, EveryDifferenceThatShapesTheStateIsNamed) {
  const std::string ck = edited(trained_checkpoint(), [](json& j) {
    j["spec"]["seed"] = 5;
    j["spec"]["optimizer"]["lr"] = 0.02;
    j["spec"]["loss"]["type"] = "bce_with_logits";
    j["spec"]["data"]["batch"]["targets"][0][0] = 0;
  });
  const auto issues = refusal(ck);
  std::vector<std::string> pointers;
  for (const auto& i : issues) pointers.push_back(i.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/spec/data/batch/targets", "/spec/loss/type", "/spec/optimizer/lr", "/spec/seed"}));
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_NE(issues[3].message.find("trained with /seed = 5 (an integer), the spec it is loaded into has 4 (an integer)"),
            std::string::npos) << issues[3].message;
  EXPECT_NE(issues[3].message.find("only /name, /description, /lesson, /inspection, /training/steps"), std::string::npos)
      << issues[3].message;
}

TEST(CheckpointSpec, AFieldOnlyOneSideHasIsADifference) {
  const auto issues = refusal(edited(trained_checkpoint(), [](json& j) { j["spec"]["training"]["clip_grad_norm"] = 1; }));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/spec/training/clip_grad_norm");
  EXPECT_NE(issues[0].message.find("has (absent)"), std::string::npos) << issues[0].message;
}

TEST(CheckpointSpec, NameStepsAndLoggingMayDiffer) {
  const std::string ck = edited(trained_checkpoint(), [](json& j) {
    j["spec"]["name"] = "renamed";
    j["spec"]["description"] = "notes";
    j["spec"]["training"]["steps"] = 500;
    j["spec"]["training"]["log_every"] = 1;
    j["spec"]["training"]["eval_every"] = 7;
  });
  Session s(kSpec);
  s.load_checkpoint(ck);
  EXPECT_EQ(s.steps_done(), 3);
}

TEST(CheckpointSpec, ASpecThatIsNotAnObjectOrIsMissing) {
  auto issues = refusal(edited(trained_checkpoint(), [](json& j) { j["spec"] = "xor"; }));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/spec");
  issues = refusal(edited(trained_checkpoint(), [](json& j) { j.erase("spec"); }));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/spec");
}

TEST(CheckpointBuffers, NegativeRunningVarianceIsRefused) {
  const auto issues = refusal(edited(trained_checkpoint(), [](json& j) { j["buffers"]["layers.1.running_var"]["data"][2] = -0.5; }));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/buffers/layers.1.running_var/data/2");
  EXPECT_NE(issues[0].message.find("cannot be negative, found -0.5 (allowed: numbers >= 0)"), std::string::npos) << issues[0].message;
}

TEST(CheckpointBuffers, FractionalOrNegativeCountersAreRefused) {
  for (double bad : {2.5, -1.0}) {
    const auto issues = refusal(edited(trained_checkpoint(), [bad](json& j) { j["buffers"]["layers.1.num_batches_tracked"]["data"][0] = bad; }));
    ASSERT_EQ(issues.size(), 1u) << bad;
    EXPECT_EQ(issues[0].pointer, "/buffers/layers.1.num_batches_tracked/data/0");
    EXPECT_NE(issues[0].message.find("whole number"), std::string::npos) << issues[0].message;
  }
  const auto issues = refusal(edited(trained_checkpoint(), [](json& j) { j["step"] = 2.5; }));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/step");
}

TEST(CheckpointText, DeepNestingAndHugeNumbersAreRefusedWithTheirPlace) {
  const std::string deep = "{\"format\": \"gradlab-checkpoint\", \"spec\": " + std::string(70'000, '[') + std::string(70'000, ']') + "}";
  auto issues = refusal(deep);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("of the checkpoint (allowed: at most 64 levels)"), std::string::npos) << issues[0].message;
  EXPECT_THROW(Session::from_checkpoint(deep), CheckpointError);

  std::string huge = trained_checkpoint();
  const auto at = huge.find("\"step\":3");
  ASSERT_NE(at, std::string::npos);
  huge.replace(at, 8, "\"step\":1e400");
  issues = refusal(huge);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/step");
  EXPECT_NE(issues[0].message.find("1e400 at line 1, column " + std::to_string(at + 8)), std::string::npos) << issues[0].message;
}

TEST(CheckpointText, NumbersBeyondFloat32AreRefusedInTheFloatBuild) {
  const std::string ck = edited(trained_checkpoint(), [](json& j) { j["parameters"]["layers.0.bias"]["data"][1] = 1e39; });
  if (sizeof(Scalar) == 4) {
    const auto issues = refusal(ck);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].pointer, "/parameters/layers.0.bias/data/1");
  } else {
    Session s(kSpec);
    EXPECT_NO_THROW(s.load_checkpoint(ck));
  }
}

TEST(CheckpointText, AnEmbeddedSpecThatIsInvalidIsNamedInsideTheCheckpoint) {
  const std::string ck = edited(trained_checkpoint(), [](json& j) { j["spec"]["optimizer"]["lr"] = -1; });
  try {
    Session::from_checkpoint(ck);
    FAIL();
  } catch (const CheckpointError& e) {
    EXPECT_EQ(e.issues()[0].pointer, "/spec/optimizer/lr");
  }
}

}  // namespace
}  // namespace gradlab
