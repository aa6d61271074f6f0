// Shared test helpers: the one gradient-check assertion every op and layer test uses.
//
// How to add an op test: build the op's output from leaf Vars made with random_var(),
// then EXPECT_GRADCHECK([&] { return weighted_sum(my_op(x, y)); }, {x, y});
// weighted_sum() dots a non-scalar output with fixed random weights, so every output
// element's gradient is exercised (not just that of the sum).
#pragma once

#include <gtest/gtest.h>

#include <sstream>

#include "autograd/gradcheck.h"
#include "ops/ops.h"
#include "tensor/rng.h"

namespace gradlab::test {

inline Var random_var(Rng& rng, Shape shape, double lo = -1, double hi = 1) {
  return Var(rng.uniform_tensor(std::move(shape), lo, hi), /*requires_grad=*/true);
}

// sum(y * w) for fixed pseudo-random w in [0.5, 1.5]: a scalar that depends on every y_i.
inline Var weighted_sum(const Var& y) {
  Rng rng(12345);
  return sum(mul(y, Var(rng.uniform_tensor(y.shape(), 0.5, 1.5))));
}

// Tight in double (the contract: relative error <= 1e-6); in float a finite difference
// is only good to a few digits, so the f32 builds check the same thing loosely.
inline GradCheckOptions default_gradcheck_options() {
  if constexpr (sizeof(Scalar) == 8) return {1e-6, 1e-6};
  else return {1e-2, 5e-2};
}

inline ::testing::AssertionResult gradcheck_passes(const std::function<Var()>& loss, std::vector<Var> inputs,
                                                   GradCheckOptions options = default_gradcheck_options()) {
  GradCheckResult r = gradcheck(loss, std::move(inputs), options);
  if (r.ok) return ::testing::AssertionSuccess();
  std::ostringstream msg;
  msg << "gradient check failed (tolerance " << options.tolerance << "):\n";
  for (const auto& e : r.entries)
    msg << "  " << e.name << " " << to_string(e.shape) << ": max rel error " << e.max_rel_error << " (abs "
        << e.max_abs_error << " at flat index " << e.worst_index << ", grad scale " << e.max_abs_grad << ")"
        << (e.ok ? "" : "  <-- FAIL") << "\n";
  return ::testing::AssertionFailure() << msg.str();
}

// The message of the std::invalid_argument that `f` throws, or a marker saying none was.
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no std::invalid_argument thrown>";
}

// Expects `f` to throw std::invalid_argument whose message contains every part.
template <class F>
void expect_invalid(F f, std::initializer_list<const char*> parts) {
  const std::string msg = message_of(f);
  for (const char* part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nlacks: " << part;
}

// Every element of t (flat, row-major) against expected values.
inline void expect_values(const Tensor& t, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(t.numel(), static_cast<std::int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t[static_cast<std::int64_t>(i)], expected[i], tol) << "at flat index " << i;
}

}  // namespace gradlab::test

// EXPECT_MESSAGE_HAS(expr, "part", ...): expr throws std::invalid_argument naming every part.
#define EXPECT_MESSAGE_HAS(call, ...)                                                                         \
  do {                                                                                                        \
    const std::string msg_ = ::gradlab::test::message_of([&] { (void)(call); });                              \
    for (const char* part_ : {__VA_ARGS__}) EXPECT_NE(msg_.find(part_), std::string::npos) << msg_;           \
  } while (0)

// EXPECT_CONTAINS(text, "part"): text (a std::string or C string) contains part.
#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

#define EXPECT_GRADCHECK(...) EXPECT_TRUE(::gradlab::test::gradcheck_passes(__VA_ARGS__))
