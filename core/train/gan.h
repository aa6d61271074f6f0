// GAN training on low-dimensional data (the 2-D targets of data/gan.cpp): a generator G and
// a discriminator / critic D, both MLPs, trained against each other with one of five
// losses. Not an image GAN: no convolutions, no batch norm.
//
// Shape letters: B batch, Z noise dimension, D data dimension (2 for the built-in
// targets), N points, M mixture modes, H a hidden width.
//
//   Dataset ring = make_dataset("gan_ring", {});
//   GanOptions o;
//   o.loss = "wgan_gp";                      // k = 5, Adam(1e-4, betas (0, 0.9)), lambda 10
//   GanTrainer gan(o, ring);
//   for (int i = 0; i < 2000; ++i) GanMetrics m = gan.step();   // m.wasserstein, ...
//   Tensor fake = gan.sample(1000);          // [1000, 2]
//   ModeCoverage c = gan.coverage(fake);     // c.modes_covered of c.num_modes
//
// Losses, with r = D(x) on real x and f = D(G(z)) on fakes (raw outputs: logits for the
// first two, sigma = the logistic sigmoid), all means over the batch:
//   minimax         L_D = -log sigma(r) - log(1 - sigma(f))   L_G = log(1 - sigma(f))   (saturates)
//   non_saturating  L_D as minimax                            L_G = -log sigma(f)
//   least_squares   L_D = (r - 1)^2 / 2 + f^2 / 2             L_G = (f - 1)^2 / 2        (LSGAN, a=0 b=c=1)
//   wgan            L_D = f - r, then every critic parameter is clamped to [-c, c]
//                                                             L_G = -f
//   wgan_gp         L_D = f - r + lambda (||grad_x D(x_hat)|| - 1)^2,
//                   x_hat = alpha x + (1 - alpha) G(z), alpha ~ U[0, 1) per row
//                                                             L_G = -f
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/dataset.h"
#include "nn/layers.h"
#include "optim/optimizer.h"

GRADLAB_BEGIN

// One player's optimizer. Unset fields take the loss kind's default (see GanOptions);
// everything else an optimizer has (eps, alpha, ...) keeps PyTorch's default.
struct GanOptimizerOptions {
  std::string name;                            // "" or one of optimizer_names() (optim/factory.h)
  std::optional<double> lr;                    // > 0
  std::optional<std::array<double, 2>> betas;  // adam and adamw only; each in [0, 1)
  double weight_decay = 0;                     // >= 0
};

struct GanOptions {
  // "minimax", "non_saturating", "least_squares", "wgan" or "wgan_gp" (see the top of this file).
  std::string loss = "non_saturating";

  // G: z [B, Z] -> Linear(Z, H0), act, ..., Linear(Hn, D) -> x [B, D]
  // D: x [B, D] -> Linear(D, H0), act, ..., Linear(Hn, 1) -> score [B, 1]
  // An empty hidden list makes the network a single Linear layer.
  std::int64_t noise_dim = 8;                                 // Z >= 1
  std::string noise = "normal";                               // z ~ N(0, 1), or "uniform" on [-1, 1)
  std::vector<std::int64_t> generator_hidden = {64, 64, 64};  // each >= 1, at most 8 layers
  std::vector<std::int64_t> discriminator_hidden = {64, 64, 64};
  std::string generator_activation = "relu";  // tanh, sigmoid, relu, leaky_relu, gelu
  std::string discriminator_activation = "relu";
  double leaky_relu_slope = 0.2;  // for leaky_relu, in [0, 1)

  // Discriminator (critic) updates per generator update; unset: 5 for wgan and wgan_gp,
  // else 1. Between 1 and 100.
  std::optional<int> critic_steps;
  // Defaults per loss kind:
  //   wgan_gp  adam, lr 1e-4, betas (0, 0.9)       (WGAN-GP paper, Algorithm 1)
  //   wgan     rmsprop, lr 5e-5                     (WGAN paper, Algorithm 1)
  //   others   adam, lr 2e-4, betas (0.5, 0.999)    (DCGAN)
  // Unset betas of an explicitly named adam or adamw follow the same rule: (0, 0.9) for
  // wgan_gp, (0.5, 0.999) otherwise.
  GanOptimizerOptions generator_optimizer;
  GanOptimizerOptions discriminator_optimizer;
  double clip_value = 0.01;  // wgan: c > 0
  double gp_lambda = 10;     // wgan_gp: lambda >= 0

  // B >= 1: real rows per D update (an epoch's short last batch is dropped), and fakes per update.
  std::int64_t batch_size = 64;
  std::uint64_t seed = 0;  // initial weights, noise, real batch order
};

// The loss kinds, in the order above.
const std::vector<std::string>& gan_loss_names();

// Throws std::invalid_argument naming the first offending field ("GanOptions.loss", ...)
// and what is allowed. Allocates nothing.
void validate(const GanOptions& options);

// The options with every unset default filled in for the loss kind (validates first).
GanOptions resolved(const GanOptions& options);

// Metrics of one step. Fields a step did not compute are NaN: a generator step leaves
// the D fields alone and vice versa; wasserstein is for wgan and wgan_gp only,
// gradient_penalty and critic_grad_norm for wgan_gp only.
struct GanMetrics {
  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::int64_t step = 0;            // generator updates done (counting this step's)
  std::int64_t critic_updates = 0;  // discriminator updates done
  double d_loss = nan;              // L_D of the last D update (penalty included)
  double g_loss = nan;              // L_G of the G update
  // Mean D output on the real and fake rows of the last D update: the probability
  // sigma(D) for minimax and non_saturating, the raw score otherwise.
  double d_real = nan, d_fake = nan;
  double wasserstein = nan;       // mean D(real) - mean D(fake): the critic's estimate of W1
  double gradient_penalty = nan;  // the term added to L_D: lambda * mean (||grad|| - 1)^2
  double critic_grad_norm = nan;  // mean ||grad_x D(x_hat)|| over the interpolates
  double d_grad_norm = nan;       // global 2-norm of D's parameter gradients (before the update)
  double g_grad_norm = nan;       // the same for G
};

// Mode coverage of generated samples (the metric of the unrolled-GAN and VEEGAN papers).
// A sample is "high quality" when it lies within `sigmas` * mode_std (Euclidean) of its
// nearest mode; a mode is covered when at least `threshold` samples are high quality
// there. In 2-D, 3 sigma holds 98.9% of a Gaussian mode's mass.
struct ModeCoverage {
  std::int64_t num_modes = 0;
  std::int64_t modes_covered = 0;
  double high_quality_fraction = 0;  // high-quality samples / all samples
  std::int64_t threshold = 0;        // samples a mode needs to count as covered
  std::vector<std::int64_t> counts;  // [M]: high-quality samples per mode
};

// samples [N, D], modes [M, D] (M >= 1), mode_std > 0, sigmas > 0.
// min_count 0 picks the documented default threshold max(3, ceil(N / (10 M))): at least
// three samples and a tenth of a perfect generator's share, so a diffuse cloud that
// sprinkles a sample or two on every mode does not count as covering them.
// Throws std::invalid_argument naming the argument that is wrong.
ModeCoverage mode_coverage(const Tensor& samples, const Tensor& modes, double mode_std, double sigmas = 3,
                           std::int64_t min_count = 0);

// mean over rows of (||grad_x sum D(x_hat)||_2 - 1)^2 with x_hat = alpha x_real + (1 - alpha) x_fake,
// real and fake [B, D], alpha [B]. Differentiable in D's parameters (the inner gradient is
// built with create_graph). If grad_norm is given it receives mean ||grad_x D(x_hat)||.
Var gradient_penalty(Layer& critic, const Tensor& real, const Tensor& fake, const Tensor& alpha,
                     double* grad_norm = nullptr);

// The generator and discriminator under one root, so names read "generator.0.weight",
// "discriminator.4.bias" (as a PyTorch module with self.generator and self.discriminator).
class GanModel : public Module {
 public:
  GanModel(std::shared_ptr<Sequential> generator, std::shared_ptr<Sequential> discriminator);
  std::string type_name() const override { return "GAN"; }
  Sequential& generator() { return *generator_; }
  Sequential& discriminator() { return *discriminator_; }

 private:
  std::shared_ptr<Sequential> generator_, discriminator_;
};

class GanTrainer {
 public:
  // Trains on data.x_train [N, D] (N >= 1). Keeps data.modes and data.mode_std for
  // coverage(). Validates the options first (see validate()).
  GanTrainer(GanOptions options, const Dataset& data);

  // One D update on a fresh real batch and fresh noise; for wgan, then clamps D.
  GanMetrics step_discriminator();
  // One G update on fresh noise (B rows); D is left untouched.
  GanMetrics step_generator();
  // critic_steps D updates, then one G update; the D fields come from the last D update.
  GanMetrics step();

  // The same updates on explicit numbers, for tests and pinned specs: real [B, D],
  // z [B', Z], alpha [B] (wgan_gp only; ignored otherwise, may be undefined).
  GanMetrics step_discriminator(const Tensor& real, const Tensor& z, const Tensor& alpha = {});
  GanMetrics step_generator(const Tensor& z);

  // The losses as graphs, without updating anything (for checks). The fakes of the D loss
  // are G(z) with G held constant.
  Var discriminator_loss(const Tensor& real, const Tensor& z, const Tensor& alpha = {});
  Var generator_loss(const Tensor& z);

  // n generated points [n, D], from a sampling Rng of their own: calling it does not change
  // the training sequence. generate(z) maps given noise z [n, Z].
  Tensor sample(std::int64_t n);
  Tensor generate(const Tensor& z);
  // n rows of noise [n, Z] from `rng`, as training draws them.
  Tensor noise(std::int64_t n, Rng& rng) const;

  // D at points x [N, D] -> [N]: sigma(D) (probability of "real") for minimax and
  // non_saturating, the raw score otherwise; what a heat-map view shows.
  Tensor critic_field(const Tensor& x);
  // The force on each point x [N, D] -> [N, D]: -d l_G(x_i) / d x_i, where l_G is the
  // per-sample generator loss, i.e. the direction a generated sample at x_i is pushed.
  // For wgan and wgan_gp that is grad_x D(x_i); for the others it is grad_x D scaled by
  // how strongly the loss still responds there (tiny where minimax saturates).
  Tensor generator_gradients(const Tensor& x);

  // Coverage of `samples` [N, D] of the dataset's modes; throws std::invalid_argument if
  // the dataset has none (gan_spiral, gan_moons).
  ModeCoverage coverage(const Tensor& samples, double sigmas = 3, std::int64_t min_count = 0) const;

  const GanOptions& options() const { return options_; }  // resolved: no unset field
  GanModel& model() { return *model_; }
  Sequential& generator() { return model_->generator(); }
  Sequential& discriminator() { return model_->discriminator(); }
  Optimizer& generator_optimizer() { return *g_opt_; }
  Optimizer& discriminator_optimizer() { return *d_opt_; }
  // Training randomness, for checkpoints: noise and interpolation weights, real batches.
  Rng& noise_rng() { return noise_rng_; }
  Batcher& batcher() { return batcher_; }
  std::int64_t steps_done() const { return g_steps_; }
  std::int64_t critic_updates() const { return d_steps_; }
  // For checkpoints: generator and critic update counts.
  void set_steps(std::int64_t generator_steps, std::int64_t critic_updates) {
    g_steps_ = generator_steps;
    d_steps_ = critic_updates;
  }

 private:
  struct DTerms {
    Var loss;
    double d_real = 0, d_fake = 0, penalty = GanMetrics::nan, grad_norm = GanMetrics::nan;
  };
  DTerms d_terms(const Tensor& real, const Tensor& z, const Tensor& alpha);
  Var g_loss_per_sample(const Var& score) const;  // l_G per row, [B, 1]
  void check_noise(const Tensor& z, const char* what) const;
  void clamp_critic();

  GanOptions options_;
  std::int64_t data_dim_;
  Tensor real_, modes_;
  double mode_std_;
  std::shared_ptr<GanModel> model_;
  std::unique_ptr<Optimizer> g_opt_, d_opt_;
  Rng noise_rng_, sample_rng_;
  Batcher batcher_;
  std::int64_t g_steps_ = 0, d_steps_ = 0;
};

GRADLAB_END
