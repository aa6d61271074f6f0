// The normal equation against gradient descent: the closed-form least-squares weights
// (train/linear_regression.h) are where a Linear layer trained with MSE and SGD ends up,
// on "plane" and "polynomial" data, with and without a ridge term, and (from zero weights)
// on a rank-deficient design too. Then what happens when gradient descent diverges: the
// trainer stops, names the step and the first op or parameter that went bad, and leaves
// everything as it was before that step.
#include "train/linear_regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/dataset.h"
#include "nn/layers.h"
#include "optim/optimizers.h"
#include "support/check.h"
#include "train/supervised.h"

namespace gradlab {
namespace {

constexpr bool kFloat = sizeof(Scalar) == 4;

struct Trained {
  std::shared_ptr<Linear> model;
  double loss = 0;
};

// Full-batch gradient descent on MSE: a Linear(F, O) from `init` (zero or PyTorch's default).
Trained gradient_descent(const Tensor& x, const Tensor& y, int steps, SGDOptions sgd, double l2 = 0, bool zero_init = false) {
  Rng rng(3);
  const std::int64_t O = y.rank() == 2 ? y.dim(1) : 1;
  auto model = std::make_shared<Linear>(x.dim(1), O, rng);
  model->assign_names();
  if (zero_init)
    for (auto& [name, p] : model->named_parameters()) p.mutable_value().fill(0);
  TrainConfig config;
  config.batch_size = x.dim(0);
  config.l2 = l2;
  SupervisedTrainer trainer(model, std::make_unique<SGD>(model->named_parameters(), sgd), nullptr, Objective{}, config, x, y);
  Trained t{model, 0};
  for (int s = 0; s < steps; ++s) t.loss = trainer.step().loss;
  return t;
}

void expect_same_weights(const LeastSquaresFit& fit, const Linear& gd, double tol) {
  EXPECT_LT(max_abs_diff(fit.weight, gd.weight().value()), tol);
  EXPECT_LT(max_abs_diff(fit.bias, gd.bias().value()), tol);
}

TEST(LinearRegression, PlaneNormalEquationRecoversTheCoefficients) {
  DatasetOptions o;
  o.seed = 4;
  const Dataset d = make_dataset("plane", o);  // y = 0 + 1 x1 - 0.5 x2 + noise 0.05
  const LeastSquaresFit fit = fit_least_squares(d.x_train, d.y_train);
  ASSERT_EQ(fit.weight.shape(), (Shape{1, 2}));
  EXPECT_NEAR(fit.weight[0], 1.0, 0.02);
  EXPECT_NEAR(fit.weight[1], -0.5, 0.02);
  EXPECT_NEAR(fit.bias[0], 0.0, 0.02);
  EXPECT_NEAR(fit.mse, 0.05 * 0.05, 0.001);  // what is left is the noise
  EXPECT_EQ(fit.rank, 3);
  EXPECT_FALSE(fit.rank_deficient);
}

TEST(LinearRegression, HyperplaneHasTheAskedFeaturesAndIsExactlyLinearWithoutNoise) {
  DatasetOptions o;
  o.seed = 2;
  o.n_samples = 300;
  o.n_features = 20;
  o.noise = 0;
  const Dataset d = make_dataset("hyperplane", o);
  ASSERT_EQ(d.x_train.shape(), (Shape{240, 20}));
  ASSERT_EQ(d.y_train.shape(), (Shape{240, 1}));
  EXPECT_EQ(d.feature_names.size(), 20u);
  const LeastSquaresFit fit = fit_least_squares(d.x_train, d.y_train);
  EXPECT_LT(fit.mse, kFloat ? 1e-9 : 1e-20);  // y = w . x exactly, up to the inputs' rounding
  EXPECT_LT(std::fabs(fit.bias[0]), 1e-4);
  double w_norm = 0;
  for (std::int64_t f = 0; f < 20; ++f) w_norm += fit.weight[f] * fit.weight[f];
  EXPECT_GT(w_norm, 5.0);  // 20 weights from N(0, 1): about 20
  // The same seed makes the same tensors; too many values are refused with both options named.
  EXPECT_EQ(max_abs_diff(make_dataset("hyperplane", o).x_train, d.x_train), 0.0);
  o.n_samples = 100000;
  o.n_features = 2048;
  try {
    make_dataset("hyperplane", o);
    ADD_FAILURE() << "204.8 million input values were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("n_features = 2048"), std::string::npos) << e.what();
  }
}

// The closed form's counted cost against a count of the operations a plain implementation
// of the normal equations performs: A^T A, A^T y, Cholesky, two triangular solves.
TEST(LinearRegression, CostCountsMatchAnInstrumentedNormalEquationSolve) {
  for (const auto& [N, F] : {std::pair<int, int>{50, 3}, {200, 30}, {400, 60}}) {
    const int C = F + 1;
    Rng rng(static_cast<std::uint64_t>(N));
    std::vector<double> A(static_cast<std::size_t>(N * C)), y(static_cast<std::size_t>(N));
    for (int n = 0; n < N; ++n) {
      for (int c = 0; c < F; ++c) A[n * C + c] = rng.uniform(-1, 1);
      A[n * C + F] = 1;
      y[n] = rng.uniform(-1, 1);
    }
    double ops = 0;
    std::vector<double> G(static_cast<std::size_t>(C * C), 0), b(static_cast<std::size_t>(C), 0);
    for (int i = 0; i < C; ++i)
      for (int j = 0; j < C; ++j)
        for (int n = 0; n < N; ++n) G[i * C + j] += A[n * C + i] * A[n * C + j], ops += 2;
    for (int i = 0; i < C; ++i)
      for (int n = 0; n < N; ++n) b[i] += A[n * C + i] * y[n], ops += 2;
    std::vector<double> L(static_cast<std::size_t>(C * C), 0);  // Cholesky, G = L L^T
    for (int j = 0; j < C; ++j) {
      double s = G[j * C + j];
      for (int k = 0; k < j; ++k) s -= L[j * C + k] * L[j * C + k], ops += 2;
      L[j * C + j] = std::sqrt(s);
      for (int i = j + 1; i < C; ++i) {
        double t = G[i * C + j];
        for (int k = 0; k < j; ++k) t -= L[i * C + k] * L[j * C + k], ops += 2;
        L[i * C + j] = t / L[j * C + j], ops += 1;
      }
    }
    std::vector<double> z(static_cast<std::size_t>(C)), beta(static_cast<std::size_t>(C));
    for (int i = 0; i < C; ++i) {  // L z = b, then L^T beta = z
      double t = b[i];
      for (int k = 0; k < i; ++k) t -= L[i * C + k] * z[k], ops += 2;
      z[i] = t / L[i * C + i], ops += 1;
    }
    for (int i = C - 1; i >= 0; --i) {
      double t = z[i];
      for (int k = i + 1; k < C; ++k) t -= L[k * C + i] * beta[k], ops += 2;
      beta[i] = t / L[i * C + i], ops += 1;
    }
    const LeastSquaresCost cost = least_squares_cost(N, F, 1, true);
    // Leading terms only: the count differs by O(C^2) (the Cholesky's square roots, divisions).
    EXPECT_NEAR(cost.normal_equations / ops, 1.0, 0.03) << "N " << N << " F " << F << ": " << cost.normal_equations << " vs " << ops;
    // And the instrumented solve is a least-squares solve: the same beta as gradlab's QR.
    Tensor x({N, F}), t({N, 1});
    for (int n = 0; n < N; ++n) {
      for (int c = 0; c < F; ++c) x[n * F + c] = static_cast<Scalar>(A[n * C + c]);
      t[n] = static_cast<Scalar>(y[n]);
    }
    const LeastSquaresFit fit = fit_least_squares(x, t);
    EXPECT_NEAR(fit.weight[0], beta[0], kFloat ? 1e-3 : 1e-9);
    EXPECT_NEAR(fit.bias[0], beta[F], kFloat ? 1e-3 : 1e-9);
  }
  // A gradient step: 2 N F O for x W^T, 2 N F O for dL/dW, plus the bias and the update.
  EXPECT_DOUBLE_EQ(least_squares_cost(800, 64, 1, true).gradient_step, 4.0 * 800 * 64 + 2 * 800 + 2 * 65);
  // Linear in N, about quadratic in F while F << N.
  const double base = least_squares_cost(800, 64, 1, true).normal_equations;
  EXPECT_NEAR(least_squares_cost(3200, 64, 1, true).normal_equations / base, 4.0, 0.1);
  EXPECT_NEAR(least_squares_cost(800, 256, 1, true).normal_equations / base, 16.0, 1.0);
  EXPECT_GT(least_squares_cost(800, 64, 1, true, 65).qr, least_squares_cost(800, 64, 1, true).qr);  // ridge rows
}

TEST(LinearRegression, GradientDescentOnThePlaneConvergesToTheNormalEquation) {
  DatasetOptions o;
  o.seed = 4;
  const Dataset d = make_dataset("plane", o);
  const LeastSquaresFit fit = fit_least_squares(d.x_train, d.y_train);
  // The MSE Hessian is 2/N A^T A, about diag(2/3, 2/3, 2) for x in [-1, 1]^2: lr 0.5 contracts
  // the slowest direction by about 2/3 per step.
  const Trained gd = gradient_descent(d.x_train, d.y_train, 200, {.lr = 0.5});
  expect_same_weights(fit, *gd.model, kFloat ? 1e-5 : 1e-10);
  EXPECT_NEAR(gd.loss, fit.mse, kFloat ? 1e-6 : 1e-12);  // the same minimum
}

TEST(LinearRegression, PolynomialThroughFeaturesMatchesGradientDescentWithMomentum) {
  DatasetOptions o;
  o.seed = 5;
  o.coefficients = {0.5, -1.0, 0.3, 2.0};  // y = 0.5 - x + 0.3 x^2 + 2 x^3
  o.noise = 0.02;
  const Dataset d = make_dataset("polynomial", o);
  const Tensor features = polynomial_features(d.x_train, 3);  // [x, x^2, x^3]
  ASSERT_EQ(features.shape(), (Shape{d.x_train.dim(0), 3}));
  const LeastSquaresFit fit = fit_least_squares(features, d.y_train);
  EXPECT_NEAR(fit.bias[0], 0.5, 0.02);
  EXPECT_NEAR(fit.weight[0], -1.0, 0.05);
  EXPECT_NEAR(fit.weight[1], 0.3, 0.05);
  EXPECT_NEAR(fit.weight[2], 2.0, 0.05);
  // Monomials on [-1, 1] are nearly collinear (x and x^3): the condition number of the
  // Hessian is in the hundreds, so plain GD crawls; heavy-ball momentum gets there.
  const Trained gd = gradient_descent(features, d.y_train, 1500, {.lr = 0.3, .momentum = 0.9});
  expect_same_weights(fit, *gd.model, kFloat ? 2e-4 : 1e-8);
}

TEST(LinearRegression, RidgeMatchesGradientDescentWithAnL2Penalty) {
  DatasetOptions o;
  o.seed = 6;
  const Dataset d = make_dataset("plane", o);
  const double ridge = 0.1;
  // TrainConfig::l2 penalises the bias as well: match it with penalize_bias.
  const LeastSquaresFit fit = fit_least_squares(d.x_train, d.y_train, {.ridge = ridge, .penalize_bias = true});
  const LeastSquaresFit ols = fit_least_squares(d.x_train, d.y_train);
  const Trained gd = gradient_descent(d.x_train, d.y_train, 200, {.lr = 0.5}, ridge);
  expect_same_weights(fit, *gd.model, kFloat ? 1e-5 : 1e-10);
  // Shrinkage: (A^T A / N + ridge I) w = A^T y / N pulls each weight towards 0, here by
  // about 1 / (1 + ridge / E[x^2]) = 1 / 1.3.
  EXPECT_NEAR(fit.weight[0] / ols.weight[0], 1 / 1.3, 0.03);
  EXPECT_GT(fit.mse, ols.mse);
  // Without penalize_bias the bias is left alone: equal to the mean residual of the weights.
  const LeastSquaresFit free_bias = fit_least_squares(d.x_train, d.y_train, {.ridge = ridge});
  EXPECT_LT(max_abs_diff(free_bias.weight, fit.weight), 0.02);
  EXPECT_NE(free_bias.bias[0], fit.bias[0]);
}

TEST(LinearRegression, SeveralOutputsAreFitColumnByColumn) {
  DatasetOptions o;
  o.seed = 7;
  const Dataset d = make_dataset("plane", o);
  const std::int64_t N = d.x_train.dim(0);
  Tensor y2({N, 2});
  for (std::int64_t n = 0; n < N; ++n) {
    y2[2 * n] = d.y_train[n];
    y2[2 * n + 1] = static_cast<Scalar>(3 - 2 * d.x_train[2 * n + 1]);  // exactly linear
  }
  const LeastSquaresFit fit = fit_least_squares(d.x_train, y2);
  ASSERT_EQ(fit.weight.shape(), (Shape{2, 2}));
  EXPECT_NEAR(fit.weight.at({1, 0}), 0, 1e-5);
  EXPECT_NEAR(fit.weight.at({1, 1}), -2, 1e-5);
  EXPECT_NEAR(fit.bias[1], 3, 1e-5);
  const Trained gd = gradient_descent(d.x_train, y2, 200, {.lr = 0.5});
  expect_same_weights(fit, *gd.model, kFloat ? 1e-5 : 1e-10);
}

// A duplicated feature: [x1, x1, x2]. Any split of x1's weight between the two copies fits
// equally well; the minimum-norm solution splits it evenly, and so does gradient descent
// from zero weights (every gradient lies in the row space of the design matrix).
TEST(LinearRegression, RankDeficientDesignGivesTheMinimumNormSolutionWhichGradientDescentFinds) {
  DatasetOptions o;
  o.seed = 8;
  const Dataset d = make_dataset("plane", o);
  const std::int64_t N = d.x_train.dim(0);
  Tensor x({N, 3});
  for (std::int64_t n = 0; n < N; ++n) {
    x[3 * n] = x[3 * n + 1] = d.x_train[2 * n];
    x[3 * n + 2] = d.x_train[2 * n + 1];
  }
  const LeastSquaresFit fit = fit_least_squares(x, d.y_train);
  EXPECT_TRUE(fit.rank_deficient);
  EXPECT_EQ(fit.rank, 3);
  EXPECT_EQ(fit.columns, 4);
  const LeastSquaresFit full = fit_least_squares(d.x_train, d.y_train);
  EXPECT_NEAR(fit.weight[0], full.weight[0] / 2, 1e-5);
  EXPECT_NEAR(fit.weight[1], full.weight[0] / 2, 1e-5);
  EXPECT_NEAR(fit.weight[2], full.weight[1], 1e-5);
  EXPECT_NEAR(fit.mse, full.mse, 1e-9);

  const Trained gd = gradient_descent(x, d.y_train, 300, {.lr = 0.3}, 0, /*zero_init=*/true);
  expect_same_weights(fit, *gd.model, kFloat ? 1e-5 : 1e-10);
  // From PyTorch's random init the null-space part of the start is never corrected.
  const Trained random_start = gradient_descent(x, d.y_train, 300, {.lr = 0.3});
  EXPECT_GT(std::fabs(random_start.model->weight().value()[0] - random_start.model->weight().value()[1]), 1e-3);

  EXPECT_MESSAGE_HAS(fit_least_squares(x, d.y_train, {.require_full_rank = true}), "rank 3 but 4 columns",
                     "minimum-norm");
  // A ridge term makes the minimiser unique again.
  EXPECT_FALSE(fit_least_squares(x, d.y_train, {.ridge = 1e-3}).rank_deficient);
}

TEST(LinearRegression, BadInputsAreExplained) {
  const Tensor x = Tensor::from({3, 1}, {1, 2, 3});
  EXPECT_MESSAGE_HAS(fit_least_squares(x, Tensor::from({2}, {1, 2})), "[N] or [N, O] with N = 3", "[2]");
  EXPECT_MESSAGE_HAS(fit_least_squares(Tensor::from({3}, {1, 2, 3}), x), "[N, F]");
  EXPECT_MESSAGE_HAS(fit_least_squares(x, Tensor::from({3}, {1, std::nan(""), 2})), "targets", "index 1");
  EXPECT_MESSAGE_HAS(fit_least_squares(x, Tensor::from({3}, {1, 2, 3}), {.ridge = -1}), "ridge");
  EXPECT_MESSAGE_HAS(polynomial_features(Tensor::from({2, 2}, {1, 2, 3, 4}), 2), "[N, 1]");
  // Without a bias column, y = 2x fits exactly.
  const LeastSquaresFit fit = fit_least_squares(x, Tensor::from({3}, {2, 4, 6}), {.fit_bias = false});
  EXPECT_NEAR(fit.weight[0], 2, 1e-6);
  EXPECT_EQ(fit.bias[0], 0);
  EXPECT_EQ(fit.columns, 1);
}

// ---- when gradient descent diverges ---------------------------------------------------

struct Snapshot {
  std::vector<Tensor> params;
  NamedTensors optimizer;
};
Snapshot snapshot(SupervisedTrainer& t) {
  Snapshot s;
  for (auto& p : t.model().parameters()) s.params.push_back(p.value().clone());
  s.optimizer = t.optimizer().state();
  return s;
}
void expect_equal(const Snapshot& a, const Snapshot& b) {
  ASSERT_EQ(a.params.size(), b.params.size());
  for (std::size_t i = 0; i < a.params.size(); ++i) EXPECT_EQ(max_abs_diff(a.params[i], b.params[i]), 0.0) << "parameter " << i;
  ASSERT_EQ(a.optimizer.size(), b.optimizer.size());
  for (std::size_t i = 0; i < a.optimizer.size(); ++i) {
    EXPECT_EQ(a.optimizer[i].first, b.optimizer[i].first);
    EXPECT_EQ(max_abs_diff(a.optimizer[i].second, b.optimizer[i].second), 0.0) << a.optimizer[i].first;
  }
}

std::unique_ptr<SupervisedTrainer> plane_trainer(const Dataset& d, SGDOptions sgd) {
  Rng rng(1);
  auto model = std::make_shared<Linear>(2, 1, rng);
  model->assign_names();
  TrainConfig config;
  config.batch_size = 64;
  return std::make_unique<SupervisedTrainer>(model, std::make_unique<SGD>(model->named_parameters(), sgd), nullptr,
                                             Objective{}, config, d.x_train, d.y_train);
}

TEST(Divergence, AHugeLearningRateStopsNamingTheStepAndWhatWentBadWithNothingUpdated) {
  const Dataset d = make_dataset("plane");
  auto trainer = plane_trainer(d, {.lr = 50});  // 25x past the stable limit of about 2 / lambda_max = 1
  Snapshot before = snapshot(*trainer);
  for (int s = 0; s < 10000; ++s) {
    before = snapshot(*trainer);
    try {
      trainer->step();
    } catch (const NonFiniteError& e) {
      const std::string msg = e.what();
      std::printf("diverged at step %lld: %s\n", static_cast<long long>(e.step()), msg.c_str());
      EXPECT_EQ(e.step(), s + 1);
      EXPECT_NE(msg.find("step " + std::to_string(e.step()) + ":"), std::string::npos) << msg;
      // Either an op (found by the anomaly replay) or a parameter (whose update overflowed).
      const bool op = !e.op().empty() && e.where() == e.op() && msg.find("op '" + e.op() + "'") != std::string::npos;
      const bool param = e.where() == "weight" || e.where() == "bias";
      EXPECT_TRUE(op || param) << "where: " << e.where() << ", op: " << e.op();
      EXPECT_EQ(trainer->steps_done(), s);
      expect_equal(snapshot(*trainer), before);
      return;
    }
  }
  FAIL() << "lr 50 on the plane did not diverge";
}

TEST(Divergence, AForwardOverflowIsTracedToTheOpThatMadeIt) {
  const Dataset d = make_dataset("plane");
  auto trainer = plane_trainer(d, {.lr = 0.1});
  // Weights near the top of the float range: the prediction is finite, its square is not.
  const double big = std::sqrt(static_cast<double>(std::numeric_limits<Scalar>::max())) * 4;
  trainer->model().parameter("weight").mutable_value().fill(static_cast<Scalar>(big));
  const Snapshot before = snapshot(*trainer);
  try {
    trainer->step();
    FAIL() << "expected a NonFiniteError";
  } catch (const NonFiniteError& e) {
    EXPECT_EQ(e.step(), 1);
    EXPECT_EQ(e.op(), "square");  // inside mse_loss: (pred - y)^2
    EXPECT_EQ(e.where(), "square");
    const std::string msg = e.what();
    EXPECT_NE(msg.find("step 1: "), std::string::npos) << msg;
    EXPECT_NE(msg.find("op 'square' produced inf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("from finite inputs"), std::string::npos) << msg;
  }
  expect_equal(snapshot(*trainer), before);
  EXPECT_EQ(trainer->steps_done(), 0);
}

TEST(Divergence, AnUpdateThatOverflowsIsUndoneOptimizerStateIncluded) {
  DatasetOptions o;
  o.coefficients = {50, 80, -60};  // big targets, big gradients
  const Dataset d = make_dataset("plane", o);
  auto trainer = plane_trainer(d, {.lr = 0.01, .momentum = 0.9});
  trainer->step();  // momentum buffers exist from here on
  const Snapshot before = snapshot(*trainer);
  // p - lr * g overflows once lr * |g| passes the largest finite number.
  trainer->optimizer().set_lr(static_cast<double>(std::numeric_limits<Scalar>::max()) / 4);
  try {
    trainer->step();
    FAIL() << "expected a NonFiniteError";
  } catch (const NonFiniteError& e) {
    EXPECT_EQ(e.step(), 2);
    EXPECT_EQ(e.where(), "weight");
    EXPECT_TRUE(e.op().empty());
    EXPECT_NE(std::string(e.what()).find("the update made parameter 'weight' non-finite"), std::string::npos) << e.what();
  }
  expect_equal(snapshot(*trainer), before);  // momentum buffers and step counts too
  // Training can carry on with a sane rate.
  trainer->optimizer().set_lr(0.01);
  EXPECT_NO_THROW(trainer->step());
  EXPECT_EQ(trainer->steps_done(), 2);
}

}  // namespace
}  // namespace gradlab
