#include "tensor/tensor.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "tensor/finite.h"

namespace gradlab {
namespace {

TEST(Tensor, ZerosHaveShapeAndNumel) {
  Tensor t({2, 3});
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dim(-1), 3);
  for (std::int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t[i], 0);
}

TEST(Tensor, FromAndAtAreRowMajor) {
  Tensor t = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.at({0, 2}), 3);
  EXPECT_EQ(t.at({1, 0}), 4);
  EXPECT_THROW(t.at({2, 0}), std::out_of_range);
}

TEST(Tensor, WrongDataSizeIsRejected) {
  try {
    Tensor({2, 2}, std::vector<Scalar>{1, 2, 3});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs 4 values, got 3"), std::string::npos) << e.what();
  }
}

TEST(Tensor, ReshapeSharesStorageAndInfersOneDim) {
  Tensor t = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = t.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_TRUE(r.same_storage(t));
  EXPECT_THROW(t.reshape({4, 2}), std::invalid_argument);
  EXPECT_THROW(t.reshape({-1, -1}), std::invalid_argument);
}

TEST(Tensor, CloneCopiesNumbers) {
  Tensor t = Tensor::from({2}, {1, 2});
  Tensor c = t.clone();
  c[0] = 7;
  EXPECT_EQ(t[0], 1);
}

TEST(Tensor, EmptyIsDefinedAndWritable) {
  Tensor t = Tensor::empty({2, 3});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.numel(), 6);
  for (std::int64_t i = 0; i < 6; ++i) t[i] = Scalar(i);
  EXPECT_EQ(t.at({1, 2}), 5);
  EXPECT_EQ(t.to_vector(), (std::vector<Scalar>{0, 1, 2, 3, 4, 5}));
  // No elements is still a tensor, unlike the default-constructed one.
  EXPECT_TRUE(Tensor::empty({0, 3}).defined());
  EXPECT_TRUE(Tensor({0}).defined());
  EXPECT_EQ(Tensor({0}).numel(), 0);
  EXPECT_FALSE(Tensor().defined());
  EXPECT_THROW(Tensor::empty({2, -1}), std::invalid_argument);
}

TEST(Tensor, ShapesBeyondTheAddressSpaceAreRejectedNotTruncated) {
  // 2^62 floats are 2^64 bytes (more than any size_t holds); 2^80 elements overflow int64.
  for (const Shape& shape :
       {Shape{std::int64_t(1) << 31, std::int64_t(1) << 31}, Shape{std::int64_t(1) << 40, std::int64_t(1) << 40}}) {
    try {
      Tensor::empty(shape);
      FAIL() << "expected an exception for " << to_string(shape);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("more elements than memory can address"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Tensor{shape}, std::invalid_argument);
  }
}

TEST(Tensor, ZerosAreZeroEvenInReusedMemory) {
  // Freed blocks come back from the allocator with their old contents; zeros() must clear them.
  for (int round = 0; round < 4; ++round) {
    { Tensor dirty = Tensor::full({1000}, Scalar(7)); }
    {
      Tensor junk = Tensor::empty({1000});
      junk.fill(Scalar(-3));
    }
    Tensor z({1000});
    for (std::int64_t i = 0; i < z.numel(); ++i) ASSERT_EQ(z[i], 0) << "round " << round << " element " << i;
  }
}

TEST(Tensor, VectorDataIsTakenOverNotCopied) {
  std::vector<Scalar> v{1, 2, 3, 4};
  const Scalar* p = v.data();
  Tensor t({2, 2}, std::move(v));
  EXPECT_EQ(t.data(), p);
  EXPECT_EQ(t.at({1, 1}), 4);
  Tensor c = t.clone();
  EXPECT_NE(c.data(), t.data());
  EXPECT_FALSE(c.same_storage(t));
  EXPECT_EQ(c.to_vector(), t.to_vector());
}

TEST(Tensor, MovedFromIsUndefined) {
  Tensor a = Tensor::from({3}, {1, 2, 3});
  const Scalar* p = a.data();
  Tensor b(std::move(a));
  EXPECT_FALSE(a.defined());  // NOLINT(bugprone-use-after-move): the state after a move is the contract
  EXPECT_EQ(a.numel(), 0);    // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.data(), p);
  Tensor c;
  c = std::move(b);
  EXPECT_FALSE(b.defined());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.numel(), 3);
  EXPECT_EQ(c[2], 3);
}

TEST(Tensor, ItemNeedsOneElement) {
  EXPECT_EQ(Tensor::scalar(3).item(), 3);
  EXPECT_THROW(Tensor({2}).item(), std::invalid_argument);
}

TEST(Shape, BroadcastFollowsNumpyRules) {
  EXPECT_EQ(broadcast_shapes({2, 3}, {3}), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({4, 1, 3}, {2, 1}), (Shape{4, 2, 3}));
  EXPECT_EQ(broadcast_shapes({}, {5}), (Shape{5}));
  EXPECT_THROW(broadcast_shapes({2, 3}, {2}), std::invalid_argument);
}

TEST(Shape, BroadcastStridesAreZeroWhereStretched) {
  EXPECT_EQ(broadcast_strides({3}, {2, 3}), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(broadcast_strides({2, 1}, {2, 3}), (std::vector<std::int64_t>{1, 0}));
}

TEST(Shape, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 3), 2);
  EXPECT_THROW(normalize_axis(3, 3), std::out_of_range);
}

TEST(Tensor, FirstNonFiniteFindsTheFirstNanOrInfinity) {
  const Scalar inf = std::numeric_limits<Scalar>::infinity(), nan = std::numeric_limits<Scalar>::quiet_NaN();
  // Lengths around the 256-element block, the bad value at every kind of place.
  for (std::int64_t n : {0, 1, 7, 255, 256, 257, 600}) {
    std::vector<Scalar> x(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = Scalar(i % 7) - Scalar(3.5);
    EXPECT_EQ(first_non_finite(x.data(), n), -1) << n;
    for (std::int64_t at : {std::int64_t{0}, n / 2, n - 1}) {
      if (at < 0 || at >= n) continue;
      for (Scalar bad : {inf, -inf, nan}) {
        std::vector<Scalar> y = x;
        y[static_cast<std::size_t>(at)] = bad;
        if (at + 3 < n) y[static_cast<std::size_t>(at + 3)] = nan;  // a later one is not the answer
        EXPECT_EQ(first_non_finite(y.data(), n), at) << "n=" << n << " at=" << at << " bad=" << bad;
      }
    }
  }
  // The largest finite values and denormals are finite.
  const Scalar edge[] = {std::numeric_limits<Scalar>::max(), -std::numeric_limits<Scalar>::max(),
                         std::numeric_limits<Scalar>::denorm_min(), Scalar(0), -Scalar(0)};
  EXPECT_EQ(first_non_finite(edge, 5), -1);
  EXPECT_EQ(first_non_finite(Tensor()), -1);
  EXPECT_EQ(first_non_finite(Tensor::from({2, 2}, {1, 2, 3, 1.0 / 0.0})), 3);
}

}  // namespace
}  // namespace gradlab
