// GAN training (see gan.h): options and their validation, the five losses, the gradient
// penalty, the two players' steps, and the mode-coverage metric.
#include "train/gan.h"
#include "tensor/strings.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/anomaly.h"
#include "ops/ops.h"
#include "optim/clip.h"
#include "optim/factory.h"
#include "support/throw.h"
#include "tensor/finite.h"
#include "train/supervised.h"  // NonFiniteError

GRADLAB_BEGIN

namespace {

constexpr std::int64_t kMaxWidth = 4096;
constexpr std::size_t kMaxHiddenLayers = 8;
constexpr std::int64_t kMaxBatch = 1 << 20;

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names{"tanh", "sigmoid", "relu", "leaky_relu", "gelu"};
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw_invalid_argument("GanOptions." + field + ": " + message);
}

std::string num(double v) { return detail::format_number(v); }

void check_hidden(const std::string& field, const std::vector<std::int64_t>& hidden) {
  if (hidden.size() > kMaxHiddenLayers)
    fail(field, std::to_string(hidden.size()) + " hidden layers; at most " + std::to_string(kMaxHiddenLayers) +
                    " are allowed");
  for (std::size_t i = 0; i < hidden.size(); ++i)
    if (hidden[i] < 1 || hidden[i] > kMaxWidth)
      fail(field + "[" + std::to_string(i) + "]",
           "width " + std::to_string(hidden[i]) + " is outside [1, " + std::to_string(kMaxWidth) + "]");
}

void check_optimizer(const std::string& field, const GanOptimizerOptions& o) {
  if (!o.name.empty() && !contains(optimizer_names(), o.name))
    fail(field + ".name", "unknown optimizer '" + o.name + "' (allowed: " + join(optimizer_names()) +
                              ", or empty for the loss's default)");
  if (o.lr && !(std::isfinite(*o.lr) && *o.lr > 0)) fail(field + ".lr", num(*o.lr) + " must be a finite number > 0");
  if (o.betas) {
    for (int i = 0; i < 2; ++i) {
      const double b = (*o.betas)[static_cast<std::size_t>(i)];
      if (!(b >= 0 && b < 1)) fail(field + ".betas[" + std::to_string(i) + "]", num(b) + " is outside [0, 1)");
    }
    if (!o.name.empty() && o.name != "adam" && o.name != "adamw")
      fail(field + ".betas", "set for optimizer '" + o.name + "', which has none (only adam and adamw use betas)");
  }
  if (!(std::isfinite(o.weight_decay) && o.weight_decay >= 0))
    fail(field + ".weight_decay", num(o.weight_decay) + " must be a finite number >= 0");
}

bool is_wasserstein(const std::string& loss) { return loss == "wgan" || loss == "wgan_gp"; }
bool is_logit(const std::string& loss) { return loss == "minimax" || loss == "non_saturating"; }

// x [N, D], rows of `what`; returns N.
std::int64_t check_points(const Tensor& x, std::int64_t dim, const std::string& what) {
  if (!x.defined() || x.rank() != 2 || x.dim(1) != dim)
    throw_invalid_argument(what + " must be [N, " + std::to_string(dim) + "], got " +
                           (x.defined() ? to_string(x.shape()) : std::string("an undefined tensor")));
  return x.dim(0);
}

std::shared_ptr<Sequential> mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                                const std::string& activation, double slope, Rng& rng) {
  auto net = std::make_shared<Sequential>();
  std::int64_t width = in;
  for (std::int64_t h : hidden) {
    net->add(std::make_shared<Linear>(width, h, rng));
    net->add(std::make_shared<Activation>(activation, slope));
    width = h;
  }
  net->add(std::make_shared<Linear>(width, out, rng));
  return net;
}

std::unique_ptr<Optimizer> make_player_optimizer(const GanOptimizerOptions& o, const NamedParams& params) {
  OptimizerConfig c;
  c.lr = o.lr;
  if (o.betas) c.betas = *o.betas;
  c.weight_decay = o.weight_decay;
  return make_optimizer(o.name, c, params);
}

// Parameters that stop requiring grad for a scope: the other player stays out of the
// graph (no wasted parameter gradients), and is restored even if a step throws.
class FrozenParams {
 public:
  explicit FrozenParams(const Module& m) : params_(m.parameters()) {
    for (Var& p : params_) p.set_requires_grad(false);
  }
  ~FrozenParams() {
    for (Var& p : params_) p.set_requires_grad(true);
  }
  FrozenParams(const FrozenParams&) = delete;
  FrozenParams& operator=(const FrozenParams&) = delete;

 private:
  std::vector<Var> params_;
};

double mean_of(const Tensor& t) {
  double s = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) s += t[i];
  return t.numel() ? s / static_cast<double>(t.numel()) : 0;
}

double mean_sigmoid(const Tensor& t) {
  double s = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) s += 1 / (1 + std::exp(-static_cast<double>(t[i])));
  return t.numel() ? s / static_cast<double>(t.numel()) : 0;
}

// Throws NonFiniteError if the loss or any parameter gradient is not finite.
void check_finite(std::int64_t step, const char* player, double loss, const Module& net, const std::string& prefix) {
  const std::string hint = "; nothing was updated. Try a smaller learning rate.";
  if (!std::isfinite(loss))
    throw_non_finite(step, std::string(player) + " loss",
                     "step " + std::to_string(step) + ": the " + player + " loss became " + num(loss) + hint);
  for (const auto& [name, p] : net.named_parameters()) {
    if (!p.has_grad()) continue;
    const Tensor& g = p.grad();
    if (const std::int64_t i = first_non_finite(g); i >= 0)
      throw_non_finite(step, prefix + name,
                       "step " + std::to_string(step) + ": the gradient of parameter '" + prefix + name +
                           "' is not finite (element " + std::to_string(i) + ")" + hint);
  }
}

// After a player's loss or gradient went non-finite (`seen`, before anything was updated):
// `replay` recomputes that loss and its backward on the same inputs in anomaly mode, which
// names the op that first produced NaN/Inf and the parameter it came from, as supervised
// runs report it. If the replay stays finite, `seen` is what the step saw.
template <class Replay>
[[noreturn]] void name_the_op(const NonFiniteError& seen, const char* player, Replay&& replay) {
  try {
    AnomalyModeGuard anomaly;
    replay();
  } catch (const NonFiniteOpError& e) {
    const std::string where = e.propagated() && !e.source().empty() ? e.source() : e.op();
    std::string what = e.what();
    if (what.rfind("anomaly: ", 0) == 0) what = what.substr(9);
    throw_non_finite(seen.step(), where,
                     "step " + std::to_string(seen.step()) + ": the " + player + "'s " +
                         (seen.where().find(" loss") != std::string::npos ? "loss" : "gradient") +
                         " became non-finite; replayed in anomaly mode, the first to go bad: " + what +
                         ". Nothing was updated. Try a smaller learning rate.",
                     e.op());
  }
  throw seen;
}

}  // namespace

// ---- options ---------------------------------------------------------------------------

const std::vector<std::string>& gan_loss_names() {
  static const std::vector<std::string> names{"minimax", "non_saturating", "least_squares", "wgan", "wgan_gp"};
  return names;
}

void validate(const GanOptions& o) {
  if (!contains(gan_loss_names(), o.loss))
    fail("loss", "unknown loss '" + o.loss + "' (allowed: " + join(gan_loss_names()) + ")");
  if (o.noise_dim < 1 || o.noise_dim > kMaxWidth)
    fail("noise_dim", std::to_string(o.noise_dim) + " is outside [1, " + std::to_string(kMaxWidth) + "]");
  if (o.noise != "normal" && o.noise != "uniform")
    fail("noise", "unknown noise '" + o.noise + "' (allowed: normal, uniform)");
  check_hidden("generator_hidden", o.generator_hidden);
  check_hidden("discriminator_hidden", o.discriminator_hidden);
  if (!contains(activation_names(), o.generator_activation))
    fail("generator_activation",
         "unknown activation '" + o.generator_activation + "' (allowed: " + join(activation_names()) + ")");
  if (!contains(activation_names(), o.discriminator_activation))
    fail("discriminator_activation",
         "unknown activation '" + o.discriminator_activation + "' (allowed: " + join(activation_names()) + ")");
  if (!(o.leaky_relu_slope >= 0 && o.leaky_relu_slope < 1))
    fail("leaky_relu_slope", num(o.leaky_relu_slope) + " is outside [0, 1)");
  if (o.critic_steps && (*o.critic_steps < 1 || *o.critic_steps > 100))
    fail("critic_steps", std::to_string(*o.critic_steps) + " is outside [1, 100]");
  check_optimizer("generator_optimizer", o.generator_optimizer);
  check_optimizer("discriminator_optimizer", o.discriminator_optimizer);
  if (!(std::isfinite(o.clip_value) && o.clip_value > 0))
    fail("clip_value", num(o.clip_value) + " must be a finite number > 0");
  if (!(std::isfinite(o.gp_lambda) && o.gp_lambda >= 0))
    fail("gp_lambda", num(o.gp_lambda) + " must be a finite number >= 0");
  if (o.batch_size < 1 || o.batch_size > kMaxBatch)
    fail("batch_size", std::to_string(o.batch_size) + " is outside [1, " + std::to_string(kMaxBatch) + "]");
}

GanOptions resolved(const GanOptions& options) {
  validate(options);
  GanOptions o = options;
  const bool wgan = o.loss == "wgan", gp = o.loss == "wgan_gp";
  if (!o.critic_steps) o.critic_steps = wgan || gp ? 5 : 1;
  for (GanOptimizerOptions* p : {&o.generator_optimizer, &o.discriminator_optimizer}) {
    if (p->name.empty()) p->name = wgan ? "rmsprop" : "adam";
    if (!p->lr) p->lr = gp ? 1e-4 : wgan ? 5e-5 : 2e-4;
    if (!p->betas && (p->name == "adam" || p->name == "adamw"))
      p->betas = gp ? std::array<double, 2>{0.0, 0.9} : std::array<double, 2>{0.5, 0.999};
  }
  return o;
}

// ---- metric and penalty -----------------------------------------------------------------

ModeCoverage mode_coverage(const Tensor& samples, const Tensor& modes, double mode_std, double sigmas,
                           std::int64_t min_count) {
  if (!modes.defined() || modes.rank() != 2 || modes.dim(0) < 1 || modes.dim(1) < 1)
    throw_invalid_argument("mode_coverage: modes must be [M, D] with M >= 1, got " +
                           (modes.defined() ? to_string(modes.shape()) : std::string("an undefined tensor")));
  const std::int64_t m = modes.dim(0), d = modes.dim(1);
  const std::int64_t n = check_points(samples, d, "mode_coverage: samples");
  if (!(std::isfinite(mode_std) && mode_std > 0))
    throw_invalid_argument("mode_coverage: mode_std = " + num(mode_std) + " must be a finite number > 0");
  if (!(std::isfinite(sigmas) && sigmas > 0))
    throw_invalid_argument("mode_coverage: sigmas = " + num(sigmas) + " must be a finite number > 0");
  if (min_count < 0)
    throw_invalid_argument("mode_coverage: min_count = " + std::to_string(min_count) + " must be >= 0");

  ModeCoverage c;
  c.num_modes = m;
  c.threshold = min_count > 0 ? min_count : std::max<std::int64_t>(3, (n + 10 * m - 1) / (10 * m));
  c.counts.assign(static_cast<std::size_t>(m), 0);
  const double radius2 = sigmas * mode_std * sigmas * mode_std;
  std::int64_t good = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double best = INFINITY;
    std::int64_t nearest = 0;
    for (std::int64_t k = 0; k < m; ++k) {
      double d2 = 0;
      for (std::int64_t j = 0; j < d; ++j) {
        const double diff = static_cast<double>(samples[i * d + j]) - static_cast<double>(modes[k * d + j]);
        d2 += diff * diff;
      }
      if (d2 < best) best = d2, nearest = k;
    }
    if (best <= radius2) {
      ++good;
      ++c.counts[static_cast<std::size_t>(nearest)];
    }
  }
  c.high_quality_fraction = n ? static_cast<double>(good) / static_cast<double>(n) : 0;
  for (std::int64_t count : c.counts) c.modes_covered += count >= c.threshold ? 1 : 0;
  return c;
}

Var gradient_penalty(Layer& critic, const Tensor& real, const Tensor& fake, const Tensor& alpha, double* grad_norm) {
  if (!real.defined() || real.rank() != 2 || real.dim(0) < 1)
    throw_invalid_argument("gradient_penalty: real must be [B, D] with B >= 1, got " +
                           (real.defined() ? to_string(real.shape()) : std::string("an undefined tensor")));
  const std::int64_t b = real.dim(0), d = real.dim(1);
  if (!fake.defined() || fake.shape() != real.shape())
    throw_invalid_argument("gradient_penalty: fake must have real's shape " + to_string(real.shape()) + ", got " +
                           (fake.defined() ? to_string(fake.shape()) : std::string("an undefined tensor")));
  if (!alpha.defined() || alpha.shape() != Shape{b})
    throw_invalid_argument("gradient_penalty: alpha must be [" + std::to_string(b) +
                           "] (one weight per row), got " +
                           (alpha.defined() ? to_string(alpha.shape()) : std::string("an undefined tensor")));
  // x_hat = alpha x_real + (1 - alpha) x_fake, a leaf: the penalty looks at D's slope there.
  Tensor x_hat({b, d});
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < d; ++j)
      x_hat[i * d + j] = alpha[i] * real[i * d + j] + (Scalar(1) - alpha[i]) * fake[i * d + j];
  Var x(std::move(x_hat), /*requires_grad=*/true);
  Var score = critic.forward(x);                                   // [B, 1]
  Var dx = grad({sum(score)}, {x}, {}, /*create_graph=*/true)[0];  // [B, D]: row i is grad D(x_i)
  Var norms = norm(dx, 1);                                         // [B]
  if (grad_norm) *grad_norm = mean_of(norms.value());
  return mean(square(norms - 1.0));
}

GanModel::GanModel(std::shared_ptr<Sequential> generator, std::shared_ptr<Sequential> discriminator)
    : generator_(std::move(generator)), discriminator_(std::move(discriminator)) {
  register_module("generator", generator_);
  register_module("discriminator", discriminator_);
  assign_names();
}

// ---- trainer ----------------------------------------------------------------------------

namespace {
const Tensor& checked_real(const Dataset& data) {
  if (!data.x_train.defined() || data.x_train.rank() != 2 || data.x_train.dim(0) < 1 || data.x_train.dim(1) < 1)
    throw_invalid_argument("GanTrainer: the dataset's x_train must be [N, D] real samples with N, D >= 1, got " +
                           (data.x_train.defined() ? to_string(data.x_train.shape()) : std::string("nothing")));
  return data.x_train;
}
}  // namespace

GanTrainer::GanTrainer(GanOptions options, const Dataset& data)
    : options_(resolved(options)),
      data_dim_(checked_real(data).dim(1)),
      real_(data.x_train),
      modes_(data.modes),
      mode_std_(data.mode_std),
      noise_rng_(options_.seed, 0x6a17),
      sample_rng_(options_.seed, 0x5a3b),
      batcher_(real_.dim(0), options_.batch_size, options_.seed, /*shuffle=*/true, /*drop_last=*/true) {
  Rng init(options_.seed, 0x1417);
  const GanOptions& o = options_;
  auto g = mlp(o.noise_dim, o.generator_hidden, data_dim_, o.generator_activation, o.leaky_relu_slope, init);
  auto d = mlp(data_dim_, o.discriminator_hidden, 1, o.discriminator_activation, o.leaky_relu_slope, init);
  model_ = std::make_shared<GanModel>(g, d);
  NamedParams gp, dp;
  for (auto& [name, p] : model_->named_parameters()) (name.rfind("generator.", 0) == 0 ? gp : dp).emplace_back(name, p);
  g_opt_ = make_player_optimizer(o.generator_optimizer, gp);
  d_opt_ = make_player_optimizer(o.discriminator_optimizer, dp);
}

Tensor GanTrainer::noise(std::int64_t n, Rng& rng) const {
  if (n < 1) throw_invalid_argument("GanTrainer: asked for " + std::to_string(n) + " noise rows; need at least 1");
  return options_.noise == "uniform" ? rng.uniform_tensor({n, options_.noise_dim}, -1, 1)
                                     : rng.normal_tensor({n, options_.noise_dim}, 0, 1);
}

void GanTrainer::check_noise(const Tensor& z, const char* what) const {
  if (check_points(z, options_.noise_dim, std::string("GanTrainer: ") + what) < 1)
    throw_invalid_argument(std::string("GanTrainer: ") + what + " has no rows");
}

Var GanTrainer::g_loss_per_sample(const Var& f) const {
  const std::string& loss = options_.loss;
  if (loss == "minimax") return neg(bce_with_logits(f, constant(f.shape(), 0), Reduction::None));  // log(1 - sigma(f))
  if (loss == "non_saturating") return bce_with_logits(f, constant(f.shape(), 1), Reduction::None);  // -log sigma(f)
  if (loss == "least_squares") return square(f - 1.0) * 0.5;
  return neg(f);  // wgan, wgan_gp
}

GanTrainer::DTerms GanTrainer::d_terms(const Tensor& real, const Tensor& z, const Tensor& alpha) {
  const std::int64_t b = check_points(real, data_dim_, "GanTrainer: real");
  if (b < 1) throw_invalid_argument("GanTrainer: real has no rows");
  check_noise(z, "z");
  const std::string& loss = options_.loss;
  if (loss == "wgan_gp" && z.dim(0) != b)
    throw_invalid_argument("GanTrainer: wgan_gp interpolates real and fake rows pairwise, so z needs " +
                           std::to_string(b) + " rows (as real), got " + std::to_string(z.dim(0)));
  Tensor fake = generate(z);
  Sequential& d = discriminator();
  Var r = d.forward(Var(real)), f = d.forward(Var(fake));  // [B, 1]
  DTerms t;
  if (is_logit(loss)) {
    t.loss = bce_with_logits(r, constant(r.shape(), 1)) + bce_with_logits(f, constant(f.shape(), 0));
    t.d_real = mean_sigmoid(r.value());
    t.d_fake = mean_sigmoid(f.value());
    return t;
  }
  t.d_real = mean_of(r.value());
  t.d_fake = mean_of(f.value());
  if (loss == "least_squares") {
    t.loss = mean(square(r - 1.0)) * 0.5 + mean(square(f)) * 0.5;
    return t;
  }
  t.loss = mean(f) - mean(r);
  if (loss == "wgan_gp") {
    Var gp = gradient_penalty(d, real, fake, alpha, &t.grad_norm) * options_.gp_lambda;
    t.penalty = gp.item();
    t.loss = t.loss + gp;
  }
  return t;
}

Var GanTrainer::discriminator_loss(const Tensor& real, const Tensor& z, const Tensor& alpha) {
  return d_terms(real, z, alpha).loss;
}

Var GanTrainer::generator_loss(const Tensor& z) {
  check_noise(z, "z");
  return mean(g_loss_per_sample(discriminator().forward(generator().forward(Var(z)))));
}

GanMetrics GanTrainer::step_discriminator(const Tensor& real, const Tensor& z, const Tensor& alpha) {
  GanMetrics m;
  m.step = g_steps_;
  m.critic_updates = d_steps_ + 1;
  d_opt_->zero_grad();
  DTerms t = d_terms(real, z, alpha);
  m.d_loss = t.loss.item();
  try {
    check_finite(m.critic_updates, "discriminator", m.d_loss, discriminator(), "discriminator.");
    t.loss.backward();
    check_finite(m.critic_updates, "discriminator", m.d_loss, discriminator(), "discriminator.");
  } catch (const NonFiniteError& seen) {
    d_opt_->zero_grad();
    name_the_op(seen, "discriminator", [&] { d_terms(real, z, alpha).loss.backward(); });
  }
  m.d_grad_norm = grad_norm(discriminator().parameters());
  d_opt_->step();
  if (options_.loss == "wgan") clamp_critic();
  m.d_real = t.d_real;
  m.d_fake = t.d_fake;
  if (is_wasserstein(options_.loss)) m.wasserstein = t.d_real - t.d_fake;
  m.gradient_penalty = t.penalty;
  m.critic_grad_norm = t.grad_norm;
  d_steps_ = m.critic_updates;
  return m;
}

void GanTrainer::clamp_critic() {
  const auto c = static_cast<Scalar>(options_.clip_value);
  for (Var& p : discriminator().parameters()) {
    Tensor& w = p.mutable_value();
    for (std::int64_t i = 0; i < w.numel(); ++i) w[i] = std::clamp(w[i], -c, c);
  }
}

GanMetrics GanTrainer::step_generator(const Tensor& z) {
  GanMetrics m;
  m.step = g_steps_ + 1;
  m.critic_updates = d_steps_;
  check_noise(z, "z");
  g_opt_->zero_grad();
  Var loss;
  try {
    {
      FrozenParams frozen(discriminator());  // D only passes the gradient on to the fakes
      loss = mean(g_loss_per_sample(discriminator().forward(generator().forward(Var(z)))));
      m.g_loss = loss.item();
      check_finite(m.step, "generator", m.g_loss, generator(), "generator.");
      loss.backward();
    }
    check_finite(m.step, "generator", m.g_loss, generator(), "generator.");
  } catch (const NonFiniteError& seen) {
    g_opt_->zero_grad();
    name_the_op(seen, "generator", [&] {
      FrozenParams frozen(discriminator());
      mean(g_loss_per_sample(discriminator().forward(generator().forward(Var(z))))).backward();
    });
  }
  m.g_grad_norm = grad_norm(generator().parameters());
  g_opt_->step();
  g_steps_ = m.step;
  return m;
}

GanMetrics GanTrainer::step_discriminator() {
  Tensor real = take_rows(real_, batcher_.next_indices());
  const std::int64_t b = real.dim(0);
  Tensor z = noise(b, noise_rng_);
  Tensor alpha = options_.loss == "wgan_gp" ? noise_rng_.uniform_tensor({b}, 0, 1) : Tensor();
  return step_discriminator(real, z, alpha);
}

GanMetrics GanTrainer::step_generator() { return step_generator(noise(options_.batch_size, noise_rng_)); }

GanMetrics GanTrainer::step() {
  GanMetrics m;
  for (int k = 0; k < *options_.critic_steps; ++k) m = step_discriminator();
  const GanMetrics g = step_generator();
  m.step = g.step;
  m.g_loss = g.g_loss;
  m.g_grad_norm = g.g_grad_norm;
  return m;
}

// ---- views ------------------------------------------------------------------------------

Tensor GanTrainer::generate(const Tensor& z) {
  check_noise(z, "z");
  NoGradGuard no_grad;
  return generator().forward(Var(z)).value();
}

Tensor GanTrainer::sample(std::int64_t n) {
  if (n < 1) throw_invalid_argument("GanTrainer::sample: n = " + std::to_string(n) + "; must be at least 1");
  return generate(noise(n, sample_rng_));
}

Tensor GanTrainer::critic_field(const Tensor& x) {
  const std::int64_t n = check_points(x, data_dim_, "GanTrainer::critic_field: x");
  NoGradGuard no_grad;
  Var score = discriminator().forward(Var(x));
  Tensor out = score.value().reshape({n});
  if (!is_logit(options_.loss)) return out;
  Tensor p({n});
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<Scalar>(1 / (1 + std::exp(-static_cast<double>(out[i]))));
  return p;
}

Tensor GanTrainer::generator_gradients(const Tensor& x) {
  const std::int64_t n = check_points(x, data_dim_, "GanTrainer::generator_gradients: x");
  if (n < 1) return Tensor::zeros({0, data_dim_});
  GradModeGuard grad_mode(true);
  FrozenParams frozen(discriminator());
  Var points(x, /*requires_grad=*/true);
  Var per_sample = g_loss_per_sample(discriminator().forward(points));  // [N, 1]; row i depends on x_i only
  Tensor dx = grad({sum(per_sample)}, {points})[0].value();
  Tensor push(dx.shape());
  for (std::int64_t i = 0; i < dx.numel(); ++i) push[i] = -dx[i];
  return push;
}

ModeCoverage GanTrainer::coverage(const Tensor& samples, double sigmas, std::int64_t min_count) const {
  if (!modes_.defined())
    throw_invalid_argument(
        "GanTrainer::coverage: this dataset has no modes (only gan_ring, gan_grid and "
        "gan_points do)");
  return mode_coverage(samples, modes_, mode_std_, sigmas, min_count);
}

GRADLAB_END
