// `gradlab check` on everything gradlab ships: every example and every lesson (a lesson
// file is a spec) passes, large parameters are sampled and say so, progress goes to
// stderr, and the seq2seq example finishes well within a minute.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/shell.h"

namespace {

using gradlab::test::shell;

std::string cli(const std::string& args) { return std::string(GRADLAB_CLI) + " " + args; }
std::string source(const std::string& path) { return std::string(GRADLAB_SOURCE_DIR) + "/" + path; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
// --json output with the progress lines (stderr, merged by shell()) before it left off.
nlohmann::json json_of(const std::string& out) { return nlohmann::json::parse(out.substr(out.find("\n{") + 1)); }

// examples/*.json and web/public/lessons/*.json but the lesson index and the pending list.
std::vector<std::string> shipped_specs() {
  std::vector<std::string> files;
  for (const char* dir : {"examples", "web/public/lessons"})
    for (const auto& f : std::filesystem::directory_iterator(source(dir))) {
      const std::string name = f.path().filename().string();
      if (f.path().extension() == ".json" && name != "index.json" && name != "pending.json")
        files.push_back(std::string(dir) + "/" + name);
    }
  std::sort(files.begin(), files.end());
  return files;
}

class ShippedSpec : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedSpec, PassesTheGradientCheck) {
  const auto r = shell(cli("check " + source(GetParam())));
  if (GetParam() == "examples/vector-output-needs-seed.json") {
    // The one example made to be refused: a vector objective has no gradient to check.
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_TRUE(contains(r.out, "/loss/seed")) << r.out;
    return;
  }
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "passed")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Check, ShippedSpec, ::testing::ValuesIn(shipped_specs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(CliCheck, TheShippedListIsNotEmpty) {
  const auto files = shipped_specs();
  EXPECT_GE(files.size(), 20u);
  EXPECT_NE(std::find(files.begin(), files.end(), "examples/gan-ring-minimax.json"), files.end());
}

TEST(CliCheck, TheSeq2SeqExampleFinishesInAMinuteWithProgressAndASample) {
  // The CPU time gradlab itself used (children's rusage), so a machine whose cores are
  // busy with other work cannot fail it; about 4 s on one core of the CI machine, and the
  // wall time there is about the same (it is single-threaded).
  const auto start = std::chrono::steady_clock::now();
  rusage before{}, after{};
  getrusage(RUSAGE_CHILDREN, &before);
  const auto r = shell(cli("check " + source("examples/dates-attention.json")));
  getrusage(RUSAGE_CHILDREN, &after);
  const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  const double cpu = secs(after.ru_utime) + secs(after.ru_stime) - secs(before.ru_utime) - secs(before.ru_stime);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_LT(cpu, 60) << "wall " << wall << " s\n" << r.out;
  // Not a terminal: a progress line per parameter on stderr (merged here).
  EXPECT_TRUE(contains(r.out, "check 1/")) << r.out;
  EXPECT_TRUE(contains(r.out, "entries (a sample)")) << r.out;
  EXPECT_TRUE(contains(r.out, "checked 64 of ")) << r.out;
  EXPECT_TRUE(contains(r.out, "parameters checked in double precision (")) << r.out;
}

TEST(CliCheck, TheMinimaxGanPassesWhereReluKinksMadeItFail) {
  const auto r = shell(cli("check --json " + source("examples/gan-ring-minimax.json")));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = json_of(r.out);
  EXPECT_EQ(j["ok"], true);
  for (const auto& p : j["parameters"]) {
    EXPECT_EQ(p["ok"], true) << p.dump();
    EXPECT_LE(p["checked"].get<long>(), 64) << p.dump();
    EXPECT_GE(p["skipped"].get<long>(), 0) << p.dump();
  }
}

TEST(CliCheck, EntriesZeroChecksEveryEntryAndJsonSaysHowMany) {
  const auto r = shell(cli("check --json --entries 0 " + source("examples/xor.json")));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = json_of(r.out);
  EXPECT_EQ(j["checked"], j["total"]);
  const auto s = shell(cli("check --json --entries 2 " + source("examples/xor.json")));
  ASSERT_EQ(s.code, 0) << s.out;
  const auto k = json_of(s.out);
  EXPECT_LT(k["checked"].get<long>(), k["total"].get<long>());
  for (const auto& p : k["parameters"]) EXPECT_LE(p["checked"].get<long>(), 2) << p.dump();
}

TEST(CliCheck, ACoarseStepFailsWithATable) {
  // eps 0.5 on a sigmoid net: central differences err by O(eps^2) there, far beyond 1e-6
  // (a smooth loss: nothing is taken for a kink).
  const auto r = shell(cli("check " + source("examples/tiny-chain-rule.json") + " --eps 0.5"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "FAIL")) << r.out;
  EXPECT_TRUE(contains(r.out, "FAILED")) << r.out;
  EXPECT_FALSE(contains(r.out, "skipped")) << r.out;
}

TEST(CliCheck, BadOptionsExitTwo) {
  for (const char* args : {"--eps 0", "--eps -1", "--entries -3", "--entries x", "--tolerance nan"}) {
    const auto r = shell(cli("check " + source("examples/xor.json") + " " + args));
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
  }
}

}  // namespace
