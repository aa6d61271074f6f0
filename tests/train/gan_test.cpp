// GanTrainer: option validation and defaults, PyTorch-style names, each loss kind's value
// on fixed one-layer networks against hand-computed numbers, the gradient penalty's
// gradient (a create_graph gradient) against finite differences, weight clipping,
// determinism, the mode-coverage metric, and a training run on the 8-Gaussian ring.
//
// Golden numbers for the one-layer networks (python3, plain floats):
//   r = D(real) = [0.75, -0.75], f = D(G(z)) = [-0.5, 2.5], softplus(x) = log1p(exp(x))
//   minimax/non_saturating L_D = mean softplus(-r) + mean softplus(f) = 2.288354365351228
//   minimax L_G = -mean softplus(f) = -1.526483359236328
//   non_saturating L_G = mean softplus(-f) = 0.5264833592363282
//   least_squares L_D = 0.5 mean (r-1)^2 + 0.5 mean f^2 = 2.40625, L_G = 0.5 mean (f-1)^2 = 1.125
//   wgan L_D = mean f - mean r = 1, L_G = -1; wgan_gp adds lambda (sqrt(1.25) - 1)^2 = lambda * 0.013932022500210316
#include "train/gan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>

#include "support/check.h"
#include "train/supervised.h"  // NonFiniteError

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;
// Float rounding of one forward pass: golden numbers hold to ~1e-6 in f32, 1e-12 in f64.
constexpr double kTol = kDouble ? 1e-12 : 2e-6;

Dataset points_dataset(Tensor x) {
  Dataset d;
  d.name = "test";
  d.task = task::gan;
  d.x_train = std::move(x);
  return d;
}

// G: z [B, 1] -> Linear(1, 2);  D: x [B, 2] -> Linear(2, 1), with fixed weights:
//   G(z) = (z + 0.5, 2z - 0.5),  D(x) = 0.5 x1 - x2 + 0.25
GanTrainer one_layer_gan(const std::string& loss) {
  GanOptions o;
  o.loss = loss;
  o.noise_dim = 1;
  o.generator_hidden = {};
  o.discriminator_hidden = {};
  o.batch_size = 2;
  GanTrainer gan(o, points_dataset(Tensor::from({2, 2}, {1, 0, 0, 1})));
  gan.model().load_state({{"generator.0.weight", Tensor::from({2, 1}, {1, 2})},
                          {"generator.0.bias", Tensor::from({2}, {0.5, -0.5})},
                          {"discriminator.0.weight", Tensor::from({1, 2}, {0.5, -1})},
                          {"discriminator.0.bias", Tensor::from({1}, {0.25})}});
  return gan;
}

const Tensor kReal = Tensor::from({2, 2}, {1, 0, 0, 1});  // D = [0.75, -0.75]
const Tensor kZ = Tensor::from({2, 1}, {1, -1});          // G = [(1.5, 1.5), (-0.5, -2.5)], D = [-0.5, 2.5]

void expect_throws_naming(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected std::invalid_argument mentioning '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// ---- options ------------------------------------------------------------------------------

TEST(GanOptions, EveryBadFieldIsRejectedByName) {
  const std::vector<std::pair<std::string, std::function<void(GanOptions&)>>> cases = {
      {"GanOptions.loss", [](GanOptions& o) { o.loss = "hinge"; }},
      {"GanOptions.noise_dim", [](GanOptions& o) { o.noise_dim = 0; }},
      {"GanOptions.noise", [](GanOptions& o) { o.noise = "cauchy"; }},
      {"GanOptions.generator_hidden[1]",
       [](GanOptions& o) {
         o.generator_hidden = {8, 0};
       }},
      {"GanOptions.discriminator_hidden", [](GanOptions& o) { o.discriminator_hidden.assign(9, 4); }},
      {"GanOptions.generator_activation", [](GanOptions& o) { o.generator_activation = "softmax"; }},
      {"GanOptions.discriminator_activation", [](GanOptions& o) { o.discriminator_activation = "swish"; }},
      {"GanOptions.leaky_relu_slope", [](GanOptions& o) { o.leaky_relu_slope = 1; }},
      {"GanOptions.critic_steps", [](GanOptions& o) { o.critic_steps = 0; }},
      {"GanOptions.generator_optimizer.name", [](GanOptions& o) { o.generator_optimizer.name = "lbfgs"; }},
      {"GanOptions.discriminator_optimizer.lr", [](GanOptions& o) { o.discriminator_optimizer.lr = -1; }},
      {"GanOptions.generator_optimizer.betas[1]",
       [](GanOptions& o) {
         o.generator_optimizer.betas = std::array<double, 2>{0.5, 1.0};
       }},
      {"GanOptions.discriminator_optimizer.betas",
       [](GanOptions& o) {
         o.discriminator_optimizer.name = "rmsprop";
         o.discriminator_optimizer.betas = std::array<double, 2>{0.5, 0.9};
       }},
      {"GanOptions.generator_optimizer.weight_decay", [](GanOptions& o) { o.generator_optimizer.weight_decay = -0.1; }},
      {"GanOptions.clip_value", [](GanOptions& o) { o.clip_value = 0; }},
      {"GanOptions.gp_lambda", [](GanOptions& o) { o.gp_lambda = NAN; }},
      {"GanOptions.batch_size", [](GanOptions& o) { o.batch_size = 0; }},
  };
  const Dataset ring = make_dataset("gan_ring", {});
  for (const auto& [field, mutate] : cases) {
    GanOptions o;
    mutate(o);
    expect_throws_naming([&] { validate(o); }, field + ":");
    expect_throws_naming([&] { (void)GanTrainer(o, ring); }, field + ":");
  }
  EXPECT_NO_THROW(validate(GanOptions{}));
}

TEST(GanOptions, DefaultsFollowEachLossKindsPaper) {
  GanOptions o;
  o.loss = "wgan_gp";
  GanOptions r = resolved(o);
  EXPECT_EQ(*r.critic_steps, 5);
  EXPECT_EQ(r.discriminator_optimizer.name, "adam");
  EXPECT_EQ(*r.discriminator_optimizer.lr, 1e-4);
  EXPECT_EQ((*r.discriminator_optimizer.betas)[0], 0.0);
  EXPECT_EQ((*r.generator_optimizer.betas)[1], 0.9);

  o.loss = "wgan";
  r = resolved(o);
  EXPECT_EQ(*r.critic_steps, 5);
  EXPECT_EQ(r.generator_optimizer.name, "rmsprop");
  EXPECT_EQ(*r.generator_optimizer.lr, 5e-5);
  EXPECT_FALSE(r.generator_optimizer.betas.has_value());

  o.loss = "minimax";
  o.generator_optimizer.lr = 1e-3;  // set fields are kept
  r = resolved(o);
  EXPECT_EQ(*r.critic_steps, 1);
  EXPECT_EQ(*r.generator_optimizer.lr, 1e-3);
  EXPECT_EQ(*r.discriminator_optimizer.lr, 2e-4);
  EXPECT_EQ((*r.discriminator_optimizer.betas)[0], 0.5);

  o.loss = "wgan";
  GanTrainer gan(o, make_dataset("gan_ring", {}));
  EXPECT_EQ(gan.discriminator_optimizer().kind(), "RMSProp");
  EXPECT_EQ(gan.generator_optimizer().kind(), "RMSProp");
  EXPECT_EQ(gan.generator_optimizer().lr(), 1e-3);
}

TEST(GanModel, ParametersHavePyTorchNamesAndShapes) {
  GanOptions o;
  o.noise_dim = 3;
  o.generator_hidden = {5, 4};
  o.discriminator_hidden = {6};
  GanTrainer gan(o, make_dataset("gan_grid", {}));
  std::vector<std::string> names;
  for (const auto& [name, p] : gan.model().named_parameters()) {
    names.push_back(name);
    EXPECT_EQ(p.name(), name);  // every Var knows its dotted name (for messages and gradcheck)
  }
  const std::vector<std::string> expected = {"generator.0.weight",     "generator.0.bias",     "generator.2.weight",
                                             "generator.2.bias",       "generator.4.weight",   "generator.4.bias",
                                             "discriminator.0.weight", "discriminator.0.bias", "discriminator.2.weight",
                                             "discriminator.2.bias"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(gan.model().parameter("generator.0.weight").shape(), (Shape{5, 3}));
  EXPECT_EQ(gan.model().parameter("generator.4.weight").shape(), (Shape{2, 4}));
  EXPECT_EQ(gan.model().parameter("discriminator.0.weight").shape(), (Shape{6, 2}));
  EXPECT_EQ(gan.model().parameter("discriminator.2.weight").shape(), (Shape{1, 6}));
  EXPECT_EQ(gan.sample(7).shape(), (Shape{7, 2}));
  EXPECT_EQ(gan.critic_field(Tensor::zeros({4, 2})).shape(), (Shape{4}));
  EXPECT_EQ(gan.generator_gradients(Tensor::zeros({4, 2})).shape(), (Shape{4, 2}));
}

// ---- losses on fixed networks ---------------------------------------------------------------

TEST(GanLosses, EachKindMatchesHandComputedNumbers) {
  struct Case {
    const char* loss;
    double d_loss, g_loss;
  };
  const Case cases[] = {{"minimax", 2.288354365351228, -1.526483359236328},
                        {"non_saturating", 2.288354365351228, 0.5264833592363282},
                        {"least_squares", 2.40625, 1.125},
                        {"wgan", 1.0, -1.0},
                        {"wgan_gp", 1.0 + 10 * 0.013932022500210316, -1.0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.loss);
    GanTrainer gan = one_layer_gan(c.loss);
    const Tensor alpha = Tensor::from({2}, {0.25, 0.75});
    EXPECT_NEAR(gan.discriminator_loss(kReal, kZ, alpha).item(), c.d_loss, kTol);
    EXPECT_NEAR(gan.generator_loss(kZ).item(), c.g_loss, kTol);
    // The step functions report the same numbers before they update.
    GanMetrics d = gan.step_discriminator(kReal, kZ, alpha);
    EXPECT_NEAR(d.d_loss, c.d_loss, kTol);
    EXPECT_EQ(d.critic_updates, 1);
    EXPECT_TRUE(std::isnan(d.g_loss));
  }
}

TEST(GanLosses, MetricsReportWassersteinPenaltyAndProbabilities) {
  GanTrainer gp = one_layer_gan("wgan_gp");
  GanMetrics m = gp.step_discriminator(kReal, kZ, Tensor::from({2}, {0.1, 0.9}));
  EXPECT_NEAR(m.wasserstein, 0.0 - 1.0, kTol);  // mean r - mean f
  EXPECT_NEAR(m.gradient_penalty, 10 * 0.013932022500210316, kTol);
  EXPECT_NEAR(m.critic_grad_norm, std::sqrt(1.25), kTol);  // a linear critic has slope ||w|| everywhere
  EXPECT_GT(m.d_grad_norm, 0);

  GanTrainer ns = one_layer_gan("non_saturating");
  m = ns.step_discriminator(kReal, kZ);
  const auto sig = [](double x) { return 1 / (1 + std::exp(-x)); };
  EXPECT_NEAR(m.d_real, (sig(0.75) + sig(-0.75)) / 2, kTol);
  EXPECT_NEAR(m.d_fake, (sig(-0.5) + sig(2.5)) / 2, kTol);
  EXPECT_TRUE(std::isnan(m.wasserstein));
  EXPECT_TRUE(std::isnan(m.gradient_penalty));
  GanMetrics g = ns.step_generator(kZ);
  EXPECT_EQ(g.step, 1);
  EXPECT_GT(g.g_grad_norm, 0);
  EXPECT_TRUE(std::isnan(g.d_loss));
}

// A critic with a tanh hidden layer, so the penalty depends on where x_hat lies:
// D(x) = v . tanh(W x + b) + c and grad_x D = W^T (v * (1 - tanh^2(W x + b))), in plain doubles.
TEST(GanLosses, GradientPenaltyInterpolatesPerRow) {
  GanOptions o;
  o.loss = "wgan_gp";
  o.gp_lambda = 2;
  o.noise_dim = 1;
  o.generator_hidden = {};
  o.discriminator_hidden = {2};
  o.discriminator_activation = "tanh";
  GanTrainer gan(o, points_dataset(kReal));
  const double W[2][2] = {{0.8, -0.3}, {0.2, 1.1}}, b[2] = {0.1, -0.2}, v[2] = {1.5, -0.7}, c = 0.05;
  gan.model().load_state({{"generator.0.weight", Tensor::from({2, 1}, {1, 2})},
                          {"generator.0.bias", Tensor::from({2}, {0.5, -0.5})},
                          {"discriminator.0.weight", Tensor::from({2, 2}, {W[0][0], W[0][1], W[1][0], W[1][1]})},
                          {"discriminator.0.bias", Tensor::from({2}, {b[0], b[1]})},
                          {"discriminator.2.weight", Tensor::from({1, 2}, {v[0], v[1]})},
                          {"discriminator.2.bias", Tensor::from({1}, {c})}});
  const double real[2][2] = {{1, 0}, {0, 1}}, fake[2][2] = {{1.5, 1.5}, {-0.5, -2.5}}, alpha[2] = {0.25, 0.6};
  auto D = [&](const double* x) {
    double y = c;
    for (int j = 0; j < 2; ++j) y += v[j] * std::tanh(W[j][0] * x[0] + W[j][1] * x[1] + b[j]);
    return y;
  };
  double expected = 0;
  for (int i = 0; i < 2; ++i) {
    expected += (D(fake[i]) - D(real[i])) / 2;
    const double xh[2] = {alpha[i] * real[i][0] + (1 - alpha[i]) * fake[i][0],
                          alpha[i] * real[i][1] + (1 - alpha[i]) * fake[i][1]};
    double g[2] = {0, 0};
    for (int j = 0; j < 2; ++j) {
      const double t = std::tanh(W[j][0] * xh[0] + W[j][1] * xh[1] + b[j]);
      for (int k = 0; k < 2; ++k) g[k] += W[j][k] * v[j] * (1 - t * t);
    }
    const double n = std::sqrt(g[0] * g[0] + g[1] * g[1]);
    expected += 2 * (n - 1) * (n - 1) / 2;
  }
  EXPECT_NEAR(gan.discriminator_loss(kReal, kZ, Tensor::from({2}, {alpha[0], alpha[1]})).item(), expected,
              kDouble ? 1e-12 : 1e-5);
}

TEST(GanLosses, GradientPenaltyGradientPassesGradcheck) {
  // The penalty is a function of D's parameters through a create_graph gradient: its own
  // gradient is a second derivative of D. Tight in f64, loose in f32 (check.h). leaky_relu
  // only in f64: f32's finite-difference step (1e-2) flips its kinks, where the true
  // derivative (through the piecewise-constant slope) is 0.
  const std::vector<const char*> activations =
      kDouble ? std::vector<const char*>{"tanh", "leaky_relu"} : std::vector<const char*>{"tanh"};
  for (const char* act : activations) {
    SCOPED_TRACE(act);
    GanOptions o;
    o.loss = "wgan_gp";
    o.discriminator_hidden = {5, 4};
    o.discriminator_activation = act;
    o.seed = 3;
    GanTrainer gan(o, make_dataset("gan_ring", {}));
    Rng rng(11);
    const Tensor real = rng.normal_tensor({6, 2}, 0, 2), fake = rng.normal_tensor({6, 2}, 0, 2);
    const Tensor alpha = rng.uniform_tensor({6}, 0, 1);
    EXPECT_GRADCHECK([&] { return gradient_penalty(gan.discriminator(), real, fake, alpha); },
                     gan.discriminator().parameters());
    // And the whole critic loss, penalty included.
    const Tensor z = gan.noise(6, rng);
    EXPECT_GRADCHECK([&] { return gan.discriminator_loss(real, z, alpha); }, gan.discriminator().parameters());
  }
}

TEST(GanLosses, GeneratorGradientsPointWhereTheGeneratorIsPushed) {
  const Tensor x = Tensor::from({3, 2}, {0, 0, 1, -2, -3, 0.5});
  // WGAN: the push is grad_x D = w = (0.5, -1) everywhere.
  Tensor push = one_layer_gan("wgan").generator_gradients(x);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(push[2 * i], 0.5, kTol);
    EXPECT_NEAR(push[2 * i + 1], -1.0, kTol);
  }
  // Non-saturating: l = softplus(-D(x)), so -dl/dx = sigmoid(-D(x)) w; the field is sigmoid(D).
  GanTrainer ns = one_layer_gan("non_saturating");
  push = ns.generator_gradients(x);
  const Tensor field = ns.critic_field(x);
  for (int i = 0; i < 3; ++i) {
    const double d = 0.5 * x[2 * i] - x[2 * i + 1] + 0.25;
    EXPECT_NEAR(field[i], 1 / (1 + std::exp(-d)), kTol);
    EXPECT_NEAR(push[2 * i], 0.5 / (1 + std::exp(d)), kTol);
    EXPECT_NEAR(push[2 * i + 1], -1.0 / (1 + std::exp(d)), kTol);
  }
  // The raw score for the others.
  EXPECT_NEAR(one_layer_gan("least_squares").critic_field(x)[1], 0.5 + 2 + 0.25, kTol);
}

// ---- updates ----------------------------------------------------------------------------------

TEST(GanTraining, WeightClippingKeepsEveryCriticParameterWithinC) {
  GanOptions o;
  o.loss = "wgan";
  o.clip_value = 0.02;
  o.discriminator_optimizer.lr = 0.05;  // large steps, so clipping has work to do
  o.generator_hidden = o.discriminator_hidden = {16, 16};
  o.batch_size = 32;
  GanTrainer gan(o, make_dataset("gan_ring", {}));
  std::int64_t at_bound = 0;
  for (int i = 0; i < 4; ++i) {
    GanMetrics m = gan.step();
    EXPECT_EQ(m.critic_updates, 5 * (i + 1));
    at_bound = 0;
    for (const auto& [name, p] : gan.discriminator().named_parameters())
      for (std::int64_t k = 0; k < p.numel(); ++k) {
        const double w = p.value()[k];
        ASSERT_LE(std::fabs(w), 0.02 + 1e-9) << name << "[" << k << "]";
        at_bound += std::fabs(w) >= 0.02 - 1e-9;
      }
  }
  EXPECT_GT(at_bound, 100);  // clipping was active, not vacuous
  double g_max = 0;          // the generator is never clipped
  for (const Var& p : gan.generator().parameters())
    for (std::int64_t k = 0; k < p.numel(); ++k) g_max = std::max(g_max, std::fabs(double(p.value()[k])));
  EXPECT_GT(g_max, 0.1);
}

TEST(GanTraining, EachPlayerUpdatesOnlyItsOwnParameters) {
  GanOptions o;
  o.generator_hidden = o.discriminator_hidden = {8};
  GanTrainer gan(o, make_dataset("gan_ring", {}));
  auto snapshot = [](const Module& m) {
    std::vector<Tensor> out;
    for (const Var& p : m.parameters()) out.push_back(p.value().clone());
    return out;
  };
  auto changed = [](const std::vector<Tensor>& before, const Module& m) {
    const auto params = m.parameters();
    for (std::size_t i = 0; i < params.size(); ++i)
      if (max_abs_diff(before[i], params[i].value()) > 0) return true;
    return false;
  };
  auto g0 = snapshot(gan.generator()), d0 = snapshot(gan.discriminator());
  gan.step_discriminator();
  EXPECT_FALSE(changed(g0, gan.generator()));
  EXPECT_TRUE(changed(d0, gan.discriminator()));
  d0 = snapshot(gan.discriminator());
  gan.step_generator();
  EXPECT_TRUE(changed(g0, gan.generator()));
  EXPECT_FALSE(changed(d0, gan.discriminator()));
  for (const Var& p : gan.discriminator().parameters()) EXPECT_TRUE(p.requires_grad());  // unfrozen again
}

// A player whose loss overflows: the error names the op that first went non-finite (replayed
// in anomaly mode), as a supervised run's does, and nothing is updated.
TEST(GanTraining, ADivergingPlayerNamesTheOpAndUpdatesNothing) {
  GanTrainer gan = one_layer_gan("minimax");
  const Scalar big = std::numeric_limits<Scalar>::max() / 2;
  // D(x) = big x1 + big x2: finite on the real points (big), infinite on the fake (1.5, 1.5)
  for (auto& [name, p] : gan.model().named_parameters())
    if (name == "discriminator.0.weight") std::fill_n(p.mutable_value().data(), 2, big);
  std::vector<Tensor> before;
  for (const Var& p : gan.model().parameters()) before.push_back(p.value().clone());
  try {
    gan.step_discriminator(kReal, kZ);
    ADD_FAILURE() << "expected a NonFiniteError";
  } catch (const NonFiniteError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the discriminator's loss became non-finite; replayed in anomaly mode, the first to go bad:"), std::string::npos) << m;
    EXPECT_FALSE(e.op().empty()) << m;
    EXPECT_NE(m.find(e.op()), std::string::npos) << m;
    EXPECT_EQ(e.step(), 1);
  }
  const auto after = gan.model().parameters();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(max_abs_diff(before[i], after[i].value()), 0) << "parameter " << i;
}

TEST(GanTraining, SameSeedSameSamplesAndLosses) {
  for (const char* loss : {"non_saturating", "wgan_gp"}) {
    SCOPED_TRACE(loss);
    GanOptions o;
    o.loss = loss;
    o.generator_hidden = o.discriminator_hidden = {16, 16};
    o.batch_size = 16;
    o.seed = 5;
    const Dataset ring = make_dataset("gan_ring", {});
    GanTrainer a(o, ring), b(o, ring);
    for (int i = 0; i < 6; ++i) {
      if (i == 3) b.sample(50);  // sampling has its own Rng: training is unaffected
      GanMetrics ma = a.step(), mb = b.step();
      EXPECT_EQ(ma.d_loss, mb.d_loss);
      EXPECT_EQ(ma.g_loss, mb.g_loss);
    }
    EXPECT_EQ(max_abs_diff(a.generate(Tensor::ones({3, 8})), b.generate(Tensor::ones({3, 8}))), 0);
    GanTrainer c(o, ring);  // a fresh trainer's samples repeat too
    EXPECT_EQ(max_abs_diff(GanTrainer(o, ring).sample(20), c.sample(20)), 0);
    o.seed = 6;
    EXPECT_GT(max_abs_diff(GanTrainer(o, ring).sample(20), c.sample(20)), 0);
  }
}

TEST(GanTraining, BadInputsAreRejectedByName) {
  GanTrainer gan = one_layer_gan("wgan_gp");
  expect_throws_naming([&] { gan.step_discriminator(Tensor::zeros({2, 3}), kZ, Tensor::zeros({2})); }, "real");
  expect_throws_naming(
      [&] {
        gan.step_discriminator(kReal, Tensor::zeros({3, 1}), Tensor::zeros({2}));
      },
      "z needs 2 rows");
  expect_throws_naming([&] { gan.step_discriminator(kReal, kZ, Tensor::zeros({3})); }, "alpha");
  expect_throws_naming([&] { gan.generate(Tensor::zeros({2, 4})); }, "z must be [N, 1]");
  expect_throws_naming([&] { gan.sample(0); }, "n = 0");
  expect_throws_naming([&] { gan.coverage(Tensor::zeros({1, 2})); }, "no modes");
  expect_throws_naming([&] { (void)GanTrainer(GanOptions{}, points_dataset(Tensor())); }, "x_train");
}

// ---- mode coverage ------------------------------------------------------------------------------

TEST(ModeCoverageMetric, CountsSamplesWithinThreeSigmaOfTheirNearestMode) {
  // Modes at the corners of a 4 x 4 square, std 0.1: "within 3 sigma" is a disc of radius 0.3.
  const Tensor modes = Tensor::from({4, 2}, {0, 0, 4, 0, 0, 4, 4, 4});
  // clang-format off
  const Tensor samples = Tensor::from({13, 2}, {
      0, 0,  0.1, 0,  0, -0.1,  0.2, 0.2,  -0.29, 0,  // mode 0: 5
      4, 0,  4.1, 0.1,  3.8, 0,                       // mode 1: 3
      0, 4,  0.2, 4.2,                                // mode 2: 2
      4, 4.31,                                        // just outside mode 3
      10, 10,  -5, 2,                                 // far away
  });
  // clang-format on
  ModeCoverage c = mode_coverage(samples, modes, 0.1);
  EXPECT_EQ(c.num_modes, 4);
  EXPECT_EQ(c.counts, (std::vector<std::int64_t>{5, 3, 2, 0}));
  EXPECT_EQ(c.threshold, 3);  // max(3, ceil(13 / 40))
  EXPECT_EQ(c.modes_covered, 2);
  EXPECT_NEAR(c.high_quality_fraction, 10.0 / 13.0, 1e-12);
  EXPECT_EQ(mode_coverage(samples, modes, 0.1, 3, 2).modes_covered, 3);  // explicit threshold
  EXPECT_EQ(mode_coverage(samples, modes, 0.1, 3.2).counts[3], 1);       // a wider disc takes 4.31 in
  // The default threshold grows with N: 800 samples on 8 modes need 10 each.
  EXPECT_EQ(mode_coverage(Tensor::zeros({800, 2}), Tensor::zeros({8, 2}), 1).threshold, 10);

  expect_throws_naming([&] { mode_coverage(samples, Tensor(), 0.1); }, "modes");
  expect_throws_naming([&] { mode_coverage(samples, Tensor::zeros({4, 3}), 0.1); }, "samples");
  expect_throws_naming([&] { mode_coverage(samples, modes, 0); }, "mode_std");
  expect_throws_naming([&] { mode_coverage(samples, modes, 0.1, -1); }, "sigmas");
  expect_throws_naming([&] { mode_coverage(samples, modes, 0.1, 3, -1); }, "min_count");
}

// ---- training on the 8-Gaussian ring ---------------------------------------------------------------

// The ring with std 0.05 instead of the default 0.02 (3 sigma = 0.15): at 0.02 the same
// budget counted only 1-2 covered modes (seeds 1-3, 7% high-quality samples), because the
// samples sit around the modes but outside their 0.06-wide discs. The test is about covering
// modes, not sharpening them.
Dataset ring_dataset(std::uint64_t seed) {
  DatasetOptions d;
  d.seed = seed;
  d.noise = 0.05;
  d.n_samples = 2000;
  return make_dataset("gan_ring", d);
}

// G 8 -> 64 -> 64 -> 64 -> 2 and D 2 -> 64 -> 64 -> 64 -> 1 (ReLU), batch 32, k = 5, Adam
// lr 1e-3 with betas (0.5, 0.9), lambda 1, 1000 generator steps; coverage of 1000 samples.
// Seeds 1-24 all covered >= 7 of 8 modes (22 of them all 8; high quality 0.26-0.42).
// Lambda 1 rather than the paper's 10 (the WGAN-GP authors' toy code uses 0.1, for toy data):
// with lambda 10 (batch 64) the runs were unstable, 0, 7, 8, 3, 0, 0 modes on seeds 2-7.
// Narrower nets (48 wide: 2-8 modes) or batch 16 (5-8) were not reliable.
GanOptions ring_options(const std::string& loss, std::uint64_t seed) {
  GanOptions o;
  o.loss = loss;
  o.seed = seed;
  o.noise_dim = 8;
  o.generator_hidden = o.discriminator_hidden = {64, 64, 64};
  o.batch_size = 32;
  o.critic_steps = 5;
  o.gp_lambda = 1;
  for (GanOptimizerOptions* p : {&o.generator_optimizer, &o.discriminator_optimizer}) {
    p->name = "adam";
    p->lr = 1e-3;
    p->betas = std::array<double, 2>{0.5, 0.9};
  }
  return o;
}

constexpr int kRingSteps = 1000;
constexpr std::uint64_t kRingSeed = 1;

TEST(GanTraining, WganGpCoversAtLeastSevenOfEightRingModes) {
  const auto t0 = std::chrono::steady_clock::now();
  GanTrainer gan(ring_options("wgan_gp", kRingSeed), ring_dataset(kRingSeed));
  GanMetrics m;
  for (int i = 0; i < kRingSteps; ++i) m = gan.step();
  ASSERT_TRUE(std::isfinite(m.d_loss) && std::isfinite(m.g_loss));
  const ModeCoverage c = gan.coverage(gan.sample(1000));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ wgan_gp ] " << kRingSteps << " steps: " << c.modes_covered << "/" << c.num_modes
            << " modes, high quality " << c.high_quality_fraction << ", W estimate " << m.wasserstein << ", penalty "
            << m.gradient_penalty << ", " << secs << " s\n";
  EXPECT_GE(c.modes_covered, 7);
  EXPECT_GT(c.high_quality_fraction, 0.15);  // seeds 1-24: 0.2-0.5
  EXPECT_EQ(m.critic_updates, 5 * kRingSteps);
}

TEST(GanTraining, MinimaxOnTheSameBudgetIsRecorded) {
  // The saturating minimax loss with the same networks, optimizer, k = 5 and steps. Against
  // a discriminator this strong, log(1 - D(G(z))) saturates (D(fake) near 0, a slow
  // generator) and the generator collapses onto a few modes: seeds 1-16 covered 0-3 modes
  // (the count is printed). Not saturation alone: non_saturating with k = 5 also collapsed
  // (1-2 modes, seeds 1-4), while minimax with k = 1 covered 1-6 (batch 32). Only what held
  // on every seed, with margin, is asserted: it does not cover the ring as WGAN-GP does.
  const auto t0 = std::chrono::steady_clock::now();
  GanTrainer gan(ring_options("minimax", kRingSeed), ring_dataset(kRingSeed));
  GanMetrics m;
  for (int i = 0; i < kRingSteps; ++i) m = gan.step();
  const ModeCoverage c = gan.coverage(gan.sample(1000));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ minimax ] " << kRingSteps << " steps: " << c.modes_covered << "/" << c.num_modes
            << " modes, high quality " << c.high_quality_fraction << ", D(real) " << m.d_real << ", D(fake) "
            << m.d_fake << ", " << secs << " s\n";
  EXPECT_TRUE(std::isfinite(m.d_loss) && std::isfinite(m.g_loss));
  EXPECT_LE(c.modes_covered, 5);
}

}  // namespace
}  // namespace gradlab
