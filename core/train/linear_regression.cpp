// Closed-form least squares (see linear_regression.h), in double precision (nn/linalg.h).
#include "train/linear_regression.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/linalg.h"
#include "support/throw.h"

GRADLAB_BEGIN

LeastSquaresFit fit_least_squares(const Tensor& x, const Tensor& y, const LeastSquaresOptions& options) {
  if (!x.defined() || x.rank() != 2 || x.dim(0) == 0 || x.dim(1) == 0)
    throw_invalid_argument("least squares: inputs must be [N, F] with N, F >= 1, got " +
                           (x.defined() ? to_string(x.shape()) : std::string("undefined")));
  if (!y.defined() || (y.rank() != 1 && y.rank() != 2) || y.dim(0) != x.dim(0) || (y.rank() == 2 && y.dim(1) == 0))
    throw_invalid_argument("least squares: targets must be [N] or [N, O] with N = " + std::to_string(x.dim(0)) +
                           " (the inputs' rows), got " + (y.defined() ? to_string(y.shape()) : std::string("undefined")));
  if (!(options.ridge >= 0) || !std::isfinite(options.ridge))
    throw_invalid_argument("least squares: ridge = " + std::to_string(options.ridge) + " (allowed: a finite number >= 0)");
  for (const Tensor* t : {&x, &y})
    for (std::int64_t i = 0; i < t->numel(); ++i)
      if (!std::isfinite((*t)[i]))
        throw_invalid_argument(std::string("least squares: the ") + (t == &x ? "inputs" : "targets") +
                               " hold a non-finite value at flat index " + std::to_string(i));

  const std::int64_t N = x.dim(0), F = x.dim(1), O = y.rank() == 2 ? y.dim(1) : 1;
  const std::int64_t C = F + (options.fit_bias ? 1 : 0);
  // Ridge rows: sqrt(N*O*ridge) on the diagonal of each penalised column.
  const std::int64_t penalised = options.ridge > 0 ? (options.fit_bias && !options.penalize_bias ? F : C) : 0;
  linalg::Matrix A(N + penalised, C), Y(N + penalised, O);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t f = 0; f < F; ++f) A(n, f) = static_cast<double>(x[n * F + f]);
    if (options.fit_bias) A(n, F) = 1;
    for (std::int64_t o = 0; o < O; ++o) Y(n, o) = static_cast<double>(y[n * O + o]);
  }
  const double s = std::sqrt(static_cast<double>(N * O) * options.ridge);
  for (std::int64_t j = 0; j < penalised; ++j) A(N + j, j) = s;

  const linalg::LeastSquares solution = linalg::least_squares(A, Y);
  LeastSquaresFit fit;
  fit.rank = solution.rank;
  fit.columns = C;
  fit.rank_deficient = fit.rank < C;
  if (fit.rank_deficient && options.require_full_rank)
    throw_invalid_argument("least squares: the design matrix [x" + std::string(options.fit_bias ? ", 1" : "") + "] has rank " +
                           std::to_string(fit.rank) + " but " + std::to_string(C) +
                           " columns (collinear or duplicated features, or fewer samples than columns), so the "
                           "minimiser is not unique; drop the redundant features, add a ridge term, or allow the "
                           "minimum-norm solution (require_full_rank = false)");
  const linalg::Matrix& W = solution.x;  // [C, O], minimum norm when rank-deficient

  fit.weight = Tensor({O, F});
  fit.bias = Tensor({O});
  for (std::int64_t o = 0; o < O; ++o) {
    for (std::int64_t f = 0; f < F; ++f) fit.weight[o * F + f] = static_cast<Scalar>(W(f, o));
    if (options.fit_bias) fit.bias[o] = static_cast<Scalar>(W(F, o));
  }
  double sq = 0;  // the residual on the data rows
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o) {
      double r = -Y(n, o);
      for (std::int64_t c = 0; c < C; ++c) r += A(n, c) * W(c, o);
      sq += r * r;
    }
  fit.mse = sq / static_cast<double>(N * O);
  return fit;
}

LeastSquaresCost least_squares_cost(std::int64_t N, std::int64_t F, std::int64_t O, bool fit_bias, std::int64_t ridge_rows) {
  const double n = static_cast<double>(N), f = static_cast<double>(F), o = static_cast<double>(O);
  const double c = f + (fit_bias ? 1 : 0), m = n + static_cast<double>(ridge_rows);
  LeastSquaresCost cost;
  cost.normal_equations = 2 * n * c * c + 2 * n * c * o + c * c * c / 3 + 2 * c * c * o;
  cost.qr = 2 * m * c * c - 2 * c * c * c / 3 + 4 * m * c * o + c * c * o;
  cost.gradient_step = 4 * n * f * o + (fit_bias ? 2 * n * o : 0) + 2 * c * o;
  return cost;
}

Tensor polynomial_features(const Tensor& x, int degree) {
  if (!x.defined() || x.rank() != 2 || x.dim(1) != 1)
    throw_invalid_argument("polynomial_features: x must be [N, 1], got " +
                           (x.defined() ? to_string(x.shape()) : std::string("undefined")));
  if (degree < 1) throw_invalid_argument("polynomial_features: degree = " + std::to_string(degree) + " (allowed: >= 1)");
  const std::int64_t N = x.dim(0);
  Tensor out({N, degree});
  for (std::int64_t n = 0; n < N; ++n) {
    double p = 1;
    for (int d = 0; d < degree; ++d) {
      p *= static_cast<double>(x[n]);
      out[n * degree + d] = static_cast<Scalar>(p);
    }
  }
  return out;
}

GRADLAB_END
