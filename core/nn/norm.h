// Batch normalisation layers with PyTorch's state_dict: parameters weight (gamma, ones)
// and bias (beta, zeros); buffers running_mean (zeros), running_var (ones) and
// num_batches_tracked (shape [], the number of training forwards). Module::train(bool)
// switches between batch statistics (training) and the running ones (eval).
//
//   auto bn = std::make_shared<BatchNorm2d>(8);
//   Var y = bn->forward(x);    // x [N, 8, H, W]; updates the running stats
//   bn->train(false);          // eval: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias
#pragma once

#include "nn/module.h"

GRADLAB_BEGIN

// What BatchNorm1d and BatchNorm2d share; see ops/norm.h for the equations.
class BatchNorm : public Layer {
 public:
  std::string type_name() const override { return name_; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;  // in, once checked
  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }
  // Share storage with the module: load_state and training forwards write into them.
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }
  // Kept as a Scalar (PyTorch stores int64): exact up to 2^24 steps in float.
  std::int64_t num_batches_tracked() const { return static_cast<std::int64_t>(num_batches_tracked_.item()); }
  std::int64_t num_features() const { return features_; }
  double eps() const { return eps_; }
  double momentum() const { return momentum_; }

 protected:
  // `layouts` describes the accepted inputs for messages, e.g. "[N, C] or [N, C, L]".
  BatchNorm(std::string name, std::int64_t num_features, double eps, double momentum, int min_rank, int max_rank,
            std::string layouts);

 private:
  std::string name_, layouts_;
  std::int64_t features_;
  double eps_, momentum_;
  int min_rank_, max_rank_;
  Var weight_, bias_;
  Tensor running_mean_, running_var_, num_batches_tracked_;
};

// x [N, C] (or [N, C, L], as PyTorch) with C = num_features; statistics per feature.
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1);
};

// x [N, C, H, W] with C = num_features; statistics per channel over N, H and W.
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1);
};

GRADLAB_END
