#include "nn/init.h"

#include <cmath>
#include <stdexcept>

#include "nn/linalg.h"
#include "support/throw.h"
#include "tensor/strings.h"

GRADLAB_BEGIN
namespace init {

std::int64_t fan_in(const Tensor& t) {
  if (t.rank() < 2) return t.numel();
  return t.numel() / t.dim(0);
}
std::int64_t fan_out(const Tensor& t) {
  if (t.rank() < 2) return t.numel();
  return t.numel() / t.dim(1);
}

void uniform(Tensor& t, Rng& rng, double lo, double hi) {
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<Scalar>(rng.uniform(lo, hi));
}
void normal(Tensor& t, Rng& rng, double mean, double stddev) {
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<Scalar>(rng.normal(mean, stddev));
}
void constant(Tensor& t, double value) { t.fill(static_cast<Scalar>(value)); }

void xavier_uniform(Tensor& t, Rng& rng, double gain) {
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in(t) + fan_out(t)));
  uniform(t, rng, -a, a);
}
void xavier_normal(Tensor& t, Rng& rng, double gain) {
  normal(t, rng, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in(t) + fan_out(t))));
}
namespace {
// The fan kaiming_* divide by: fan_in or fan_out (PyTorch's `mode`).
double kaiming_fan(const Tensor& t, const std::string& mode) {
  if (mode != "fan_in" && mode != "fan_out")
    throw_invalid_argument("kaiming init: mode '" + mode + "' (allowed: fan_in, fan_out)");
  return static_cast<double>(std::max<std::int64_t>(mode == "fan_in" ? fan_in(t) : fan_out(t), 1));
}
}  // namespace

void kaiming_uniform(Tensor& t, Rng& rng, double a, const std::string& mode, const std::string& nonlinearity) {
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / kaiming_fan(t, mode));
  uniform(t, rng, -bound, bound);
}
void kaiming_normal(Tensor& t, Rng& rng, double a, const std::string& mode, const std::string& nonlinearity) {
  normal(t, rng, 0, calculate_gain(nonlinearity, a) / std::sqrt(kaiming_fan(t, mode)));
}

const std::vector<std::string>& gain_nonlinearities() {
  static const std::vector<std::string> n = {"linear", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"};
  return n;
}

double calculate_gain(const std::string& nonlinearity, double a) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" || nonlinearity == "conv3d" ||
      nonlinearity == "sigmoid")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + a * a));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw_invalid_argument("calculate_gain: unknown nonlinearity '" + nonlinearity + "' (allowed: " + join(gain_nonlinearities()) + ")");
}

void orthogonal(Tensor& t, Rng& rng, double gain) {
  if (t.rank() < 2) throw_invalid_argument("orthogonal init needs at least 2 dimensions, got " + to_string(t.shape()));
  const std::int64_t rows = t.dim(0), cols = t.numel() / t.dim(0);
  const bool tall = rows >= cols;
  // QR of a Gaussian matrix with more rows than columns; transpose back if needed. The QR's
  // sign fix (as PyTorch) makes the distribution uniform over orthogonal matrices.
  linalg::Matrix g(tall ? rows : cols, tall ? cols : rows);
  for (double& v : g.data) v = rng.normal();
  const linalg::Matrix q = linalg::householder_qr(g).q;
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) t[i * cols + j] = static_cast<Scalar>(gain * (tall ? q(i, j) : q(j, i)));
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> n = {"uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                                             "kaiming_normal", "orthogonal", "zeros", "ones"};
  return n;
}

void by_name(const std::string& name, Tensor& t, Rng& rng, const InitOptions& o) {
  if (name == "uniform") uniform(t, rng, -o.bound, o.bound);
  else if (name == "normal") normal(t, rng, 0, o.std);
  else if (name == "xavier_uniform") xavier_uniform(t, rng, o.gain);
  else if (name == "xavier_normal") xavier_normal(t, rng, o.gain);
  else if (name == "kaiming_uniform") kaiming_uniform(t, rng, o.a, o.mode, o.nonlinearity);
  else if (name == "kaiming_normal") kaiming_normal(t, rng, o.a, o.mode, o.nonlinearity);
  else if (name == "orthogonal") orthogonal(t, rng, o.gain);
  else if (name == "zeros") constant(t, 0);
  else if (name == "ones") constant(t, 1);
  else {
    throw_invalid_argument("unknown initialiser '" + name + "' (allowed: " + join(names()) + ")");
  }
}

}  // namespace init
GRADLAB_END
