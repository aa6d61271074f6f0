// DDPM on 2-D points: the schedule, the noise network, training on the simple loss,
// ancestral sampling and the variational bound (formulas at the top of diffusion.h).
#include "train/diffusion.h"

#include <cmath>
#include <stdexcept>

#include "ops/loss.h"
#include "optim/clip.h"
#include "support/throw.h"
#include "tensor/strings.h"
#include "train/supervised.h"  // NonFiniteError

GRADLAB_BEGIN

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::int64_t D = 2;

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw_invalid_argument("DiffusionOptions." + field + ": " + message);
}

std::string num(double v) { return detail::format_number(v); }

// 0.5 * sum_d [log(s2 / v) + v / s2 - 1 + (m - mu)^2 / s2]: KL(N(m, v I) || N(mu, s2 I)) for
// one coordinate's contribution.
double gaussian_kl(double m, double v, double mu, double s2) {
  return 0.5 * (std::log(s2 / v) + v / s2 - 1 + (m - mu) * (m - mu) / s2);
}

}  // namespace

DiffusionSchedule make_diffusion_schedule(const std::string& kind, std::int64_t T, double beta_start, double beta_end) {
  if (T < 2 || T > 10000) throw_invalid_argument("diffusion schedule: T must be from 2 to 10000, got " + std::to_string(T));
  DiffusionSchedule s;
  s.kind = kind;
  s.T = T;
  s.beta.assign(T + 1, 0.0);
  if (kind == "linear") {
    if (!(beta_start > 0 && beta_start <= beta_end && beta_end < 1))
      throw_invalid_argument("diffusion schedule: linear needs 0 < beta_start <= beta_end < 1, got beta_start " +
                             num(beta_start) + ", beta_end " + num(beta_end));
    for (std::int64_t t = 1; t <= T; ++t)
      s.beta[t] = beta_start + (beta_end - beta_start) * static_cast<double>(t - 1) / static_cast<double>(T - 1);
  } else if (kind == "cosine") {
    constexpr double offset = 0.008;
    auto f = [&](double t) {
      const double c = std::cos((t / static_cast<double>(T) + offset) / (1 + offset) * kPi / 2);
      return c * c;
    };
    for (std::int64_t t = 1; t <= T; ++t)
      s.beta[t] = std::min(1 - f(static_cast<double>(t)) / f(static_cast<double>(t - 1)), 0.999);
  } else {
    throw_invalid_argument("diffusion schedule: unknown kind '" + kind + "' (allowed: linear, cosine)");
  }
  s.alpha.assign(T + 1, 1.0);
  s.alpha_bar.assign(T + 1, 1.0);
  s.posterior_variance.assign(T + 1, 0.0);
  s.coef_x0.assign(T + 1, 0.0);
  s.coef_xt.assign(T + 1, 0.0);
  for (std::int64_t t = 1; t <= T; ++t) {
    s.alpha[t] = 1 - s.beta[t];
    s.alpha_bar[t] = s.alpha_bar[t - 1] * s.alpha[t];
    const double one_minus = 1 - s.alpha_bar[t];
    s.posterior_variance[t] = (1 - s.alpha_bar[t - 1]) / one_minus * s.beta[t];
    s.coef_x0[t] = std::sqrt(s.alpha_bar[t - 1]) * s.beta[t] / one_minus;
    s.coef_xt[t] = std::sqrt(s.alpha[t]) * (1 - s.alpha_bar[t - 1]) / one_minus;
  }
  return s;
}

Tensor time_embedding(const std::vector<std::int64_t>& t, std::int64_t E) {
  if (E < 2 || E % 2 != 0) throw_invalid_argument("time_embedding: E must be even and >= 2, got " + std::to_string(E));
  const std::int64_t B = static_cast<std::int64_t>(t.size()), half = E / 2;
  Tensor out({B, E});
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < half; ++i) {
      const double w = std::exp(-std::log(10000.0) * static_cast<double>(i) / static_cast<double>(half));
      out[b * E + i] = static_cast<Scalar>(std::sin(static_cast<double>(t[b]) * w));
      out[b * E + half + i] = static_cast<Scalar>(std::cos(static_cast<double>(t[b]) * w));
    }
  return out;
}

// ---- the noise network ------------------------------------------------------------------

DiffusionModel::DiffusionModel(std::shared_ptr<Sequential> layers, std::int64_t hidden, std::int64_t time_embed_dim,
                               Rng& rng)
    : layers_(register_module("layers", std::move(layers))),
      out_(register_module("out", std::make_shared<Linear>(hidden, D, rng))),
      E_(time_embed_dim) {}

Var DiffusionModel::forward(const Tensor& x_t, const std::vector<std::int64_t>& t) {
  // input [B, 2 + E] = [x_t, embed(t)]: both are constants of the graph.
  const std::int64_t B = x_t.dim(0);
  const Tensor emb = time_embedding(t, E_);
  Tensor input({B, D + E_});
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t d = 0; d < D; ++d) input[b * (D + E_) + d] = x_t[b * D + d];
    for (std::int64_t e = 0; e < E_; ++e) input[b * (D + E_) + D + e] = emb[b * E_ + e];
  }
  return out_->forward(layers_->forward(Var(input)));
}

// ---- training ---------------------------------------------------------------------------

DiffusionTrainer::DiffusionTrainer(DiffusionOptions options, std::shared_ptr<DiffusionModel> model,
                                   std::unique_ptr<Optimizer> optimizer, const Dataset& data)
    : options_(std::move(options)),
      schedule_(make_diffusion_schedule(options_.schedule, options_.timesteps, options_.beta_start, options_.beta_end)),
      model_(std::move(model)),
      optimizer_(std::move(optimizer)),
      real_(data.x_train),
      batcher_(data.x_train.defined() && data.x_train.rank() == 2 ? data.x_train.dim(0) : 0, options_.batch_size,
               options_.seed ^ 0xd1ff),
      noise_rng_(options_.seed, 0xd1f) {
  if (real_.rank() != 2 || real_.dim(1) != D)
    fail("data", "a diffusion model here trains on 2-D points [N, 2]; the data has shape " + to_string(real_.shape()));
  if (options_.variance != "posterior" && options_.variance != "beta")
    fail("variance", "unknown '" + options_.variance + "' (allowed: posterior, beta)");
}

Tensor DiffusionTrainer::q_sample(const Tensor& x0, const std::vector<std::int64_t>& t, const Tensor& eps) const {
  Tensor x_t(x0.shape());
  for (std::int64_t b = 0; b < x0.dim(0); ++b) {
    const double ab = schedule_.alpha_bar[t[b]];
    for (std::int64_t d = 0; d < D; ++d)
      x_t[b * D + d] = static_cast<Scalar>(std::sqrt(ab) * x0[b * D + d] + std::sqrt(1 - ab) * eps[b * D + d]);
  }
  return x_t;
}

Var DiffusionTrainer::loss(const Tensor& x0, const std::vector<std::int64_t>& t, const Tensor& eps) {
  for (std::int64_t s : t)
    if (s < 1 || s > schedule_.T)
      throw_invalid_argument("diffusion loss: t must be from 1 to " + std::to_string(schedule_.T) + ", got " + std::to_string(s));
  return mse_loss(model_->forward(q_sample(x0, t, eps), t), Var(eps));
}

Tensor DiffusionTrainer::predict_noise(const Tensor& x_t, const std::vector<std::int64_t>& t) {
  // Evaluation mode (dropout off, batch norm's running statistics), restored afterwards.
  NoGradGuard no_grad;
  const bool training = model_->training();
  model_->train(false);
  Tensor eps = model_->forward(x_t, t).value();
  model_->train(training);
  return eps;
}

DiffusionMetrics DiffusionTrainer::step() {
  const Tensor x0 = take_rows(real_, batcher_.next_indices());
  const std::int64_t B = x0.dim(0);
  std::vector<std::int64_t> t(B);
  for (auto& s : t) s = 1 + static_cast<std::int64_t>(noise_rng_.below(static_cast<std::uint32_t>(schedule_.T)));
  const Tensor eps = noise_rng_.normal_tensor({B, D}, 0, 1);
  DiffusionMetrics m;
  m.step = steps_ + 1;
  optimizer_->zero_grad();
  Var l = loss(x0, t, eps);
  m.loss = l.item();
  const std::string hint = "; nothing was updated. Try a smaller learning rate.";
  if (!std::isfinite(m.loss))
    throw_non_finite(m.step, "loss",
                     "step " + std::to_string(m.step) + ": the diffusion loss became " + num(m.loss) + hint);
  l.backward();
  m.grad_norm = grad_norm(model_->parameters());
  if (!std::isfinite(m.grad_norm)) {
    optimizer_->zero_grad();
    throw_non_finite(m.step, "gradients",
                     "step " + std::to_string(m.step) + ": a parameter gradient is not finite" + hint);
  }
  if (options_.clip_grad_norm > 0 && m.grad_norm > options_.clip_grad_norm) {
    clip_grad_norm(model_->parameters(), options_.clip_grad_norm);
    m.clipped = true;
  }
  optimizer_->step();
  steps_ = m.step;
  return m;
}

double DiffusionTrainer::reverse_variance(std::int64_t t) const {
  if (t == 1 || options_.variance == "beta") return schedule_.beta[t];
  return schedule_.posterior_variance[t];
}

// ---- sampling and the bound --------------------------------------------------------------

DiffusionSamples DiffusionTrainer::sample(std::int64_t n, Rng& rng, std::int64_t keep) {
  // x [n, 2] in double; each reverse step x_{t-1} = mu_theta(x_t, t) + sigma_t z (z = 0 at t = 1)
  keep = std::min(keep, n);
  std::vector<double> x(n * D);
  for (auto& v : x) v = rng.normal();
  DiffusionSamples out;
  auto record = [&] {
    Tensor k({keep, D});
    for (std::int64_t i = 0; i < keep * D; ++i) k[i] = static_cast<Scalar>(x[i]);
    out.trajectory.push_back(std::move(k));
  };
  if (keep > 0) record();
  Tensor x_t({n, D});
  for (std::int64_t t = schedule_.T; t >= 1; --t) {
    for (std::int64_t i = 0; i < n * D; ++i) x_t[i] = static_cast<Scalar>(x[i]);
    const Tensor eps = predict_noise(x_t, std::vector<std::int64_t>(n, t));
    const double a = schedule_.alpha[t], ab = schedule_.alpha_bar[t], beta = schedule_.beta[t];
    const double sigma = t > 1 ? std::sqrt(reverse_variance(t)) : 0.0;
    for (std::int64_t i = 0; i < n * D; ++i) {
      const double mu = (x[i] - beta / std::sqrt(1 - ab) * eps[i]) / std::sqrt(a);
      x[i] = mu + (t > 1 ? sigma * rng.normal() : 0.0);
    }
    if (keep > 0) record();
  }
  out.points = Tensor({n, D});
  for (std::int64_t i = 0; i < n * D; ++i) out.points[i] = static_cast<Scalar>(x[i]);
  return out;
}

DiffusionElbo DiffusionTrainer::elbo(const Tensor& x0, Rng& rng) {
  if (x0.rank() != 2 || x0.dim(1) != D || x0.dim(0) < 1)
    throw_invalid_argument("diffusion elbo: expected points [N, 2] with N >= 1, got " + to_string(x0.shape()));
  const std::int64_t N = x0.dim(0), T = schedule_.T;
  DiffusionElbo r;
  r.n = N;
  r.terms.assign(T + 1, 0.0);
  std::vector<double> xt(N * D);
  Tensor xt_f({N, D});
  for (std::int64_t t = 1; t <= T; ++t) {
    const double ab = schedule_.alpha_bar[t], a = schedule_.alpha[t], beta = schedule_.beta[t];
    for (std::int64_t i = 0; i < N * D; ++i) {
      xt[i] = std::sqrt(ab) * x0[i] + std::sqrt(1 - ab) * rng.normal();
      xt_f[i] = static_cast<Scalar>(xt[i]);
    }
    const Tensor eps = predict_noise(xt_f, std::vector<std::int64_t>(N, t));
    const double s2 = reverse_variance(t);
    double sum = 0;
    for (std::int64_t i = 0; i < N * D; ++i) {
      const double mu_theta = (xt[i] - beta / std::sqrt(1 - ab) * eps[i]) / std::sqrt(a);
      if (t == 1) {
        // L_0 = -log N(x_0; mu_theta, beta_1): one coordinate's share
        const double r0 = x0[i] - mu_theta;
        sum += 0.5 * (std::log(2 * kPi * s2) + r0 * r0 / s2);
      } else {
        const double mu_tilde = schedule_.coef_x0[t] * x0[i] + schedule_.coef_xt[t] * xt[i];
        sum += gaussian_kl(mu_tilde, schedule_.posterior_variance[t], mu_theta, s2);
      }
    }
    r.terms[t - 1] = sum / static_cast<double>(N);
  }
  // L_T = KL(N(sqrt(abar_T) x_0, (1 - abar_T) I) || N(0, I))
  const double abT = schedule_.alpha_bar[T];
  double sum = 0;
  for (std::int64_t i = 0; i < N * D; ++i) sum += gaussian_kl(std::sqrt(abT) * x0[i], 1 - abT, 0, 1);
  r.terms[T] = sum / static_cast<double>(N);
  for (double v : r.terms) r.bound += v;
  return r;
}

GRADLAB_END
