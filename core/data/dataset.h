// Built-in datasets: one Dataset struct for every task, made by name from DatasetOptions,
// plus the catalog that lists each name, its task kind and the options it reads.
// Generated in memory, deterministic per seed; no files (CSV arrives as text, see csv.h).
//
// Shape letters, used here and in every file of core/data:
//   N samples   T time steps   F features per sample/step   C classes
//   V vocabulary size   S source length   U target length   M mixture modes (GAN)
//
//   DatasetOptions o;
//   o.seed = 7;
//   o.num_classes = 3;
//   Dataset d = make_dataset("spiral", o);   // d.x_train [N_train, 2], d.y_train [N_train]
//
// What each name makes (labels and token ids are integral values stored as Scalar):
//   2-D classification  circle xor gaussians spiral moons   x [N, 2], y [N] in 0..C-1
//   2-D regression      sine polynomial (x [N, 1]), plane (x [N, 2]);  y [N, 1]
//   user data           csv (x [N, F], y [N] or [N, 1]),  points (x [N, 2], y [N])
//   sequence_labelling  copy reverse delayed_recall parity timing lookahead
//                       x [N, T, F], y [N, T] (one label per step)
//   sequence_regression adding                      x [N, T, 2], y [N, 1]
//   sequence_classification order                   x [N, T, S] one-hot, y [N] in 0..1
//   language_model      char_lm                     x [N, T] ids, y [N, T] next-char ids
//                       next_word                   x [N, n_context] ids, y [N] next-word id
//   seq2seq             dates number_words          x [N, S] source ids, y [N, U] target ids
//                       (y = <bos> tokens <eos> <pad>...; decoder input y[:, :-1], targets y[:, 1:])
//   gan                 gan_ring gan_grid gan_spiral gan_moons gan_points
//                       x [N, 2] real samples, y [N] the component that drew each sample,
//                       modes [M, 2] the centres (ring, grid, points; undefined otherwise)
//   images              shapes digits                x [N, 1, H, H] grey images, y [N] in 0..9
//                       (images.cpp says exactly how they are drawn and what `shift` moves)
// dataset_catalog() says, per name, what each option means there and its allowed range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

GRADLAB_BEGIN

// The task kinds a Dataset can have (Dataset::task holds one of these strings).
namespace task {
inline constexpr const char* classification = "classification";
inline constexpr const char* regression = "regression";
inline constexpr const char* sequence_classification =
    "sequence_classification";                                             // one label per sequence (order)
inline constexpr const char* sequence_labelling = "sequence_labelling";    // one label per step
inline constexpr const char* sequence_regression = "sequence_regression";  // one target vector per sequence
inline constexpr const char* language_model = "language_model";
inline constexpr const char* seq2seq = "seq2seq";
inline constexpr const char* gan = "gan";
}  // namespace task

struct Dataset {
  std::string name;                        // the catalog name ("spiral", "csv", ...)
  std::string task;                        // one of task::*
  std::string description;                 // one human sentence, e.g. for a panel title
  Tensor x_train, y_train;                 // see the table above for shapes
  Tensor x_test, y_test;                   // the same shapes with N_test rows (N_test may be 0)
  std::int64_t num_classes = 0;            // C (or V for token targets); 0 for regression and gan
  std::int64_t input_size = 0;             // F, or the input vocabulary size for token inputs
  std::int64_t output_size = 0;            // C, V, or the regression target width
  std::vector<std::string> feature_names;  // csv: the input columns; 2-D: "x1", "x2"
  std::vector<std::string> class_names;    // csv classification: the target values per class id
  std::vector<std::string> vocab;          // text: the tokens per id; seq2seq: the source tokens
  std::vector<std::string> target_vocab;   // seq2seq: the target tokens (same specials and ids)
  Tensor modes;                            // gan: [M, 2] mode centres, or undefined
  double mode_std = 0;                     // gan: the std of each mode (for coverage metrics)
};

// A point clicked on the plane: (x, y) and a class label (ignored by gan_points).
struct Point {
  double x = 0, y = 0;
  int label = 0;
};

// Every option any dataset reads. Unset optionals take the dataset's default from the
// catalog; setting an option the dataset does not read is an error (it is likely a typo or
// a leftover from another dataset).
struct DatasetOptions {
  std::uint64_t seed = 0;
  double test_fraction = 0.2;        // share of the N samples held out as the test set
  std::optional<int> n_samples;      // N, train + test
  std::optional<double> noise;       // per dataset: coordinate noise std, target noise, mode std
  std::optional<int> num_classes;    // C: gaussians blobs, spiral arms
  std::optional<int> seq_len;        // T (copy/reverse: the pattern length L, with T = 2L + 1)
  std::optional<int> lag;            // delayed_recall: the delay; timing: steps from cue to spike
  std::optional<int> num_symbols;    // copy, reverse, delayed_recall: the alphabet size
  std::optional<int> n_context;      // next_word: how many previous words are the input
  std::optional<int> degree;         // polynomial: degree when coefficients are not given
  std::optional<int> max_value;      // number_words: the largest number written out
  std::optional<int> num_modes;      // gan_ring: the number of Gaussians on the ring
  std::optional<int> grid_size;      // gan_grid: grid_size x grid_size Gaussians
  std::optional<int> n_features;     // hyperplane: the number of input features F
  std::optional<int> image_size;     // shapes, digits: H = W in pixels
  std::optional<int> shift;          // shapes, digits: pixels the test objects sit right and down of training's
  std::vector<double> coefficients;  // polynomial c0 + c1 x + ...; plane c0 + c1 x1 + c2 x2
  std::vector<Point> points;         // points, gan_points
  std::string csv_text;              // csv: the file's text (header row first)
  std::string target_column;         // csv: the header name of the target
  std::string csv_task;              // csv: "classification", "regression" or "" (auto)
  // next_word: the order of the context words in each input row: "natural" (oldest first;
  // also ""), "reversed" (newest first, in training and test), "shuffled" (a fresh random
  // order per example) or "reversed_at_test" (the test split is the training split with each
  // context reversed: an order that differs between training and use, on seen examples).
  std::string context_order;
};

// One option as a dataset reads it. Numbers are checked against [min, max]; for lists and
// text, min and max bound the length (number of values, points or characters).
struct OptionSpec {
  std::string name;
  std::string type;  // "integer", "number", "numbers", "points", "text", "choice"
  double min = 0, max = 0;
  double default_value = 0;          // integer/number options; lists and text default to empty
  bool required = false;             // must be given (csv_text, target_column, points)
  std::vector<std::string> choices;  // "choice": the allowed values ("" means the default)
  std::string help;                  // what the option means for this dataset
};

struct DatasetInfo {
  std::string name;
  std::string task;    // one of task::*; "" for csv, whose task depends on its options
  std::string family;  // "two_d", "user", "sequence", "text", "translation", "gan", "images"
  std::string description;
  std::vector<OptionSpec> options;                          // includes seed and test_fraction
  const OptionSpec* option(const std::string& name) const;  // nullptr if not read
};

// Every dataset name with its task, options and allowed ranges, in a fixed order.
const std::vector<DatasetInfo>& dataset_catalog();

// Throws std::invalid_argument naming the dataset and the offending option, and saying what
// is allowed, if `name` is unknown or any option is out of range, not read by this dataset,
// or inconsistent with another (e.g. lag >= seq_len). Allocates nothing big.
void validate_options(const std::string& name, const DatasetOptions& options);

// The task kind `make_dataset(name, options)` will produce, without building it (for csv
// with csv_task "" this reads the target column of the text). Validates first.
std::string dataset_task(const std::string& name, const DatasetOptions& options);

// Validates, then builds the dataset. Same name + options (seed included) -> identical tensors.
Dataset make_dataset(const std::string& name, const DatasetOptions& options = {});

GRADLAB_END
