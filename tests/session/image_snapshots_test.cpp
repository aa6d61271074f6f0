// Images through the Session (issue 10): a small CNN with global max pooling beats an MLP
// with many more parameters on the shifted test split (measured; with batch norm too), the image snapshots
// (filters, feature_maps, image_predictions, conv_as_linear), the unflatten layer and the
// broadcast mse loss in specs, with their errors at JSON pointers.
#include "session/session.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/check.h"

namespace gradlab {
namespace {

using nlohmann::json;

json image_data(int shift) {
  return {{"dataset", "shapes"}, {"options", {{"n_samples", 1000}, {"image_size", 16}, {"shift", shift}, {"noise", 0.1}}}};
}

// conv 3x3 (8) -> relu -> pool 2 -> conv 3x3 (16) -> relu -> global max pool -> linear: 1,418 parameters.
json cnn_layers() {
  return json::array({{{"type", "conv2d"}, {"in_channels", 1}, {"out_channels", 8}, {"kernel_size", 3}, {"padding", 1}},
                      {{"type", "relu"}},
                      {{"type", "max_pool2d"}, {"kernel_size", 2}},
                      {{"type", "conv2d"}, {"in_channels", 8}, {"out_channels", 16}, {"kernel_size", 3}, {"padding", 1}},
                      {{"type", "relu"}},
                      {{"type", "max_pool2d"}, {"kernel_size", 8}},
                      {{"type", "flatten"}},
                      {{"type", "linear"}, {"in", 16}, {"out", 10}}});
}

// flatten -> 256 -> 128 -> 10: 34,186 parameters.
json mlp_layers() {
  return json::array({{{"type", "flatten"}},
                      {{"type", "linear"}, {"in", 256}, {"out", 128}},
                      {{"type", "relu"}},
                      {{"type", "linear"}, {"in", 128}, {"out", 10}}});
}

json image_spec(const json& layers, int shift, std::uint64_t seed = 1) {
  return {{"version", 1},
          {"seed", seed},
          {"data", image_data(shift)},
          {"model", {{"layers", layers}}},
          {"loss", {{"type", "cross_entropy"}}},
          {"optimizer", {{"type", "adam"}, {"lr", 0.01}}},
          {"training", {{"steps", 300}, {"batch_size", 32}}}};
}

double test_accuracy_after(const json& spec, std::int64_t steps) {
  Session s(spec.dump());
  s.train(steps);
  return s.evaluate("test")["accuracy"].get<double>();
}

TEST(ImageModels, SmallCnnBeatsABiggerMlpOnTheShiftedTestSplit) {
  Session cnn(image_spec(cnn_layers(), 8).dump()), mlp(image_spec(mlp_layers(), 8).dump());
  EXPECT_EQ(cnn.total_params(), 1418);
  EXPECT_EQ(mlp.total_params(), 34186);
  cnn.train(300);
  mlp.train(300);
  const double cnn_train = cnn.evaluate("train")["accuracy"].get<double>(), cnn_test = cnn.evaluate("test")["accuracy"].get<double>();
  const double mlp_train = mlp.evaluate("train")["accuracy"].get<double>(), mlp_test = mlp.evaluate("test")["accuracy"].get<double>();
  std::printf("shift 8: cnn train %.3f test %.3f; mlp train %.3f test %.3f\n", cnn_train, cnn_test, mlp_train, mlp_test);
  EXPECT_GT(mlp_train, 0.9);          // the MLP learns the training positions...
  EXPECT_LT(mlp_test, 0.35);          // ...and fails where it never saw an object
  EXPECT_GT(cnn_test, 0.8);           // the CNN's features do not care where
  EXPECT_GT(cnn_test, mlp_test + 0.4);
}

TEST(ImageModels, WithoutShiftBothLearn) {
  EXPECT_GT(test_accuracy_after(image_spec(mlp_layers(), 0), 300), 0.8);
  EXPECT_GT(test_accuracy_after(image_spec(cnn_layers(), 0), 300), 0.8);
}

TEST(ImageModels, BatchNormAfterEachConvTrainsToo) {
  json layers = cnn_layers();
  layers.insert(layers.begin() + 4, json{{"type", "batch_norm2d"}, {"num_features", 16}});
  layers.insert(layers.begin() + 1, json{{"type", "batch_norm2d"}, {"num_features", 8}});
  Session s(image_spec(layers, 8).dump());
  EXPECT_EQ(s.total_params(), 1418 + 2 * 8 + 2 * 16);
  s.train(300);
  EXPECT_GT(s.evaluate("test")["accuracy"].get<double>(), 0.8);  // 0.945 measured (seed 1)
}

TEST(ImageSnapshots, FiltersFeatureMapsGridAndConvAsLinear) {
  json spec = image_spec(cnn_layers(), 4);
  spec["inspection"] = {{"example", 3}};
  Session s(spec.dump());
  const auto names = s.snapshot_names();
  for (const char* n : {"filters", "feature_maps", "image_predictions", "conv_as_linear"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  const json f = s.snapshot("filters");
  EXPECT_EQ(f["layer"], "layers.0");
  EXPECT_EQ(f["weight"]["shape"], json({8, 1, 3, 3}));
  EXPECT_EQ(f["bias"]["shape"], json({8}));
  EXPECT_EQ(f["weight"]["data"][0].get<double>(), s.parameter_values()[0].second[0]);
  double lo = 1e9, hi = -1e9;
  for (const auto& v : f["weight"]["data"]) {
    lo = std::min(lo, v.get<double>());
    hi = std::max(hi, v.get<double>());
  }
  EXPECT_EQ(f["min"].get<double>(), lo);
  EXPECT_EQ(f["max"].get<double>(), hi);

  const json m = s.snapshot("feature_maps");
  EXPECT_EQ(m["split"], "test");
  EXPECT_EQ(m["example"], 3);
  EXPECT_EQ(m["input"]["shape"], json({1, 16, 16}));
  const DataView view = s.data("test", 4);  // the same example from the data view
  EXPECT_EQ(m["input"]["data"][37].get<double>(), static_cast<double>(view.inputs[3 * 256 + 37]));
  ASSERT_EQ(m["layers"].size(), 6u);  // conv, relu, pool, conv, relu, pool: every [C, H, W] output
  EXPECT_EQ(m["layers"][0]["maps"]["shape"], json({8, 16, 16}));
  EXPECT_EQ(m["layers"][2]["maps"]["shape"], json({8, 8, 8}));
  EXPECT_EQ(m["layers"][5]["maps"]["shape"], json({16, 1, 1}));
  EXPECT_EQ(m["layers"][1]["type"], "relu");
  for (const auto& v : m["layers"][1]["maps"]["data"]) ASSERT_GE(v.get<double>(), 0);
  EXPECT_TRUE(m["predicted"].is_number_integer());

  s.train(100);
  const json g = s.snapshot("image_predictions");
  EXPECT_EQ(g["split"], "test");
  EXPECT_EQ(g["images"]["shape"], json({64, 1, 16, 16}));
  ASSERT_EQ(g["predicted"].size(), 64u);
  ASSERT_EQ(g["targets"].size(), 64u);
  EXPECT_EQ(g["class_names"][1], "circle");
  int right = 0;
  for (int i = 0; i < 64; ++i) right += g["predicted"][i] == g["targets"][i];
  EXPECT_DOUBLE_EQ(g["accuracy"].get<double>(), right / 64.0);

  const json c = s.snapshot("conv_as_linear");
  EXPECT_EQ(c["layer"], "layers.0");
  EXPECT_EQ(c["dense_shape"], json({8 * 256, 256}));
  EXPECT_EQ(c["kernel_entries"], 72);
  // 3x3 with padding 1 on 16x16: each filter's 9 taps reach 16*16 positions minus the border ones.
  EXPECT_EQ(c["nonzero_entries"], 8 * (9 * 256 - 4 * 3 * 16 + 4));
  EXPECT_LT(c["nonzero_fraction"].get<double>(), 0.04);
  EXPECT_LT(c["max_output_difference"].get<double>(), 1e-5);
  EXPECT_LT(c["max_weight_gradient_difference"].get<double>(), 1e-5 * std::max(1.0, c["weight_gradient_norm"].get<double>()));
  EXPECT_GT(c["weight_gradient_norm"].get<double>(), 0);
  EXPECT_TRUE(c["dense"].is_null());  // 524,288 entries: too many to hand out

  spec["inspection"]["example"] = 500;
  Session far(spec.dump());
  test::expect_invalid([&] { far.snapshot("feature_maps"); }, {"/inspection/example", "example 500", "200 examples"});
}

TEST(ImageSpecs, DatasetOptionErrorsNameTheirPointers) {
  auto with = [](const char* key, const json& value) {
    json spec = image_spec(cnn_layers(), 0);
    spec["data"]["options"][key] = value;
    return spec.dump();
  };
  test::expect_invalid([&] { Session s(with("shift", 9)); }, {"/data/options", "option shift = 9", "allowed: 0 to 8"});
  test::expect_invalid([&] { Session s(with("image_size", 100)); }, {"/data/options/image_size", "from 12 to 64"});
  test::expect_invalid([&] { Session s(with("shfit", 1)); }, {"/data/options/shfit", "its options:", "image_size, shift"});
  test::expect_invalid([&] { Session s(with("image_size", 32)); }, {"/model/layers/7/in", "in = 16", "[32, 64]"});
}

TEST(ImageSpecs, UnflattenTurnsRowsIntoImages) {
  // 2 rows of 16 numbers -> [2, 1, 4, 4] -> conv 3x3 -> [2, 1, 2, 2] -> flatten.
  json rows = json::array();
  for (int n = 0; n < 2; ++n) {
    json r = json::array();
    for (int k = 0; k < 16; ++k) r.push_back((n + 1) * k * 0.1);
    rows.push_back(r);
  }
  json spec = {{"version", 1},
               {"data", {{"batch", {{"inputs", rows}, {"targets", {{0, 0, 0, 0}, {1, 1, 1, 1}}}}}}},
               {"model", {{"layers", {{{"type", "unflatten"}, {"dim", 1}, {"unflattened_size", {1, 4, 4}}},
                                      {{"type", "conv2d"}, {"in_channels", 1}, {"out_channels", 1}, {"kernel_size", 3}},
                                      {{"type", "flatten"}}}}}},
               {"loss", {{"type", "mse"}}}};
  Session s(spec.dump());
  const json g = json::parse(s.grad_json());
  EXPECT_EQ(g["outputs"]["shape"], json({2, 4}));
  EXPECT_EQ(g["input_gradient"]["shape"], json({2, 16}));
  auto bad = spec;
  bad["model"]["layers"][0]["unflattened_size"] = {1, 4, 5};
  test::expect_invalid([&] { Session x(bad.dump()); }, {"/model/layers/0/unflattened_size", "multiply to 20", "is 16"});
  bad["model"]["layers"][0]["unflattened_size"] = {1, -1, -1};
  test::expect_invalid([&] { Session x(bad.dump()); }, {"/model/layers/0/unflattened_size", "at most one -1"});
  bad["model"]["layers"][0]["unflattened_size"] = "16";
  test::expect_invalid([&] { Session x(bad.dump()); }, {"/model/layers/0/unflattened_size"});
  bad["model"]["layers"][0]["unflattened_size"] = {1, 4, 4};
  bad["model"]["layers"][0]["dim"] = 2;
  test::expect_invalid([&] { Session x(bad.dump()); }, {"/model/layers/0/dim", "batch dimension"});
}

TEST(ImageSpecs, BroadcastMseIsQ19) {
  // A 4x4 kernel on a 4x4 image: one number yhat, summed squared error against a 4x4 target.
  json x = json::array(), y = json::array(), w = json::array();
  double sum_y = 0, yhat = 0;
  std::vector<double> xs;
  for (int i = 0; i < 4; ++i) {
    json xr = json::array(), yr = json::array(), wr = json::array();
    for (int j = 0; j < 4; ++j) {
      const double xv = 0.1 * (i + 2 * j), yv = 0.05 * (3 * i - j), wv = 0.02 * (i - j + 1);
      xr.push_back(xv);
      yr.push_back(yv);
      wr.push_back(wv);
      xs.push_back(xv);
      sum_y += yv;
      yhat += xv * wv;
    }
    x.push_back(xr);
    y.push_back(yr);
    w.push_back(wr);
  }
  json spec = {{"version", 1},
               {"data", {{"batch", {{"inputs", {{x}}}, {"targets", {{y}}}}}}},
               {"model", {{"layers", {{{"type", "conv2d"}, {"in_channels", 1}, {"out_channels", 1}, {"kernel_size", 4}, {"bias", false}}}},
                          {"parameters", {{"layers.0.weight", {{w}}}}}}},
               {"loss", {{"type", "mse"}, {"reduction", "sum"}, {"broadcast", true}}}};
  Session s(spec.dump());
  const json g = json::parse(s.grad_json());
  EXPECT_NEAR(g["outputs"]["data"][0].get<double>(), yhat, 1e-6);
  const double factor = 2 * (16 * yhat - sum_y);
  for (int k = 0; k < 16; ++k)
    EXPECT_NEAR(g["gradients"]["layers.0.weight"]["data"][k].get<double>(), xs[static_cast<std::size_t>(k)] * factor, 1e-5);
  auto bad = spec;
  bad["loss"]["type"] = "cross_entropy";
  test::expect_invalid([&] { Session z(bad.dump()); }, {"/loss/broadcast", "\"mse\" only"});
  bad = spec;
  bad["model"]["layers"][0]["kernel_size"] = 3;
  bad["model"].erase("parameters");
  bad["data"]["batch"]["targets"] = {{{{1, 2, 3}}}};  // [1, 1, 1, 3] against an output [1, 1, 2, 2]
  test::expect_invalid([&] { Session z(bad.dump()); }, {"/loss/broadcast", "[1, 1, 2, 2]", "[1, 1, 1, 3]"});
}

}  // namespace
}  // namespace gradlab
