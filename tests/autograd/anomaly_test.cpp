// Anomaly mode: the first op whose output or whose backward's gradient is NaN/Inf is named,
// with where and why (created there, or propagated from an input); off, nothing is checked.
#include "autograd/anomaly.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "ops/ops.h"

namespace gradlab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs f under anomaly mode and returns the error it must throw.
template <class F>
NonFiniteOpError expect_anomaly(F f) {
  AnomalyModeGuard anomaly;
  try {
    f();
  } catch (const NonFiniteOpError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a NonFiniteOpError";
  return NonFiniteOpError("none", NonFiniteOpError::Phase::Forward, "", {}, -1, 0, -1, false, "");
}

TEST(Anomaly, LogOfZeroNamesLogTheIndexAndTheFiniteInput) {
  Var x(Tensor::from({3}, {1, 0, 2}), true);
  const NonFiniteOpError e = expect_anomaly([&] { return log(x); });
  EXPECT_EQ(e.op(), "log");
  EXPECT_EQ(e.phase(), NonFiniteOpError::Phase::Forward);
  EXPECT_EQ(e.shape(), (Shape{3}));
  EXPECT_EQ(e.index(), 1);
  EXPECT_EQ(e.value(), -std::numeric_limits<double>::infinity());
  EXPECT_FALSE(e.propagated());
  const std::string msg = e.what();
  EXPECT_TRUE(contains(msg, "op 'log' produced -inf at index [1] of its output of shape [3]")) << msg;
  EXPECT_TRUE(contains(msg, "from finite inputs (input 0 = 0 there)")) << msg;
  EXPECT_TRUE(contains(msg, "log(0) is -inf")) << msg;
}

TEST(Anomaly, LogOfANegativeNumberSaysSo) {
  Var x(Tensor::from({2, 2}, {1, 2, 3, -4}));  // no grad needed: the forward is checked anyway
  const NonFiniteOpError e = expect_anomaly([&] { return log(x); });
  EXPECT_EQ(e.op(), "log");
  EXPECT_TRUE(std::isnan(e.value()));
  EXPECT_TRUE(contains(e.what(), "index [1, 1] of its output of shape [2, 2]")) << e.what();
  EXPECT_TRUE(contains(e.what(), "log of a negative number is NaN")) << e.what();
}

TEST(Anomaly, SqrtOfMinusOne) {
  Var x(Tensor::from({2}, {4, -1}), true);
  const NonFiniteOpError e = expect_anomaly([&] { return sqrt(x); });
  EXPECT_EQ(e.op(), "sqrt");
  EXPECT_EQ(e.index(), 1);
  EXPECT_TRUE(std::isnan(e.value()));
  EXPECT_TRUE(contains(e.what(), "input 0 = -1 there")) << e.what();
  EXPECT_TRUE(contains(e.what(), "square root of a negative number")) << e.what();
}

TEST(Anomaly, ExpOverflowIsNamed) {
  // e^1000 overflows in float and in double alike.
  Var x(Tensor::from({3}, {0, 1, 1000}), true);
  const NonFiniteOpError e = expect_anomaly([&] { return exp(x) * 2.0; });
  EXPECT_EQ(e.op(), "exp");  // not the mul after it: the first op is named
  EXPECT_EQ(e.index(), 2);
  EXPECT_EQ(e.value(), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(contains(e.what(), "exp overflowed")) << e.what();
  EXPECT_TRUE(contains(e.what(), "input 0 = 1000 there")) << e.what();
}

TEST(Anomaly, AnOverflowInAProductIsCreatedThereNotPropagated) {
  const double big = static_cast<double>(std::numeric_limits<Scalar>::max()) / 2;
  Var a(Tensor::from({2}, {1, big}), true), b(Tensor::from({1}, {4}), true);
  const NonFiniteOpError e = expect_anomaly([&] { return a * b; });  // b broadcasts
  EXPECT_EQ(e.op(), "mul");
  EXPECT_EQ(e.index(), 1);
  EXPECT_FALSE(e.propagated());
  EXPECT_TRUE(contains(e.what(), "input 1 = 4 there")) << e.what();
  EXPECT_TRUE(contains(e.what(), "overflowed")) << e.what();
}

TEST(Anomaly, APropagatedInfNamesTheInputItCameFrom) {
  Var x(Tensor::from({2}, {0, 1}), true);
  Var y = log(x);  // anomaly mode off: -inf goes through unnoticed
  EXPECT_TRUE(std::isinf(y.value()[0]));
  const NonFiniteOpError e = expect_anomaly([&] { return y * 3.0 + 1.0; });
  EXPECT_EQ(e.op(), "mul_scalar");
  EXPECT_TRUE(e.propagated());
  EXPECT_EQ(e.input(), 0);
  EXPECT_TRUE(contains(e.what(), "did not create it")) << e.what();
  EXPECT_TRUE(contains(e.what(), "the output of op 'log'")) << e.what();

  // A named parameter that already holds NaN is named, also through a reduction (not
  // elementwise: the whole input is scanned for the first bad element).
  Var w(Tensor::from({2, 2}, {1, 0, 0, 1}), true);
  w.set_name("layers.0.weight");
  w.mutable_value()[3] = std::nan("");
  const NonFiniteOpError m = expect_anomaly([&] { return sum(w, 1); });
  EXPECT_EQ(m.op(), "sum_axis");
  EXPECT_TRUE(m.propagated());
  EXPECT_EQ(m.source(), "layers.0.weight");
  EXPECT_TRUE(contains(m.what(), "input 0 ('layers.0.weight') already held nan at index [1, 1] of its [2, 2]"))
      << m.what();
}

TEST(Anomaly, BackwardOfSqrtAtZeroNamesSqrt) {
  // sqrt(0) = 0 is fine; its slope 1/(2 sqrt(x)) is not.
  Var x(Tensor::from({2}, {1, 0}), true);
  AnomalyModeGuard anomaly;
  Var loss = sum(sqrt(x) * 3.0);
  try {
    loss.backward();
    FAIL() << "expected a NonFiniteOpError";
  } catch (const NonFiniteOpError& e) {
    EXPECT_EQ(e.phase(), NonFiniteOpError::Phase::Backward);
    EXPECT_EQ(e.op(), "sqrt");  // not the div inside sqrt's backward
    EXPECT_EQ(e.input(), 0);
    EXPECT_EQ(e.index(), 1);
    EXPECT_EQ(e.value(), std::numeric_limits<double>::infinity());
    EXPECT_FALSE(e.propagated());
    EXPECT_TRUE(contains(e.what(), "the backward of op 'sqrt' produced inf at index [1] of the gradient for its "
                                   "input 0 (a leaf: data or a constant), of shape [2] from a finite incoming gradient"))
        << e.what();
    EXPECT_TRUE(contains(e.what(), "infinite at x = 0")) << e.what();
  }
}

TEST(Anomaly, InALargerGraphTheFirstBadGradientIsNamed) {
  // |x| written as sqrt(x^2): a finite forward everywhere, but at x = 0 the sqrt's slope is
  // infinite (and square's backward would then turn 0 * inf into NaN): sqrt comes first.
  Var x(Tensor::from({3}, {-2, 0, 3}), true);
  AnomalyModeGuard anomaly;
  Var loss = sum(sqrt(square(x)) + x);
  try {
    loss.backward();
    FAIL() << "expected a NonFiniteOpError";
  } catch (const NonFiniteOpError& e) {
    EXPECT_EQ(e.op(), "sqrt");  // the first non-finite gradient is sqrt's (inf); square's would be 0 * inf
    EXPECT_EQ(e.index(), 1);
  }
}

TEST(Anomaly, ANonFiniteSeedIsReportedAsPropagated) {
  Var x(Tensor::from({2}, {1, 2}), true);
  AnomalyModeGuard anomaly;
  Var y = x * 2.0;
  try {
    y.backward(Tensor::from({2}, {1, std::numeric_limits<double>::infinity()}));
    FAIL() << "expected a NonFiniteOpError";
  } catch (const NonFiniteOpError& e) {
    EXPECT_EQ(e.op(), "mul_scalar");
    EXPECT_TRUE(e.propagated());
    EXPECT_TRUE(contains(e.what(), "incoming gradient that already held inf")) << e.what();
  }
}

TEST(Anomaly, OffByDefaultAndScopedByTheGuard) {
  Var x(Tensor::from({1}, {0}), true);
  EXPECT_FALSE(anomaly_enabled());
  EXPECT_NO_THROW(log(x));
  {
    AnomalyModeGuard on;
    EXPECT_TRUE(anomaly_enabled());
    EXPECT_THROW(log(x), NonFiniteOpError);
    {
      AnomalyModeGuard off(false);
      EXPECT_NO_THROW(log(x));
    }
    EXPECT_TRUE(anomaly_enabled());
  }
  EXPECT_FALSE(anomaly_enabled());
  // Without anomaly mode the same backward runs through and leaves the inf in the gradient.
  Var z(Tensor::from({1}, {0}), true);
  sum(sqrt(z)).backward();
  EXPECT_TRUE(std::isinf(z.grad()[0]));
}

// The wasm build is single-threaded (no std::thread), so this half only exists where
// threads do.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
TEST(Anomaly, IsPerThread) {
  AnomalyModeGuard on;
  EXPECT_TRUE(anomaly_enabled());
  bool other_thread = true;
  std::thread([&] { other_thread = anomaly_enabled(); }).join();
  EXPECT_FALSE(other_thread);
  EXPECT_TRUE(anomaly_enabled());
}
#endif

TEST(Anomaly, FiniteGraphsGiveTheSameGradientsWithAndWithoutIt) {
  Var w(Tensor::from({2, 3}, {0.1, -0.2, 0.3, 0.4, -0.5, 0.6}), true);
  Var x(Tensor::from({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  auto loss = [&] { return mean(square(tanh(matmul(x, transpose(w, 0, 1))))) + sum(log(exp(w) + 1.0)); };
  loss().backward();
  const Tensor plain = w.grad().clone();
  w.zero_grad();
  {
    AnomalyModeGuard anomaly;
    loss().backward();
  }
  EXPECT_EQ(max_abs_diff(plain, w.grad()), 0.0);
}

}  // namespace
}  // namespace gradlab
