// Helpers shared by the dataset families: balanced labels, distinct draws, splits.
#include "data/common.h"
#include "support/throw.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

GRADLAB_BEGIN
namespace data_detail {

std::vector<int> balanced_labels(std::int64_t n, int classes, Rng& rng) {
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) labels[static_cast<std::size_t>(i)] = static_cast<int>(i % classes);
  shuffle(labels, rng);
  return labels;
}

std::vector<std::int64_t> sample_distinct(std::int64_t universe, std::int64_t k, Rng& rng) {
  if (k > universe)
    throw_invalid_argument("cannot draw " + std::to_string(k) + " distinct items from " +
                           std::to_string(universe));
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(k));
  auto draw = [&rng](std::int64_t n) {
    // below() takes 32 bits; every universe here is far below 2^32.
    return static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(n)));
  };
  if (k * 4 < universe) {
    // Sparse: rejection keeps memory at O(k); the order of accepted draws is the output order.
    std::unordered_set<std::int64_t> seen;
    while (static_cast<std::int64_t>(out.size()) < k) {
      const std::int64_t v = draw(universe);
      if (seen.insert(v).second) out.push_back(v);
    }
    return out;
  }
  // Dense: a partial Fisher-Yates over the whole universe.
  std::vector<std::int64_t> all(static_cast<std::size_t>(universe));
  for (std::int64_t i = 0; i < universe; ++i) all[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t j = i + draw(universe - i);
    std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
    out.push_back(all[static_cast<std::size_t>(i)]);
  }
  return out;
}

Tensor to_tensor(Shape shape, const std::vector<double>& values) {
  std::vector<Scalar> data(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) data[i] = static_cast<Scalar>(values[i]);
  return Tensor(std::move(shape), std::move(data));
}

Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  Shape shape = t.shape();
  const std::int64_t row = shape[0] == 0 ? 0 : t.numel() / shape[0];
  shape[0] = end - begin;
  Tensor out(shape);
  for (std::int64_t i = 0; i < (end - begin) * row; ++i) out[i] = t[begin * row + i];
  return out;
}

void split_into(Dataset& d, const Tensor& x, const Tensor& y, double test_fraction) {
  const std::int64_t n = x.dim(0);
  const std::int64_t n_train = n - test_count(n, test_fraction);
  d.x_train = slice_rows(x, 0, n_train);
  d.y_train = slice_rows(y, 0, n_train);
  d.x_test = slice_rows(x, n_train, n);
  d.y_test = slice_rows(y, n_train, n);
}

std::string format_number(double v) {
  char buf[32];
  // Whole numbers in full (seeds, counts), everything else in %g ("0.05", "1e-06").
  if (std::floor(v) == v && std::fabs(v) < 1e16)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace data_detail
GRADLAB_END
