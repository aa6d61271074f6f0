// Hostile specs (issue 12): nesting deeper than kMaxJsonDepth, numbers beyond double or
// this build's Scalar, ragged arrays, shapes whose element count overflows, too many
// layers. Each is one SpecError naming where (pointer, line and column) and the limit.
#include "spec/json_text.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace gradlab {
namespace {

using nlohmann::json;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The first issue of the SpecError that `f` throws (fails the test if it does not throw).
template <typename F>
SpecIssue first_issue(F&& f) {
  try {
    f();
  } catch (const SpecError& e) {
    EXPECT_FALSE(e.issues().empty());
    return e.issues().empty() ? SpecIssue{} : e.issues()[0];
  }
  ADD_FAILURE() << "no SpecError";
  return {};
}

std::string nested(int depth, const std::string& inner = "1") {
  return std::string(static_cast<std::size_t>(depth), '[') + inner + std::string(static_cast<std::size_t>(depth), ']');
}

// A valid spec with an explicit batch; `edit` changes it.
std::string spec_text(const std::function<void(json&)>& edit = {}) {
  json j = json::parse(R"({"version": 1,
    "data": {"batch": {"inputs": [[0.5, 1]], "targets": [[1]]}},
    "model": {"layers": [{"type": "linear", "in": 2, "out": 1}]},
    "loss": {"type": "mse"}})");
  if (edit) edit(j);
  return j.dump();
}

TEST(JsonDepth, SeventyThousandDeepSpecIsRefusedBeforeParsingWithLineColumnAndPointer) {
  const std::string text = "{\"version\": 1,\n \"data\": " + nested(70'000) + "}";
  const SpecIssue i = first_issue([&] { parse_spec(text); });
  // The 65th container opens at the 64th '[' after "data": column 10 + 64 of line 2.
  EXPECT_EQ(i.pointer, "/data" + [] {
    std::string p;
    for (int k = 0; k < kMaxJsonDepth - 1; ++k) p += "/0";
    return p;
  }());
  EXPECT_TRUE(contains(i.message, "line 2, column 73")) << i.message;
  EXPECT_TRUE(contains(i.message, "at most 64 levels")) << i.message;
}

TEST(JsonDepth, TheLimitItselfParsesAndOneMoreDoesNot) {
  EXPECT_NO_THROW(parse_json_text(nested(kMaxJsonDepth), "spec"));
  const SpecIssue i = first_issue([&] { parse_json_text(nested(kMaxJsonDepth + 1), "checkpoint"); });
  EXPECT_TRUE(contains(i.message, "of the checkpoint")) << i.message;
}

TEST(JsonDepth, BracketsInsideStringsAndKeysDoNotCount) {
  const std::string deep_string = "\"" + std::string(100'000, '[') + "\\\"{{{" + "\"";
  EXPECT_NO_THROW(parse_json_text("{" + deep_string + ": " + deep_string + "}", "spec"));
}

TEST(JsonDepth, PointerNamesKeysAndIndices) {
  json doc = 1;
  for (int k = 0; k < kMaxJsonDepth; ++k) doc = json::array({doc});
  const std::string text = R"({"a~b": {"x/y": [0, 1, )" + doc.dump() + "]}}";
  const SpecIssue i = first_issue([&] { parse_json_text(text, "spec"); });
  EXPECT_EQ(i.pointer.rfind("/a~0b/x~1y/2/0/0", 0), 0u) << i.pointer;
}

TEST(JsonDepth, AParsedDocumentIsCheckedToo) {
  json doc = json::array();
  for (int k = 0; k < kMaxJsonDepth + 5; ++k) doc = json::array({doc});
  json spec = json::parse(spec_text());
  spec["data"]["batch"]["inputs"] = doc;
  const SpecIssue i = first_issue([&] { parse_spec(spec); });
  EXPECT_EQ(i.pointer.rfind("/data/batch/inputs/0/0", 0), 0u) << i.pointer;
  EXPECT_TRUE(contains(i.message, "at most 64 levels")) << i.message;
}

TEST(JsonNumbers, BeyondDoubleNamesLineColumnAndPointer) {
  const SpecIssue i = first_issue([&] { parse_spec(std::string("{\"version\": 1,\n\"seed\": [1, -1e400]}")); });
  EXPECT_EQ(i.pointer, "/seed/1");
  EXPECT_TRUE(contains(i.message, "-1e400 at line 2, column 13")) << i.message;
  EXPECT_TRUE(contains(i.message, "1.7976931348623157e308")) << i.message;
  // Underflow is not an error (it reads as 0, as JSON parsers do), nor are long mantissas.
  EXPECT_NO_THROW(parse_json_text("[1e-400, " + std::string(300, '9') + "]", "spec"));
  EXPECT_THROW(parse_json_text("[" + std::string(400, '9') + "]", "spec"), SpecError);
}

TEST(JsonNumbers, SyntaxErrorsStillNameLineAndColumn) {
  const SpecIssue i = first_issue([&] { parse_spec(std::string("{\"version\": 1,\n \"data\": oops}")); });
  EXPECT_TRUE(contains(i.message, "not valid JSON at line 2, column")) << i.message;
  const SpecIssue c = first_issue([&] { parse_json_text("{", "checkpoint"); });
  EXPECT_TRUE(contains(c.message, "the checkpoint is not valid JSON at line 1")) << c.message;
}

TEST(Describe, CutsHugeAndDeepValuesWithoutDumpingThem) {
  json big = json::array();
  for (int k = 0; k < 200'000; ++k) big.push_back(k);
  EXPECT_EQ(describe(big), "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,1... (an array)");
  EXPECT_EQ(describe(json::parse("[1, {\"a\": [true]}]")), "[1,{\"a\":[true]}] (an array)");
  EXPECT_EQ(describe(json(std::string(10'000'000, 'x'))).size(), 40u + std::string(" (a string)").size());
  // Not UTF-8: replaced, not thrown.
  EXPECT_NO_THROW(describe(json(std::string("\xff\xfe"))));
  json deep = json::array();
  for (int k = 0; k < 500; ++k) deep = json::array({std::move(deep)});
  EXPECT_EQ(describe(deep).substr(0, 5), "[[[[[");
}

// ---- shapes ----------------------------------------------------------------------------

Tensor tensor(const std::string& text, std::vector<SpecIssue>& issues) { return tensor_from_json(json::parse(text), "/x", issues); }

TEST(TensorShapes, AScalarRowBeforeArrayRowsIsRagged) {
  std::vector<SpecIssue> issues;
  EXPECT_FALSE(tensor("[[0.5], [[0.5]]]", issues).defined());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/x/1/0");
  EXPECT_TRUE(contains(issues[0].message, "ragged array")) << issues[0].message;
  for (const char* ragged : {"[[[0.5]], [0.5]]", "[[], [1]]", "[[1], []]", "[1, [2]]", "[[1, 2], [3]]"}) {
    issues.clear();
    EXPECT_FALSE(tensor(ragged, issues).defined()) << ragged;
    EXPECT_EQ(issues.size(), 1u) << ragged;
  }
  issues.clear();
  EXPECT_EQ(tensor("[[], []]", issues).shape(), (Shape{2, 0}));
  EXPECT_EQ(tensor("[[[1], [2]], [[3], [4]]]", issues).shape(), (Shape{2, 2, 1}));
  EXPECT_TRUE(issues.empty());
}

TEST(TensorShapes, ElementCountsThatOverflowSixtyFourBitsAreRefused) {
  std::vector<SpecIssue> issues;
  // 2^24 * 2^24 * 2^24 * 2^16 * 4 = 2^90 wraps to 0 in 64 bits; with 4 numbers it used to pass as 4.
  for (const char* shape : {"[16777216, 16777216, 16777216, 65536, 4]", "[0, 16777216, 16777216, 16777216, 16777216]",
                            "[4, 16777216, 16777216, 16777216, 16777216]"}) {
    issues.clear();
    EXPECT_FALSE(tensor(std::string("{\"shape\": ") + shape + ", \"data\": [1, 2, 3, 4]}", issues).defined()) << shape;
    ASSERT_EQ(issues.size(), 1u) << shape;
    EXPECT_EQ(issues[0].pointer, "/x/shape");
    EXPECT_TRUE(contains(issues[0].message, "fits in 64 bits")) << issues[0].message;
  }
  issues.clear();
  EXPECT_EQ(tensor(R"({"shape": [0, 16777216], "data": []})", issues).shape(), (Shape{0, 16777216}));
  EXPECT_TRUE(issues.empty());
  std::int64_t n = 0;
  EXPECT_TRUE(checked_numel({3, 0, 5}, n));
  EXPECT_EQ(n, 0);
  EXPECT_FALSE(checked_numel({std::int64_t(1) << 32, std::int64_t(1) << 31}, n));
  EXPECT_TRUE(checked_numel({std::int64_t(1) << 32, (std::int64_t(1) << 31) - 1}, n));
}

// ---- numbers beyond float32 --------------------------------------------------------------

constexpr bool kFloat = sizeof(Scalar) == 4;

TEST(ScalarRange, BeyondFloat32IsRefusedInTheFloatBuildEverywhereATensorIsRead) {
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& j) { j["data"]["batch"]["inputs"][0][1] = 1e39; }, "/data/batch/inputs/0/1"},
      {[](json& j) { j["data"]["batch"]["targets"] = {{"shape", {1, 1}}, {"data", {-2e39}}}; }, "/data/batch/targets/data/0"},
      {[](json& j) { j["model"]["parameters"]["layers.0.bias"] = {1e39}; }, "/model/parameters/layers.0.bias/0"},
      {[](json& j) { j["loss"]["seed"] = 1e300; }, "/loss/seed"},
  };
  for (const auto& [edit, pointer] : cases) {
    const std::string text = spec_text(edit);
    if (kFloat) {
      const SpecIssue i = first_issue([&] { parse_spec(text); });
      EXPECT_EQ(i.pointer, pointer);
      EXPECT_TRUE(contains(i.message, "beyond the range of this build's float32 numbers")) << i.message;
      EXPECT_TRUE(contains(i.message, "3.4028234663852886e+38")) << i.message;
    } else {
      EXPECT_NO_THROW(parse_spec(text)) << pointer;
    }
  }
  // The largest float itself is fine in both builds.
  EXPECT_NO_THROW(parse_spec(spec_text([](json& j) { j["data"]["batch"]["inputs"][0][1] = -3.4028234663852886e38; })));
}

// ---- layer count -----------------------------------------------------------------------

TEST(LayerCount, MoreThanTheCeilingIsRefusedBeforeAnythingIsBuilt) {
  auto with_layers = [](int n) {
    return spec_text([n](json& j) {
      for (int k = 1; k < n; ++k) j["model"]["layers"].push_back({{"type", "tanh"}});
    });
  };
  EXPECT_NO_THROW(parse_spec(with_layers(static_cast<int>(kMaxLayers))));
  const SpecIssue i = first_issue([&] { parse_spec(with_layers(static_cast<int>(kMaxLayers) + 1)); });
  EXPECT_EQ(i.pointer, "/model/layers");
  EXPECT_TRUE(contains(i.message, "1025 layers")) << i.message;
  EXPECT_TRUE(contains(i.message, "at most 1024")) << i.message;
  // Layers inside residual blocks count.
  const SpecIssue r = first_issue([&] {
    parse_spec(spec_text([](json& j) {
      json body = json::array();
      for (int k = 0; k < 1100; ++k) body.push_back({{"type", "tanh"}});
      j["model"]["layers"].push_back({{"type", "residual"}, {"layers", body}});
    }));
  });
  EXPECT_EQ(r.pointer, "/model/layers");
}

}  // namespace
}  // namespace gradlab
