// Dense double linear algebra as plain loops (see linalg.h). The Householder reflectors follow
// LAPACK's and Eigen's conventions (H = I - tau v v^T, v(0) = 1, beta = -sign(x0) ||x||), so
// results agree with the Eigen code this replaced to rounding.
#include "nn/linalg.h"
#include "support/throw.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

GRADLAB_BEGIN
namespace linalg {

Matrix identity(std::int64_t n) {
  Matrix m(n, n);
  for (std::int64_t i = 0; i < n; ++i) m(i, i) = 1;
  return m;
}

Matrix diagonal(const Vector& d) {
  const auto n = static_cast<std::int64_t>(d.size());
  Matrix m(n, n);
  for (std::int64_t i = 0; i < n; ++i) m(i, i) = d[static_cast<std::size_t>(i)];
  return m;
}

Matrix transpose(const Matrix& a) {
  Matrix t(a.cols, a.rows);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.cols; ++j) t(j, i) = a(i, j);
  return t;
}

namespace {
void check(bool ok, const char* what, const Matrix& a, const std::string& b) {
  if (!ok)
    throw_invalid_argument(std::string("linalg: ") + what + ": [" + std::to_string(a.rows) + ", " +
                           std::to_string(a.cols) + "] and " + b);
}
std::string shape(const Matrix& m) { return "[" + std::to_string(m.rows) + ", " + std::to_string(m.cols) + "]"; }
}  // namespace

Matrix operator*(const Matrix& a, const Matrix& b) {
  check(a.cols == b.rows, "product of mismatched shapes", a, shape(b));
  Matrix c(a.rows, b.cols);
  const std::int64_t n = b.cols;
  for (std::int64_t i = 0; i < a.rows; ++i) {
    double* ci = c.data.data() + i * n;
    for (std::int64_t k = 0; k < a.cols; ++k) {
      const double aik = a(i, k), *bk = b.data.data() + k * n;
      for (std::int64_t j = 0; j < n; ++j) ci[j] += aik * bk[j];
    }
  }
  return c;
}

Vector operator*(const Matrix& a, const Vector& x) {
  check(a.cols == static_cast<std::int64_t>(x.size()), "product of mismatched shapes", a, "[" + std::to_string(x.size()) + "]");
  Vector y(static_cast<std::size_t>(a.rows), 0.0);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.cols; ++j) y[static_cast<std::size_t>(i)] += a(i, j) * x[static_cast<std::size_t>(j)];
  return y;
}

Matrix operator+(Matrix a, const Matrix& b) {
  check(a.rows == b.rows && a.cols == b.cols, "sum of mismatched shapes", a, shape(b));
  for (std::size_t k = 0; k < a.data.size(); ++k) a.data[k] += b.data[k];
  return a;
}

Matrix operator-(Matrix a, const Matrix& b) {
  check(a.rows == b.rows && a.cols == b.cols, "difference of mismatched shapes", a, shape(b));
  for (std::size_t k = 0; k < a.data.size(); ++k) a.data[k] -= b.data[k];
  return a;
}

Matrix scale_rows(const Vector& d, Matrix a) {
  check(a.rows == static_cast<std::int64_t>(d.size()), "row scaling of mismatched shapes", a, "[" + std::to_string(d.size()) + "]");
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.cols; ++j) a(i, j) *= d[static_cast<std::size_t>(i)];
  return a;
}

double frobenius_norm(const Matrix& a) {
  double sq = 0;
  for (double v : a.data) sq += v * v;
  return std::sqrt(sq);
}

namespace {

// A QR factorisation in LAPACK's compact form: R in the upper triangle of qr; reflector k is
// H_k = I - tau[k] v v^T with v = (1, qr(k+1.., k)) acting on rows k..m-1; A P = H_0 ... H_{s-1} R
// where column k of A P is column perm[k] of A (s = min(m, n)).
struct Householder {
  Matrix qr;
  std::vector<double> tau;
  std::vector<std::int64_t> perm;
};

// Applies H_k (= H_k^T) to rows k.. of b [m, p] on the left.
void apply_reflector(const Householder& h, std::int64_t k, Matrix& b) {
  const double tau = h.tau[static_cast<std::size_t>(k)];
  if (tau == 0) return;
  // w = tau * v^T b, then b -= v w (by rows: b is row-major).
  const std::int64_t p = b.cols;
  std::vector<double> w(b.data.begin() + k * p, b.data.begin() + (k + 1) * p);
  for (std::int64_t i = k + 1; i < b.rows; ++i) {
    const double v = h.qr(i, k), *bi = b.data.data() + i * p;
    for (std::int64_t j = 0; j < p; ++j) w[static_cast<std::size_t>(j)] += v * bi[j];
  }
  for (double& x : w) x *= tau;
  for (std::int64_t i = k; i < b.rows; ++i) {
    const double v = i == k ? 1.0 : h.qr(i, k);
    double* bi = b.data.data() + i * p;
    for (std::int64_t j = 0; j < p; ++j) bi[j] -= v * w[static_cast<std::size_t>(j)];
  }
}

// Householder QR of a, with column pivoting (largest remaining column norm first) if asked.
Householder factor(Matrix a, bool pivot) {
  const std::int64_t m = a.rows, n = a.cols, s = std::min(m, n);
  Householder h;
  h.tau.assign(static_cast<std::size_t>(s), 0.0);
  h.perm.resize(static_cast<std::size_t>(n));
  std::iota(h.perm.begin(), h.perm.end(), 0);
  // Column pivoting keeps each remaining column's norm below row k, downdated after every step
  // and recomputed when cancellation makes the downdate inaccurate (LAPACK's xGEQP3, LAWN 176).
  std::vector<double> norms(static_cast<std::size_t>(pivot ? n : 0)), direct(norms.size()), w(static_cast<std::size_t>(n));
  auto column_norm = [&](std::int64_t j, std::int64_t from) {
    double sq = 0;
    for (std::int64_t i = from; i < m; ++i) sq += a(i, j) * a(i, j);
    return std::sqrt(sq);
  };
  for (std::size_t j = 0; j < norms.size(); ++j) norms[j] = direct[j] = column_norm(static_cast<std::int64_t>(j), 0);
  for (std::int64_t k = 0; k < s; ++k) {
    if (pivot) {  // the remaining column with the largest norm, the first of equals
      const auto best = std::max_element(norms.begin() + k, norms.end()) - norms.begin();
      if (best != k) {
        for (std::int64_t i = 0; i < m; ++i) std::swap(a(i, k), a(i, best));
        for (auto* v : {&norms, &direct}) std::swap((*v)[static_cast<std::size_t>(k)], (*v)[static_cast<std::size_t>(best)]);
        std::swap(h.perm[static_cast<std::size_t>(k)], h.perm[static_cast<std::size_t>(best)]);
      }
    }
    // The reflector that maps x = a(k.., k) to (beta, 0, ...): v = (1, x(1..) / (x0 - beta)).
    double tail = 0;
    for (std::int64_t i = k + 1; i < m; ++i) tail += a(i, k) * a(i, k);
    const double x0 = a(k, k);
    double tau = 0, beta = x0;
    if (tail > std::numeric_limits<double>::min()) {
      beta = std::sqrt(x0 * x0 + tail);
      if (x0 >= 0) beta = -beta;
      for (std::int64_t i = k + 1; i < m; ++i) a(i, k) /= x0 - beta;
      tau = (beta - x0) / beta;
    } else {
      for (std::int64_t i = k + 1; i < m; ++i) a(i, k) = 0;
    }
    a(k, k) = beta;
    h.tau[static_cast<std::size_t>(k)] = tau;
    if (tau != 0) {
      // The remaining columns: w = tau * v^T a(k.., k+1..), a(k.., k+1..) -= v w (by rows).
      double* ak = a.data.data() + k * n;
      for (std::int64_t j = k + 1; j < n; ++j) w[static_cast<std::size_t>(j)] = ak[j];
      for (std::int64_t i = k + 1; i < m; ++i) {
        const double* ai = a.data.data() + i * n;
        for (std::int64_t j = k + 1; j < n; ++j) w[static_cast<std::size_t>(j)] += ai[k] * ai[j];
      }
      for (std::int64_t j = k + 1; j < n; ++j) {
        w[static_cast<std::size_t>(j)] *= tau;
        ak[j] -= w[static_cast<std::size_t>(j)];
      }
      for (std::int64_t i = k + 1; i < m; ++i) {
        double* ai = a.data.data() + i * n;
        for (std::int64_t j = k + 1; j < n; ++j) ai[j] -= ai[k] * w[static_cast<std::size_t>(j)];
      }
    }
    for (std::int64_t j = k + 1; pivot && j < n; ++j) {
      const auto u = static_cast<std::size_t>(j);
      if (norms[u] == 0) continue;
      const double ratio = std::fabs(a(k, j)) / norms[u];
      const double left = std::max((1 + ratio) * (1 - ratio), 0.0);
      const double drift = norms[u] / direct[u];
      if (left * drift * drift <= std::sqrt(std::numeric_limits<double>::epsilon())) {
        norms[u] = direct[u] = column_norm(j, k + 1);
      } else {
        norms[u] *= std::sqrt(left);
      }
    }
  }
  h.qr = std::move(a);
  return h;
}

// H_0 ... H_{r-1} applied to top (its first r rows; the rest of the m rows zero): m x top.cols.
Matrix apply_q(const Householder& h, std::int64_t r, const Matrix& top) {
  Matrix b(h.qr.rows, top.cols);
  std::copy(top.data.begin(), top.data.begin() + r * top.cols, b.data.begin());
  for (std::int64_t k = r - 1; k >= 0; --k) apply_reflector(h, k, b);
  return b;
}

}  // namespace

QR householder_qr(const Matrix& a) {
  if (a.rows < a.cols)
    throw_invalid_argument("householder_qr: expected at least as many rows as columns, got " + shape(a));
  const std::int64_t n = a.cols;
  const Householder h = factor(a, false);
  QR out;
  out.q = apply_q(h, n, identity(n));
  out.r = Matrix(n, n);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i; j < n; ++j) out.r(i, j) = h.qr(i, j);
  // The sign fix: a negative R_jj flips row j of R and column j of Q (their product is unchanged).
  for (std::int64_t j = 0; j < n; ++j) {
    if (out.r(j, j) >= 0) continue;
    for (std::int64_t k = j; k < n; ++k) out.r(j, k) = -out.r(j, k);
    for (std::int64_t i = 0; i < a.rows; ++i) out.q(i, j) = -out.q(i, j);
  }
  return out;
}

LeastSquares least_squares(const Matrix& a, const Matrix& b) {
  if (a.rows < 1 || a.cols < 1 || b.rows != a.rows || b.cols < 1)
    throw_invalid_argument("least_squares: expected a [m, n] and b [m, p] with m, n, p >= 1, got a " + shape(a) +
                           " and b " + shape(b));
  const std::int64_t m = a.rows, n = a.cols, p = b.cols, s = std::min(m, n);
  const Householder h = factor(a, true);
  double max_pivot = 0;
  for (std::int64_t k = 0; k < s; ++k) max_pivot = std::max(max_pivot, std::fabs(h.qr(k, k)));
  const double threshold = max_pivot * std::numeric_limits<double>::epsilon() * static_cast<double>(s);
  LeastSquares out;
  for (std::int64_t k = 0; k < s; ++k) out.rank += std::fabs(h.qr(k, k)) > threshold;
  out.x = Matrix(n, p);
  const std::int64_t r = out.rank;
  if (r == 0) return out;

  // c = Q^T b; only its first r rows meet the solution.
  Matrix c = b;
  for (std::int64_t k = 0; k < s; ++k) apply_reflector(h, k, c);
  Matrix y(n, p);  // the solution in pivoted column order
  if (r == n) {
    // R y = c: back substitution.
    for (std::int64_t i = n - 1; i >= 0; --i)
      for (std::int64_t j = 0; j < p; ++j) {
        double v = c(i, j);
        for (std::int64_t k = i + 1; k < n; ++k) v -= h.qr(i, k) * y(k, j);
        y(i, j) = v / h.qr(i, i);
      }
  } else {
    // The leading r rows [R11 R12] = L^T Z^T with (Z, L^T) the QR of their transpose [n, r]:
    // the minimum-norm y of [R11 R12] y = c solves L^T w = c (forward substitution), y = Z w.
    Matrix rt(n, r);
    for (std::int64_t i = 0; i < r; ++i)
      for (std::int64_t j = i; j < n; ++j) rt(j, i) = h.qr(i, j);
    const Householder z = factor(std::move(rt), false);
    Matrix w(r, p);
    for (std::int64_t i = 0; i < r; ++i)
      for (std::int64_t j = 0; j < p; ++j) {
        double v = c(i, j);
        for (std::int64_t k = 0; k < i; ++k) v -= z.qr(k, i) * w(k, j);
        w(i, j) = v / z.qr(i, i);
      }
    y = apply_q(z, r, w);
  }
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < p; ++j) out.x(h.perm[static_cast<std::size_t>(i)], j) = y(i, j);
  return out;
}

std::vector<double> singular_values(Matrix a) {
  // The columns of the tall one of a and a^T, as the rows of t (contiguous): n of length m.
  Matrix t = a.cols > a.rows ? std::move(a) : transpose(a);
  const std::int64_t n = t.rows, m = t.cols;
  std::vector<double>& c = t.data;
  const double eps = std::numeric_limits<double>::epsilon();
  // One-sided Jacobi (Hestenes): rotate pairs of columns until every pair is orthogonal to
  // working precision; the column norms are then the singular values, to about machine
  // precision relative to the largest.
  for (int sweep = 0; sweep < 64; ++sweep) {
    bool rotated = false;
    for (std::int64_t p = 0; p + 1 < n; ++p) {
      for (std::int64_t q = p + 1; q < n; ++q) {
        double* cp = c.data() + p * m;
        double* cq = c.data() + q * m;
        double alpha = 0, beta = 0, gamma = 0;
        for (std::int64_t i = 0; i < m; ++i) {
          alpha += cp[i] * cp[i];
          beta += cq[i] * cq[i];
          gamma += cp[i] * cq[i];
        }
        if (std::fabs(gamma) <= eps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation [c s; -s c] that makes columns p and q orthogonal (the smaller angle).
        const double zeta = (beta - alpha) / (2 * gamma);
        const double tan = std::copysign(1.0, zeta) / (std::fabs(zeta) + std::hypot(1.0, zeta));
        const double cos = 1 / std::hypot(1.0, tan), sin = cos * tan;
        for (std::int64_t i = 0; i < m; ++i) {
          const double x = cp[i], y = cq[i];
          cp[i] = cos * x - sin * y;
          cq[i] = sin * x + cos * y;
        }
      }
    }
    if (!rotated) break;
  }
  std::vector<double> values(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t j = 0; j < n; ++j) {
    double sq = 0;
    for (std::int64_t i = 0; i < m; ++i) sq += c[static_cast<std::size_t>(j * m + i)] * c[static_cast<std::size_t>(j * m + i)];
    values[static_cast<std::size_t>(j)] = std::sqrt(sq);
  }
  std::sort(values.begin(), values.end(), std::greater<>());
  return values;
}

}  // namespace linalg
GRADLAB_END
