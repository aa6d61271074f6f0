// Batcher: per-epoch Fisher-Yates shuffles from its own Rng; state = (epoch, position, Rng
// before the epoch's shuffle), so a restored Batcher rebuilds the same order and continues.
#include "data/batcher.h"
#include "support/throw.h"

#include <algorithm>
#include <stdexcept>

GRADLAB_BEGIN

Batcher::Batcher(std::int64_t num_samples, std::int64_t batch_size, std::uint64_t seed, bool shuffle, bool drop_last)
    : n_(num_samples), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), rng_(seed) {
  if (num_samples < 1)
    throw_invalid_argument("Batcher: num_samples = " + std::to_string(num_samples) +
                           " (allowed: at least 1; the dataset split is empty)");
  if (batch_size < 1)
    throw_invalid_argument("Batcher: batch_size = " + std::to_string(batch_size) + " (allowed: at least 1)");
  if (n_ > 0xFFFFFFFFLL)
    throw_invalid_argument("Batcher: num_samples = " + std::to_string(num_samples) +
                           " (allowed: at most 2^32 - 1)");
  start_epoch();
}

void Batcher::start_epoch() {
  epoch_rng_ = rng_.state();
  order_.resize(static_cast<std::size_t>(n_));
  for (std::int64_t i = 0; i < n_; ++i) order_[static_cast<std::size_t>(i)] = i;
  if (!shuffle_) return;
  for (std::size_t i = order_.size(); i > 1; --i)
    std::swap(order_[i - 1], order_[rng_.below(static_cast<std::uint32_t>(i))]);
}

std::int64_t Batcher::batches_per_epoch() const {
  const std::int64_t full = n_ / batch_size_, rest = n_ % batch_size_;
  return full + (rest > 0 && (!drop_last_ || full == 0) ? 1 : 0);
}

std::vector<std::int64_t> Batcher::next_indices() {
  const std::int64_t take = std::min(batch_size_, n_ - position_);
  std::vector<std::int64_t> rows(order_.begin() + position_, order_.begin() + position_ + take);
  position_ += take;
  // Roll over now, so epoch() counts finished passes; with drop_last a short tail is skipped.
  const bool short_tail = drop_last_ && n_ - position_ < batch_size_ && n_ >= batch_size_;
  if (position_ == n_ || short_tail) {
    ++epoch_;
    position_ = 0;
    start_epoch();
  }
  return rows;
}

Batch Batcher::next(const Tensor& x, const Tensor& y) {
  for (const Tensor* t : {&x, &y})
    if (!t->defined() || t->rank() < 1 || t->dim(0) != n_)
      throw_invalid_argument("Batcher::next: " + std::string(t == &x ? "x" : "y") + " has shape " +
                             to_string(t->shape()) + " but the Batcher draws from " + std::to_string(n_) +
                             " rows (allowed: shape [" + std::to_string(n_) + ", ...])");
  Batch b;
  b.rows = next_indices();
  b.x = take_rows(x, b.rows);
  b.y = take_rows(y, b.rows);
  return b;
}

void Batcher::set_state(const State& s) {
  if (s.epoch < 0)
    throw_invalid_argument("Batcher state: epoch = " + std::to_string(s.epoch) + " (allowed: at least 0)");
  if (s.position < 0 || s.position >= n_)
    throw_invalid_argument("Batcher state: position = " + std::to_string(s.position) + " (allowed: 0 to " +
                           std::to_string(n_ - 1) + ")");
  rng_.set_state(s.rng);
  start_epoch();
  epoch_ = s.epoch;
  position_ = s.position;
}

Tensor take_rows(const Tensor& t, const std::vector<std::int64_t>& rows) {
  if (!t.defined() || t.rank() < 1)
    throw_invalid_argument("take_rows needs a tensor of rank >= 1, got shape " + to_string(t.shape()));
  const std::int64_t n = t.dim(0), row = n == 0 ? 0 : t.numel() / n;
  Shape shape = t.shape();
  shape[0] = static_cast<std::int64_t>(rows.size());
  for (const std::int64_t r : rows)
    if (r < 0 || r >= n)
      throw_invalid_argument("take_rows: row " + std::to_string(r) + " is out of range (allowed: 0 to " +
                             std::to_string(n - 1) + ")");
  Tensor out = Tensor::empty(shape);  // every row is written below: no zero fill
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::int64_t r = rows[i];
    std::copy(t.data() + r * row, t.data() + (r + 1) * row, out.data() + static_cast<std::int64_t>(i) * row);
  }
  return out;
}

ExampleRows first_examples(const Dataset& d, std::int64_t n) {
  const bool test = d.x_test.defined() && d.x_test.rank() > 0 && d.x_test.dim(0) > 0;
  const Tensor& x = test ? d.x_test : d.x_train;
  const Tensor& y = test ? d.y_test : d.y_train;
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < std::min(x.dim(0), n); ++i) rows.push_back(i);
  return {take_rows(x, rows), take_rows(y, rows), test};
}

GRADLAB_END
