// Running a command as a user would, for the CLI tests: its exit code and what it printed.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace gradlab::test {

struct ShellResult {
  int code;         // the exit code, or -1 when the command did not exit normally
  std::string out;  // stdout and stderr together
};

inline ShellResult shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) out += buf.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A path under the system's temporary directory that no other test process uses: the
// process id goes into the name, so two ctest runs at once (two build trees, or -j) do not
// overwrite each other's files.
inline std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("gradlab-" + std::to_string(::getpid()) + "-" + name);
}

}  // namespace gradlab::test
