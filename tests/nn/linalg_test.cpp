// The dense double linear algebra of nn/linalg.h: QR and least squares against values worked
// out by hand (full rank, rank-deficient, wide, zero), their defining identities on random
// matrices, and agreement with Eigen's HouseholderQR and CompleteOrthogonalDecomposition,
// which they replaced in the orthogonal initialiser and fit_least_squares.
#include "nn/linalg.h"

#include <Eigen/Dense>
#include <cmath>

#include "support/check.h"
#include "tensor/rng.h"

namespace gradlab {
namespace {

using linalg::Matrix;

Matrix matrix(std::int64_t rows, std::int64_t cols, std::initializer_list<double> values) {
  Matrix m(rows, cols);
  m.data.assign(values);
  EXPECT_EQ(static_cast<std::int64_t>(m.data.size()), rows * cols);
  return m;
}

Matrix random_matrix(std::int64_t rows, std::int64_t cols, Rng& rng) {
  Matrix m(rows, cols);
  for (double& v : m.data) v = rng.normal();
  return m;
}

Eigen::MatrixXd to_eigen(const Matrix& m) {
  Eigen::MatrixXd e(m.rows, m.cols);
  for (std::int64_t i = 0; i < m.rows; ++i)
    for (std::int64_t j = 0; j < m.cols; ++j) e(i, j) = m(i, j);
  return e;
}

void expect_matrix_near(const Matrix& actual, const Matrix& expected, double tol) {
  ASSERT_EQ(actual.rows, expected.rows);
  ASSERT_EQ(actual.cols, expected.cols);
  for (std::int64_t i = 0; i < actual.rows; ++i)
    for (std::int64_t j = 0; j < actual.cols; ++j) EXPECT_NEAR(actual(i, j), expected(i, j), tol) << "(" << i << ", " << j << ")";
}

void expect_matrix_near(const Matrix& actual, const Eigen::MatrixXd& expected, double tol) {
  Matrix e(expected.rows(), expected.cols());
  for (std::int64_t i = 0; i < e.rows; ++i)
    for (std::int64_t j = 0; j < e.cols; ++j) e(i, j) = expected(i, j);
  expect_matrix_near(actual, e, tol);
}

TEST(Linalg, ProductsSumsAndNorms) {
  const Matrix a = matrix(2, 3, {1, 2, 3, 4, 5, 6}), b = matrix(3, 2, {1, 0, 0, 1, 1, 1});
  expect_matrix_near(a * b, matrix(2, 2, {4, 5, 10, 11}), 0);
  expect_matrix_near(linalg::transpose(a), matrix(3, 2, {1, 4, 2, 5, 3, 6}), 0);
  expect_matrix_near(linalg::scale_rows({2, -1}, a), matrix(2, 3, {2, 4, 6, -4, -5, -6}), 0);
  expect_matrix_near(a + a - a, a, 0);
  expect_matrix_near(linalg::diagonal({1, 2}) * linalg::identity(2), matrix(2, 2, {1, 0, 0, 2}), 0);
  EXPECT_EQ(a * linalg::Vector({1, 1, 1}), linalg::Vector({6, 15}));
  EXPECT_DOUBLE_EQ(linalg::frobenius_norm(matrix(1, 2, {3, 4})), 5);
  EXPECT_MESSAGE_HAS(a * a, "linalg: product of mismatched shapes: [2, 3] and [2, 3]");
  EXPECT_MESSAGE_HAS(a + b, "sum of mismatched shapes");
}

TEST(Linalg, QrOfAKnownMatrixHasAPositiveDiagonal) {
  // Columns (3, 4) and (0, 5): q1 = (0.6, 0.8), r12 = 4, what is left (-2.4, 1.8) has norm 3.
  // Householder QR gives R_11 = -5 here (beta = -sign(x0) ||x||); the sign fix makes it 5.
  const linalg::QR qr = linalg::householder_qr(matrix(2, 2, {3, 0, 4, 5}));
  expect_matrix_near(qr.q, matrix(2, 2, {0.6, -0.8, 0.8, 0.6}), 1e-15);
  expect_matrix_near(qr.r, matrix(2, 2, {5, 4, 0, 3}), 1e-14);
  // Thin: [4, 2] -> q [4, 2], r [2, 2].
  const linalg::QR thin = linalg::householder_qr(matrix(4, 2, {1, 1, 1, -1, 1, 1, 1, -1}));
  expect_matrix_near(thin.q, matrix(4, 2, {0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5, -0.5}), 1e-15);
  expect_matrix_near(thin.r, matrix(2, 2, {2, 0, 0, 2}), 1e-15);
  EXPECT_MESSAGE_HAS(linalg::householder_qr(Matrix(2, 3)), "at least as many rows as columns, got [2, 3]");
}

TEST(Linalg, QrReproducesRandomMatricesAndMatchesEigenWithTheSignFix) {
  Rng rng(7);
  for (auto [m, n] : {std::pair<std::int64_t, std::int64_t>{7, 4}, {5, 5}, {40, 13}, {1, 1}, {9, 1}}) {
    const Matrix a = random_matrix(m, n, rng);
    const linalg::QR qr = linalg::householder_qr(a);
    expect_matrix_near(qr.q * qr.r, a, 1e-13);
    expect_matrix_near(linalg::transpose(qr.q) * qr.q, linalg::identity(n), 1e-14);
    for (std::int64_t i = 0; i < n; ++i) {
      EXPECT_GE(qr.r(i, i), 0);
      for (std::int64_t j = 0; j < i; ++j) EXPECT_EQ(qr.r(i, j), 0);
    }
    // What nn/init.cpp computed with Eigen before.
    const Eigen::HouseholderQR<Eigen::MatrixXd> eigen(to_eigen(a));
    Eigen::MatrixXd q = eigen.householderQ() * Eigen::MatrixXd::Identity(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
      if (eigen.matrixQR()(j, j) < 0) q.col(j) *= -1;
    expect_matrix_near(qr.q, q, 1e-13);
  }
}

TEST(Linalg, LeastSquaresOfAKnownOverdeterminedSystem) {
  // y = 1 + 2 x through x = 0..3, plus 0.5, -0.5, -0.5, 0.5 (orthogonal to [1, x]): the fit is exact
  // in its coefficients, the residual is that pattern.
  const Matrix a = matrix(4, 2, {1, 0, 1, 1, 1, 2, 1, 3});
  const linalg::LeastSquares ls = linalg::least_squares(a, matrix(4, 2, {1.5, 1, 2.5, 3, 4.5, 5, 7.5, 7}));
  EXPECT_EQ(ls.rank, 2);
  expect_matrix_near(ls.x, matrix(2, 2, {1, 1, 2, 2}), 1e-14);
}

TEST(Linalg, LeastSquaresOfARankDeficientSystemIsTheMinimumNormOne) {
  // [1 2; 2 4] has rank 1. Consistent b = (5, 10): every x with x1 + 2 x2 = 5 solves it; the
  // shortest is 5 (1, 2) / 5 = (1, 2).
  const Matrix a = matrix(2, 2, {1, 2, 2, 4});
  linalg::LeastSquares ls = linalg::least_squares(a, matrix(2, 1, {5, 10}));
  EXPECT_EQ(ls.rank, 1);
  expect_matrix_near(ls.x, matrix(2, 1, {1, 2}), 1e-14);
  // Inconsistent b = (1, 0): t = x1 + 2 x2 minimises (t - 1)^2 + (2 t)^2 at t = 1/5; the
  // shortest x with that t is t (1, 2) / 5.
  ls = linalg::least_squares(a, matrix(2, 1, {1, 0}));
  EXPECT_EQ(ls.rank, 1);
  expect_matrix_near(ls.x, matrix(2, 1, {1.0 / 25, 2.0 / 25}), 1e-15);
  // Duplicated columns split the weight evenly.
  ls = linalg::least_squares(matrix(3, 3, {1, 1, 0, 2, 2, 1, 3, 3, 0}), matrix(3, 1, {2, 4 + 7, 6}));
  EXPECT_EQ(ls.rank, 2);
  expect_matrix_near(ls.x, matrix(3, 1, {1, 1, 7}), 1e-13);
  // Wide (fewer equations than unknowns): x1 + x2 = 2 -> (1, 1); two equations in three unknowns.
  ls = linalg::least_squares(matrix(1, 2, {1, 1}), matrix(1, 1, {2}));
  EXPECT_EQ(ls.rank, 1);
  expect_matrix_near(ls.x, matrix(2, 1, {1, 1}), 1e-15);
  ls = linalg::least_squares(matrix(2, 3, {1, 0, 0, 0, 1, 0}), matrix(2, 1, {1, 2}));
  EXPECT_EQ(ls.rank, 2);
  expect_matrix_near(ls.x, matrix(3, 1, {1, 2, 0}), 1e-15);
  // Nothing to fit: rank 0, x = 0.
  ls = linalg::least_squares(Matrix(3, 2), matrix(3, 1, {1, 2, 3}));
  EXPECT_EQ(ls.rank, 0);
  expect_matrix_near(ls.x, Matrix(2, 1), 0);
  EXPECT_MESSAGE_HAS(linalg::least_squares(Matrix(3, 2), Matrix(2, 1)), "least_squares: expected a [m, n] and b [m, p]",
                     "got a [3, 2] and b [2, 1]");
}

TEST(Linalg, LeastSquaresMatchesEigensCompleteOrthogonalDecomposition) {
  Rng rng(11);
  // (m, n, rank): full rank tall, rank-deficient tall (products of thin factors), wide, square.
  const std::int64_t cases[][3] = {{30, 5, 5}, {30, 6, 3}, {50, 17, 16}, {4, 9, 4}, {4, 9, 2}, {8, 8, 8}, {8, 8, 1}};
  for (const auto& c : cases) {
    const std::int64_t m = c[0], n = c[1], r = c[2];
    const Matrix a = random_matrix(m, r, rng) * random_matrix(r, n, rng);
    const Matrix b = random_matrix(m, 3, rng);
    const linalg::LeastSquares ls = linalg::least_squares(a, b);
    const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(to_eigen(a));
    EXPECT_EQ(ls.rank, r) << m << "x" << n;
    EXPECT_EQ(ls.rank, cod.rank()) << m << "x" << n;
    const Eigen::MatrixXd expected = cod.solve(to_eigen(b));
    expect_matrix_near(ls.x, expected, 1e-10 * (1 + expected.cwiseAbs().maxCoeff()));
  }
}

TEST(Linalg, SingularValuesOfKnownMatrices) {
  EXPECT_EQ(linalg::singular_values(matrix(2, 2, {3, 0, 0, -2})), (std::vector<double>{3, 2}));
  const std::vector<double> ones = linalg::singular_values(matrix(2, 3, {1, 1, 1, 1, 1, 1}));  // rank 1: sqrt(6), 0
  ASSERT_EQ(ones.size(), 2u);
  EXPECT_NEAR(ones[0], std::sqrt(6.0), 1e-15);
  EXPECT_NEAR(ones[1], 0, 1e-15);
  Rng rng(3);
  const Matrix a = random_matrix(6, 4, rng);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(to_eigen(a));
  const std::vector<double> values = linalg::singular_values(a);
  for (std::size_t k = 0; k < values.size(); ++k) EXPECT_NEAR(values[k], svd.singularValues()(static_cast<Eigen::Index>(k)), 1e-13);
}

}  // namespace
}  // namespace gradlab
