// libFuzzer target: the CSV reader. The input's first line is the target column's name
// and its first byte picks the options (task auto / classification / regression, ',' or
// ';'); the rest is the CSV text. validate_csv_header, csv_target_task and parse_csv may
// only refuse with std::invalid_argument; a parsed dataset has the shapes csv.h promises.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/csv.h"
#include "fuzz.h"

namespace {

template <class F>
bool refused(F&& f, const char* api) {
  try {
    f();
    return false;
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).empty()) gradlab_fuzz::finding(std::string(api) + " refused without a message");
    return true;
  } catch (const std::exception& e) {
    gradlab_fuzz::finding(std::string(api) + " threw something other than std::invalid_argument: " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t nl = rest.find('\n');
  if (nl == std::string::npos) return 0;
  const std::string target = rest.substr(0, nl), text = rest.substr(nl + 1);
  gradlab::CsvOptions options;
  const char* tasks[] = {"", "classification", "regression"};
  options.task = tasks[mode % 3];
  options.delimiter = (mode & 8) ? ';' : ',';
  options.seed = mode >> 4;
  refused([&] { gradlab::validate_csv_header(text, target); }, "validate_csv_header");
  refused([&] { gradlab::csv_target_task(text, target, options.task, options.delimiter); }, "csv_target_task");
  gradlab::Dataset d;
  if (refused([&] { d = gradlab::parse_csv(text, target, options); }, "parse_csv")) return 0;
  const auto rows = d.x_train.dim(0) + d.x_test.dim(0);
  if (rows < 1 || d.x_train.rank() != 2 || d.y_train.dim(0) != d.x_train.dim(0))
    gradlab_fuzz::finding("parse_csv returned inconsistent shapes: x " + gradlab::to_string(d.x_train.shape()) + ", y " +
                          gradlab::to_string(d.y_train.shape()));
  return 0;
}
