// Rng: a seeded, platform-independent generator (PCG32 + Box-Muller), so the same seed
// gives the same numbers natively and in wasm. std:: distributions are avoided on purpose:
// their algorithms are implementation-defined.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

GRADLAB_BEGIN

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0, std::uint64_t stream = 54);

  std::uint32_t next_u32();
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  double normal();                       // mean 0, std 1
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  std::uint32_t below(std::uint32_t n);  // [0, n), unbiased

  Tensor uniform_tensor(Shape shape, double lo, double hi);
  Tensor normal_tensor(Shape shape, double mean, double stddev);

  // The whole state, for checkpoints: restoring it replays the same sequence.
  struct State {
    std::uint64_t state, inc;
    bool has_spare;
    double spare;
  };
  State state() const { return {state_, inc_, has_spare_, spare_}; }
  void set_state(const State& s);

 private:
  std::uint64_t state_ = 0, inc_ = 0;
  bool has_spare_ = false;
  double spare_ = 0;
};

GRADLAB_END
