// Small dense linear algebra in double precision, as plain loops, for the cold paths that
// need it: the orthogonal initialiser (QR), closed-form least squares (a complete orthogonal
// decomposition) and the recurrent probe's Jacobians (products, singular values). Not for
// anything a training step runs: that goes through core/kernels. It replaces Eigen in the
// wasm module, whose QR, SVD and blocked GEMM code cost ~20 KB gzipped (docs/wasm.md "Sizes").
//
//   linalg::Matrix a(3, 2);                  // row-major, zeros; a(i, j)
//   linalg::QR qr = linalg::householder_qr(a);       // a = qr.q * qr.r, diag(qr.r) >= 0
//   linalg::LeastSquares ls = linalg::least_squares(a, b);  // argmin ||a x - b||, minimum norm
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/scalar.h"

GRADLAB_BEGIN
namespace linalg {

using Vector = std::vector<double>;

// A row-major [rows, cols] matrix of doubles.
struct Matrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> data;

  Matrix() = default;
  Matrix(std::int64_t r, std::int64_t c) : rows(r), cols(c), data(static_cast<std::size_t>(r * c), 0.0) {}
  double& operator()(std::int64_t i, std::int64_t j) { return data[static_cast<std::size_t>(i * cols + j)]; }
  double operator()(std::int64_t i, std::int64_t j) const { return data[static_cast<std::size_t>(i * cols + j)]; }
};

Matrix identity(std::int64_t n);
Matrix diagonal(const Vector& d);                  // [n, n] with d on the diagonal
Matrix transpose(const Matrix& a);
Matrix operator*(const Matrix& a, const Matrix& b);  // [m, k] x [k, n] -> [m, n]
Vector operator*(const Matrix& a, const Vector& x);  // [m, n] x [n] -> [m]
Matrix operator+(Matrix a, const Matrix& b);
Matrix operator-(Matrix a, const Matrix& b);
Matrix scale_rows(const Vector& d, Matrix a);      // diag(d) * a
double frobenius_norm(const Matrix& a);

// Householder QR of a [m, n] with m >= n (the thin factorisation): q [m, n] with orthonormal
// columns, r [n, n] upper triangular with a non-negative diagonal (the sign fix PyTorch's
// orthogonal_ applies), so q is unique when a has full column rank.
struct QR {
  Matrix q, r;
};
QR householder_qr(const Matrix& a);

// argmin_x ||a x - b|| (Frobenius over b's columns) for a [m, n], b [m, p] -> x [n, p], by a
// complete orthogonal decomposition: QR with column pivoting, then, if a is rank-deficient,
// the LQ of the leading rows of R, giving the minimum-norm minimiser (as numpy.linalg.lstsq
// and Eigen's CompleteOrthogonalDecomposition). Any m, n >= 1. The numerical rank counts the
// diagonal entries of R above eps * min(m, n) * max|R_kk| (Eigen's default threshold).
struct LeastSquares {
  Matrix x;
  std::int64_t rank = 0;
};
LeastSquares least_squares(const Matrix& a, const Matrix& b);

// Singular values of a [m, n], largest first (min(m, n) of them): one-sided Jacobi.
std::vector<double> singular_values(Matrix a);

}  // namespace linalg
GRADLAB_END
