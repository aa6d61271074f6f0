// DDPM on 2-D points: the beta schedules against their definitions, the closed-form
// posterior q(x_{t-1} | x_t, x_0) against Bayes' rule worked out independently, the time
// embedding, the noise-prediction loss against a hand computation and finite differences,
// sampling, the variational bound (terms sum to it, L_T is a constant of the data, training
// lowers it), and coverage of the 8-Gaussian ring after a short training run.
#include "train/diffusion.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "nn/containers.h"
#include "optim/factory.h"
#include "support/check.h"
#include "train/gan.h"  // mode_coverage

namespace gradlab {
namespace {

using namespace test;

constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr double kPi = 3.14159265358979323846;

TEST(DiffusionSchedule, LinearBetasRunFromStartToEnd) {
  const DiffusionSchedule s = make_diffusion_schedule("linear", 5, 0.1, 0.5);
  ASSERT_EQ(s.beta.size(), 6u);
  const std::vector<double> beta = {0, 0.1, 0.2, 0.3, 0.4, 0.5};
  double ab = 1;
  for (int t = 0; t <= 5; ++t) {
    EXPECT_NEAR(s.beta[t], beta[t], 1e-15) << t;
    EXPECT_NEAR(s.alpha[t], 1 - beta[t], 1e-15) << t;
    ab *= 1 - beta[t];
    EXPECT_NEAR(s.alpha_bar[t], ab, 1e-15) << t;
  }
  // beta~_1 = 0: q(x_0 | x_1, x_0) is a point mass at x_0.
  EXPECT_EQ(s.posterior_variance[1], 0);
  EXPECT_NEAR(s.coef_x0[1], 1, 1e-15);
  EXPECT_NEAR(s.coef_xt[1], 0, 1e-15);
}

TEST(DiffusionSchedule, CosineFollowsNicholAndDhariwal) {
  const std::int64_t T = 50;
  const DiffusionSchedule s = make_diffusion_schedule("cosine", T);
  auto f = [&](double t) { return std::pow(std::cos((t / T + 0.008) / 1.008 * kPi / 2), 2); };
  for (std::int64_t t = 1; t <= T; ++t) {
    EXPECT_GT(s.beta[t], 0) << t;
    EXPECT_LE(s.beta[t], 0.999) << t;
    if (s.beta[t] < 0.999) {
      EXPECT_NEAR(s.beta[t], 1 - f(t) / f(t - 1), 1e-12) << t;
    }
  }
  EXPECT_EQ(s.beta[T], 0.999);  // f(T) = cos^2(pi/2) ~ 0: the clip is what keeps abar_T > 0
  EXPECT_NEAR(s.alpha_bar[T / 2], f(T / 2.0) / f(0), 1e-12);
  EXPECT_LT(s.alpha_bar[T], 1e-3);
}

TEST(DiffusionSchedule, BadArgumentsAreNamed) {
  expect_invalid([] { make_diffusion_schedule("linear", 1, 0.1, 0.2); }, {"T must be from 2"});
  expect_invalid([] { make_diffusion_schedule("linear", 10, 0.3, 0.2); }, {"beta_start <= beta_end"});
  expect_invalid([] { make_diffusion_schedule("linear", 10, 0.1, 1.0); }, {"beta_end < 1"});
  expect_invalid([] { make_diffusion_schedule("quadratic", 10, 0.1, 0.2); }, {"unknown kind 'quadratic'", "linear, cosine"});
}

// q(x_{t-1} | x_t, x_0) by Bayes: q(x_{t-1} | x_0) = N(sqrt(abar_{t-1}) x_0, 1 - abar_{t-1}) times
// q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t) as a function of x_{t-1}: precisions add,
// and the mean is the precision-weighted sum. The schedule's coefficients must agree.
TEST(DiffusionSchedule, PosteriorIsBayesRuleInClosedForm) {
  for (const char* kind : {"linear", "cosine"}) {
    const DiffusionSchedule s = make_diffusion_schedule(kind, 40, 0.01, 0.3);
    const double x0 = 1.7, xt = -0.4;
    for (std::int64_t t = 2; t <= s.T; ++t) {
      const double prior_var = 1 - s.alpha_bar[t - 1];
      const double precision = 1 / prior_var + s.alpha[t] / s.beta[t];
      const double var = 1 / precision;
      const double mean = var * (std::sqrt(s.alpha_bar[t - 1]) * x0 / prior_var + std::sqrt(s.alpha[t]) * xt / s.beta[t]);
      EXPECT_NEAR(s.posterior_variance[t], var, 1e-12 * var) << kind << " t=" << t;
      EXPECT_NEAR(s.coef_x0[t] * x0 + s.coef_xt[t] * xt, mean, 1e-12) << kind << " t=" << t;
    }
  }
}

TEST(DiffusionTimeEmbedding, SinesThenCosinesOfGeometricFrequencies) {
  const Tensor e = time_embedding({0, 3}, 4);  // w = [1, 10000^(-1/2) = 0.01]
  expect_values(e, {0, 0, 1, 1, std::sin(3.0), std::sin(0.03), std::cos(3.0), std::cos(0.03)}, kDouble ? 1e-15 : 1e-7);
  expect_invalid([] { time_embedding({1}, 3); }, {"E must be even"});
}

// A small noise network: [x_t, embed(t)] (2 + 4) -> 8 -> tanh -> Linear(8, 2).
struct Toy {
  std::shared_ptr<DiffusionModel> model;
  std::unique_ptr<DiffusionTrainer> trainer;
};

Toy toy(const Dataset& data, DiffusionOptions o, std::int64_t E = 4, std::int64_t H = 8, double lr = 0.01) {
  Rng rng(o.seed);
  auto layers = std::make_shared<Sequential>();
  layers->add(std::make_shared<Linear>(2 + E, H, rng));
  layers->add(std::make_shared<Activation>("tanh"));
  layers->add(std::make_shared<Linear>(H, H, rng));
  layers->add(std::make_shared<Activation>("tanh"));
  Toy t;
  t.model = std::make_shared<DiffusionModel>(layers, H, E, rng);
  t.model->assign_names();
  OptimizerConfig c;
  c.lr = lr;
  t.trainer = std::make_unique<DiffusionTrainer>(o, t.model, make_optimizer("adam", c, t.model->named_parameters()), data);
  return t;
}

Dataset ring(std::uint64_t seed, int n = 1000) {
  DatasetOptions d;
  d.seed = seed;
  d.noise = 0.05;
  d.n_samples = n;
  return make_dataset("gan_ring", d);
}

DiffusionOptions chain(std::int64_t T, double beta_start, double beta_end, std::int64_t batch, std::uint64_t seed) {
  DiffusionOptions o;
  o.timesteps = T;
  o.beta_start = beta_start;
  o.beta_end = beta_end;
  o.batch_size = batch;
  o.seed = seed;
  return o;
}

DiffusionOptions short_chain() { return chain(20, 0.01, 0.5, 16, 3); }

TEST(DiffusionModel, ParametersHavePyTorchNames) {
  Toy t = toy(ring(1, 50), short_chain());
  std::vector<std::string> names;
  for (const auto& [n, p] : t.model->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                             "out.weight", "out.bias"}));
  EXPECT_EQ(t.model->parameter("layers.0.weight").shape(), (Shape{8, 6}));
  EXPECT_EQ(t.model->parameter("out.weight").shape(), (Shape{2, 8}));
}

TEST(DiffusionLoss, IsTheMeanSquaredNoiseError) {
  const Dataset d = ring(1, 50);
  Toy t = toy(d, short_chain());
  Rng rng(5);
  const Tensor x0 = rng.normal_tensor({6, 2}, 0, 1), eps = rng.normal_tensor({6, 2}, 0, 1);
  const std::vector<std::int64_t> steps = {1, 2, 7, 11, 19, 20};
  const double loss = t.trainer->loss(x0, steps, eps).item();
  // By hand: x_t from the schedule, the network on [x_t, embed(t)], the mean of squares.
  const DiffusionSchedule& s = t.trainer->schedule();
  Tensor x_t({6, 2});
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 2; ++k)
      x_t[i * 2 + k] = static_cast<Scalar>(std::sqrt(s.alpha_bar[steps[i]]) * x0[i * 2 + k] +
                                           std::sqrt(1 - s.alpha_bar[steps[i]]) * eps[i * 2 + k]);
  const Tensor pred = t.trainer->predict_noise(x_t, steps);
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += (eps[i] - pred[i]) * (eps[i] - pred[i]);
  EXPECT_NEAR(loss, sum / 12, kDouble ? 1e-12 : 1e-5);
  expect_invalid([&] { t.trainer->loss(x0, {0, 1, 1, 1, 1, 1}, eps); }, {"t must be from 1 to 20"});
}

TEST(DiffusionLoss, GradientPassesFiniteDifferences) {
  // Relative error <= 1e-6 in the f64 build; loosely in f32 (support/check.h).
  const Dataset d = ring(1, 50);
  Toy t = toy(d, short_chain());
  Rng rng(6);
  const Tensor x0 = rng.normal_tensor({5, 2}, 0, 1), eps = rng.normal_tensor({5, 2}, 0, 1);
  const std::vector<std::int64_t> steps = {1, 4, 9, 15, 20};
  EXPECT_TRUE(gradcheck_passes([&] { return t.trainer->loss(x0, steps, eps); }, t.model->parameters()));
}

TEST(DiffusionTraining, SameSeedSameRunAndStepsLowerTheLoss) {
  const Dataset d = ring(2, 400);
  Toy a = toy(d, short_chain()), b = toy(d, short_chain());
  double first = 0, last = 0;
  for (int i = 0; i < 300; ++i) {
    const DiffusionMetrics ma = a.trainer->step(), mb = b.trainer->step();
    ASSERT_EQ(ma.loss, mb.loss) << "step " << i;
    if (i < 20) first += ma.loss / 20;
    if (i >= 280) last += ma.loss / 20;
  }
  EXPECT_EQ(a.trainer->steps_done(), 300);
  EXPECT_LT(last, 0.8 * first);  // from ~1 (predicting 0) down
}

TEST(DiffusionSampling, TrajectoriesStartFromNoiseAndEndAtTheSamples) {
  const Dataset d = ring(1, 50);
  Toy t = toy(d, short_chain());
  Rng r1(9), r2(9);
  const DiffusionSamples s = t.trainer->sample(10, r1, 3);
  ASSERT_EQ(s.trajectory.size(), 21u);  // x_20 ... x_0
  EXPECT_EQ(s.points.shape(), (Shape{10, 2}));
  EXPECT_EQ(s.trajectory[0].shape(), (Shape{3, 2}));
  Rng fresh(9);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(s.trajectory[0][i], static_cast<Scalar>(fresh.normal())) << i;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(s.trajectory[20][i], s.points[i]) << i;
  EXPECT_EQ(max_abs_diff(t.trainer->sample(10, r2).points, s.points), 0);  // same Rng state, same points
}

// The bound's parts, recomputed here for one point with the same noise draws: L_T in closed
// form, each KL from the Bayes-rule posterior (precisions), L_0 as a Gaussian log density.
TEST(DiffusionElbo, TermsAreTheKlsOfTheDefinitionAndSumToTheBound) {
  for (const char* variance : {"posterior", "beta"}) {
    DiffusionOptions o = short_chain();
    o.variance = variance;
    const Dataset d = ring(1, 50);
    Toy t = toy(d, o);
    const Tensor x0 = Tensor({1, 2}, {static_cast<Scalar>(1.5), static_cast<Scalar>(-0.5)});
    Rng rng(11), replay(11);
    const DiffusionElbo b = t.trainer->elbo(x0, rng);
    const DiffusionSchedule& s = t.trainer->schedule();
    ASSERT_EQ(b.terms.size(), 21u);
    double sum = 0;
    for (double v : b.terms) sum += v;
    EXPECT_NEAR(b.bound, sum, 1e-12 * std::abs(sum));
    for (std::int64_t step = 1; step <= s.T; ++step) {
      const double ab = s.alpha_bar[step];
      double xt[2];
      for (int k = 0; k < 2; ++k) xt[k] = std::sqrt(ab) * x0[k] + std::sqrt(1 - ab) * replay.normal();
      const Tensor xt_f({1, 2}, {static_cast<Scalar>(xt[0]), static_cast<Scalar>(xt[1])});
      const Tensor eps = t.trainer->predict_noise(xt_f, {step});
      const double s2 = step == 1 || o.variance == "beta" ? s.beta[step] : s.posterior_variance[step];
      double expected = 0;
      for (int k = 0; k < 2; ++k) {
        const double mu = (xt[k] - s.beta[step] / std::sqrt(1 - ab) * eps[k]) / std::sqrt(s.alpha[step]);
        if (step == 1) {
          expected += -std::log(std::exp(-(x0[k] - mu) * (x0[k] - mu) / (2 * s2)) / std::sqrt(2 * kPi * s2));
        } else {
          const double prior_var = 1 - s.alpha_bar[step - 1];
          const double v = 1 / (1 / prior_var + s.alpha[step] / s.beta[step]);
          const double m = v * (std::sqrt(s.alpha_bar[step - 1]) * x0[k] / prior_var + std::sqrt(s.alpha[step]) * xt[k] / s.beta[step]);
          expected += 0.5 * (v / s2 + (m - mu) * (m - mu) / s2 - 1 + std::log(s2) - std::log(v));
        }
      }
      EXPECT_NEAR(b.terms[step - 1], expected, 1e-9 * std::max(1.0, std::abs(expected))) << variance << " t=" << step;
    }
    const double abT = s.alpha_bar[s.T];
    double lt = 0;
    for (int k = 0; k < 2; ++k) lt += 0.5 * ((1 - abT) + abT * x0[k] * x0[k] - 1 - std::log(1 - abT));
    EXPECT_NEAR(b.terms[s.T], lt, 1e-15);
  }
}

// DDPM on the ring of 8 Gaussians (std 0.05, as the GAN test: at 0.02 the 3-sigma discs are
// 0.06 wide). 100 steps (linear betas 0.001 .. 0.2), MLP 18 -> 64 -> 64 -> 64 -> 2 (ReLU),
// Adam lr 3e-3, batch 128. A mode is covered when >= 2% of 1000 samples lie within 3 std of
// it (nearest mode).
constexpr int kRingSteps = 2000;

TEST(DiffusionTraining, CoversTheRingAndTrainingLowersTheBoundButNotLT) {
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = ring(1, 2000);
  const DiffusionOptions o = chain(100, 0.001, 0.2, 128, 1);
  Rng init(1);
  const std::int64_t E = 16, H = 64;
  auto layers = std::make_shared<Sequential>();
  layers->add(std::make_shared<Linear>(2 + E, H, init));
  layers->add(std::make_shared<Activation>("relu"));
  for (int i = 0; i < 2; ++i) {
    layers->add(std::make_shared<Linear>(H, H, init));
    layers->add(std::make_shared<Activation>("relu"));
  }
  auto model = std::make_shared<DiffusionModel>(layers, H, E, init);
  OptimizerConfig c;
  c.lr = 3e-3;
  DiffusionTrainer ddpm(o, model, make_optimizer("adam", c, model->named_parameters()), d);
  Rng r0(21);
  const DiffusionElbo before = ddpm.elbo(d.x_test, r0);
  for (int i = 0; i < kRingSteps; ++i) ddpm.step();
  Rng r1(21), rs(22);
  const DiffusionElbo after = ddpm.elbo(d.x_test, r1);
  const Tensor samples = ddpm.sample(1000, rs).points;
  const ModeCoverage cov = mode_coverage(samples, d.modes, d.mode_std, 3, 20);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ ddpm ] " << kRingSteps << " steps: " << cov.modes_covered << "/" << cov.num_modes << " modes, high quality "
            << cov.high_quality_fraction << ", bound " << before.bound << " -> " << after.bound << " nats, L_T "
            << after.terms[100] << ", " << secs << " s\n";
  EXPECT_GE(cov.modes_covered, 7);
  EXPECT_EQ(before.terms[100], after.terms[100]);  // L_T has no parameter
  EXPECT_LT(after.bound, before.bound - 1);
}

}  // namespace
}  // namespace gradlab
