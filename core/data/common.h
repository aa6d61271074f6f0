// Internal to core/data: options with every default filled in, the per-family entry points
// that make_dataset dispatches to, and small helpers (split sizes, shuffles, tensors).
// Not a public header: other folders include dataset.h, csv.h, batcher.h, vocab.h.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "tensor/rng.h"

GRADLAB_BEGIN
namespace data_detail {

// DatasetOptions after validation, with the catalog's defaults filled in.
struct Resolved {
  std::string name;
  std::uint64_t seed = 0;
  double test_fraction = 0.2;
  int n_samples = 0, num_classes = 0, seq_len = 0, lag = 0, num_symbols = 0, n_context = 0;
  int degree = 0, max_value = 0, num_modes = 0, grid_size = 0, n_features = 0;
  int image_size = 0, shift = 0;
  double noise = 0;
  std::vector<double> coefficients;
  std::vector<Point> points;
  std::string csv_text, target_column, csv_task, context_order;
};

// One entry point per family; `r.name` picks the dataset inside the family.
Dataset make_two_d(const Resolved& r);
Dataset make_user(const Resolved& r);
Dataset make_sequence(const Resolved& r);
Dataset make_text(const Resolved& r);
Dataset make_translation(const Resolved& r);
Dataset make_gan(const Resolved& r);
Dataset make_images(const Resolved& r);

// Cross-option checks that need the family's own knowledge (called by validate_options).
void check_text_options(const Resolved& r);            // char_lm windows fit the corpus
std::int64_t translation_universe(const Resolved& r);  // distinct items dates/number_words can draw
std::int64_t next_word_pair_count();                   // examples next_word makes

// The held-out count for n samples: round(n * fraction).
inline std::int64_t test_count(std::int64_t n, double fraction) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(n) * fraction));
}

// Fisher-Yates with the platform-independent Rng.
template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = rng.below(static_cast<std::uint32_t>(i));
    std::swap(v[i - 1], v[j]);
  }
}

// n labels 0..classes-1 as equal as possible (counts differ by at most 1), in random order.
std::vector<int> balanced_labels(std::int64_t n, int classes, Rng& rng);

// k distinct integers from [0, universe), in random order.
std::vector<std::int64_t> sample_distinct(std::int64_t universe, std::int64_t k, Rng& rng);

// A tensor from doubles (rounded once to Scalar).
Tensor to_tensor(Shape shape, const std::vector<double>& values);

// Rows [begin, end) of a tensor along axis 0, copied.
Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end);

// Fills x_train/x_test/y_train/y_test from all-sample tensors: the first N - N_test rows train.
void split_into(Dataset& d, const Tensor& x, const Tensor& y, double test_fraction);

std::string format_number(double v);  // "3", "9007199254740991", "0.05", "1e-06"

}  // namespace data_detail
GRADLAB_END
