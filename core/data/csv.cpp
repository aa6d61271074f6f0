// CSV text and clicked points -> Dataset. Errors name the CSV line and column and quote the
// bad cell, so a user can find it in their file.
#include "data/csv.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "data/common.h"
#include "support/throw.h"
#include "tensor/strings.h"

GRADLAB_BEGIN

namespace {

using data_detail::format_number;

// At most this many distinct integral target values make "auto" choose classification.
constexpr std::size_t kAutoMaxClasses = 32;
constexpr int kMaxPointLabel = 31;

struct Row {
  int line;  // 1-based physical line in the text
  std::vector<std::string> cells;
};

[[noreturn]] void fail(const std::string& what) { throw_invalid_argument(what); }

std::string quote(const std::string& s) { return "\"" + s + "\""; }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits one line (without its line end) into cells.
std::vector<std::string> split_line(const std::string& line, int line_no, char delim) {
  std::vector<std::string> cells;
  std::size_t i = 0;
  for (;;) {
    std::string cell;
    // Leading blanks before an opening quote are allowed.
    std::size_t j = i;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    if (j < line.size() && line[j] == '"') {
      i = j + 1;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        cell += line[i++];
      }
      if (!closed)
        fail("CSV line " + std::to_string(line_no) + ", column " + std::to_string(cells.size() + 1) +
             ": a quoted cell is not closed on its line (allowed: quoted cells within one line)");
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != delim)
        fail("CSV line " + std::to_string(line_no) + ", column " + std::to_string(cells.size() + 1) +
             ": text after the closing quote of " + quote(cell) + " (allowed: a delimiter or the line end)");
    } else {
      const std::size_t end = std::min(line.find(delim, i), line.size());
      cell = trim(line.substr(i, end - i));
      i = end;
    }
    cells.push_back(std::move(cell));
    if (i >= line.size()) break;
    ++i;  // the delimiter
    if (i == line.size()) {
      cells.emplace_back();  // a trailing delimiter means one more (empty) cell
      break;
    }
  }
  return cells;
}

// All non-blank lines as rows; stops after the first if header_only.
std::vector<Row> read_rows(const std::string& text, char delim, bool header_only) {
  std::vector<Row> rows;
  std::size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte-order mark
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++line_no;
    pos = end + 1;
    if (trim(line).empty()) continue;
    rows.push_back({line_no, split_line(line, line_no, delim)});
    if (header_only) break;
  }
  if (rows.empty()) fail("CSV text is empty (expected a header row, then one row of numbers per sample)");
  return rows;
}

struct Header {
  int line;
  std::vector<std::string> names;
  std::size_t target;
};

Header check_header(const Row& row, const std::string& target_column) {
  Header h{row.line, row.cells, 0};
  // Each name's first column, in one pass (comparing every pair took over 20 s for a
  // header of 100,000 columns).
  std::unordered_map<std::string_view, std::size_t> first;
  first.reserve(h.names.size());
  for (std::size_t c = 0; c < h.names.size(); ++c) {
    if (h.names[c].empty())
      fail("CSV line " + std::to_string(h.line) + ", column " + std::to_string(c + 1) +
           ": empty header name (allowed: a non-empty name per column)");
    const auto [at, fresh] = first.emplace(h.names[c], c);
    if (!fresh)
      fail("CSV line " + std::to_string(h.line) + ", columns " + std::to_string(at->second + 1) + " and " +
           std::to_string(c + 1) + ": duplicate header name " + quote(h.names[c]) + " (allowed: distinct names)");
  }
  const auto it = std::find(h.names.begin(), h.names.end(), target_column);
  if (it == h.names.end()) {
    constexpr std::size_t kListed = 20;  // a wide header is named by its first columns and its width
    std::string names;
    for (std::size_t c = 0; c < h.names.size() && c < kListed; ++c) names += (names.empty() ? "" : ", ") + quote(h.names[c]);
    if (h.names.size() > kListed) names += ", ... (" + std::to_string(h.names.size()) + " columns in all)";
    fail("target column " + quote(target_column) + " is not in the CSV header (line " + std::to_string(h.line) +
         "; columns: " + names + ")");
  }
  if (h.names.size() < 2)
    fail("CSV has only the target column " + quote(target_column) + " (expected at least one input column)");
  h.target = static_cast<std::size_t>(it - h.names.begin());
  return h;
}

// A strict decimal number: [+-] digits [. digits] [e [+-] digits], at least one digit.
bool parse_number(const std::string& s, double& out) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != s.size()) return false;
  out = std::strtod(s.c_str(), nullptr);  // the grammar above leaves no locale-dependent forms
  return std::isfinite(out);
}

std::string where(const Header& h, int line, std::size_t column) {
  return "CSV line " + std::to_string(line) + ", column " + std::to_string(column + 1) + " (" + quote(h.names[column]) +
         ")";
}

double number_cell(const Header& h, const Row& row, std::size_t column) {
  const std::string& cell = row.cells[column];
  if (cell.empty())
    fail(where(h, row.line, column) + ": the cell is empty (allowed: a number; missing values are not supported)");
  double v = 0;
  if (!parse_number(cell, v))
    fail(where(h, row.line, column) + ": " + quote(cell) +
         (std::isinf(v) ? " is beyond the range of a double (allowed: magnitudes up to 1.7976931348623157e308)"
                        : " is not a number (allowed: finite decimal numbers such as 3, -0.5 or 1e-3)"));
  return v;
}

// A cell that becomes a tensor element: also within this build's Scalar range (a float32
// build would otherwise turn 1e39 into inf).
double scalar_cell(const Header& h, const Row& row, std::size_t column) {
  const double v = number_cell(h, row, column);
  constexpr double kLargest = static_cast<double>(std::numeric_limits<Scalar>::max());
  if (std::fabs(v) > kLargest)
    fail(where(h, row.line, column) + ": " + quote(row.cells[column]) + " is beyond the range of this build's " +
         (sizeof(Scalar) == 4 ? "float32" : "float64") + " numbers (allowed: magnitudes up to " + format_g(kLargest) + ")");
  return v;
}

struct Table {
  Header header;
  std::vector<Row> rows;  // data rows, each with header.names.size() cells
};

Table read_table(const std::string& text, const std::string& target_column, char delim) {
  std::vector<Row> rows = read_rows(text, delim, false);
  Table t{check_header(rows[0], target_column), {}};
  if (rows.size() < 2)
    fail("CSV has a header (line " + std::to_string(t.header.line) + ") but no data rows (expected at least one)");
  const std::size_t width = t.header.names.size();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].cells.size() != width)
      fail("CSV line " + std::to_string(rows[r].line) + " has " + std::to_string(rows[r].cells.size()) +
           " cells but the header (line " + std::to_string(t.header.line) + ") has " + std::to_string(width) +
           " columns (allowed: exactly " + std::to_string(width) + " cells per row)");
  }
  rows.erase(rows.begin());
  t.rows = std::move(rows);
  return t;
}

std::string choose_task(const Table& t, const std::string& task) {
  if (task == task::classification || task == task::regression) return task;
  if (!task.empty())
    fail("CSV task " + quote(task) + " is not allowed (allowed: \"classification\", \"regression\" or \"\" for auto)");
  std::map<double, int> distinct;
  for (const auto& row : t.rows) {
    double v = 0;
    if (!parse_number(row.cells[t.header.target], v)) return task::classification;
    if (v != std::floor(v)) return task::regression;
    distinct[v] = 0;
  }
  return distinct.size() <= kAutoMaxClasses ? task::classification : task::regression;
}

}  // namespace

void validate_csv_header(const std::string& text, const std::string& target_column) {
  check_header(read_rows(text, ',', true)[0], target_column);
}

std::string csv_target_task(const std::string& text, const std::string& target_column, const std::string& task,
                            char delimiter) {
  if (task == task::classification || task == task::regression) return task;
  return choose_task(read_table(text, target_column, delimiter), task);
}

Dataset parse_csv(const std::string& text, const std::string& target_column, const CsvOptions& options) {
  if (!(options.test_fraction >= 0 && options.test_fraction <= 0.9))
    fail("CSV option test_fraction = " + format_number(options.test_fraction) +
         " is out of range (allowed: a number from 0 to 0.9)");
  const Table t = read_table(text, target_column, options.delimiter);
  const Header& h = t.header;
  const std::string kind = choose_task(t, options.task);
  const bool classify = kind == task::classification;
  const std::int64_t n = static_cast<std::int64_t>(t.rows.size());
  const std::int64_t f = static_cast<std::int64_t>(h.names.size()) - 1;

  Dataset d;
  d.task = kind;
  d.input_size = f;
  for (std::size_t c = 0; c < h.names.size(); ++c)
    if (c != h.target) d.feature_names.push_back(h.names[c]);

  std::vector<double> xs, ys;
  xs.reserve(static_cast<std::size_t>(n * f));
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < h.names.size(); ++c)
      if (c != h.target) xs.push_back(scalar_cell(h, row, c));

  if (classify) {
    // Class ids follow the sorted distinct values: numerically if every value is a number.
    bool numeric = true;
    for (const auto& row : t.rows) {
      double v = 0;
      const std::string& cell = row.cells[h.target];
      if (cell.empty()) fail(where(h, row.line, h.target) + ": the target cell is empty (allowed: a class label)");
      numeric = numeric && parse_number(cell, v);
    }
    if (numeric) {
      std::map<double, std::string> first_text;  // sorted by value; "1" and "1.0" are one class
      for (const auto& row : t.rows) first_text.emplace(number_cell(h, row, h.target), row.cells[h.target]);
      std::map<double, std::int64_t> ids;
      for (const auto& [value, name] : first_text) {
        ids[value] = static_cast<std::int64_t>(d.class_names.size());
        d.class_names.push_back(name);
      }
      for (const auto& row : t.rows) ys.push_back(static_cast<double>(ids[number_cell(h, row, h.target)]));
    } else {
      std::map<std::string, std::int64_t> ids;
      for (const auto& row : t.rows) ids.emplace(row.cells[h.target], 0);
      std::int64_t k = 0;
      for (auto& [name, id] : ids) {
        id = k++;
        d.class_names.push_back(name);
      }
      for (const auto& row : t.rows) ys.push_back(static_cast<double>(ids[row.cells[h.target]]));
    }
    d.num_classes = static_cast<std::int64_t>(d.class_names.size());
    d.output_size = d.num_classes;
  } else {
    for (const auto& row : t.rows) ys.push_back(scalar_cell(h, row, h.target));
    d.output_size = 1;
  }

  // Shuffle rows, then split.
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  Rng rng(options.seed);
  data_detail::shuffle(order, rng);
  std::vector<double> xs_shuffled, ys_shuffled;
  xs_shuffled.reserve(xs.size());
  for (std::int64_t i : order) {
    for (std::int64_t j = 0; j < f; ++j) xs_shuffled.push_back(xs[static_cast<std::size_t>(i * f + j)]);
    ys_shuffled.push_back(ys[static_cast<std::size_t>(i)]);
  }
  const Shape y_shape = classify ? Shape{n} : Shape{n, 1};
  data_detail::split_into(d, data_detail::to_tensor({n, f}, xs_shuffled), data_detail::to_tensor(y_shape, ys_shuffled),
                          options.test_fraction);
  d.description = "CSV data: " + std::to_string(n) + " rows, " + std::to_string(f) +
                  (f == 1 ? " input column" : " input columns") + ", target " + quote(target_column) + " (" + kind +
                  (classify ? ", " + std::to_string(d.num_classes) + " classes" : "") + ").";
  return d;
}

Dataset from_points(const std::vector<Point>& points, const PointsOptions& options) {
  if (points.empty()) fail("from_points needs at least one point (got none)");
  if (!(options.test_fraction >= 0 && options.test_fraction <= 0.9))
    fail("points option test_fraction = " + format_number(options.test_fraction) +
         " is out of range (allowed: a number from 0 to 0.9)");
  int max_label = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y))
      fail("point " + std::to_string(i) + " has a non-finite coordinate (allowed: finite numbers)");
    if (p.label < 0 || p.label > kMaxPointLabel)
      fail("point " + std::to_string(i) + " has label " + std::to_string(p.label) + " (allowed: 0 to " +
           std::to_string(kMaxPointLabel) + ")");
    max_label = std::max(max_label, p.label);
  }
  const std::int64_t n = static_cast<std::int64_t>(points.size());
  std::vector<std::int64_t> order(points.size());
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  Rng rng(options.seed);
  data_detail::shuffle(order, rng);
  std::vector<double> xs, ys;
  for (std::int64_t i : order) {
    const Point& p = points[static_cast<std::size_t>(i)];
    xs.insert(xs.end(), {p.x, p.y});
    ys.push_back(p.label);
  }
  Dataset d;
  d.task = task::classification;
  d.num_classes = max_label + 1;
  d.input_size = 2;
  d.output_size = d.num_classes;
  d.feature_names = {"x1", "x2"};
  data_detail::split_into(d, data_detail::to_tensor({n, 2}, xs), data_detail::to_tensor({n}, ys),
                          options.test_fraction);
  d.description = std::to_string(n) + " clicked points in " + std::to_string(d.num_classes) + " classes.";
  return d;
}

namespace data_detail {

Dataset make_user(const Resolved& r) {
  if (r.name == "csv") return parse_csv(r.csv_text, r.target_column, {r.csv_task, r.test_fraction, r.seed, ','});
  return from_points(r.points, {r.test_fraction, r.seed});
}

}  // namespace data_detail

GRADLAB_END
