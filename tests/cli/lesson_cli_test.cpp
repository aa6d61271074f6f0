// `gradlab lesson` and `gradlab sweep` as a course author meets them, and the course as a
// whole: every shipped
// lesson is format 2 and listed in the playground's index, and every COURSE.md question is
// answered by a lesson or listed as pending with what it waits for.
#include <gtest/gtest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "support/shell.h"

namespace {

namespace fs = std::filesystem;

using Result = gradlab::test::ShellResult;

Result run(const std::string& args) { return gradlab::test::shell(std::string(GRADLAB_CLI) + " " + args); }

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const fs::path kLessons = fs::path(GRADLAB_SOURCE_DIR) / "web/public/lessons";

std::vector<fs::path> lesson_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kLessons))
    if (e.path().extension() == ".json" && e.path().stem() != "index" && e.path().stem() != "pending") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The lesson example in docs/lessons.md (the json block after <!-- lesson-example -->).
std::string doc_example() {
  const std::string doc = read(fs::path(GRADLAB_SOURCE_DIR) / "docs/lessons.md");
  const auto marker = doc.find("<!-- lesson-example -->");
  const auto start = doc.find("```json\n", marker);
  const auto end = doc.find("```\n", start + 8);
  if (marker == std::string::npos || start == std::string::npos || end == std::string::npos) return "";
  return doc.substr(start + 8, end - start - 8);
}

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path p = gradlab::test::scratch(name);
  std::ofstream(p) << text;
  return p;
}

TEST(CliLesson, DocExampleRuns) {
  const std::string example = doc_example();
  ASSERT_FALSE(example.empty()) << "docs/lessons.md has no lesson example";
  const auto r = run("lesson " + temp_file("gradlab_doc_lesson.json", example).string());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "ok    parameters = 42 (expected equals 42)")) << r.out;
  EXPECT_TRUE(contains(r.out, "passed")) << r.out;
}

TEST(CliLesson, AFalseClaimFailsNamingTheStepAndTheMeasuredValue) {
  nlohmann::json doc = nlohmann::json::parse(doc_example());
  doc["lesson"]["steps"][1]["expect"][0]["at_least"] = 1.5;  // no accuracy reaches 1.5
  const auto path = temp_file("gradlab_false_lesson.json", doc.dump());
  auto r = run("lesson " + path.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "FAIL  test accuracy = ")) << r.out;
  EXPECT_TRUE(contains(r.out, "(expected at least 1.5)   [/lesson/steps/1/expect/0]")) << r.out;
  EXPECT_TRUE(contains(r.out, "step 2/3  Train")) << r.out;
  EXPECT_TRUE(contains(r.out, "FAILED")) << r.out;

  r = run("lesson " + path.string() + " --json");
  EXPECT_EQ(r.code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["passed"], false);
  const auto& e = j["runs"][0]["steps"][1]["expectations"][0];
  EXPECT_EQ(e["pass"], false);
  EXPECT_GT(e["value"].get<double>(), 0.9);
  EXPECT_EQ(e["pointer"], "/lesson/steps/1/expect/0");
}

TEST(CliLesson, BadLessonsAndArgumentsExitTwo) {
  nlohmann::json doc = nlohmann::json::parse(doc_example());
  doc["lesson"]["steps"][0]["expect"][0]["value"] = "params.totl";
  auto r = run("lesson " + temp_file("gradlab_bad_lesson.json", doc.dump()).string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "/lesson/steps/0/expect/0/value: unknown quantity \"params.totl\"")) << r.out;
  r = run("lesson " + temp_file("gradlab_bad_lesson.json", doc_example()).string() + " --seed 3 --check-seeds");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "--seed and --check-seeds exclude each other")) << r.out;
  r = run("lesson --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "Usage: gradlab lesson FILE")) << r.out;
}

TEST(Course, EveryShippedLessonIsFormatTwoAndListed) {
  const auto index = nlohmann::json::parse(read(kLessons / "index.json"));
  std::set<std::string> listed;
  for (const auto& e : index["lessons"]) listed.insert(e["id"].get<std::string>());
  for (const auto& f : lesson_files()) {
    const auto doc = nlohmann::json::parse(read(f));
    EXPECT_EQ(doc["lesson"].value("format", 1), 2) << f;
    EXPECT_TRUE(listed.count(f.stem().string())) << f << " is not in lessons/index.json";
    listed.erase(f.stem().string());
  }
  EXPECT_TRUE(listed.empty()) << "index.json lists lessons with no file: " << *listed.begin();
}

TEST(CliSweep, OneRowPerVariantAndFilesEqualSingleRuns) {
  const fs::path dir = gradlab::test::scratch("gradlab_sweep");
  fs::remove_all(dir);
  const std::string xor_spec = std::string(GRADLAB_SOURCE_DIR) + "/examples/xor.json";
  auto r = run("sweep " + xor_spec + " --set /optimizer/lr=0.01,0.1,1 --steps 60 --out " + (dir / "sweep").string());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* row : {"lr=0.01  train:  loss", "lr=0.1   train:  loss", "lr=1     train:  loss"}) EXPECT_TRUE(contains(r.out, row)) << r.out;
  const auto report = nlohmann::json::parse(read(dir / "sweep" / "sweep.json"));
  ASSERT_EQ(report["variants"].size(), 3u);
  EXPECT_EQ(report["variants"][1]["fields"]["/optimizer/lr"], 0.1);
  // Each variant's files are what `gradlab run` writes for the same spec, bit for bit.
  for (std::size_t k = 0; k < 3; ++k) {
    auto spec = nlohmann::json::parse(read(xor_spec));
    spec["optimizer"]["lr"] = report["variants"][k]["fields"]["/optimizer/lr"];
    const fs::path single = temp_file("gradlab_sweep_single.json", spec.dump());
    ASSERT_EQ(run("run " + single.string() + " --steps 60 --out " + (dir / "single").string()).code, 0);
    const std::string variant_dir = report["variants"][k]["dir"];
    EXPECT_EQ(read(dir / "single" / "metrics.jsonl"), read(dir / "sweep" / variant_dir / "metrics.jsonl")) << variant_dir;
    EXPECT_EQ(read(dir / "single" / "checkpoint.json"), read(dir / "sweep" / variant_dir / "checkpoint.json")) << variant_dir;
  }
  fs::remove_all(dir);
}

TEST(CliSweep, AGridAndBadPointersOrValuesNamedBeforeTraining) {
  const fs::path dir = gradlab::test::scratch("gradlab_sweep_grid");
  fs::remove_all(dir);
  const std::string xor_spec = std::string(GRADLAB_SOURCE_DIR) + "/examples/xor.json";
  auto r = run("sweep " + xor_spec + " --set /optimizer/lr=0.1,0.3 --set /model/layers/1/type=\"tanh\",relu --steps 5 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "lr=0.1 type=tanh")) << r.out;
  EXPECT_TRUE(contains(r.out, "lr=0.3 type=relu")) << r.out;
  EXPECT_EQ(nlohmann::json::parse(read(dir / "sweep.json"))["variants"].size(), 4u);
  const char* cases[][2] = {
      {"--set /optimizer/lrr=0.1", "/optimizer/lrr: in variant lrr=0.1: unknown field 'lrr'"},
      {"--set /optimizer/lr=-1,0.1", "/optimizer/lr: in variant lr=-1: must be from 0 to 1000, found -1"},
      {"--set /optimzer/lr=1", "--set: cannot set /optimzer/lr: the spec has no /optimzer"},
      {"--set optimizer/lr=1", "--set expects POINTER=V1,V2 with a JSON pointer"},
      {"--set /optimizer/lr=0.1,,1", "an empty value"},
      {"", "sweep needs at least one --set"},
  };
  for (auto& c : cases) {
    fs::remove_all(dir);
    r = run("sweep " + xor_spec + " " + c[0] + " --out " + dir.string());
    EXPECT_EQ(r.code, 2) << c[0] << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, c[1])) << c[0] << "\n" << r.out;
    EXPECT_FALSE(fs::exists(dir / "sweep.json")) << c[0] << ": nothing trains before every variant is valid";
  }
  fs::remove_all(dir);
}

// The README's lesson table lists the lessons of the course page (index.json), in order.
TEST(Course, TheReadmeListsTheLessonsOfTheCoursePage) {
  const std::string readme = read(fs::path(GRADLAB_SOURCE_DIR) / "README.md");
  const auto start = readme.find("<!-- lessons -->"), end = readme.find("<!-- /lessons -->");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  std::vector<std::string> listed;
  std::istringstream rows(readme.substr(start, end - start));
  for (std::string line; std::getline(rows, line);)
    if (line.rfind("| `", 0) == 0) listed.push_back(line.substr(3, line.find('`', 3) - 3));
  std::vector<std::string> index;
  const auto doc = nlohmann::json::parse(read(kLessons / "index.json"));  // named: a loop over a temporary's member dangles
  for (const auto& e : doc["lessons"]) index.push_back(e["id"]);
  EXPECT_EQ(listed, index) << "update the table between <!-- lessons --> and <!-- /lessons --> in README.md";
}

// Every COURSE.md question is answered by a lesson or pending (with a reason), never both.
TEST(Course, EveryQuestionIsAnsweredOrPending) {
  std::map<std::string, std::vector<std::string>> answered;
  for (const auto& f : lesson_files())
    for (const auto& q : nlohmann::json::parse(read(f))["lesson"].value("questions", nlohmann::json::array()))
      answered[q.get<std::string>()].push_back(f.stem().string());
  const auto pending = nlohmann::json::parse(read(kLessons / "pending.json"));
  std::vector<std::string> missing, both;
  for (int i = 1; i <= 48; ++i) {
    const std::string q = "Q" + std::to_string(i);
    const bool is_pending = pending["pending"].contains(q);
    if (is_pending) {
      EXPECT_FALSE(pending["pending"][q].get<std::string>().empty()) << q << " is pending without a reason";
    }
    if (!answered.count(q) && !is_pending) missing.push_back(q);
    if (answered.count(q) && is_pending) both.push_back(q);
  }
  std::string m, b;
  for (const auto& q : missing) m += q + " ";
  for (const auto& q : both) b += q + "(" + answered[q][0] + ") ";
  EXPECT_TRUE(missing.empty()) << "answered by no lesson and not pending: " << m;
  EXPECT_TRUE(both.empty()) << "answered by a lesson but still listed in pending.json: " << b;
  std::cout << "course: " << answered.size() << " of 48 questions answered by a lesson, " << pending["pending"].size() << " pending\n";
}

}  // namespace
