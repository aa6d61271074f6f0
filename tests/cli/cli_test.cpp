// The gradlab CLI as a user meets it: commands on the example specs, their output, and
// exit codes (0 ok, 1 the work failed, 2 bad arguments, files or specs); never a crash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/shell.h"

namespace {

using Result = gradlab::test::ShellResult;
using gradlab::test::shell;

Result run(const std::string& args) { return shell(std::string(GRADLAB_CLI) + " " + args); }

std::string example(const std::string& name) { return std::string(GRADLAB_SOURCE_DIR) + "/examples/" + name; }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Cli, HelpForEveryCommand) {
  auto r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "run SPEC")) << r.out;
  for (const char* cmd : {"run", "grad", "check", "params"}) {
    auto h = run(std::string(cmd) + " --help");
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_TRUE(contains(h.out, std::string("Usage: gradlab ") + cmd)) << h.out;
  }
}

TEST(Cli, BadArgumentsAreOneLineAndExitTwo) {
  const char* cases[][2] = {
      {"", "missing command"},
      {"train x.json", "unknown command 'train'"},
      {"run", "needs a SPEC file"},
      {"run /no/such/file.json", "no such file"},
      {"params /tmp", "is a directory"},
      {"run examples/xor.json --stepz 3", "unknown option '--stepz'"},
      {"run examples/xor.json --steps", "needs a value"},
      {"run examples/xor.json --steps -4", "--steps expects an integer"},
      {"check examples/xor.json --tolerance abc", "--tolerance expects a positive number"},
  };
  for (auto& c : cases) {
    std::string args = c[0];
    const auto pos = args.find("examples/");
    if (pos != std::string::npos) args.replace(pos, 9, std::string(GRADLAB_SOURCE_DIR) + "/examples/");
    auto r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, c[1])) << args << "\n" << r.out;
    EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

TEST(Cli, InvalidSpecListsPointersAndExitsTwo) {
  const std::string path = gradlab::test::scratch("gradlab_cli_bad_spec.json");
  std::ofstream(path) << R"({"version": 1, "data": {"dataset": "xor"}, "model": {"layers": [{"type": "linear", "in": 2}]},
                             "loss": {"type": "mse"}, "optimizer": {"lr": -1}})";
  auto r = run("params " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "/model/layers/0/out: is required")) << r.out;
  EXPECT_TRUE(contains(r.out, "/optimizer/lr: must be from 0")) << r.out;
  std::ofstream(path) << "{\"version\": 1,\n \"data\": oops}";
  r = run("grad " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "line 2")) << r.out;
}

TEST(Cli, ParamsCountIsTheSameForSequenceLengthFiveAndTen) {
  auto t5 = run("params --json " + example("rnn-params-t5.json"));
  auto t10 = run("params --json " + example("rnn-params-t10.json"));
  ASSERT_EQ(t5.code, 0) << t5.out;
  ASSERT_EQ(t10.code, 0) << t10.out;
  const auto j5 = nlohmann::json::parse(t5.out), j10 = nlohmann::json::parse(t10.out);
  // PyTorch: RNN H*(I + H) + 2H with I = 20, H = 128; Linear 128*10 + 10.
  EXPECT_EQ(j5["total"], 128 * 20 + 128 * 128 + 2 * 128 + 128 * 10 + 10);
  EXPECT_EQ(j5["total"], j10["total"]);
  EXPECT_EQ(j5["parameters"][0]["name"], "layers.0.weight_ih_l0");
}

TEST(Cli, GradOfAVectorOutputWithoutSeedExplainsTheJacobian) {
  auto r = run("grad " + example("vector-output-needs-seed.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.out, "/loss/type")) << r.out;
  EXPECT_TRUE(contains(r.out, "Jacobian")) << r.out;
  EXPECT_TRUE(contains(r.out, "seed")) << r.out;
}

TEST(Cli, GradPrintsEveryGradientInPytorchLayout) {
  auto r = run("grad " + example("tiny-chain-rule.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["loss"].is_number());
  EXPECT_EQ(j["gradients"]["layers.0.weight"]["shape"], nlohmann::json::array({2, 1}));
  EXPECT_EQ(j["gradients"]["layers.2.weight"]["shape"], nlohmann::json::array({1, 2}));
  EXPECT_EQ(j["input_gradient"]["shape"], nlohmann::json::array({1, 1}));
}

TEST(Cli, CheckPassesInDoublePrecision) {
  auto r = run("check " + example("tiny-chain-rule.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "checked in double precision")) << r.out;
  EXPECT_TRUE(contains(r.out, "layers.2.bias")) << r.out;
}

TEST(Cli, CheckFailureExitsOneWithATable) {
  // A step of 0.3 on a sigmoid net: central differences err by O(eps^2), far beyond 1e-6,
  // so every row fails and the exit code is 1. (A tolerance alone no longer fails a right
  // gradient: errors under the rounding floor of the differences are not failures.)
  auto r = run("check " + example("tiny-chain-rule.json") + " --eps 0.3");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "FAIL")) << r.out;
  EXPECT_TRUE(contains(r.out, "layers.0.weight")) << r.out;
  auto j = run("check --json " + example("tiny-chain-rule.json") + " --eps 0.3");
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(nlohmann::json::parse(j.out.substr(j.out.find("\n{") + 1))["ok"], false);
}

TEST(Cli, RunWritesMetricsAndACheckpoint) {
  const auto dir = gradlab::test::scratch("gradlab_cli_run");
  std::filesystem::remove_all(dir);
  auto r = run("run " + example("xor.json") + " --steps 50 --seed 4 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "step 50/50")) << r.out;  // not a terminal: one line per log_every
  EXPECT_TRUE(contains(r.out, dir.string() + "/metrics.jsonl")) << r.out;
  std::ifstream metrics(dir / "metrics.jsonl");
  std::string line;
  int train_lines = 0, eval_lines = 0;
  while (std::getline(metrics, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["kind"] == "train") {
      ++train_lines;
      EXPECT_TRUE(j["loss"].is_number());
      EXPECT_TRUE(j.contains("grad_norm"));
    } else if (j["kind"] == "eval") {
      ++eval_lines;
    }
  }
  EXPECT_EQ(train_lines, 2);  // steps 25 and 50 with log_every 25
  EXPECT_EQ(eval_lines, 1);
  std::ifstream ckpt(dir / "checkpoint.json");
  const auto c = nlohmann::json::parse(ckpt);
  EXPECT_EQ(c["step"], 50);
  EXPECT_EQ(c["spec"]["seed"], 4);
}

TEST(Cli, InspectListsAndPrintsSnapshots) {
  auto list = run("inspect " + example("xor.json"));
  ASSERT_EQ(list.code, 0) << list.out;
  EXPECT_TRUE(contains(list.out, "field")) << list.out;
  auto field = run("inspect " + example("xor.json") + " --what field");
  ASSERT_EQ(field.code, 0) << field.out;
  EXPECT_EQ(nlohmann::json::parse(field.out)["output"], "softmax");
  auto bad = run("inspect " + example("xor.json") + " --what recurrent");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.out, "available: params, gradcheck, field")) << bad.out;
  auto clamp = run("inspect " + example("xor.json") + " --clamp f=0 --what field");
  EXPECT_EQ(clamp.code, 2);
  EXPECT_TRUE(contains(clamp.out, "no recurrent layer")) << clamp.out;
  auto syntax = run("inspect " + example("adding-lstm.json") + " --clamp f --what recurrent");
  EXPECT_EQ(syntax.code, 2);
  EXPECT_TRUE(contains(syntax.out, "GATE=VALUE")) << syntax.out;
}

TEST(Cli, InspectParamsReportsTheGradientsThatGradPrints) {
  auto grad = run("grad " + example("xor.json"));
  ASSERT_EQ(grad.code, 0) << grad.out;
  auto params = run("inspect " + example("xor.json") + " --what params");
  ASSERT_EQ(params.code, 0) << params.out;
  const auto g = nlohmann::json::parse(grad.out)["gradients"];
  const auto p = nlohmann::json::parse(params.out);
  ASSERT_EQ(p.size(), g.size());
  for (const auto& entry : p) {
    const std::string name = entry["name"];
    double sq = 0, lo = 1e300, hi = -1e300;
    for (const auto& v : g[name]["data"]) {
      sq += v.get<double>() * v.get<double>();
      lo = std::min(lo, v.get<double>());
      hi = std::max(hi, v.get<double>());
    }
    EXPECT_TRUE(entry["has_grad"].get<bool>()) << name;
    EXPECT_GT(std::sqrt(sq), 0) << name;
    EXPECT_NEAR(entry["grad"]["norm"].get<double>(), std::sqrt(sq), 1e-6 * std::sqrt(sq)) << name;
    EXPECT_NEAR(entry["grad"]["min"].get<double>(), lo, 1e-6 * std::abs(lo)) << name;
    EXPECT_NEAR(entry["grad"]["max"].get<double>(), hi, 1e-6 * std::abs(hi)) << name;
  }
  auto layers = run("inspect " + example("xor.json") + " --what layers");
  ASSERT_EQ(layers.code, 0) << layers.out;
  EXPECT_EQ(nlohmann::json::parse(layers.out)["layers"][2]["pointer"], "/model/layers/2");
}

// grad and inspect share --clamp: grad reports the loss and gradients under it and names
// it; a clamp without a value is an error naming the form, in both.
TEST(Cli, GradAndInspectUnderAGateClamp) {
  auto plain = run("grad " + example("adding-lstm.json"));
  auto clamped = run("grad " + example("adding-lstm.json") + " --clamp f=0");
  ASSERT_EQ(plain.code, 0) << plain.out;
  ASSERT_EQ(clamped.code, 0) << clamped.out;
  const auto p = nlohmann::json::parse(plain.out), c = nlohmann::json::parse(clamped.out);
  EXPECT_FALSE(p.contains("clamp"));
  EXPECT_EQ(c["clamp"], nlohmann::json({{"gate", "f"}, {"value", 0.0}}));
  EXPECT_NE(c["loss"], p["loss"]);
  EXPECT_NE(c["gradients"]["layers.0.weight_hh_l0"], p["gradients"]["layers.0.weight_hh_l0"]);
  // The f rows of the LSTM's weights get no gradient when f is a constant.
  const auto& dW = c["gradients"]["layers.0.weight_hh_l0"]["data"];  // [4H, H], H = 32: rows 32..63 are f
  for (std::size_t k = 32 * 32; k < 64 * 32; ++k) ASSERT_EQ(dW[k].get<double>(), 0.0) << k;
  for (const std::string cmd : {"grad ", "inspect "}) {
    auto empty = run(cmd + example("adding-lstm.json") + " --clamp f=" + (cmd == "grad " ? "" : " --what recurrent"));
    EXPECT_EQ(empty.code, 2) << cmd;
    EXPECT_TRUE(contains(empty.out, "GATE=VALUE")) << empty.out;
    EXPECT_TRUE(contains(empty.out, "'f='")) << empty.out;
  }
  auto bad_gate = run("grad " + example("adding-lstm.json") + " --clamp q=0");
  EXPECT_EQ(bad_gate.code, 2);
  EXPECT_TRUE(contains(bad_gate.out, "allowed: i, f, g, o")) << bad_gate.out;
  auto rec = run("inspect " + example("adding-lstm.json") + " --clamp f=0 --what recurrent");
  ASSERT_EQ(rec.code, 0) << rec.out;
  for (const auto& f : nlohmann::json::parse(rec.out)["streams"][0]["forget_gate_mean"]) EXPECT_EQ(f.get<double>(), 0.0);
}

TEST(Cli, InspectATrainedCheckpointWithSnapshotsWrittenByRun) {
  const auto dir = gradlab::test::scratch("gradlab_cli_snapshots");
  std::filesystem::remove_all(dir);
  const std::string spec_path = gradlab::test::scratch("gradlab_cli_snapshots.json").string();
  auto spec = nlohmann::json::parse(std::ifstream(example("xor.json")));
  spec["inspection"] = {{"snapshots", {"field", "params"}}, {"every", 20}};
  std::ofstream(spec_path) << spec.dump();
  auto r = run("run " + spec_path + " --steps 40 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f : {"field-20.json", "field-40.json", "params-20.json", "params-40.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / "snapshots" / f)) << f;
  // The snapshot of the checkpoint equals the one run wrote at the end.
  auto i = run("inspect " + spec_path + " --checkpoint " + (dir / "checkpoint.json").string() + " --what field");
  ASSERT_EQ(i.code, 0) << i.out;
  const auto written = nlohmann::json::parse(std::ifstream(dir / "snapshots" / "field-40.json"));
  EXPECT_EQ(nlohmann::json::parse(i.out)["values"], written["values"]);
  auto wrong = run("inspect " + example("tiny-chain-rule.json") + " --checkpoint " + (dir / "checkpoint.json").string() + " --what params");
  EXPECT_EQ(wrong.code, 2);
  EXPECT_TRUE(contains(wrong.out, "different model")) << wrong.out;
}

TEST(Cli, RunOnATerminalDrawsAProgressBar) {
  // util-linux `script` (Debian's essential bsdutils) gives the command a pseudo-terminal.
  const auto dir = gradlab::test::scratch("gradlab_cli_tty");
  auto r = shell("script -qec '" + std::string(GRADLAB_CLI) + " run " + example("xor.json") +
               " --steps 40 --out " + dir.string() + "' /dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "\r[")) << r.out;
  EXPECT_TRUE(contains(r.out, "] 40/40")) << r.out;
  EXPECT_TRUE(contains(r.out, "steps/s")) << r.out;
  EXPECT_FALSE(contains(r.out, "step 40/40  loss")) << "a terminal gets the bar, not log lines\n" << r.out;
}

TEST(Cli, RunThatDivergesStopsWithExitOneAndNamesWhere) {
  const std::string path = gradlab::test::scratch("gradlab_cli_diverge.json");
  auto spec = nlohmann::json::parse(std::ifstream(example("tiny-chain-rule.json")));
  spec["optimizer"]["lr"] = 1000;
  spec["training"]["steps"] = 1000;
  std::ofstream(path) << spec.dump();
  const auto dir = gradlab::test::scratch("gradlab_cli_diverge_out");
  auto r = run("run " + path + " --out " + dir.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "training stopped")) << r.out;
  EXPECT_TRUE(contains(r.out, "non-finite") || contains(r.out, "not finite")) << r.out;
  EXPECT_TRUE(contains(r.out, "op '") || contains(r.out, "parameter '")) << "names where it went bad\n" << r.out;
}

// ---- hostile files (issue 12) -------------------------------------------------------

TEST(Cli, DevicesFifosAndHugeFilesAreRefusedBeforeReading) {
  auto r = run("params /dev/zero");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "'/dev/zero': it is not a regular file")) << r.out;
  const auto fifo = gradlab::test::scratch("gradlab_cli_fifo.json");
  std::filesystem::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  r = run("grad " + fifo.string());  // would block forever if it were opened
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "not a regular file (a device, FIFO or socket)")) << r.out;
  std::filesystem::remove(fifo);
  // A sparse file one byte over the limit: refused by its size, nothing read.
  const auto big = gradlab::test::scratch("gradlab_cli_big.json");
  std::ofstream(big) << "{}";
  std::filesystem::resize_file(big, (std::uintmax_t(1) << 30) + 1);
  r = run("params " + big.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "it has 1073741825 bytes; gradlab reads files of at most 1073741824 bytes (1 GiB)")) << r.out;
  std::filesystem::remove(big);
  r = run("inspect " + example("xor.json") + " --checkpoint /dev/zero");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "not a regular file")) << r.out;
}

TEST(Cli, DeeplyNestedSpecIsOneErrorWithItsPlace) {
  const auto path = gradlab::test::scratch("gradlab_cli_deep.json");
  std::ofstream(path) << "{\"version\": 1, \"data\": " << std::string(70'000, '[') << std::string(70'000, ']') << "}";
  for (const char* cmd : {"params ", "grad ", "check ", "run ", "lesson ", "grad --seed 3 "}) {
    auto r = run(cmd + path.string());
    EXPECT_EQ(r.code, 2) << cmd << r.out;
    const std::string what = std::string(cmd) == "lesson " ? "lesson" : "spec";
    EXPECT_TRUE(contains(r.out, "more than 64 deep at line 1, column 87 of the " + what + " (allowed: at most 64 levels)")) << cmd << r.out;
  }
  std::ofstream(path) << "{\"version\": 1,\n\"seed\": 1e400}";
  auto r = run("params " + path.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "/seed: the number 1e400 at line 2, column 9 of the spec is beyond the range of a double")) << r.out;
  std::filesystem::remove(path);
}

TEST(Cli, CheckpointErrorsNameTheCheckpointFileAndThePointerInsideIt) {
  const auto dir = gradlab::test::scratch("gradlab_cli_ckpt_errors");
  std::filesystem::remove_all(dir);
  auto r = run("run " + example("tiny-chain-rule.json") + " --steps 2 --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto ckpt_path = dir / "checkpoint.json";
  auto ckpt = nlohmann::json::parse(std::ifstream(ckpt_path));
  ckpt["spec"]["seed"] = 99;
  const auto edited = dir / "edited.json";
  std::ofstream(edited) << ckpt.dump();
  r = run("inspect " + example("tiny-chain-rule.json") + " --checkpoint " + edited.string() + " --what params");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint " + edited.string() + " does not load into " + example("tiny-chain-rule.json"))) << r.out;
  EXPECT_TRUE(contains(r.out, edited.string() + " /spec/seed: the checkpoint was trained with /seed = 99")) << r.out;
  EXPECT_FALSE(contains(r.out, "is not a valid spec")) << r.out;
  std::ofstream(edited) << "{\"format\": ";
  r = run("inspect " + example("tiny-chain-rule.json") + " --checkpoint " + edited.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint " + edited.string() + " does not load")) << r.out;
  EXPECT_TRUE(contains(r.out, "the checkpoint is not valid JSON at line 1")) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
