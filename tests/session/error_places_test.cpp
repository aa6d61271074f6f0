// Errors that used to surface only at the first step, without a place (issue 12, "Messages
// without a place"): a loss seed of the wrong shape, a model with no parameters, an
// embedding smaller than the vocabulary (playground_test.cpp). Each now names the spec
// field to change.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "session/session.h"
#include "session/validate.h"
#include "spec/spec.h"

namespace gradlab {
namespace {

using nlohmann::json;

json batch_spec(const json& layers, const json& loss) {
  return {{"version", 1}, {"seed", 1},
          {"data", {{"batch", {{"inputs", json::array({json::array({1, 2}), json::array({3, 4})})},
                               {"targets", json::array({json::array({1}), json::array({0})})}}}}},
          {"model", {{"layers", layers}}}, {"loss", loss}, {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
          {"training", {{"steps", 1}, {"batch_size", 2}}}};
}

std::string pointer_of(const std::string& text) {
  try {
    Session s(text);
    s.step();
  } catch (const SpecError& e) {
    return e.issues().empty() ? "" : e.issues()[0].pointer + ": " + e.issues()[0].message;
  }
  return "(accepted)";
}

TEST(ErrorPlaces, ALossSeedOfTheWrongShapeIsRefusedAtLossSeed) {
  const json linear = json::array({{{"type", "linear"}, {"in", 2}, {"out", 1}}});
  // mse with reduction mean is one number: a [1, 3] seed cannot multiply it
  json spec = batch_spec(linear, {{"type", "mse"}, {"seed", json::array({json::array({1, 2, 3})})}});
  json r = validate_spec(spec.dump());
  ASSERT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["issues"][0]["pointer"], "/loss/seed");
  EXPECT_NE(r["issues"][0]["message"].get<std::string>().find("has shape [1, 3], but the mse loss with reduction \"mean\" is one number"),
            std::string::npos)
      << r.dump();
  EXPECT_EQ(pointer_of(spec.dump()).rfind("/loss/seed: ", 0), 0u) << pointer_of(spec.dump());
  spec["loss"]["seed"] = 2.0;  // one number is right
  EXPECT_TRUE(validate_spec(spec.dump())["ok"].get<bool>()) << validate_spec(spec.dump()).dump();
  // type output: the seed has the output's shape, [2, 1] here
  spec["loss"] = {{"type", "output"}, {"seed", json::array({1, 1})}};
  r = validate_spec(spec.dump());
  ASSERT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["issues"][0]["pointer"], "/loss/seed");
  EXPECT_NE(r["issues"][0]["message"].get<std::string>().find("the model's output, of shape [2, 1]"), std::string::npos) << r.dump();
  spec["loss"]["seed"] = json::array({json::array({1}), json::array({1})});
  EXPECT_TRUE(validate_spec(spec.dump())["ok"].get<bool>()) << validate_spec(spec.dump()).dump();
  // on a dataset the Session checks it against the built model, batch dimension aside
  json circle = spec;
  circle["data"] = {{"dataset", "circle"}};
  circle["loss"] = {{"type", "output"}, {"seed", json::array({json::array({1, 1})})}};
  EXPECT_EQ(pointer_of(circle.dump()).rfind("/loss/seed: ", 0), 0u) << pointer_of(circle.dump());
}

TEST(ErrorPlaces, AModelWithoutParametersIsNotTrainedAndSaysWhereToLook) {
  const json spec = batch_spec(json::array({{{"type", "tanh"}}}), {{"type", "mse"}});
  const std::string p = pointer_of(spec.dump());
  EXPECT_EQ(p.rfind("/model/layers: the model has no parameters", 0), 0u) << p;
}

}  // namespace
}  // namespace gradlab
