// A denoising diffusion probabilistic model (DDPM, Ho et al. 2020) on 2-D points: a fixed
// forward process that adds Gaussian noise over T steps, a network eps_theta(x_t, t) that
// predicts that noise, ancestral sampling, and the full variational bound in double.
// Not an image model: no U-Net, no attention; the noise network is an MLP.
//
// Shape letters: B batch, D data dimension (2), E time-embedding width, H the width the
// spec's layers end with, T diffusion steps, t in 1..T a step.
//
//   DiffusionSchedule s = make_diffusion_schedule("linear", 100, 1e-3, 0.2);
//   auto model = std::make_shared<DiffusionModel>(layers, H, 16, rng);  // layers: [B, 2 + 16] -> [B, H]
//   DiffusionTrainer ddpm(options, model, make_optimizer("adam", c, model->named_parameters()), ring);
//   for (int i = 0; i < 2000; ++i) ddpm.step();        // the simple loss, uniform t
//   Tensor x0 = ddpm.sample(1000, rng).points;           // [1000, 2]
//   DiffusionElbo b = ddpm.elbo(ring.x_test, rng);       // b.terms[0] = L_0 ... b.terms[T] = L_T
//
// The process (alpha_t = 1 - beta_t, abar_t = prod_{s<=t} alpha_s, abar_0 = 1):
//   q(x_t | x_0)          = N(sqrt(abar_t) x_0, (1 - abar_t) I)
//   q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I),
//       mu~_t   = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
//       beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t
//   p(x_{t-1} | x_t)      = N(mu_theta, sigma_t^2 I),
//       mu_theta = (x_t - beta_t / sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(alpha_t)
//       sigma_t^2 = beta~_t ("posterior", the default) or beta_t ("beta"), for t >= 2
//   p(x_0 | x_1)          = N(mu_theta(x_1, 1), beta_1 I)    (both choices: beta~_1 = 0)
// Sampling draws x_T ~ N(0, I), then x_{t-1} = mu_theta + sigma_t z for t = T..2, and
// returns x_0 = mu_theta(x_1, 1), the decoder's mean (Ho et al., Algorithm 2).
//
// The bound, per point, in nats for the 2 coordinates together (not per dimension):
//   -log p(x_0) <= L_0 + sum_{t=2}^{T} L_{t-1} + L_T
//   L_0     = -log N(x_0; mu_theta(x_1, 1), beta_1 I)          (a continuous Gaussian density:
//             the data are real numbers, so this bounds a density and can be negative)
//   L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))    (closed form between Gaussians)
//   L_T     = KL(q(x_T | x_0) || N(0, I))                       (no parameter: a constant)
// L_0 and each L_{t-1} are expectations over x_t ~ q(x_t | x_0): one draw per point and t.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/dataset.h"
#include "nn/containers.h"
#include "nn/layers.h"
#include "optim/optimizer.h"

GRADLAB_BEGIN

// beta, alpha, abar and beta~ in double, indexed by t = 0..T (entry 0: beta_0 = 0,
// abar_0 = 1, beta~_0 = 0, so index t is step t).
struct DiffusionSchedule {
  std::string kind;  // "linear" or "cosine"
  std::int64_t T = 0;
  std::vector<double> beta, alpha, alpha_bar, posterior_variance;
  // mu~_t = coef_x0[t] x_0 + coef_xt[t] x_t
  std::vector<double> coef_x0, coef_xt;
};

// linear: beta_t = beta_start + (beta_end - beta_start) (t - 1) / (T - 1), 0 < start <= end < 1.
// cosine (Nichol & Dhariwal 2021): abar(t) = f(t) / f(0), f(t) = cos^2((t/T + s) / (1 + s) pi/2),
//   s = 0.008, beta_t = min(1 - abar(t) / abar(t - 1), 0.999); beta_start and beta_end unused.
// T >= 2. Throws std::invalid_argument naming the bad argument.
DiffusionSchedule make_diffusion_schedule(const std::string& kind, std::int64_t T, double beta_start = 0,
                                          double beta_end = 0);

// The sinusoidal embedding of steps t [B] -> [B, E] (E even >= 2), as improved-diffusion's
// timestep_embedding: row b is [sin(t_b w_0) .. sin(t_b w_{E/2-1}), cos(t_b w_0) .. cos(t_b w_{E/2-1})]
// with w_i = 10000^(-i / (E/2)). A fixed function of an integer: it has no gradient.
Tensor time_embedding(const std::vector<std::int64_t>& t, std::int64_t E);

// eps_theta: the spec's layers on [x_t, embed(t)] ([B, 2 + E] -> [B, H]), then Linear(H, 2).
// Parameter names: layers.K.* (the spec's layers) and out.weight, out.bias.
class DiffusionModel : public Module {
 public:
  DiffusionModel(std::shared_ptr<Sequential> layers, std::int64_t hidden, std::int64_t time_embed_dim, Rng& rng);
  std::string type_name() const override { return "DDPM"; }
  // x_t [B, 2], t [B] in 1..T -> eps_theta [B, 2]
  Var forward(const Tensor& x_t, const std::vector<std::int64_t>& t);
  std::int64_t time_embed_dim() const { return E_; }

 private:
  std::shared_ptr<Sequential> layers_;
  std::shared_ptr<Linear> out_;
  std::int64_t E_;
};

struct DiffusionOptions {
  std::string schedule = "linear";
  std::int64_t timesteps = 100;
  double beta_start = 1e-3, beta_end = 0.2;
  std::string variance = "posterior";  // sigma_t^2 of the reverse process: "posterior" (beta~_t) or "beta"
  std::int64_t batch_size = 128;
  double clip_grad_norm = 0;  // > 0: the gradients' global 2-norm is clipped to it before each update
  std::uint64_t seed = 0;     // batch order, t and noise of training, sampling
};

struct DiffusionMetrics {
  std::int64_t step = 0;
  double loss = 0;       // mean over the batch and both coordinates of (eps - eps_theta)^2
  double grad_norm = 0;  // global 2-norm of the parameter gradients, before clipping and the update
  bool clipped = false;  // clip_grad_norm scaled the gradients down
};

// The bound on a set of points, each term the mean over the points.
struct DiffusionElbo {
  std::vector<double> terms;  // [T + 1]: terms[0] = L_0, terms[t - 1] = L_{t-1} (t = 2..T), terms[T] = L_T
  double bound = 0;           // sum of terms: the bound on -log p(x_0), nats per point
  std::int64_t n = 0;         // points
};

struct DiffusionSamples {
  Tensor points;                      // [n, 2]: x_0
  std::vector<Tensor> trajectory;     // [T + 1] of [K, 2]: x_T, x_{T-1}, ..., x_0 of the first K samples
};

class DiffusionTrainer {
 public:
  // Trains on data.x_train [N, 2]. Throws std::invalid_argument naming what is wrong.
  DiffusionTrainer(DiffusionOptions options, std::shared_ptr<DiffusionModel> model, std::unique_ptr<Optimizer> optimizer,
                   const Dataset& data);

  // One update on a fresh batch, t ~ U{1..T} and eps ~ N(0, I) per row.
  DiffusionMetrics step();

  // The simple loss as a graph: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,
  // mean((eps - eps_theta(x_t, t))^2). x0 and eps [B, 2], t [B] in 1..T.
  Var loss(const Tensor& x0, const std::vector<std::int64_t>& t, const Tensor& eps);
  // x_t of the forward process, in double: sqrt(abar_t) x0 + sqrt(1 - abar_t) eps.
  Tensor q_sample(const Tensor& x0, const std::vector<std::int64_t>& t, const Tensor& eps) const;
  // eps_theta without a graph, in evaluation mode.
  Tensor predict_noise(const Tensor& x_t, const std::vector<std::int64_t>& t);

  // Ancestral sampling of n points from `rng`, keeping the first `keep` trajectories.
  DiffusionSamples sample(std::int64_t n, Rng& rng, std::int64_t keep = 0);
  // The bound on x0 [N, 2] (N >= 1), noise from `rng`.
  DiffusionElbo elbo(const Tensor& x0, Rng& rng);

  // sigma_t^2 of p(x_{t-1} | x_t) (t >= 2), and the decoder's variance at t = 1.
  double reverse_variance(std::int64_t t) const;

  const DiffusionOptions& options() const { return options_; }
  const DiffusionSchedule& schedule() const { return schedule_; }
  DiffusionModel& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  Batcher& batcher() { return batcher_; }
  Rng& noise_rng() { return noise_rng_; }  // t and eps of training
  std::int64_t steps_done() const { return steps_; }
  void set_steps(std::int64_t steps) { steps_ = steps; }

 private:
  DiffusionOptions options_;
  DiffusionSchedule schedule_;
  std::shared_ptr<DiffusionModel> model_;
  std::unique_ptr<Optimizer> optimizer_;
  Tensor real_;
  Batcher batcher_;
  Rng noise_rng_;
  std::int64_t steps_ = 0;
};

GRADLAB_END
