// BatchNorm1d and BatchNorm2d: parameters and buffers named as PyTorch's, over ops/norm.h.
#include "nn/norm.h"

#include <stdexcept>

#include "ops/norm.h"
#include "support/throw.h"

GRADLAB_BEGIN

BatchNorm::BatchNorm(std::string name, std::int64_t num_features, double eps, double momentum, int min_rank,
                     int max_rank, std::string layouts)
    : name_(std::move(name)),
      layouts_(std::move(layouts)),
      features_(num_features),
      eps_(eps),
      momentum_(momentum),
      min_rank_(min_rank),
      max_rank_(max_rank) {
  const std::string who = name_ + "(" + std::to_string(features_) + ")";
  if (features_ <= 0) throw_invalid_argument(who + ": num_features must be positive");
  if (!(eps_ >= 0)) throw_invalid_argument(who + ": eps must be non-negative, got " + std::to_string(eps_));
  if (!(momentum_ >= 0 && momentum_ <= 1))
    throw_invalid_argument(who + ": momentum must be in [0, 1], got " + std::to_string(momentum_));
  weight_ = register_parameter("weight", Tensor::ones({features_}));
  bias_ = register_parameter("bias", Tensor::zeros({features_}));
  running_mean_ = register_buffer("running_mean", Tensor::zeros({features_}));
  running_var_ = register_buffer("running_var", Tensor::ones({features_}));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({}));
}

Shape BatchNorm::output_shape(const Shape& in) const {
  const int rank = static_cast<int>(in.size());
  if (rank < min_rank_ || rank > max_rank_ || in[1] != features_)
    throw_invalid_argument(name_ + "(" + std::to_string(features_) + ") expects " + layouts_ + " with C = " +
                           std::to_string(features_) + ", got " + to_string(in));
  return in;
}

Var BatchNorm::forward(const Var& x) {
  output_shape(x.shape());
  try {
    Var y = batch_norm(x, weight_, bias_, running_mean_, running_var_, training(), momentum_, eps_);
    if (training()) num_batches_tracked_[0] += 1;
    return y;
  } catch (const std::invalid_argument& e) {  // e.g. one value per channel in training
    throw_invalid_argument(name_ + "(" + std::to_string(features_) + "): " + e.what());
  }
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, double eps, double momentum)
    : BatchNorm("BatchNorm1d", num_features, eps, momentum, 2, 3, "[N, C] or [N, C, L]") {}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, double eps, double momentum)
    : BatchNorm("BatchNorm2d", num_features, eps, momentum, 4, 4, "[N, C, H, W]") {}

GRADLAB_END
