// Freeing a long tape (issue 12): a chain of 200,000 ops is freed without recursion, so
// neither the native stack nor the much smaller wasm one overflows.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/var.h"
#include "ops/ops.h"

#ifndef __EMSCRIPTEN__
#include <pthread.h>
#endif

namespace gradlab {
namespace {

constexpr int kChain = 200'000;

// y = 0.5 + x*1 + 0 ... : kChain ops, each holding the previous one as its input.
// Returns dy/dx after backward (1 for this chain), then frees the whole tape.
double build_backward_and_free() {
  Var x(Tensor::scalar(0.5), true);
  Var y = x;
  for (int k = 0; k < kChain; ++k) y = k % 2 ? mul_scalar(y, 1.0) : add_scalar(y, 0.0);
  y.backward();
  const double g = x.grad().item();
  y = Var();  // the last reference to the head of the chain: everything goes now
  return g;
}

TEST(Teardown, AChainOfTwoHundredThousandOpsIsFreedIteratively) {
  EXPECT_EQ(build_backward_and_free(), 1.0);
}

TEST(Teardown, ClosuresAndGradientsThatHoldVarsAreFreedToo) {
  // create_graph keeps gradients as Vars with their own history: two tapes interleaved.
  Var x(Tensor::scalar(0.5), true);
  Var y = x;
  for (int k = 0; k < 20'000; ++k) y = tanh(y);
  y.backward(/*create_graph=*/true);
  EXPECT_TRUE(x.has_grad());
  EXPECT_TRUE(std::isfinite(x.grad().item()));
  x.zero_grad();
  y = Var();
}

#ifndef __EMSCRIPTEN__
// The same on a 256 KiB stack, where freeing recursively (about 100 bytes of stack per
// node) would fail for certain, whatever the default stack size of the machine.
TEST(Teardown, FitsInASmallStack) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  pthread_t thread;
  double result = 0;
  auto body = [](void* out) -> void* {
    *static_cast<double*>(out) = build_backward_and_free();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, body, &result), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(result, 1.0);
}
#endif

}  // namespace
}  // namespace gradlab
