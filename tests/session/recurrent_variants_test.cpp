// The recurrent variants through the Session, on examples/recurrent-variants.json (a coupled
// input-forget LSTM with proj_size, then a reset-before GRU): params lists PyTorch's names
// and shapes, a checkpoint restores the run exactly, the recurrent snapshot's f is 1 - i,
// and a gate clamp of the coupled LSTM takes i (and refuses f, saying why).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "session/session.h"

namespace gradlab {
namespace {

std::string example() {
  std::ifstream in(GRADLAB_SOURCE_DIR "/examples/recurrent-variants.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RecurrentVariantsSession, ParamsFollowPytorchAndTheCoupledLayout) {
  Session s(example());
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto& p : s.params()) got.emplace_back(p.name, p.shape);
  const std::vector<std::pair<std::string, Shape>> want = {
      {"layers.0.weight_ih_l0", {48, 2}}, {"layers.0.weight_hh_l0", {48, 8}}, {"layers.0.bias_ih_l0", {48}},
      {"layers.0.bias_hh_l0", {48}},      {"layers.0.weight_hr_l0", {8, 16}}, {"layers.1.weight_ih_l0", {24, 8}},
      {"layers.1.weight_hh_l0", {24, 8}}, {"layers.1.bias_ih_l0", {24}},      {"layers.1.bias_hh_l0", {24}},
      {"layers.3.weight", {1, 8}},        {"layers.3.bias", {1}}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(s.total_params(), 96 + 384 + 48 + 48 + 128 + 192 + 192 + 24 + 24 + 8 + 1);
}

TEST(RecurrentVariantsSession, CheckpointRestoresTheRunExactly) {
  Session a(example());
  a.train(5);
  const std::string ckpt = a.checkpoint_json();
  Session b = Session::from_checkpoint(ckpt);
  const auto pa = a.parameter_values(), pb = b.parameter_values();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t k = 0; k < pa.size(); ++k) EXPECT_EQ(max_abs_diff(pa[k].second, pb[k].second), 0.0) << pa[k].first;
  const Metrics ma = a.step(), mb = b.step();
  EXPECT_EQ(ma.at("loss"), mb.at("loss"));  // bit for bit: same weights, optimizer state and batch order
}

TEST(RecurrentVariantsSession, CoupledForgetGateIsOneMinusInputAndClampsTakeI) {
  Session s(example());
  s.train(3);
  nlohmann::json r = s.snapshot("recurrent");
  const nlohmann::json* f = nullptr;
  const nlohmann::json* i = nullptr;
  for (const auto& g : r["streams"][0]["gates"]) {
    if (g["name"] == "f") f = &g;
    if (g["name"] == "i") i = &g;
  }
  ASSERT_TRUE(f && i);
  EXPECT_EQ(r["clampable"], nlohmann::json({"i", "g", "o"}));
  EXPECT_EQ(r["kind"], "lstm");
  const auto& fm = (*f)["mean"]["data"];
  const auto& im = (*i)["mean"]["data"];
  ASSERT_EQ(fm.size(), im.size());
  for (std::size_t k = 0; k < fm.size(); ++k) EXPECT_NEAR(fm[k].get<double>(), 1 - im[k].get<double>(), 1e-6);
  try {
    s.clamp_gate("f", 0.0);
    ADD_FAILURE() << "clamping f of a coupled LSTM should be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("clamp gate 'i' to 1 - value"), std::string::npos) << e.what();
  }
  s.clamp_gate("i", 1.0);  // f = 0: the cell is this step's candidate
  r = s.snapshot("recurrent");
  for (const auto& g : r["streams"][0]["gates"])
    if (g["name"] == "f")
      for (const auto& v : g["mean"]["data"]) EXPECT_EQ(v.get<double>(), 0.0);
}

}  // namespace
}  // namespace gradlab
