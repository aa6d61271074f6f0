// Initialisers, as in torch.nn.init. fan_in / fan_out follow PyTorch: for a weight
// [out, in, k...], fan_in = in * prod(k), fan_out = out * prod(k).
#pragma once

#include <string>

#include "tensor/rng.h"

GRADLAB_BEGIN
namespace init {

void uniform(Tensor& t, Rng& rng, double lo, double hi);
void normal(Tensor& t, Rng& rng, double mean, double stddev);
void constant(Tensor& t, double value);
// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
void xavier_uniform(Tensor& t, Rng& rng, double gain = 1.0);
// N(0, gain^2 * 2 / (fan_in + fan_out))
void xavier_normal(Tensor& t, Rng& rng, double gain = 1.0);
// U(-b, b), b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)) for leaky_relu slope a
void kaiming_uniform(Tensor& t, Rng& rng, double a = 0.0);
// N(0, gain^2 / fan_in)
void kaiming_normal(Tensor& t, Rng& rng, double a = 0.0);
// A (semi-)orthogonal matrix from the QR of a Gaussian matrix (rows flattened as PyTorch).
void orthogonal(Tensor& t, Rng& rng, double gain = 1.0);

std::int64_t fan_in(const Tensor& t);
std::int64_t fan_out(const Tensor& t);

// By name: "uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
// "kaiming_normal", "orthogonal", "zeros", "ones". Throws std::invalid_argument listing
// the names for anything else.
void by_name(const std::string& name, Tensor& t, Rng& rng);
const std::vector<std::string>& names();

}  // namespace init
GRADLAB_END
