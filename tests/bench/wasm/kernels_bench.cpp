// Standalone node benchmark of the simd128 kernels against the scalar reference (and,
// natively, against the portable fallback). Each kernel is validated against ref before it is
// timed (llm.c's validate_result); ratios are against ref from the same run.
// Build and run: tests/bench/wasm/run.sh   (em++ -O3 -msimd128, then node)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernels/cells.h"
#include "kernels/kernels.h"
#include "tensor/rng.h"

using namespace gradlab;
using Clock = std::chrono::steady_clock;

namespace {

// Seconds per call of f, repeated until at least min_seconds have passed (best of 3 batches).
template <class F>
double time_per_call(F f, double min_seconds) {
  f();  // warm up (and grow packing buffers)
  double best = 1e30;
  for (int batch = 0; batch < 3; ++batch) {
    long calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      f();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < min_seconds / 3);
    best = std::min(best, elapsed / double(calls));
  }
  return best;
}

std::vector<float> random_vec(Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-1, 1));
  return v;
}

std::vector<int> kSizes = {64, 96, 128, 192, 256, 384, 512};

void bench_gemm(double min_seconds) {
  std::printf("GEMM C = A B (square n x n x n, alpha 1, beta 0), GFLOP/s\n");
  std::printf("%5s  %-5s %9s %9s %7s\n", "n", "op", "simd128", "ref", "ratio");
  Rng rng(1);
  for (int n : kSizes) {
    const auto A = random_vec(rng, std::size_t(n) * n), B = random_vec(rng, std::size_t(n) * n);
    std::vector<float> C(std::size_t(n) * n), Cref(C.size());
    const double flops = 2.0 * n * n * n;
    for (int variant = 0; variant < 4; ++variant) {
      const bool ta = variant & 2, tb = variant & 1;
      const char* name = variant == 0 ? "NN" : variant == 1 ? "NT" : variant == 2 ? "TN" : "TT";
      auto simd = [&] { kernels::simd128::gemm(ta, tb, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n); };
      auto ref = [&] { kernels::ref::gemm(ta, tb, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, Cref.data(), n); };
      simd();
      ref();
      double worst = 0;
      for (std::size_t i = 0; i < C.size(); ++i) worst = std::max(worst, double(std::fabs(C[i] - Cref[i])));
      if (worst > 1e-4 * n) {
        std::printf("gemm %s n=%d disagrees with ref: max |diff| %g\n", name, n, worst);
        std::exit(1);
      }
      const double t_simd = time_per_call(simd, min_seconds);
      const double t_ref = time_per_call(ref, n <= 256 ? min_seconds : min_seconds / 2);
      std::printf("%5d  %-5s %9.2f %9.2f %6.1fx\n", n, name, flops / t_simd * 1e-9, flops / t_ref * 1e-9,
                  t_ref / t_simd);
    }
  }
}

// Rectangular shapes from training: a Linear layer forward (B x I by I x O^T) and its two
// backward products, and a small recurrent step.
void bench_gemm_shapes(double min_seconds) {
  std::printf("\nGEMM, training shapes (M x N x K), GFLOP/s\n");
  std::printf("%-28s %9s %9s %7s\n", "shape", "simd128", "ref", "ratio");
  struct Shape {
    const char* name;
    bool ta, tb;
    int M, N, K;
  };
  const Shape shapes[] = {{"linear fwd  X W^T 64x256x784", false, true, 64, 256, 784},
                          {"linear dX  dY W  64x784x256", false, false, 64, 784, 256},
                          {"linear dW dY^T X 256x784x64", true, false, 256, 784, 64},
                          {"rnn step h W^T   32x256x64", false, true, 32, 256, 64},
                          {"one row  x W^T   1x256x256", false, true, 1, 256, 256},
                          {"one col  X w     256x1x256", false, false, 256, 1, 256},
                          {"tiny      8x8x8", false, false, 8, 8, 8}};
  Rng rng(2);
  for (const auto& s : shapes) {
    const auto A = random_vec(rng, std::size_t(s.M) * s.K), B = random_vec(rng, std::size_t(s.K) * s.N);
    std::vector<float> C(std::size_t(s.M) * s.N);
    const int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    auto simd = [&] {
      kernels::simd128::gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
    };
    auto ref = [&] {
      kernels::ref::gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
    };
    const double flops = 2.0 * s.M * s.N * s.K;
    const double t_simd = time_per_call(simd, min_seconds), t_ref = time_per_call(ref, min_seconds);
    std::printf("%-28s %9.2f %9.2f %6.1fx\n", s.name, flops / t_simd * 1e-9, flops / t_ref * 1e-9, t_ref / t_simd);
  }
}

void bench_elementwise(double min_seconds) {
  std::printf("\nElementwise and reductions, n = 65536, ns per element\n");
  std::printf("%-16s %9s %9s %7s\n", "kernel", "simd128", "ref", "ratio");
  const std::size_t n = 65536;
  Rng rng(3);
  const auto a = random_vec(rng, n), b = random_vec(rng, n);
  std::vector<float> out(n);
  volatile float sink = 0;
  struct Case {
    const char* name;
    void (*simd)(float*, const float*, std::size_t);
    void (*ref)(float*, const float*, std::size_t);
  };
  const Case unary[] = {{"exp", kernels::simd128::exp, kernels::ref::exp},
                        {"tanh", kernels::simd128::tanh, kernels::ref::tanh},
                        {"sigmoid", kernels::simd128::sigmoid, kernels::ref::sigmoid},
                        {"relu", kernels::simd128::relu, kernels::ref::relu}};
  auto row = [&](const char* name, double ts, double tr) {
    std::printf("%-16s %9.3f %9.3f %6.1fx\n", name, ts / n * 1e9, tr / n * 1e9, tr / ts);
  };
  for (const auto& c : unary)
    row(c.name, time_per_call([&] { c.simd(out.data(), a.data(), n); }, min_seconds),
        time_per_call([&] { c.ref(out.data(), a.data(), n); }, min_seconds));
  row("add", time_per_call([&] { kernels::simd128::add(out.data(), a.data(), b.data(), n); }, min_seconds),
      time_per_call([&] { kernels::ref::add(out.data(), a.data(), b.data(), n); }, min_seconds));
  row("tanh_backward",
      time_per_call([&] { kernels::simd128::tanh_backward(out.data(), a.data(), b.data(), n); }, min_seconds),
      time_per_call([&] { kernels::ref::tanh_backward(out.data(), a.data(), b.data(), n); }, min_seconds));
  row("dot", time_per_call([&] { sink = kernels::simd128::dot(a.data(), b.data(), n); }, min_seconds),
      time_per_call([&] { sink = kernels::ref::dot(a.data(), b.data(), n); }, min_seconds));
  row("sum", time_per_call([&] { sink = kernels::simd128::sum(a.data(), n); }, min_seconds),
      time_per_call([&] { sink = kernels::ref::sum(a.data(), n); }, min_seconds));
  row("softmax 64x1024",
      time_per_call([&] { kernels::simd128::softmax_rows(out.data(), a.data(), 64, 1024); }, min_seconds),
      time_per_call([&] { kernels::ref::softmax_rows(out.data(), a.data(), 64, 1024); }, min_seconds));
  row("log_softmax",
      time_per_call([&] { kernels::simd128::log_softmax_rows(out.data(), a.data(), 64, 1024); }, min_seconds),
      time_per_call([&] { kernels::ref::log_softmax_rows(out.data(), a.data(), 64, 1024); }, min_seconds));
  (void)sink;
}

// The recurrent cells' forward kernels at the recurrent benchmark's shape (B = 32, H = 128,
// tests/bench/compare), one time step per call: ns per hidden unit of one batch row, and
// the cycles per four units at 3.67 GHz (the benchmark machine's clock).
void bench_cells(double min_seconds) {
  std::printf("\nRecurrent cells, forward, B = 32, H = 128, ns per unit\n");
  std::printf("%-16s %9s %9s %7s %14s\n", "kernel", "simd128", "ref", "ratio", "cycles per 4");
  const std::int64_t B = 32, H = 128;
  Rng rng(4);
  const auto g4 = random_vec(rng, B * 4 * H), g3 = random_vec(rng, B * 3 * H), gh = random_vec(rng, B * 3 * H),
             hp = random_vec(rng, B * H);
  std::vector<float> act(B * 4 * H), act_ref(B * 4 * H), c(B * H), h(B * H), tc(B * H), hn(B * H), c_ref(B * H),
      h_ref(B * H), tc_ref(B * H), hn_ref(B * H);
  auto row = [&](const char* name, double ts, double tr, double worst) {
    const double units = double(B * H);
    std::printf("%-16s %9.3f %9.3f %6.1fx %14.1f   (max |simd - ref| %.2g)\n", name, ts / units * 1e9, tr / units * 1e9,
                tr / ts, ts / units * 4 * 3.67e9, worst);
  };
  auto diff = [](const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
    return worst;
  };
  auto lstm = [&] {
    kernels::simd128::lstm_cell_forward(B, H, g4.data(), hp.data(), nullptr, nullptr, act.data(), c.data(), h.data(),
                                        tc.data());
  };
  auto lstm_ref = [&] {
    kernels::ref::lstm_cell_forward(B, H, g4.data(), hp.data(), nullptr, nullptr, act_ref.data(), c_ref.data(),
                                    h_ref.data(), tc_ref.data());
  };
  lstm(), lstm_ref();
  row("lstm forward", time_per_call(lstm, min_seconds), time_per_call(lstm_ref, min_seconds), diff(h, h_ref));
  auto gru = [&] {
    kernels::simd128::gru_cell_forward(B, H, g3.data(), gh.data(), hp.data(), nullptr, act.data(), hn.data(), h.data());
  };
  auto gru_ref = [&] {
    kernels::ref::gru_cell_forward(B, H, g3.data(), gh.data(), hp.data(), nullptr, act_ref.data(), hn_ref.data(),
                                   h_ref.data());
  };
  gru(), gru_ref();
  row("gru forward", time_per_call(gru, min_seconds), time_per_call(gru_ref, min_seconds), diff(h, h_ref));
}

}  // namespace

int main(int argc, char** argv) {
  const double min_seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  if (argc > 2) kSizes = {std::atoi(argv[2])};  // one GEMM size only, e.g. to compare variants
#if defined(__wasm_simd128__)
  std::printf("simd128 kernels: wasm SIMD\n\n");
#else
  std::printf("simd128 kernels: portable fallback (not built with -msimd128)\n\n");
#endif
  bench_gemm(min_seconds);
  bench_gemm_shapes(min_seconds);
  bench_elementwise(min_seconds);
  bench_cells(min_seconds);
}
