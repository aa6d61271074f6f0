// Reading the repository's files from tests (GRADLAB_SOURCE_DIR is set by tests/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace gradlab::test {

// The text of examples/<name>; a missing file fails the calling test and returns "".
inline std::string example(const std::string& name) {
  std::ifstream in(std::string(GRADLAB_SOURCE_DIR) + "/examples/" + name);
  EXPECT_TRUE(in) << "missing example " << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace gradlab::test
