// Batcher: deterministic minibatches of row indices, reshuffled every epoch by an Rng it owns.
// Its state (epoch, position, the Rng at the start of the epoch) goes into checkpoints, and
// restoring it replays exactly the same batches.
//
//   Batcher b(d.x_train.dim(0), 32, /*seed=*/1);
//   Batch batch = b.next(d.x_train, d.y_train);   // x [B, ...], y [B, ...], B <= 32
//   if (b.epoch() == 10) ...                       // ten full passes done
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

struct Batch {
  Tensor x, y;
  std::vector<std::int64_t> rows;  // which rows of the dataset
};

class Batcher {
 public:
  struct State {
    std::int64_t epoch = 0;     // complete passes over the data so far
    std::int64_t position = 0;  // rows of the current epoch already handed out
    Rng::State rng{};           // the Rng before it shuffled the current epoch
  };

  // shuffle = false keeps rows in order (0, 1, 2, ...). drop_last skips an epoch's final
  // batch when it would be smaller than batch_size (unless that is the only batch).
  // Throws std::invalid_argument naming num_samples or batch_size if they are below 1.
  Batcher(std::int64_t num_samples, std::int64_t batch_size, std::uint64_t seed, bool shuffle = true,
          bool drop_last = false);

  // The next batch's row indices; an epoch's last batch may be smaller (see drop_last).
  std::vector<std::int64_t> next_indices();
  // The next batch gathered from x and y (both with num_samples rows).
  Batch next(const Tensor& x, const Tensor& y);

  std::int64_t epoch() const { return epoch_; }
  std::int64_t position() const { return position_; }
  std::int64_t num_samples() const { return n_; }
  std::int64_t batch_size() const { return batch_size_; }
  std::int64_t batches_per_epoch() const;
  const std::vector<std::int64_t>& order() const { return order_; }  // the current epoch's row order

  State state() const { return {epoch_, position_, epoch_rng_}; }
  // Throws std::invalid_argument naming the field if epoch < 0 or position is not in [0, num_samples).
  void set_state(const State& s);

 private:
  void start_epoch();  // records the Rng, then shuffles (or not)

  std::int64_t n_, batch_size_;
  bool shuffle_, drop_last_;
  Rng rng_;
  Rng::State epoch_rng_{};
  std::int64_t epoch_ = 0, position_ = 0;
  std::vector<std::int64_t> order_;
};

// Rows `rows` of t along axis 0, copied: [R, ...]. Throws if a row is out of range.
Tensor take_rows(const Tensor& t, const std::vector<std::int64_t>& rows);

// The first n examples of the test split, or of the training split when there is no test
// split: what the predictions snapshots show. `test` says which split they came from.
struct ExampleRows {
  Tensor x, y;
  bool test = false;
};
ExampleRows first_examples(const Dataset& d, std::int64_t n);

GRADLAB_END
