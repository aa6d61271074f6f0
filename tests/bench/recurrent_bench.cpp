// One training step of an LSTM / GRU: batch B=32, length T=50, input I=64, hidden H=128,
// a Linear to V=64 classes and softmax cross-entropy at every step, SGD (forward + BPTT +
// update). The native baseline the wasm build is measured against (README, "Benchmarks").
#include <benchmark/benchmark.h>

#include "nn/layers.h"
#include "nn/recurrent.h"
#include "ops/loss.h"
#include "ops/ops.h"
#include "optim/optimizers.h"

namespace gradlab {
namespace {

constexpr std::int64_t B = 32, T = 50, I = 64, H = 128, V = 64;

void training_step(benchmark::State& state, CellKind kind, bool fused) {
  Rng rng(1);
  RecurrentOptions o;
  o.kind = kind;
  o.input_size = I;
  o.hidden_size = H;
  auto rnn = std::make_shared<Recurrent>(o, rng);
  rnn->set_fused(fused);
  auto head = std::make_shared<Linear>(H, V, rng);
  NamedParams params = rnn->named_parameters();
  for (auto& p : head->named_parameters()) params.emplace_back("head." + p.first, p.second);
  SGD sgd(params, {.lr = 0.01});
  const Tensor x = rng.normal_tensor({B, T, I}, 0, 1);
  Tensor y({B, T});
  for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = static_cast<Scalar>(rng.below(V));
  for (auto _ : state) {
    sgd.zero_grad();
    Var loss = cross_entropy(head->forward(rnn->forward(Var(x))), y);
    loss.backward();
    sgd.step();
    benchmark::DoNotOptimize(loss.item());
  }
  // Matrix FLOPs of one step (forward 1x, backward 2x): input and recurrent projections
  // of every gate and the output layer.
  const double G = kind == CellKind::Lstm ? 4 : kind == CellKind::Gru ? 3 : 1;
  const double flops = 3.0 * 2 * B * T * (G * H * (I + H) + H * V);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LstmStepFused(benchmark::State& s) { training_step(s, CellKind::Lstm, true); }
void BM_LstmStepUnfused(benchmark::State& s) { training_step(s, CellKind::Lstm, false); }
void BM_GruStepFused(benchmark::State& s) { training_step(s, CellKind::Gru, true); }
BENCHMARK(BM_LstmStepFused)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_LstmStepUnfused)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_GruStepFused)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace gradlab
