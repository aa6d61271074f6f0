// Native side of tests/bench/compare: gradlab's GEMM through the kernel dispatch (Eigen in a
// release build) and training steps through the Session, timed like the JS side (median of
// repetitions). Prints one JSON object on stdout.
//   compare_native <spec-dir> [gemm sizes...]
// <spec-dir> holds the specs the JS driver wrote (lstm.json, gru.json, mlp.json, gan.json,
// transformer.json, diffusion.json).
// GEMM inputs come from the same 32-bit LCG as lib/common.mjs, so sampled entries of C can be
// cross-checked against the wasm and TensorFlow.js results.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "session/session.h"

using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

std::vector<float> lcg_fill(std::uint32_t seed, std::size_t n) {
  std::vector<float> v(n);
  std::uint32_t s = seed;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(s >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
  return v;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median (and fastest) seconds per call over `reps` repetitions of enough calls to last
// ~target seconds.
struct Timing {
  double median, best;
};
template <class F>
Timing time_median(F f, int reps, double target) {
  f();
  auto t0 = Clock::now();
  f();
  const double one = std::chrono::duration<double>(Clock::now() - t0).count();
  const long calls = std::max(1L, long(target / std::max(one, 1e-9)));
  std::vector<double> per;
  for (int r = 0; r < reps; ++r) {
    const auto s = Clock::now();
    for (long c = 0; c < calls; ++c) f();
    per.push_back(std::chrono::duration<double>(Clock::now() - s).count() / double(calls));
  }
  return {median(per), *std::min_element(per.begin(), per.end())};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: compare_native <spec-dir> [n...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<int> sizes = {64, 128, 256, 512};
  if (argc > 2) {
    sizes.clear();
    for (int i = 2; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  }
  json out;
  out["kernel_backend"] = gradlab::kernels::backend_name();
  json gemm = json::array();
  const char* names[] = {"NN", "NT", "TN", "TT"};
  for (int n : sizes) {
    const auto A = lcg_fill(std::uint32_t(n) * 7 + 1, std::size_t(n) * n);
    const auto B = lcg_fill(std::uint32_t(n) * 7 + 2, std::size_t(n) * n);
    std::vector<float> C(std::size_t(n) * n);
    for (int v = 0; v < 4; ++v) {
      const bool ta = v & 2, tb = v & 1;
      auto f = [&] { gradlab::kernels::gemm(ta, tb, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n); };
      const Timing tm = time_median(f, 9, 0.05);
      const double t = tm.median;
      f();
      json sample = json::array();
      for (int k = 0; k < 64; ++k) sample.push_back(C[(std::size_t(k) * 2654435761u) % C.size()]);
      gemm.push_back({{"n", n}, {"variant", names[v]}, {"ms", t * 1e3}, {"gflops", 2.0 * n * n * n / t * 1e-9}, {"best", tm.best * 1e3}, {"gflops_best", 2.0 * n * n * n / tm.best * 1e-9},
                      {"sample", sample}});
    }
  }
  out["gemm"] = gemm;
  json steps = json::object(), gemm128 = json::object();
  // GEMM n=128 NN, 50 products per batch, timed interleaved with the LSTM/GRU steps (the
  // reference rate of "fraction of its own GEMM rate", under the same load).
  const auto A128 = lcg_fill(128 * 7 + 1, 128 * 128), B128 = lcg_fill(128 * 7 + 2, 128 * 128);
  std::vector<float> C128(128 * 128);
  auto gemm_batch = [&] {
    for (int i = 0; i < 50; ++i)
      gradlab::kernels::gemm(false, false, 128, 128, 128, 1.0f, A128.data(), 128, B128.data(), 128, 0.0f, C128.data(), 128);
  };
  for (const char* model : {"lstm", "gru", "mlp", "gan", "transformer", "diffusion"}) {
    gradlab::Session s(read_file(dir + "/" + model + ".json"));
    const std::string name = model;
    const bool big = name == "lstm" || name == "gru" || name == "transformer";  // one step per batch
    for (int i = 0; i < 2; ++i) s.step();
    std::vector<double> per, per_gemm;
    const int reps = big ? 15 : 9;
    const int calls = big ? 1 : (name == "mlp" ? 2000 : 50);
    double loss = 0;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      for (int c = 0; c < calls; ++c) {
        auto m = s.step();
        if (m.contains("loss") && m["loss"].is_number()) loss = m["loss"].get<double>();
      }
      per.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / calls);
      if (big) {
        const auto t1 = Clock::now();
        gemm_batch();
        per_gemm.push_back(std::chrono::duration<double>(Clock::now() - t1).count());
      }
    }
    steps[model] = {{"ms", median(per) * 1e3}, {"best", *std::min_element(per.begin(), per.end()) * 1e3}, {"reps", reps},
                    {"calls_per_rep", calls}, {"last_loss", loss}};
    if (big)
      gemm128[model] = {{"ms", median(per_gemm) * 1e3}, {"best", *std::min_element(per_gemm.begin(), per_gemm.end()) * 1e3},
                        {"batch", 50}};
  }
  out["gemm128_during_steps"] = gemm128;
  out["steps"] = steps;
  std::cout << out.dump() << "\n";
}
