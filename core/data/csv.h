// User data: a Dataset from CSV text (the browser or CLI reads the file; core only sees
// text) or from labelled points clicked on the plane. Shapes as in dataset.h:
//   parse_csv    x [N, F] (every column but the target), y [N] class ids or [N, 1] values
//   from_points  x [N, 2], y [N] (the points' labels)
//
//   Dataset d = parse_csv("height,weight,kind\n1.5,60,a\n1.8,80,b\n", "kind");
//   // d.task == "classification", d.class_names == {"a", "b"}, d.feature_names == {"height", "weight"}
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

GRADLAB_BEGIN

struct CsvOptions {
  // "classification", "regression", or "" (auto): classification when the target column
  // has a non-numeric cell, or only integral values with at most 32 distinct ones;
  // regression otherwise.
  std::string task;
  double test_fraction = 0.2;
  std::uint64_t seed = 0;  // shuffles the rows before the split
  char delimiter = ',';
};

// Parses a header row and data rows. Cells may be double-quoted ("a, b" with "" for a quote);
// blank lines are skipped; \r\n line ends and a UTF-8 byte-order mark are accepted. Every
// column but the target must hold decimal numbers. Classification maps the target's distinct
// values to class ids in sorted order (numeric order when all are numbers) and keeps their text
// in class_names. Throws std::invalid_argument naming the CSV line and column (1-based, with
// the header name) and quoting the bad cell: empty text, a header without data rows, ragged
// rows, empty or non-numeric cells, duplicate header names, an unknown target column (the
// message lists the header's names).
Dataset parse_csv(const std::string& text, const std::string& target_column, const CsvOptions& options = {});

// Checks only the header line: present, no duplicate names, `target_column` among them and
// at least one other column. Used by validate_options before anything is parsed.
void validate_csv_header(const std::string& text, const std::string& target_column);

// The task parse_csv would choose for this target ("classification" or "regression").
std::string csv_target_task(const std::string& text, const std::string& target_column, const std::string& task,
                            char delimiter = ',');

struct PointsOptions {
  double test_fraction = 0.2;
  std::uint64_t seed = 0;  // shuffles the points before the split
};

// A classification dataset from labelled points; num_classes = 1 + the largest label.
// Throws naming the point's index if a coordinate is not finite or a label is negative.
Dataset from_points(const std::vector<Point>& points, const PointsOptions& options = {});

GRADLAB_END
