// The broadcasting loops' fast paths (a bias row, a value per row, per-row sums) against
// plain index arithmetic: the same numbers exactly, for every shape pair tried, including
// the ones that take the general strided walk.
#include "ops/broadcast.h"

#include <gtest/gtest.h>

#include "kernels/kernels.h"
#include "tensor/rng.h"

namespace gradlab {
namespace {

Tensor random_tensor(Rng& rng, const Shape& shape) {
  std::vector<Scalar> v(static_cast<std::size_t>(numel(shape)));
  for (auto& x : v) x = static_cast<Scalar>(rng.uniform(0.5, 2.0));
  return Tensor(shape, std::move(v));
}

// The flat offset into a tensor of `shape` (right-aligned to `index`, size-1 dims broadcast).
std::int64_t offset(const Shape& shape, const std::vector<std::int64_t>& index) {
  std::int64_t off = 0;
  const std::size_t lead = index.size() - shape.size();
  for (std::size_t d = 0; d < shape.size(); ++d) off = off * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
  return off;
}

std::vector<std::int64_t> unravel(std::int64_t k, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = k % shape[d];
    k /= shape[d];
  }
  return index;
}

struct Pair {
  Shape a, b;
};

const std::vector<Pair> kPairs = {
    {{2, 3, 5}, {2, 3, 5}},  // same shape
    {{2, 3, 5}, {5}},        // bias row
    {{2, 3, 5}, {3, 5}},     // suffix
    {{2, 3, 5}, {2, 3, 1}},  // a value per row (layer norm's mean)
    {{2, 3, 1}, {2, 3, 5}},  // ... on the left
    {{4, 1}, {4, 6}},        // ... rank 2
    {{2, 3, 5}, {2, 1, 5}},  // general strided walk
    {{2, 1, 5}, {1, 3, 1}},  // both broadcast
    {{2, 3, 5}, {}},         // a scalar
    {{}, {2, 3}},
    {{3, 1}, {3, 1}},
};

TEST(Broadcast, BinaryFastPathsEqualIndexArithmetic) {
  Rng rng(7);
  const struct {
    const char* name;
    BinaryKernel kernel;
    Scalar (*op)(Scalar, Scalar);
  } ops[] = {{"add", kernels::add, [](Scalar x, Scalar y) { return x + y; }},
             {"sub", kernels::sub, [](Scalar x, Scalar y) { return x - y; }},
             {"mul", kernels::mul, [](Scalar x, Scalar y) { return x * y; }},
             {"div", kernels::div, [](Scalar x, Scalar y) { return x / y; }}};
  for (const auto& [sa, sb] : kPairs)
    for (const auto& o : ops) {
      const Tensor a = random_tensor(rng, sa), b = random_tensor(rng, sb);
      const Tensor out = broadcast_binary(a, b, o.kernel, o.op);
      const Shape shape = broadcast_shapes(sa, sb);
      ASSERT_EQ(out.shape(), shape);
      for (std::int64_t k = 0; k < out.numel(); ++k) {
        const auto index = unravel(k, shape);
        const Scalar want = o.op(a.data()[offset(sa, index)], b.data()[offset(sb, index)]);
        ASSERT_EQ(out.data()[k], want) << o.name << " " << to_string(sa) << " with " << to_string(sb) << " at " << k;
      }
    }
}

TEST(Broadcast, ReduceToShapeEqualsOrderedDoubleSums) {
  Rng rng(8);
  const std::vector<Pair> reductions = {
      {{2, 3, 5}, {5}},        // a bias's gradient
      {{2, 3, 5}, {3, 5}},     // suffix
      {{2, 3, 5}, {2, 3, 5}},  // nothing to sum
      {{2, 3, 5}, {2, 3, 1}},  // per-row sums
      {{4, 6}, {4, 1}},        // ... rank 2
      {{2, 3, 5}, {3, 1}},     // per-row with fewer dims: general walk
      {{2, 3, 5}, {2, 1, 5}},  // general
      {{2, 3, 5}, {1, 3, 1}},  // general
      {{2, 3, 5}, {}},         // everything
  };
  for (const auto& [st, shape] : reductions) {
    const Tensor t = random_tensor(rng, st);
    const Tensor out = reduce_to_shape(t, shape);
    ASSERT_EQ(out.shape(), shape);
    std::vector<double> acc(static_cast<std::size_t>(numel(shape)), 0.0);
    for (std::int64_t k = 0; k < t.numel(); ++k) acc[static_cast<std::size_t>(offset(shape, unravel(k, st)))] += t.data()[k];
    for (std::int64_t i = 0; i < out.numel(); ++i)
      ASSERT_EQ(out.data()[i], static_cast<Scalar>(acc[static_cast<std::size_t>(i)])) << to_string(st) << " to " << to_string(shape) << " at " << i;
  }
  EXPECT_THROW(reduce_to_shape(random_tensor(rng, {2, 3}), {4}), std::invalid_argument);
}

// broadcast_to's expansion for the shapes the backward passes give it (a sum's scalar, a
// bias row, a per-row value) and the general walk.
TEST(Broadcast, ExpandToShapeEqualsIndexArithmetic) {
  Rng rng(9);
  const std::vector<Pair> expansions = {
      {{5}, {2, 3, 5}},        // a bias row repeated
      {{3, 5}, {2, 3, 5}},     // suffix
      {{2, 3, 1}, {2, 3, 5}},  // a value per row
      {{4, 1}, {4, 6}},        // ... rank 2
      {{}, {2, 3}},            // a scalar
      {{1, 1}, {3, 4}},        // one value, as a matrix
      {{2, 1, 5}, {2, 3, 5}},  // general strided walk
      {{3, 1}, {2, 3, 5}},     // general
      {{2, 3}, {2, 3}},        // nothing to expand
      {{5}, {0, 5}},           // empty result
  };
  for (const auto& [st, shape] : expansions) {
    const Tensor t = random_tensor(rng, st);
    const Tensor out = expand_to_shape(t, shape);
    ASSERT_EQ(out.shape(), shape);
    for (std::int64_t k = 0; k < out.numel(); ++k)
      ASSERT_EQ(out.data()[k], t.data()[offset(st, unravel(k, shape))])
          << to_string(st) << " to " << to_string(shape) << " at " << k;
  }
}

}  // namespace
}  // namespace gradlab
