// Linear least squares in closed form (the normal equations, solved robustly), to set
// beside gradient descent on the same problem: a Linear layer trained with MSE and SGD
// converges to these weights. Shape letters: N samples, F features, O outputs.
//
// Fits y ~ x W^T + b (W [O, F], b [O], the layout of a Linear layer) by minimising
//   mean over all N*O elements of (x W^T + b - y)^2  +  ridge * sum(W^2)    (+ b^2 if penalize_bias)
// which is exactly what SupervisedTrainer minimises with loss mse (mean) and l2 = ridge
// (whose penalty covers the bias too: set penalize_bias to match it).
//
// The design matrix A = [x, 1] (N x (F+1)) is solved as a least-squares problem, not by
// forming A^T A: with ridge the rows sqrt(N*O*ridge) I are appended (the same minimiser as
// (A^T A + N*O*ridge I) w = A^T y), and a complete orthogonal decomposition (rank-revealing
// QR) solves it in double precision. A rank-deficient design (collinear or duplicated
// features, fewer samples than columns) has many minimisers: the minimum-norm one (over W
// and b together) is returned, as numpy.linalg.lstsq does, and rank / rank_deficient say
// so; with require_full_rank it is an error instead. Gradient descent started from zero
// weights converges to that same minimum-norm solution.
//
//   Dataset d = make_dataset("plane");
//   LeastSquaresFit fit = fit_least_squares(d.x_train, d.y_train);
//   fit.weight;   // [1, 2], close to (1, -0.5);  fit.bias: [1], close to 0
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

GRADLAB_BEGIN

struct LeastSquaresOptions {
  double ridge = 0;            // >= 0, the weight of sum(W^2) in the objective above
  bool fit_bias = true;        // false: b = 0, A = x
  bool penalize_bias = false;  // ridge on b too (as TrainConfig::l2 does)
  bool require_full_rank = false;  // throw instead of returning the minimum-norm solution
};

struct LeastSquaresFit {
  Tensor weight;          // [O, F]
  Tensor bias;            // [O] (zeros when fit_bias is off)
  double mse = 0;         // mean squared residual on the data (penalty excluded)
  std::int64_t rank = 0;  // numerical rank of the (augmented) design matrix
  std::int64_t columns = 0;      // F + 1 with a bias, else F
  bool rank_deficient = false;   // rank < columns: W, b is the minimum-norm minimiser
};

// x [N, F]; y [N] or [N, O]. Throws std::invalid_argument for mismatched or empty shapes,
// non-finite values, ridge < 0, or (with require_full_rank) a rank-deficient design,
// naming the rank and the number of columns.
LeastSquaresFit fit_least_squares(const Tensor& x, const Tensor& y, const LeastSquaresOptions& options = {});

// What the closed form and one gradient-descent step cost, counted in floating-point
// operations (a multiply-add is 2) for N samples, F features, O outputs, C = F + 1 columns
// with a bias (else F), R ridge rows. Lower-order terms (column pivoting's norm updates,
// the loss's elementwise work) are left out; each count says what it includes.
struct LeastSquaresCost {
  // The textbook normal equations: form A^T A (2 N C^2, symmetry not used) and A^T Y
  // (2 N C O), factor A^T A by Cholesky (C^3 / 3), two triangular solves (2 C^2 O).
  double normal_equations = 0;
  // What fit_least_squares does: Householder QR of the (N + R) x C design (2 M C^2 - 2 C^3 / 3
  // with M = N + R), Q^T applied to Y (4 M C O), one triangular solve (C^2 O).
  double qr = 0;
  // One full-batch gradient step of a Linear layer under MSE: forward x W^T + b (2 N F O +
  // N O), dL/dW = dY^T x (2 N F O), dL/db (N O), the update (2 C O).
  double gradient_step = 0;
};
LeastSquaresCost least_squares_cost(std::int64_t N, std::int64_t F, std::int64_t O, bool fit_bias, std::int64_t ridge_rows = 0);

// x [N, 1] -> [N, degree]: the columns x, x^2, ..., x^degree (a polynomial fit is linear in them).
Tensor polynomial_features(const Tensor& x, int degree);

GRADLAB_END
