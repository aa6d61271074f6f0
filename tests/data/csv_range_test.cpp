// CSV cells beyond what a tensor can hold (issue 12): beyond double, or beyond float32 in
// the float build, are refused naming the CSV line and column instead of becoming inf.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "data/csv.h"

namespace gradlab {
namespace {

std::string error_of(const std::string& text, const std::string& target) {
  try {
    parse_csv(text, target);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(CsvRange, BeyondFloat32InAnInputColumnOrARegressionTarget) {
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {"a,y\n1,0.5\n1e39,1.5\n2,2.5\n", "CSV line 3, column 1 (\"a\")"},
           {"a,y\n1,0.5\n2,-5e38\n3,2.5\n", "CSV line 3, column 2 (\"y\")"}}) {
    const std::string e = error_of(text, "y");
    if (sizeof(Scalar) == 4) {
      EXPECT_TRUE(contains(e, where)) << e;
      EXPECT_TRUE(contains(e, "beyond the range of this build's float32 numbers")) << e;
      EXPECT_TRUE(contains(e, "3.40282e+38")) << e;
    } else {
      EXPECT_EQ(e, "") << text;
    }
  }
}

TEST(CsvRange, AClassLabelMayBeAnyNumberItIsOnlyAName) {
  CsvOptions o;
  o.task = "classification";
  o.test_fraction = 0;
  const Dataset d = parse_csv("a,y\n1,1e39\n2,0\n", "y", o);
  EXPECT_EQ(d.num_classes, 2);
}

TEST(CsvRange, BeyondDoubleIsSaidSo) {
  const std::string e = error_of("a,y\n1,0.5\n1e400,1.5\n", "y");
  EXPECT_TRUE(contains(e, "CSV line 3, column 1")) << e;
  EXPECT_TRUE(contains(e, "beyond the range of a double")) << e;
}

}  // namespace
}  // namespace gradlab
