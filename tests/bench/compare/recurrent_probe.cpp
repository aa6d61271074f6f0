// Phase breakdown of one recurrent training step (the config of recurrent_bench.cpp) for
// profiling the wasm build outside the Session: forward of the recurrent layer, head + loss,
// backward, SGD update; median ms of several steps. Built and run by compare/probe.sh (em++ with
// --profiling-funcs, so node --cpu-prof shows function names); natively it builds too.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "nn/layers.h"
#include "nn/recurrent.h"
#include "ops/loss.h"
#include "ops/ops.h"
#include "optim/optimizers.h"

using namespace gradlab;
using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
static double med(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 7;
  constexpr std::int64_t B = 32, T = 50, I = 64, H = 128, V = 64;
  for (CellKind kind : {CellKind::Lstm, CellKind::Gru}) {
    Rng rng(1);
    RecurrentOptions o;
    o.kind = kind;
    o.input_size = I;
    o.hidden_size = H;
    auto rnn = std::make_shared<Recurrent>(o, rng);
    auto head = std::make_shared<Linear>(H, V, rng);
    NamedParams params = rnn->named_parameters();
    for (auto& p : head->named_parameters()) params.emplace_back("head." + p.first, p.second);
    SGD sgd(params, {.lr = 0.01});
    const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
    Tensor y({B, T});
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = static_cast<Scalar>(rng.below(V));
    std::vector<double> f, h, b, u, all;
    for (int s = 0; s < steps + 1; ++s) {
      const auto t0 = Clock::now();
      sgd.zero_grad();
      Var out = rnn->forward(Var(x));
      const double tf = ms_since(t0);
      auto t1 = Clock::now();
      Var loss = cross_entropy(head->forward(out), y);
      const double th = ms_since(t1);
      t1 = Clock::now();
      loss.backward();
      const double tb = ms_since(t1);
      t1 = Clock::now();
      sgd.step();
      const double tu = ms_since(t1);
      const double ta = ms_since(t0);
      if (s == 0) continue;
      f.push_back(tf), h.push_back(th), b.push_back(tb), u.push_back(tu), all.push_back(ta);
    }
    std::printf("%s: step %.2f ms = rnn forward %.2f + head/loss %.2f + backward %.2f + sgd %.2f\n",
                kind == CellKind::Lstm ? "lstm" : "gru", med(all), med(f), med(h), med(b), med(u));
    // The forward alone under no-grad (what Session.evaluate runs, the ORT comparison's gradlab side).
    std::vector<double> ef, eh, ea;
    for (int s = 0; s < steps + 1; ++s) {
      NoGradGuard no_grad;
      const auto t0 = Clock::now();
      Var out = rnn->forward(Var(x));
      const double tf = ms_since(t0);
      const auto t1 = Clock::now();
      Var loss = cross_entropy(head->forward(out), y);
      const double th = ms_since(t1), ta = ms_since(t0);
      if (s == 0) continue;
      ef.push_back(tf), eh.push_back(th), ea.push_back(ta);
    }
    std::printf("%s: no-grad forward %.2f ms = rnn forward %.2f + head/loss %.2f\n",
                kind == CellKind::Lstm ? "lstm" : "gru", med(ea), med(ef), med(eh));
    std::fflush(stdout);
  }
}
