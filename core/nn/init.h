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
// U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a), fan = fan_in
// or fan_out by `mode`: PyTorch's defaults (a = 0, "fan_in", "leaky_relu") give sqrt(2).
void kaiming_uniform(Tensor& t, Rng& rng, double a = 0.0, const std::string& mode = "fan_in",
                     const std::string& nonlinearity = "leaky_relu");
// N(0, std^2), std = gain / sqrt(fan), gain and fan as kaiming_uniform
void kaiming_normal(Tensor& t, Rng& rng, double a = 0.0, const std::string& mode = "fan_in",
                    const std::string& nonlinearity = "leaky_relu");
// A (semi-)orthogonal matrix from the QR of a Gaussian matrix (rows flattened as PyTorch).
void orthogonal(Tensor& t, Rng& rng, double gain = 1.0);

std::int64_t fan_in(const Tensor& t);
std::int64_t fan_out(const Tensor& t);

// torch.nn.init.calculate_gain: 1 for linear, conv*, sigmoid; 5/3 for tanh; sqrt(2) for
// relu; sqrt(2 / (1 + a^2)) for leaky_relu with negative slope a; 3/4 for selu. Throws
// std::invalid_argument listing gain_nonlinearities() for anything else.
double calculate_gain(const std::string& nonlinearity, double a = 0.0);
const std::vector<std::string>& gain_nonlinearities();

// The scale of an initialiser chosen by name (the spec's init_* fields): `std` for
// "normal" (N(0, std^2)), `bound` for "uniform" (U(-bound, bound)), `gain` for xavier_*
// and orthogonal, and a / mode / nonlinearity for kaiming_* (torch.nn.init's arguments).
// The defaults are gradlab's for normal and uniform and PyTorch's for the rest.
struct InitOptions {
  double std = 0.1;
  double bound = 0.1;
  double gain = 1.0;
  double a = 0.0;
  std::string mode = "fan_in";
  std::string nonlinearity = "leaky_relu";
};

// By name: "uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
// "kaiming_normal", "orthogonal", "zeros", "ones". Throws std::invalid_argument listing
// the names for anything else.
void by_name(const std::string& name, Tensor& t, Rng& rng, const InitOptions& options = {});
const std::vector<std::string>& names();

}  // namespace init
GRADLAB_END
