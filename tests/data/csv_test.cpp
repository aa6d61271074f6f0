// CSV text and clicked points -> Dataset; every CSV error names the line and column.
#include "data/csv.h"

#include <gtest/gtest.h>

#include "support/check.h"

namespace gradlab {
namespace {

TEST(Csv, ClassificationWithTextLabels) {
  const std::string text = "height,weight,kind\n1.5,60,b\n1.8,80,a\n1.6, 65 ,b\n1.7,70,c\n1.9,90,a\n";
  CsvOptions o;
  o.test_fraction = 0;
  const Dataset d = parse_csv(text, "kind", o);
  EXPECT_EQ(d.task, task::classification);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"height", "weight"}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d.num_classes, 3);
  ASSERT_EQ(d.x_train.shape(), (Shape{5, 2}));
  ASSERT_EQ(d.y_train.shape(), (Shape{5}));
  EXPECT_EQ(d.x_test.shape(), (Shape{0, 2}));
  // Rows are shuffled, but each keeps its features and label together.
  for (std::int64_t i = 0; i < 5; ++i) {
    const double w = d.x_train[2 * i + 1];
    const int expected = w == 80 || w == 90 ? 0 : w == 70 ? 2 : 1;
    EXPECT_EQ(d.y_train[i], expected) << w;
  }
}

TEST(Csv, AutoTaskAndNumericClassOrder) {
  const std::string ints = "x,y\n1,10\n2,3\n3,10\n4,-1\n";
  EXPECT_EQ(csv_target_task(ints, "y", ""), "classification");
  const Dataset d = parse_csv(ints, "y", {"", 0, 0, ','});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"-1", "3", "10"}));  // numeric, not text, order
  const std::string reals = "x,y\n1,0.5\n2,1.25\n";
  EXPECT_EQ(csv_target_task(reals, "y", ""), "regression");
  const Dataset r = parse_csv(reals, "y", {"", 0, 0, ','});
  EXPECT_EQ(r.y_train.shape(), (Shape{2, 1}));
  EXPECT_EQ(r.num_classes, 0);
  EXPECT_EQ(r.output_size, 1);
  EXPECT_EQ(csv_target_task(ints, "y", "regression"), "regression");
}

TEST(Csv, QuotesBlankLinesCrLfAndTargetInTheMiddle) {
  const std::string text = "\xEF\xBB\xBF\"a, quoted\",y,\"b\"\r\n1,2,3\r\n\r\n  4 ,5, \"6\"\r\n\n";
  const Dataset d = parse_csv(text, "y", {"regression", 0, 0, ','});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a, quoted", "b"}));
  ASSERT_EQ(d.x_train.shape(), (Shape{2, 2}));
  const double s = d.x_train[0] + d.x_train[1] + d.x_train[2] + d.x_train[3];
  EXPECT_EQ(s, 1 + 3 + 4 + 6);
  EXPECT_EQ(d.y_train[0] + d.y_train[1], 7);
}

TEST(Csv, SplitFollowsTestFractionAndSeed) {
  std::string text = "a,y\n";
  for (int i = 0; i < 50; ++i) text += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
  const Dataset a = parse_csv(text, "y", {"", 0.2, 1, ','});
  const Dataset b = parse_csv(text, "y", {"", 0.2, 1, ','});
  const Dataset c = parse_csv(text, "y", {"", 0.2, 2, ','});
  EXPECT_EQ(a.x_train.dim(0), 40);
  EXPECT_EQ(a.x_test.dim(0), 10);
  EXPECT_EQ(a.x_train.to_vector(), b.x_train.to_vector());
  EXPECT_NE(a.x_train.to_vector(), c.x_train.to_vector());
}

TEST(Csv, ErrorsNameLineAndColumnAndQuoteTheCell) {
  EXPECT_CONTAINS(test::message_of([] { parse_csv("", "y"); }), "CSV text is empty");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("\n  \n", "y"); }), "CSV text is empty");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n", "y"); }), "no data rows");
  const std::string bad = test::message_of([] { parse_csv("a,b,y\n1,2,0\n1,abc,1\n", "y"); });
  EXPECT_CONTAINS(bad, "CSV line 3, column 2 (\"b\")");
  EXPECT_CONTAINS(bad, "\"abc\" is not a number");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n\n1,0\n,1\n", "y"); }),
                  "CSV line 4, column 1 (\"a\"): the cell is empty");
  const std::string ragged = test::message_of([] { parse_csv("a,b,y\n1,2,0\n1,2\n", "y"); });
  EXPECT_CONTAINS(ragged, "CSV line 3 has 2 cells but the header (line 1) has 3 columns");
  const std::string unknown = test::message_of([] { parse_csv("alpha,beta\n1,2\n", "gamma"); });
  EXPECT_CONTAINS(unknown, "target column \"gamma\" is not in the CSV header");
  EXPECT_CONTAINS(unknown, "columns: \"alpha\", \"beta\")");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,a,y\n1,2,3\n", "y"); }), "columns 1 and 2: duplicate header name \"a\"");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("y\n1\n", "y"); }), "only the target column");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n1,\"2\n", "y"); }),
                  "CSV line 2, column 2: a quoted cell is not closed");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n1e999,1\n", "y"); }), "CSV line 2, column 1 (\"a\"): \"1e999\" is beyond the range of a double");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\nnan,1\n", "y"); }), "\"nan\" is not a number");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n0x10,1\n", "y"); }), "\"0x10\" is not a number");
  EXPECT_CONTAINS(test::message_of([] {
                    parse_csv("a,y\n1,2.5x\n", "y", {"regression", 0.2, 0, ','});
                  }),
                  "CSV line 2, column 2 (\"y\"): \"2.5x\" is not a number");
  EXPECT_CONTAINS(test::message_of([] { parse_csv("a,y\n1,2\n", "y", {"kmeans", 0.2, 0, ','}); }), "CSV task \"kmeans\"");
}

// A header of 100,000 columns: duplicates found in one pass (comparing every pair took over
// 20 s natively; the one-pass check is not timed here, tests measure no time), and a
// missing target named with the first columns and the width, not all 100,000.
TEST(Csv, AWideHeaderIsCheckedInLinearTimeAndListedShort) {
  std::string header, row;
  constexpr int kColumns = 100000;
  for (int c = 0; c < kColumns; ++c) {
    header += (c ? "," : "") + std::string("c") + std::to_string(c);
    row += c ? ",1" : "1";
  }
  const Dataset d = parse_csv(header + "\n" + row + "\n" + row + "\n", "c99999", {"regression", 0.0, 0, ','});
  EXPECT_EQ(d.x_train.dim(1), kColumns - 1);
  const std::string missing = test::message_of([&] { parse_csv(header + "\n" + row + "\n", "y"); });
  EXPECT_CONTAINS(missing, "columns: \"c0\", \"c1\"");
  EXPECT_CONTAINS(missing, "\"c19\", ... (100000 columns in all)");
  EXPECT_LT(missing.size(), 400u);
  std::string dup = header;
  dup.replace(dup.rfind("c99998"), 6, "c12345");  // the 99,999th column repeats the 12,346th
  EXPECT_CONTAINS(test::message_of([&] { parse_csv(dup + "\n" + row + "\n", "c99999"); }),
                  "columns 12346 and 99999: duplicate header name \"c12345\"");
}

TEST(Csv, ThroughMakeDataset) {
  DatasetOptions o;
  o.csv_text = "a,b,y\n1,2,0.5\n3,4,1.5\n5,6,2.5\n";
  o.target_column = "y";
  o.test_fraction = 0;
  EXPECT_EQ(dataset_task("csv", o), "regression");
  const Dataset d = make_dataset("csv", o);
  EXPECT_EQ(d.name, "csv");
  EXPECT_EQ(d.task, "regression");
  o.csv_task = "classification";
  EXPECT_EQ(make_dataset("csv", o).num_classes, 3);
}

TEST(Points, LabelsBecomeClasses) {
  const std::vector<Point> pts = {{0, 0, 0}, {1, 1, 2}, {-1, 0.5, 1}, {0.3, -0.2, 2}};
  const Dataset d = from_points(pts, {0, 4});
  EXPECT_EQ(d.num_classes, 3);
  ASSERT_EQ(d.x_train.shape(), (Shape{4, 2}));
  double sx = 0, sl = 0;
  for (std::int64_t i = 0; i < 4; ++i) sx += d.x_train[2 * i], sl += d.y_train[i];
  EXPECT_NEAR(sx, 0.3, 1e-6);
  EXPECT_EQ(sl, 5);
  for (std::int64_t i = 0; i < 4; ++i) {
    if (d.x_train[2 * i] == 1) {
      EXPECT_EQ(d.y_train[i], 2);
    }
  }
  EXPECT_CONTAINS(test::message_of([] { from_points({}); }), "at least one point");
  EXPECT_CONTAINS(test::message_of([] { from_points({{0, 0, -1}}); }), "point 0 has label -1");
}

}  // namespace
}  // namespace gradlab
