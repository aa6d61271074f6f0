// Lessons: the lesson block's validation (every problem at its pointer), quantities measured
// on a live session, and the runner's steps, records, restarts and variants.
#include "lesson/run.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

// A tiny XOR experiment (42 parameters) with the given lesson block.
nlohmann::json xor_lesson(const nlohmann::json& lesson) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "seed": 1,
    "data": {"dataset": "xor", "options": {"n_samples": 200, "noise": 0.05}},
    "model": {"layers": [{"type": "linear", "in": 2, "out": 8}, {"type": "tanh"}, {"type": "linear", "in": 8, "out": 2}]},
    "loss": {"type": "cross_entropy"},
    "optimizer": {"type": "sgd", "lr": 0.3, "momentum": 0.9},
    "training": {"steps": 100, "batch_size": 32}})");
  j["lesson"] = lesson;
  return j;
}

nlohmann::json block(const nlohmann::json& steps) {
  return {{"format", 2}, {"title", "t"}, {"chapter", 1}, {"questions", {"Q1"}}, {"intro", "i"}, {"steps", steps}};
}

// Every issue's "pointer: message" of the SpecError that parsing `doc` throws.
std::string issues_of(const nlohmann::json& doc) {
  try {
    parse_lesson(doc);
  } catch (const SpecError& e) {
    std::string out;
    for (const auto& i : e.issues()) out += i.pointer + ": " + i.message + "\n";
    return out;
  }
  return "(no error)";
}

TEST(LessonParse, ReadsStepsActionsAndExpectations) {
  const Lesson l = parse_lesson(xor_lesson(block(nlohmann::json::parse(R"([
    {"title": "a", "text": ["p1", "p2"], "view": "field", "do": [{"train": 5}, {"clamp": {"gate": "f", "value": 0}}],
     "record": {"x": "train.loss"},
     "expect": [{"what": "w", "value": {"ratio": ["train.loss", "$x"]}, "between": [0.5, 2]}]}
  ])"))));
  ASSERT_EQ(l.steps.size(), 1u);
  EXPECT_EQ(l.steps[0].text, "p1\n\np2");
  ASSERT_EQ(l.steps[0].actions.size(), 2u);
  EXPECT_EQ(l.steps[0].actions[0].steps, 5);
  EXPECT_EQ(l.steps[0].actions[1].gate, "f");
  EXPECT_EQ(l.steps[0].expect[0].op, "between");
  EXPECT_EQ(l.steps[0].expect[0].expected(), "between 0.5 and 2");
  EXPECT_EQ(l.check_seeds, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(l.spec.contains("lesson"));
}

TEST(LessonParse, EveryProblemAtItsPointer) {
  const std::string issues = issues_of(xor_lesson(block(nlohmann::json::parse(R"([
    {"title": "a", "text": "t", "do": [{"trian": 5}, {"train": 0}, {"set": {"optimizer/lr": 1}}],
     "expect": [{"what": "w", "value": "tset.loss", "below": 1},
                {"what": "w", "value": "test.loss"},
                {"what": "w", "value": "$later", "below": 1, "above": 0}]},
    {"title": "b", "text": "t", "record": {"later": "test.loss"}}
  ])"))));
  for (const char* part : {"/lesson/steps/0/do/0: unknown action 'trian'", "/lesson/steps/0/do/1/train: expected a number of training steps",
                           "/lesson/steps/0/do/2/set/optimizer~1lr: expected a JSON pointer",
                           "/lesson/steps/0/expect/0/value: unknown quantity \"tset.loss\"",
                           "/lesson/steps/0/expect/1: needs one comparison", "/lesson/steps/0/expect/2/above: one comparison per expectation",
                           "/lesson/steps/0/expect/2/value: \"$later\" is not recorded by this or an earlier step"})
    EXPECT_NE(issues.find(part), std::string::npos) << "missing: " << part << "\nin:\n" << issues;
}

TEST(LessonParse, QuestionsChapterAndFieldsThatLeadNowhere) {
  nlohmann::json b = block(nlohmann::json::parse(R"([{"title": "a", "text": "t", "do": [{"restart_with": {"/modle/layers/0/out": 4}}]}])"));
  b["questions"] = {"Q0", "Q49", "q3", "Q12"};
  b["chapter"] = 11;
  const std::string issues = issues_of(xor_lesson(b));
  for (const char* part : {"/lesson/questions/0: expected a question id Q1 ... Q48, found \"Q0\"", "/lesson/questions/1:", "/lesson/questions/2:",
                           "/lesson/chapter: must be from 1 to 10"})
    EXPECT_NE(issues.find(part), std::string::npos) << "missing: " << part << "\nin:\n" << issues;
  EXPECT_EQ(issues.find("/lesson/questions/3"), std::string::npos) << issues;

  b["questions"] = {"Q12"};
  b["chapter"] = 3;
  EXPECT_NE(issues_of(xor_lesson(b)).find("/lesson/steps/0/do/0/restart_with/~1modle~1layers~10~1out: cannot set /modle/layers/0/out: the spec has no /modle/layers/0"),
            std::string::npos)
      << issues_of(xor_lesson(b));
}

TEST(LessonParse, TheSpecIsCheckedToo) {
  nlohmann::json doc = xor_lesson(block(nlohmann::json::parse(R"([{"title": "a", "text": "t"}])")));
  doc["optimizer"]["lr"] = -1;
  EXPECT_NE(issues_of(doc).find("/optimizer/lr"), std::string::npos);
  EXPECT_NE(issues_of(nlohmann::json::parse(R"({"version": 1})")).find("/lesson: is required"), std::string::npos);
}

TEST(LessonParse, FormatOneLessonsStillLoad) {
  const Lesson l = parse_lesson(xor_lesson({{"title", "XOR"}, {"text", "old"}, {"views", {"curves"}}}));
  EXPECT_EQ(l.format, 1);
  EXPECT_EQ(l.intro, "old");
  EXPECT_TRUE(l.steps.empty());
}

TEST(FollowPointer, NegativeIndicesAndKeyValueSegments) {
  const nlohmann::json doc = nlohmann::json::parse(R"({"streams": [{"grad_norm": [1, 2, 3], "gates": [{"name": "i", "v": 7}, {"name": "f", "v": 9}]}]})");
  EXPECT_EQ(follow_pointer(doc, "/streams/0/grad_norm/-1"), 3);
  EXPECT_EQ(follow_pointer(doc, "/streams/-1/grad_norm/0"), 1);
  EXPECT_EQ(follow_pointer(doc, "/streams/0/gates/name=f/v"), 9);
  EXPECT_MESSAGE_HAS(follow_pointer(doc, "/streams/0/grad_norm/3"), "has 3 elements; index 3 is out of range");
  EXPECT_MESSAGE_HAS(follow_pointer(doc, "/streams/0/gates/name=o"), "/streams/0/gates has no element with name = o");
  EXPECT_MESSAGE_HAS(follow_pointer(doc, "/streamz"), "has no \"streamz\" (it has: streams)");
  EXPECT_MESSAGE_HAS(follow_pointer(doc, "/streams/0/grad_norm/0/x"), "is 1 (an integer), not an object or array");
}

TEST(Measure, NamesSnapshotsAndReductions) {
  Session s(xor_lesson(block(nlohmann::json::parse(R"([{"title": "a", "text": "t"}])"))).dump());
  Measurer m(s, {}, {{"two", 2.0}});
  EXPECT_EQ(m.number("params.total"), 42);
  EXPECT_EQ(m.number("steps"), 0);
  EXPECT_EQ(m.number({{"ratio", {"$two", 8}}}), 0.25);
  EXPECT_EQ(m.number({{"power", {"$two", 3}}}), 8);
  EXPECT_DOUBLE_EQ(m.number({{"power", {{{"ratio", {1, 1024}}}, 0.1}}}), 0.5);  // the mean factor of 10 halvings
  EXPECT_EQ(m.number({{"count", "snapshot:params/0/value/histogram/counts"}}), 20);
  EXPECT_EQ(m.number({{"sum", "snapshot:params/0/value/histogram/counts"}}), 16);  // layers.0.weight: 8 x 2
  const double loss = m.number("train.loss");
  EXPECT_NEAR(loss, s.evaluate("train")["loss"].get<double>(), 1e-6);
  EXPECT_GT(loss, 0.3);
  EXPECT_MESSAGE_HAS(m.number("step.loss"), "no training step has run yet");
  EXPECT_MESSAGE_HAS(m.number("snapshot:params"), "expected a number, found [");
  EXPECT_MESSAGE_HAS(m.number("snapshot:nope/0"), "nope");
  EXPECT_MESSAGE_HAS(m.number({{"variant", "a"}, {"of", "steps"}}), "no variant \"a\" is running");
}

TEST(LessonRun, StepsRecordsAndAFailureWithItsMeasuredValue) {
  const Lesson l = parse_lesson(xor_lesson(block(nlohmann::json::parse(R"([
    {"title": "start", "text": "t", "record": {"start": "train.loss"},
     "expect": [{"what": "parameters", "value": "params.total", "equals": 42}]},
    {"title": "train", "text": "t", "do": [{"train": 150}],
     "expect": [{"what": "loss fell", "value": {"ratio": ["train.loss", "$start"]}, "below": 0.5},
                {"what": "a false claim", "value": "test.accuracy", "below": 0.1},
                {"what": "last step", "value": "step.loss", "above": 0}]}
  ])"))));
  const LessonRun run = run_lesson(l, 1);
  ASSERT_EQ(run.steps.size(), 2u);
  EXPECT_TRUE(run.steps[0].passed());
  EXPECT_EQ(run.steps[1].steps_done, 150);
  EXPECT_TRUE(run.steps[1].results[0].pass) << run.steps[1].results[0].value;
  EXPECT_FALSE(run.steps[1].results[1].pass);
  EXPECT_TRUE(run.steps[1].results[1].measured);
  EXPECT_GT(run.steps[1].results[1].value, 0.9);
  EXPECT_EQ(run.steps[1].results[1].pointer, "/lesson/steps/1/expect/1");
  EXPECT_TRUE(run.steps[1].results[2].pass);
  EXPECT_FALSE(run.passed());
  const nlohmann::json j = to_json(run);
  EXPECT_EQ(j["steps"][1]["expectations"][1]["pass"], false);
}

TEST(LessonRun, RestartSetAndVariantsMatchSeparateRuns) {
  const Lesson l = parse_lesson(xor_lesson(block(nlohmann::json::parse(R"([
    {"title": "slow", "text": "t", "do": [{"set": {"/optimizer/lr": 0.01}}, {"train": 20}], "record": {"slow": "train.loss"}},
    {"title": "variants", "text": "t", "do": [{"reset": true}, {"variants": {"lr 0.01": {"/optimizer/lr": 0.01}, "same": {}}}, {"train": 20}],
     "expect": [{"what": "variant equals the run it copies", "value": {"difference": [{"variant": "lr 0.01", "of": "train.loss"}, "$slow"]}, "equals": 0},
                {"what": "main equals its copy", "value": {"difference": [{"variant": "same", "of": "train.loss"}, "train.loss"]}, "equals": 0}]},
    {"title": "linear", "text": "t", "do": [{"restart_with": {"/model/layers": [{"type": "linear", "in": 2, "out": 2}]}}],
     "expect": [{"what": "parameters", "value": "params.total", "equals": 6}, {"what": "fresh", "value": "steps", "equals": 0}]},
    {"title": "bad set", "text": "t", "do": [{"set": {"/model/layers/0/out": 3}}]}
  ])"))));
  const LessonRun run = run_lesson(l, 4);
  ASSERT_EQ(run.steps.size(), 4u);
  EXPECT_TRUE(run.steps[1].passed()) << to_json(run.steps[1]).dump(2);
  EXPECT_TRUE(run.steps[2].passed()) << to_json(run.steps[2]).dump(2);
  EXPECT_NE(run.steps[3].error.find("/lesson/steps/3/do/0: changing /model/layers/0/out needs a fresh start: use \"restart_with\""),
            std::string::npos)
      << run.steps[3].error;
}

}  // namespace
}  // namespace gradlab
