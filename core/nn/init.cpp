#include "nn/init.h"

#include <Eigen/QR>
#include <cmath>
#include <stdexcept>

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
void kaiming_uniform(Tensor& t, Rng& rng, double a) {
  const double gain = std::sqrt(2.0 / (1 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(std::max<std::int64_t>(fan_in(t), 1)));
  uniform(t, rng, -bound, bound);
}
void kaiming_normal(Tensor& t, Rng& rng, double a) {
  const double gain = std::sqrt(2.0 / (1 + a * a));
  normal(t, rng, 0, gain / std::sqrt(static_cast<double>(std::max<std::int64_t>(fan_in(t), 1))));
}

void orthogonal(Tensor& t, Rng& rng, double gain) {
  if (t.rank() < 2) throw std::invalid_argument("orthogonal init needs at least 2 dimensions, got " + to_string(t.shape()));
  const Eigen::Index rows = t.dim(0), cols = t.numel() / t.dim(0);
  const bool tall = rows >= cols;
  // QR of a Gaussian matrix with more rows than columns; transpose back if needed.
  Eigen::MatrixXd g(tall ? rows : cols, tall ? cols : rows);
  for (Eigen::Index i = 0; i < g.rows(); ++i)
    for (Eigen::Index j = 0; j < g.cols(); ++j) g(i, j) = rng.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(g.rows(), g.cols());
  // Sign fix (as PyTorch) so the distribution is uniform over orthogonal matrices.
  const Eigen::MatrixXd r = qr.matrixQR();
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    if (r(j, j) < 0) q.col(j) *= -1;
  if (!tall) q.transposeInPlace();
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) t[i * cols + j] = static_cast<Scalar>(gain * q(i, j));
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> n = {"uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                                             "kaiming_normal", "orthogonal", "zeros", "ones"};
  return n;
}

void by_name(const std::string& name, Tensor& t, Rng& rng) {
  if (name == "uniform") uniform(t, rng, -0.1, 0.1);
  else if (name == "normal") normal(t, rng, 0, 0.1);
  else if (name == "xavier_uniform") xavier_uniform(t, rng);
  else if (name == "xavier_normal") xavier_normal(t, rng);
  else if (name == "kaiming_uniform") kaiming_uniform(t, rng);
  else if (name == "kaiming_normal") kaiming_normal(t, rng);
  else if (name == "orthogonal") orthogonal(t, rng);
  else if (name == "zeros") constant(t, 0);
  else if (name == "ones") constant(t, 1);
  else {
    throw std::invalid_argument("unknown initialiser '" + name + "' (allowed: " + join(names()) + ")");
  }
}

}  // namespace init
GRADLAB_END
