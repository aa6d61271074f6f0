// The loss_surface snapshot: the grid of the training loss over two parameters, the path
// training took, the zig-zag count, and the parameters left as they were.
#include <gtest/gtest.h>

#include <cmath>

#include "session/session.h"
#include "support/check.h"

namespace gradlab {
namespace {

// y = w1 x1 + w2 x2 on four points; the minimum is at (1, 5) and the loss is 25 times more
// curved along w1 than along w2.
std::string valley(double lr, double momentum, const char* surface = "") {
  return std::string(R"({"version": 1, "seed": 0,
    "data": {"batch": {"inputs": [[1, 0.2], [-1, 0.2], [1, -0.2], [-1, -0.2]], "targets": [[2], [0], [0], [-2]]}},
    "model": {"layers": [{"type": "linear", "in": 2, "out": 1, "bias": false}], "parameters": {"layers.0.weight": [[-1, 0]]}},
    "loss": {"type": "mse"}, "optimizer": {"type": "sgd", "lr": )") +
         std::to_string(lr) + R"(, "momentum": )" + std::to_string(momentum) + R"(},
    "training": {"steps": 30, "batch_size": 4})" + surface + "}";
}

TEST(LossSurface, OfferedOnlyForTwoParameters) {
  Session s(valley(0.9, 0));
  const auto names = s.snapshot_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "loss_surface"), names.end());
  Session xor_session(R"({"version": 1, "data": {"dataset": "xor"}, "model": {"layers": [{"type": "linear", "in": 2, "out": 2}]},
                          "loss": {"type": "cross_entropy"}})");
  EXPECT_MESSAGE_HAS(xor_session.snapshot("loss_surface"), "no snapshot named 'loss_surface'", "available: params");
}

TEST(LossSurface, GridPathAndZigZag) {
  Session s(valley(0.9, 0, R"(, "inspection": {"surface": {"x": [-1.5, 2.5], "y": [-1, 7], "resolution": 41}})"));
  nlohmann::json j = s.snapshot("loss_surface");
  EXPECT_EQ(j["parameters"], nlohmann::json({"layers.0.weight[0]", "layers.0.weight[1]"}));
  ASSERT_EQ(j["x"].size(), 41u);
  EXPECT_DOUBLE_EQ(j["x"][0].get<double>(), -1.5);
  EXPECT_DOUBLE_EQ(j["y"][40].get<double>(), 7);
  // The loss at the start, (-1, 0): mean((w x - y)^2) = mean((-x1 - y)^2) = 5 (by hand).
  EXPECT_NEAR(j["path"]["loss"][0].get<double>(), 5.0, 1e-5);
  EXPECT_NEAR(j["grid_min"]["x"].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(j["grid_min"]["y"].get<double>(), 5.0, 1e-9);
  EXPECT_NEAR(j["grid_min"]["loss"].get<double>(), 0.0, 1e-9);
  // A grid value by hand: at (x[i], y[k]) the loss is mean over points of (w.x - y)^2.
  const double a = j["x"][10].get<double>(), b = j["y"][7].get<double>();
  double by_hand = 0;
  for (auto [x1, x2] : std::vector<std::pair<double, double>>{{1, 0.2}, {-1, 0.2}, {1, -0.2}, {-1, -0.2}})
    by_hand += std::pow(a * x1 + b * x2 - (x1 + 5 * x2), 2) / 4;
  EXPECT_NEAR(j["loss"]["data"][7 * 41 + 10].get<double>(), by_hand, 1e-4 * (1 + by_hand));

  s.train(30);
  j = s.snapshot("loss_surface");
  EXPECT_EQ(j["path_points"], 31);
  EXPECT_EQ(j["path"]["step"].back(), 30);
  // Plain gradient descent at lr 0.9 turns back along w1 at every step: (1 - 0.9 * 2) < 0.
  EXPECT_GE(j["direction_changes"][0].get<int>(), 28);
  EXPECT_EQ(j["direction_changes"][1], 0);  // and slides down w2 monotonically
  // The snapshot put the parameters back: training on gives the run that never looked.
  Session plain(valley(0.9, 0));
  plain.train(30);
  EXPECT_EQ(s.parameter_values()[0].second.data()[0], plain.parameter_values()[0].second.data()[0]);
  EXPECT_EQ(s.parameter_values()[0].second.data()[1], plain.parameter_values()[0].second.data()[1]);
}

TEST(LossSurface, MomentumZigZagsLessAndThePathSurvivesALiveUpdate) {
  Session plain(valley(0.9, 0)), heavy(valley(0.8, 0.6));
  plain.train(30);
  heavy.train(30);
  const auto p = plain.snapshot("loss_surface"), h = heavy.snapshot("loss_surface");
  EXPECT_LT(h["direction_changes"][0].get<int>(), p["direction_changes"][0].get<int>());
  EXPECT_LT(heavy.evaluate("train")["loss"].get<double>(), 0.01 * plain.evaluate("train")["loss"].get<double>());

  heavy.update(valley(0.1, 0.6));  // a live change keeps the path
  heavy.train(5);
  EXPECT_EQ(heavy.snapshot("loss_surface")["path_points"], 36);
}

}  // namespace
}  // namespace gradlab
