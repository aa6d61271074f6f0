// The fused recurrent path (nn/recurrent_fused.cpp) allocates per call, never per time step:
// the heap allocations of one forward + backward must not grow with the sequence length.
// Counted with a replaced global operator new (every build) and, on glibc, also malloc,
// calloc and realloc (Eigen's GEMM blocking buffers and aligned allocations bypass
// operator new). Each count compares T = 5 with T = 50 after a warm-up at both lengths,
// which lets kernels grow their reusable buffers (GEMM packing) to the larger size first.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "nn/recurrent.h"
#include "ops/ops.h"

namespace {
std::atomic<long> g_news{0};
std::atomic<long> g_mallocs{0};
std::atomic<bool> g_counting{false};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (g_counting.load(std::memory_order_relaxed)) g_news.fetch_add(1, std::memory_order_relaxed);
  const std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if defined(__GLIBC__) && !defined(__EMSCRIPTEN__)
#define GRADLAB_COUNT_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}
#else
#define GRADLAB_COUNT_MALLOC 0
#endif

namespace gradlab {
namespace {

struct Counts {
  long news = 0, mallocs = 0;
};

// Allocations of one forward + backward of `rnn` on a [B, T, I] input.
Counts count_one_pass(Recurrent& rnn, std::int64_t T, const Tensor& x_full) {
  const std::int64_t B = x_full.shape()[0], I = x_full.shape()[2];
  Tensor x({B, T, I});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < T * I; ++i) x[b * T * I + i] = x_full[b * x_full.shape()[1] * I + i];
  rnn.zero_grad();
  const Var input(x);
  g_news = 0;
  g_mallocs = 0;
  g_counting = true;
  {
    Var loss = sum(rnn.forward(input));
    loss.backward();
  }
  g_counting = false;
  return {g_news.load(), g_mallocs.load()};
}

class RecurrentAlloc : public ::testing::TestWithParam<CellKind> {};

TEST_P(RecurrentAlloc, FusedForwardBackwardAllocationsDoNotGrowWithLength) {
  constexpr std::int64_t B = 8, I = 16, H = 32, Tmax = 50;
  Rng rng(7);
  RecurrentOptions o;
  o.kind = GetParam();
  o.input_size = I;
  o.hidden_size = H;
  Recurrent rnn(o, rng);
  ASSERT_TRUE(rnn.fused());
  const Tensor x = rng.normal_tensor({B, Tmax, I}, 0, 1);
  for (std::int64_t T : {Tmax, std::int64_t(5), std::int64_t(25), Tmax, std::int64_t(5), std::int64_t(25)})
    count_one_pass(rnn, T, x);  // warm-up
  const Counts short_run = count_one_pass(rnn, 5, x);
  const Counts mid_run = count_one_pass(rnn, 25, x);
  const Counts long_run = count_one_pass(rnn, Tmax, x);
  std::printf("allocations per forward+backward: T=5: %ld new, %ld malloc; T=25: %ld, %ld; T=50: %ld, %ld\n",
              short_run.news, short_run.mallocs, mid_run.news, mid_run.mallocs, long_run.news, long_run.mallocs);
  EXPECT_GT(short_run.news, 0) << "the counting operator new is not in use";
  EXPECT_EQ(long_run.news, short_run.news) << "operator new calls grow with T: allocation per time step";
  if (GRADLAB_COUNT_MALLOC) {
    // Eigen's GEMM (native kernels) takes its blocking buffers from the stack below 128 KiB
    // and from malloc above, so a longer sequence can move a whole-sequence GEMM (the input
    // projection, dW) to one heap buffer: measured +1 (f32) / +2 (f64) at T = 50, the same
    // at any longer T. A per-step allocation would add at least 25 (45) here.
    EXPECT_LE(long_run.mallocs - mid_run.mallocs, 2) << "malloc calls grow with T: allocation per time step";
    EXPECT_LE(long_run.mallocs - short_run.mallocs, 2) << "malloc calls grow with T: allocation per time step";
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, RecurrentAlloc, ::testing::Values(CellKind::Lstm, CellKind::Gru, CellKind::RnnTanh),
                         [](const auto& info) {
                           return std::string(info.param == CellKind::Lstm  ? "Lstm"
                                              : info.param == CellKind::Gru ? "Gru"
                                                                             : "RnnTanh");
                         });

}  // namespace
}  // namespace gradlab
