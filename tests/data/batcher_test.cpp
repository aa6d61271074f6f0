// Batcher: every epoch visits every row once, reshuffled; same seed same batches; a restored
// state replays the exact same batches.
#include "data/batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace gradlab {
namespace {

TEST(Batcher, EachEpochIsAPermutationAndEpochsDiffer) {
  Batcher b(10, 4, 7);
  EXPECT_EQ(b.batches_per_epoch(), 3);
  std::vector<std::vector<std::int64_t>> epochs(3);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(b.epoch(), e);
    for (int k = 0; k < 3; ++k) {
      const auto rows = b.next_indices();
      EXPECT_EQ(rows.size(), k < 2 ? 4u : 2u);
      epochs[static_cast<std::size_t>(e)].insert(epochs[static_cast<std::size_t>(e)].end(), rows.begin(), rows.end());
    }
    auto sorted = epochs[static_cast<std::size_t>(e)];
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }
  EXPECT_EQ(b.epoch(), 3);
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
}

TEST(Batcher, SameSeedSameBatchesOtherSeedDiffers) {
  Batcher a(50, 8, 3), b(50, 8, 3), c(50, 8, 4);
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    const auto x = a.next_indices();
    EXPECT_EQ(x, b.next_indices());
    differs = differs || x != c.next_indices();
  }
  EXPECT_TRUE(differs);
}

TEST(Batcher, NoShuffleKeepsOrderAndDropLastSkipsTheTail) {
  Batcher b(5, 2, 0, /*shuffle=*/false, /*drop_last=*/true);
  EXPECT_EQ(b.batches_per_epoch(), 2);
  EXPECT_EQ(b.next_indices(), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(b.next_indices(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(b.epoch(), 1);
  EXPECT_EQ(b.next_indices(), (std::vector<std::int64_t>{0, 1}));
  Batcher small(3, 8, 0, false, true);  // one short batch is still a batch
  EXPECT_EQ(small.next_indices().size(), 3u);
  EXPECT_EQ(small.epoch(), 1);
}

TEST(Batcher, RestoredStateReplaysTheSameBatches) {
  Batcher a(23, 5, 11);
  for (int i = 0; i < 7; ++i) a.next_indices();  // mid-way through epoch 1
  const Batcher::State s = a.state();
  EXPECT_EQ(s.epoch, 1);
  EXPECT_EQ(s.position, 10);
  std::vector<std::vector<std::int64_t>> expected;
  for (int i = 0; i < 12; ++i) expected.push_back(a.next_indices());
  Batcher b(23, 5, 999);  // a different seed: the state overrides it
  b.set_state(s);
  EXPECT_EQ(b.epoch(), 1);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(b.next_indices(), expected[static_cast<std::size_t>(i)]) << i;
}

TEST(Batcher, NextGathersRows) {
  const Tensor x = Tensor::from({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31});
  const Tensor y = Tensor::from({4}, {0, 1, 2, 3});
  Batcher b(4, 3, 5);
  const Batch batch = b.next(x, y);
  ASSERT_EQ(batch.x.shape(), (Shape{3, 2}));
  ASSERT_EQ(batch.y.shape(), (Shape{3}));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto r = batch.rows[i];
    EXPECT_EQ(batch.y[static_cast<std::int64_t>(i)], r);
    EXPECT_EQ(batch.x[static_cast<std::int64_t>(2 * i + 1)], 10 * r + 1);
  }
  EXPECT_THROW(b.next(Tensor::zeros({5, 2}), y), std::invalid_argument);
}

TEST(Batcher, BadArgumentsNameTheField) {
  try {
    Batcher(10, 0, 1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch_size = 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Batcher(0, 4, 1), std::invalid_argument);
  Batcher b(10, 4, 1);
  EXPECT_THROW(b.set_state({0, 10, {}}), std::invalid_argument);
  EXPECT_THROW(b.set_state({-1, 0, {}}), std::invalid_argument);
  EXPECT_THROW(take_rows(Tensor::zeros({3}), {3}), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
