// The catalog and option validation, plus properties every dataset in the catalog must have:
// shapes that agree with the metadata, integral labels in range, determinism per seed.
#include <gtest/gtest.h>

#include "support/check.h"

#include <cmath>
#include <set>

#include "data/dataset.h"

namespace gradlab {
namespace {

// Options that make `name` buildable: required ones filled in, sizes kept small.
DatasetOptions small_options(const DatasetInfo& info, std::uint64_t seed) {
  DatasetOptions o;
  o.seed = seed;
  if (info.option("n_samples")) o.n_samples = 60;
  if (info.name == "csv") {
    o.csv_text = "a,b,label\n";
    for (int i = 0; i < 30; ++i)
      o.csv_text += std::to_string(i) + "," + std::to_string(i * 0.5) + "," + (i % 3 ? "yes" : "no") + "\n";
    o.target_column = "label";
  }
  if (info.name == "points" || info.name == "gan_points")
    for (int i = 0; i < 12; ++i) o.points.push_back({0.1 * i, -0.2 * i, i % 3});
  return o;
}

TEST(Catalog, ListsEveryFamilyOnceWithSeedAndTestFraction) {
  std::set<std::string> names;
  for (const auto& info : dataset_catalog()) {
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate " << info.name;
    ASSERT_NE(info.option("seed"), nullptr) << info.name;
    ASSERT_NE(info.option("test_fraction"), nullptr) << info.name;
    EXPECT_EQ(info.option("test_fraction")->default_value, 0.2);
    EXPECT_FALSE(info.description.empty()) << info.name;
    for (const auto& o : info.options) {
      EXPECT_LE(o.min, o.max) << info.name << "." << o.name;
      if (o.type == "integer" || o.type == "number") {
        EXPECT_GE(o.default_value, o.min) << info.name << "." << o.name;
        EXPECT_LE(o.default_value, o.max) << info.name << "." << o.name;
      }
    }
  }
  for (const char* n :
       {"circle",   "xor",      "gaussians",  "spiral",    "moons",     "sine",           "polynomial",
        "plane",    "csv",      "points",     "copy",      "reverse",   "delayed_recall", "adding",
        "parity",   "timing",   "lookahead",  "order",     "char_lm",   "next_word", "dates",          "number_words",
        "gan_ring", "gan_grid", "gan_spiral", "gan_moons", "gan_points", "hyperplane", "shapes", "digits"})
    EXPECT_EQ(names.count(n), 1u) << n;
  EXPECT_EQ(dataset_catalog()[0].option("seq_len"), nullptr);  // circle reads no seq_len
}

TEST(Catalog, DefaultsFromTheBriefAreTheCatalogDefaults) {
  auto def = [](const std::string& name, const std::string& option) {
    for (const auto& info : dataset_catalog())
      if (info.name == name) return info.option(option)->default_value;
    return -1.0;
  };
  EXPECT_EQ(def("gan_ring", "noise"), 0.02);
  EXPECT_EQ(def("gan_ring", "num_modes"), 8);
  EXPECT_EQ(def("gan_grid", "grid_size"), 5);
  EXPECT_EQ(def("next_word", "n_context"), 3);
}

TEST(Catalog, EveryDatasetIsConsistentWithItsMetadata) {
  for (const auto& info : dataset_catalog()) {
    SCOPED_TRACE(info.name);
    const DatasetOptions o = small_options(info, 3);
    const Dataset d = make_dataset(info.name, o);
    EXPECT_EQ(d.name, info.name);
    EXPECT_EQ(d.task, dataset_task(info.name, o));
    if (!info.task.empty()) {
      EXPECT_EQ(d.task, info.task);
    }
    EXPECT_FALSE(d.description.empty());
    ASSERT_TRUE(d.x_train.defined() && d.y_train.defined() && d.x_test.defined() && d.y_test.defined());
    EXPECT_EQ(d.x_train.dim(0), d.y_train.dim(0));
    EXPECT_EQ(d.x_test.dim(0), d.y_test.dim(0));
    EXPECT_GT(d.x_train.dim(0), 0);
    if (o.n_samples) {
      EXPECT_EQ(d.x_train.dim(0) + d.x_test.dim(0), *o.n_samples);
      EXPECT_EQ(d.x_test.dim(0), std::llround(*o.n_samples * 0.2));
    }
    // Train and test have the same per-sample shapes.
    Shape a = d.x_train.shape(), b = d.x_test.shape();
    a[0] = b[0] = 0;
    EXPECT_EQ(a, b);
    a = d.y_train.shape(), b = d.y_test.shape();
    a[0] = b[0] = 0;
    EXPECT_EQ(a, b);
    const bool token_inputs = !d.vocab.empty();
    if (d.x_train.rank() == 4) {  // images: the features a flattened image has
      EXPECT_EQ(numel(d.x_train.shape()) / d.x_train.dim(0), d.input_size);
    } else if (!token_inputs) {
      EXPECT_EQ(d.x_train.dim(-1), d.input_size);
    } else {
      EXPECT_EQ(static_cast<std::int64_t>(d.vocab.size()), d.input_size);
    }
    const bool categorical = d.num_classes > 0;
    EXPECT_EQ(categorical, d.task != task::regression && d.task != task::sequence_regression && d.task != task::gan);
    for (const Tensor* t : {&d.x_train, &d.y_train, &d.x_test, &d.y_test})
      for (std::int64_t i = 0; i < t->numel(); ++i) ASSERT_TRUE(std::isfinite((*t)[i]));
    if (categorical) {
      for (const Tensor* y : {&d.y_train, &d.y_test})
        for (std::int64_t i = 0; i < y->numel(); ++i) {
          ASSERT_EQ((*y)[i], std::floor((*y)[i]));
          ASSERT_GE((*y)[i], 0);
          ASSERT_LT((*y)[i], d.num_classes);
        }
      EXPECT_EQ(d.output_size, d.num_classes);
    }
    if (token_inputs)
      for (std::int64_t i = 0; i < d.x_train.numel(); ++i) {
        ASSERT_EQ(d.x_train[i], std::floor(d.x_train[i]));
        ASSERT_GE(d.x_train[i], 0);
        ASSERT_LT(d.x_train[i], d.input_size);
      }
  }
}

TEST(Catalog, SameSeedSameTensorsOtherSeedDiffers) {
  for (const auto& info : dataset_catalog()) {
    SCOPED_TRACE(info.name);
    const Dataset a = make_dataset(info.name, small_options(info, 11));
    const Dataset b = make_dataset(info.name, small_options(info, 11));
    const Dataset c = make_dataset(info.name, small_options(info, 12));
    EXPECT_EQ(a.x_train.to_vector(), b.x_train.to_vector());
    EXPECT_EQ(a.y_train.to_vector(), b.y_train.to_vector());
    EXPECT_EQ(a.x_test.to_vector(), b.x_test.to_vector());
    EXPECT_EQ(a.y_test.to_vector(), b.y_test.to_vector());
    EXPECT_NE(a.x_train.to_vector(), c.x_train.to_vector());
  }
}

TEST(Validation, UnknownDatasetListsTheNames) {
  const std::string e = test::message_of([] { validate_options("swirl", {}); });
  EXPECT_CONTAINS(e, "unknown dataset 'swirl'");
  EXPECT_CONTAINS(e, "spiral");
  EXPECT_CONTAINS(e, "gan_ring");
}

TEST(Validation, OutOfRangeNamesTheOptionAndTheRange) {
  DatasetOptions o;
  o.num_classes = 1;
  std::string e = test::message_of([&] { validate_options("spiral", o); });
  EXPECT_CONTAINS(e, "dataset 'spiral'");
  EXPECT_CONTAINS(e, "option num_classes = 1");
  EXPECT_CONTAINS(e, "from 2 to 10");

  o = {};
  o.noise = -0.5;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("circle", o); }), "option noise = -0.5");
  o.noise = std::nan("");
  EXPECT_CONTAINS(test::message_of([&] { make_dataset("circle", o); }), "option noise");

  o = {};
  o.test_fraction = 0.95;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("moons", o); }), "option test_fraction = 0.95");
  o = {};
  o.n_samples = 0;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("adding", o); }), "option n_samples = 0");
  o = {};
  o.seed = 1ULL << 60;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("xor", o); }), "option seed");
}

TEST(Validation, AnOptionTheDatasetDoesNotReadIsRejected) {
  DatasetOptions o;
  o.seq_len = 10;
  const std::string e = test::message_of([&] { validate_options("circle", o); });
  EXPECT_CONTAINS(e, "does not read option seq_len");
  EXPECT_CONTAINS(e, "it reads: seed, test_fraction, n_samples, noise");
  o = {};
  o.points = {{0, 0, 0}};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("gan_ring", o); }), "does not read option points");
}

TEST(Validation, CrossOptionChecksNameBothOptions) {
  DatasetOptions o;
  o.seq_len = 5;
  o.lag = 5;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("delayed_recall", o); }),
                  "option lag = 5 must be less than seq_len = 5");
  EXPECT_CONTAINS(test::message_of([&] { validate_options("timing", o); }), "option lag = 5");
  o = {};
  o.n_samples = 1;
  o.test_fraction = 0.9;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("sine", o); }), "leaves no training samples");
  o = {};
  o.max_value = 99;
  o.n_samples = 101;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("number_words", o); }), "option n_samples = 101 exceeds the 100");
  o = {};
  o.degree = 2;
  o.coefficients = {1, 2};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("polynomial", o); }), "options degree = 2 and coefficients");
  o = {};
  o.coefficients = {1, 2};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("plane", o); }),
                  "option coefficients has 2 values (allowed: exactly 3");
  o.coefficients = {1, 2, 1000};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("plane", o); }), "option coefficients[2] = 1000");
  o = {};
  o.n_samples = 100000;
  o.seq_len = 1000;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("parity", o); }), "options n_samples = 100000 and seq_len = 1000");
  o.seq_len = 100;
  EXPECT_NO_THROW(validate_options("parity", o));  // 10^7 values
  o.num_symbols = 64;                              // but 64 one-hot channels per step are too many
  EXPECT_CONTAINS(test::message_of([&] { validate_options("delayed_recall", o); }), "with num_symbols = 64 make");
  o = {};
  o.seq_len = 256;
  o.test_fraction = 0.01;
  EXPECT_CONTAINS(test::message_of([&] { validate_options("char_lm", o); }), "option seq_len = 256");
}

TEST(Validation, RequiredAndListOptions) {
  EXPECT_CONTAINS(test::message_of([] { validate_options("points", {}); }), "option points is required");
  EXPECT_CONTAINS(test::message_of([] { validate_options("csv", {}); }), "option csv_text is required");
  DatasetOptions o;
  o.points = {{0, 0, 0}, {1, 1, 40}};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("points", o); }), "option points[1].label = 40");
  o.points = {{0, 0, 0}, {std::nan(""), 1, 0}};
  EXPECT_CONTAINS(test::message_of([&] { validate_options("gan_points", o); }), "option points[1]");
  o = {};
  o.csv_text = "a,b\n1,2\n";
  o.target_column = "c";
  EXPECT_CONTAINS(test::message_of([&] { validate_options("csv", o); }), "target column \"c\" is not in the CSV header");
  o.target_column = "b";
  o.csv_task = "clustering";
  EXPECT_CONTAINS(test::message_of([&] { validate_options("csv", o); }), "option csv_task = \"clustering\" is not allowed");
}

TEST(Validation, DefaultsAreValidForEveryDatasetWithoutRequiredOptions) {
  for (const auto& info : dataset_catalog()) {
    bool needs = false;
    for (const auto& o : info.options) needs = needs || o.required;
    if (!needs) {
      EXPECT_NO_THROW(validate_options(info.name, {})) << info.name;
    }
  }
}

}  // namespace
}  // namespace gradlab
