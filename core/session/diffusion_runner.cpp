// The diffusion model kind as a Runner: a DDPM on 2-D points (train/diffusion.h) trained on
// the noise-prediction loss; its evaluation is the full variational bound on the split, and
// its snapshots show the forward process, reverse trajectories, the bound's terms, samples
// against the data, and the closed-form posterior q(x_{t-1} | x_t, x_0) at one step.
#include <cmath>

#include "inspect/inspect.h"
#include "session/kind_runners.h"
#include "spec/build.h"
#include "train/diffusion.h"
#include "train/gan.h"  // mode_coverage

GRADLAB_BEGIN

Dataset diffusion_dataset(const ExperimentSpec& spec, int max_samples) {
  Dataset d = spec_dataset(spec, nullptr, max_samples);
  if ((d.task != task::gan && d.task != task::classification) || d.x_train.rank() != 2 || d.x_train.dim(1) != 2)
    throw_spec_error("/data/dataset", "a diffusion model learns 2-D points: a gan target (gan_ring, gan_grid, ...) or a 2-D "
                                      "classification set (its inputs); '" + spec.data.dataset + "' is " + d.task +
                                      " with inputs " + to_string(d.x_train.shape()));
  return d;
}

std::vector<LayerSummary> diffusion_layers(const ExperimentSpec& spec, const Dataset& d, std::vector<SpecIssue>& issues,
                                           std::int64_t* hidden) {
  // The spec's layers see [x_t, embed(t)]: [B, 2 + E] -> [B, H]; out = Linear(H, 2) follows.
  const std::int64_t E = spec.kind_config.at("time_embed_dim").get<std::int64_t>();
  const std::int64_t B = std::min<std::int64_t>(spec.training.batch_size, d.x_train.dim(0));
  const std::size_t before = issues.size();
  auto summary = summarize_layers(spec.layers, {B, 2 + E}, issues);
  for (std::size_t i = before; i < issues.size(); ++i)
    issues[i].message += " (a diffusion model's layers see [x_t, embed(t)]: 2 + time_embed_dim = " + std::to_string(2 + E) +
                         " features)";
  if (issues.size() != before) return summary;
  Shape out = summary.empty() ? Shape{B, 2 + E} : summary.back().output;
  if (out.size() != 2) {
    issues.push_back({"/model/layers", "the layers must end with [B, H] (a Linear(H, 2) predicting the noise follows), but "
                                       "they end with " + to_string(out)});
    return summary;
  }
  *hidden = out[1];
  summary.push_back({"/model/out", "linear", {B, 2}, out[1] * 2 + 2, "out*in + out = 2*" + std::to_string(out[1]) + " + 2",
                     2.0 * static_cast<double>(B), 2.0 * static_cast<double>(B)});
  check_model_size(summary, issues);
  return summary;
}

namespace {

constexpr std::int64_t kSnapshotSamples = 512;
constexpr std::int64_t kEvalSamples = 1000;
constexpr std::int64_t kTrajectories = 16;
constexpr std::int64_t kForwardPoints = 512;
constexpr std::int64_t kPosteriorPoints = 8;
constexpr double kCoverageShare = 0.02;  // a mode is covered by >= 2% of the samples within 3 std

// Fixed RNG streams: evaluations and snapshots draw the same noise every time, so two
// measurements differ only by what training changed.
constexpr std::uint64_t kEvalStream = 0xe7a1, kElboStream = 0xe7b0, kSampleStream = 0x5a3, kPosteriorStream = 0x9057,
                        kGradStream = 0x9a5;

std::vector<double> row(const Tensor& x, std::int64_t i) { return {x[i * 2], x[i * 2 + 1]}; }

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  return std::hypot(a[0] - b[0], a[1] - b[1]);
}

Tensor first_rows(const Tensor& x, std::int64_t n) {
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < std::min(n, x.dim(0)); ++i) rows.push_back(i);
  return take_rows(x, rows);
}

class DiffusionRunner : public Runner {
 public:
  explicit DiffusionRunner(const ExperimentSpec& spec) : spec_(spec), data_(diffusion_dataset(spec)) {
    const auto& c = spec.kind_config;
    const std::int64_t E = c.at("time_embed_dim").get<std::int64_t>();
    std::vector<SpecIssue> issues;
    std::int64_t H = 0;
    diffusion_layers(spec, data_, issues, &H);
    if (!issues.empty()) throw_spec_error(issues);

    Rng rng(spec.seed);
    model_ = std::make_shared<DiffusionModel>(build_layer_stack(spec, rng, dropout_rng_), H, E, rng);
    model_->assign_names();
    load_spec_parameters(spec, *model_);
    DiffusionOptions o;
    o.schedule = c.at("beta_schedule").get<std::string>();
    o.timesteps = c.at("timesteps").get<std::int64_t>();
    if (c.contains("beta_start")) o.beta_start = c.at("beta_start").get<double>();
    if (c.contains("beta_end")) o.beta_end = c.at("beta_end").get<double>();
    o.variance = c.at("variance").get<std::string>();
    o.batch_size = spec.training.batch_size;
    o.clip_grad_norm = spec.training.clip_grad_norm;
    o.seed = spec.seed;
    try {
      trainer_ = std::make_unique<DiffusionTrainer>(o, model_, build_optimizer(spec.optimizer, model_->named_parameters()), data_);
    } catch (const std::invalid_argument& e) {
      throw_spec_error("/model", e.what());
    }
  }

  nlohmann::json step() override {
    const DiffusionMetrics m = trainer_->step();
    nlohmann::json j;
    j["step"] = m.step;
    j["loss"] = number_or_null(m.loss);
    j["grad_norm"] = number_or_null(m.grad_norm);
    j["clipped"] = m.clipped;
    return j;
  }

  // The simple loss with fixed t and noise, the bound and its parts, and (for targets with
  // modes) how many modes 1000 samples cover.
  nlohmann::json evaluate(const std::string& split) override {
    const Tensor& x = split == "test" ? data_.x_test : data_.x_train;
    nlohmann::json j;
    j["n"] = 0;
    if (!x.defined() || x.rank() != 2 || x.dim(0) == 0) return j;
    const std::int64_t N = x.dim(0), T = trainer_->schedule().T;
    Rng rng(spec_.seed, kEvalStream);
    std::vector<std::int64_t> t(N);
    for (auto& s : t) s = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(T)));
    const Tensor eps = rng.normal_tensor({N, 2}, 0, 1);
    const Tensor predicted = trainer_->predict_noise(trainer_->q_sample(x, t, eps), t);
    double loss = 0;
    for (std::int64_t i = 0; i < N * 2; ++i) loss += (eps[i] - predicted[i]) * (eps[i] - predicted[i]);
    const DiffusionElbo b = elbo(x);
    double middle = 0;
    for (std::int64_t k = 1; k < T; ++k) middle += b.terms[k];
    j["n"] = N;
    j["loss"] = number_or_null(loss / static_cast<double>(N * 2));
    j["nll_bound"] = number_or_null(b.bound);
    j["L_0"] = number_or_null(b.terms[0]);
    j["L_middle"] = number_or_null(middle);
    j["L_T"] = number_or_null(b.terms[T]);
    if (data_.modes.defined()) {
      Rng sample_rng(spec_.seed, kSampleStream);
      const ModeCoverage c = coverage(trainer_->sample(kEvalSamples, sample_rng).points);
      j["modes_covered"] = c.modes_covered;
      j["num_modes"] = c.num_modes;
    }
    return j;
  }

  std::int64_t steps_done() const override { return trainer_->steps_done(); }
  Module& model() override { return *model_; }
  const Module& model() const override { return *model_; }

  // The grad and check batch: the first batch_size training points, seeded t and noise.
  struct Reference {
    Tensor x0, eps;
    std::vector<std::int64_t> t;
  };
  Reference reference() const {
    Reference r;
    r.x0 = first_rows(data_.x_train, spec_.training.batch_size);
    Rng rng(spec_.seed, kGradStream);
    r.t.resize(r.x0.dim(0));
    for (auto& s : r.t) s = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(trainer_->schedule().T)));
    r.eps = rng.normal_tensor({r.x0.dim(0), 2}, 0, 1);
    return r;
  }

  GradPass grad() override {
    const Reference r = reference();
    const TrainingStateGuard keep(*model_, {&dropout_rng_});
    model_->zero_grad();
    Var loss = trainer_->loss(r.x0, r.t, r.eps);
    loss.backward();
    GradPass pass;
    pass.loss = static_cast<double>(loss.item());
    pass.outputs = model_->forward(trainer_->q_sample(r.x0, r.t, r.eps), r.t).value();
    for (const auto& [name, p] : model_->named_parameters())
      pass.gradients.emplace_back(name, p.has_grad() ? p.grad().clone() : Tensor::zeros(p.shape()));
    model_->zero_grad();
    return pass;
  }

  GradCheckResult check_gradients(GradCheckOptions options) override {
    const Reference r = reference();
    const TrainingStateGuard keep(*model_, {&dropout_rng_});
    GradCheckResult result = gradcheck([&] { return trainer_->loss(r.x0, r.t, r.eps); }, model_->parameters(), options);
    model_->zero_grad();
    return result;
  }

  nlohmann::json save_state() const override {
    auto& t = *trainer_;
    nlohmann::json o;
    o["optimizer"] = named_tensors_json(t.optimizer().state());
    o["batcher"] = batcher_json(t.batcher());
    o["noise_rng"] = rng_json(t.noise_rng().state());
    o["dropout_rng"] = rng_json(dropout_rng_.state());
    return o;
  }

  void load_state(const nlohmann::json& state, const std::string& ptr) override {
    auto opt_state = named_tensors_from(required(state, "optimizer", ptr), ptr + "/optimizer");
    const Batcher batcher = batcher_from(state, "batcher", trainer_->batcher(), ptr);
    const Rng::State noise = rng_from_json(required(state, "noise_rng", ptr), ptr + "/noise_rng");
    const Rng::State dropout = rng_from_json(required(state, "dropout_rng", ptr), ptr + "/dropout_rng");
    try {
      trainer_->optimizer().load_state(opt_state);
    } catch (const std::invalid_argument& e) {
      throw_spec_error(ptr + "/optimizer", e.what());
    }
    trainer_->batcher() = batcher;
    trainer_->noise_rng().set_state(noise);
    dropout_rng_.set_state(dropout);
  }

  void set_steps_done(std::int64_t step) override { trainer_->set_steps(step); }
  const Dataset& dataset() const override { return data_; }

  void take_state(Runner& previous) override {
    auto& p = static_cast<DiffusionRunner&>(previous);
    if (spec_.optimizer.type == p.spec_.optimizer.type)
      trainer_->optimizer().load_state(adapt_optimizer_state(p.trainer_->optimizer().state(), trainer_->optimizer()));
    trainer_->batcher().set_state(p.trainer_->batcher().state());
    trainer_->noise_rng().set_state(p.trainer_->noise_rng().state());
    dropout_rng_.set_state(p.dropout_rng_.state());
  }

  std::vector<std::string> snapshot_names() const override {
    return {"elbo", "diffusion_forward", "diffusion_reverse", "diffusion_samples", "diffusion_posterior", "params"};
  }

  nlohmann::json snapshot(const std::string& what) override {
    if (what == "params") return params_snapshot(*this);
    if (what == "elbo") return elbo_snapshot();
    if (what == "diffusion_forward") return forward_snapshot();
    if (what == "diffusion_posterior") return posterior_snapshot();
    Rng rng(spec_.seed, kSampleStream);
    if (what == "diffusion_reverse") {
      const DiffusionSamples s = trainer_->sample(kTrajectories, rng, kTrajectories);
      const std::int64_t T = trainer_->schedule().T;
      Tensor paths({T + 1, kTrajectories, 2});
      for (std::int64_t k = 0; k <= T; ++k)
        std::copy(s.trajectory[k].data(), s.trajectory[k].data() + kTrajectories * 2, paths.data() + k * kTrajectories * 2);
      std::vector<std::int64_t> steps;
      for (std::int64_t t = T; t >= 0; --t) steps.push_back(t);
      nlohmann::json o;
      o["t"] = steps;
      o["trajectories"] = tensor_json(paths);
      return o;
    }
    // diffusion_samples
    const Tensor generated = trainer_->sample(kSnapshotSamples, rng).points;
    nlohmann::json j;
    j["real"] = tensor_json(first_rows(data_.x_train, 1000));
    j["generated"] = tensor_json(generated);
    j["modes"] = data_.modes.defined() ? tensor_json(data_.modes) : nlohmann::json(nullptr);
    nlohmann::json& cov = j["coverage"];
    if (data_.modes.defined()) {
      const ModeCoverage c = coverage(generated);
      cov["modes_covered"] = c.modes_covered;
      cov["num_modes"] = c.num_modes;
      cov["threshold"] = c.threshold;
      cov["counts"] = c.counts;
      cov["high_quality_fraction"] = c.high_quality_fraction;
    }
    return j;
  }

 private:
  // The points the bound and the posterior are shown on: the test split, else the training split.
  const Tensor& shown_points() const {
    return data_.x_test.defined() && data_.x_test.rank() == 2 && data_.x_test.dim(0) > 0 ? data_.x_test : data_.x_train;
  }

  DiffusionElbo elbo(const Tensor& x) {
    Rng rng(spec_.seed, kElboStream);
    return trainer_->elbo(x, rng);
  }

  // Covered: at least 2% of the samples within 3 std of the mode (nearest-mode assignment).
  ModeCoverage coverage(const Tensor& samples) const {
    const auto min_count = static_cast<std::int64_t>(std::ceil(kCoverageShare * static_cast<double>(samples.dim(0))));
    return mode_coverage(samples, data_.modes, data_.mode_std, 3, min_count);
  }

  std::int64_t chosen_t() const {
    const std::int64_t T = trainer_->schedule().T;
    return spec_.inspection.diffusion_t >= 0 ? spec_.inspection.diffusion_t : T / 2;
  }

  nlohmann::json elbo_snapshot() {
    const Tensor& x = shown_points();
    const DiffusionElbo b = elbo(x);
    const DiffusionSchedule& s = trainer_->schedule();
    std::vector<std::string> names;
    for (std::int64_t k = 0; k <= s.T; ++k) names.push_back("L_" + std::to_string(k));
    std::vector<double> sigma2;
    for (std::int64_t t = 0; t <= s.T; ++t) sigma2.push_back(t == 0 ? 0.0 : trainer_->reverse_variance(t));
    nlohmann::json o;
    o["split"] = &x == &data_.x_test ? "test" : "train";
    o["n"] = b.n;
    o["T"] = s.T;
    o["units"] = "nats per point (both coordinates)";
    o["names"] = names;
    o["terms"] = b.terms;
    o["bound"] = b.bound;
    o["L_0"] = b.terms[0];
    o["L_T"] = b.terms[s.T];
    o["variance"] = trainer_->options().variance;
    nlohmann::json& schedule = o["schedule"];
    schedule["kind"] = s.kind;
    schedule["beta"] = s.beta;
    schedule["alpha_bar"] = s.alpha_bar;
    schedule["posterior_variance"] = s.posterior_variance;
    schedule["reverse_variance"] = sigma2;
    return o;
  }

  nlohmann::json forward_snapshot() {
    const std::int64_t t = chosen_t();
    const Tensor x0 = first_rows(shown_points(), kForwardPoints);
    const double ab = trainer_->schedule().alpha_bar[t];
    Rng rng(spec_.seed, kPosteriorStream);
    const Tensor eps = rng.normal_tensor(x0.shape(), 0, 1);
    const Tensor x_t = t == 0 ? x0 : trainer_->q_sample(x0, std::vector<std::int64_t>(x0.dim(0), t), eps);
    nlohmann::json o;
    o["t"] = t;
    o["T"] = trainer_->schedule().T;
    o["alpha_bar"] = ab;
    o["mean_scale"] = std::sqrt(ab);
    o["noise_std"] = std::sqrt(1 - ab);
    o["x0"] = tensor_json(x0);
    o["x_t"] = tensor_json(x_t);
    return o;
  }

  // q(x_{t-1} | x_t, x_0) for one test point x_0 and one draw x_t, beside what the model
  // predicts from x_t alone, and what the other points' x_0 would make of the same x_t.
  nlohmann::json posterior_snapshot() {
    const DiffusionSchedule& s = trainer_->schedule();
    const std::int64_t t = std::max<std::int64_t>(chosen_t(), 1);
    const Tensor& points = shown_points();
    const std::vector<double> x0 = row(points, 0);
    Rng rng(spec_.seed, kPosteriorStream);
    const double ab = s.alpha_bar[t];
    std::vector<double> x_t(2);
    Tensor x_t_f({1, 2});
    for (int d = 0; d < 2; ++d) {
      x_t[d] = std::sqrt(ab) * x0[d] + std::sqrt(1 - ab) * rng.normal();
      x_t_f[d] = static_cast<Scalar>(x_t[d]);
    }
    auto posterior_mean = [&](const std::vector<double>& x) {
      return std::vector<double>{s.coef_x0[t] * x[0] + s.coef_xt[t] * x_t[0], s.coef_x0[t] * x[1] + s.coef_xt[t] * x_t[1]};
    };
    const std::vector<double> mean = posterior_mean(x0);
    const Tensor eps = trainer_->predict_noise(x_t_f, {t});
    std::vector<double> model_mean(2);
    for (int d = 0; d < 2; ++d) model_mean[d] = (x_t[d] - s.beta[t] / std::sqrt(1 - ab) * eps[d]) / std::sqrt(s.alpha[t]);
    const double sigma2 = trainer_->reverse_variance(t), v = s.posterior_variance[t];
    double kl = 0;
    for (int d = 0; d < 2; ++d)
      kl += t == 1 ? 0.0 : 0.5 * (std::log(sigma2 / v) + v / sigma2 - 1 + (mean[d] - model_mean[d]) * (mean[d] - model_mean[d]) / sigma2);
    // Other starting points give other posteriors for the same x_t.
    nlohmann::json others = nlohmann::json::array();
    double spread = 0;
    std::vector<std::vector<double>> other_means;
    for (std::int64_t k = 0; k < std::min(kPosteriorPoints, points.dim(0)); ++k) {
      other_means.push_back(posterior_mean(row(points, k)));
      nlohmann::json& other = others.emplace_back();
      other["x0"] = row(points, k);
      other["posterior_mean"] = other_means.back();
    }
    for (const auto& a : other_means)
      for (const auto& b : other_means) spread = std::max(spread, distance(a, b));
    // The reverse step the data imply, E[x_{t-1} | x_t] = sum_k w_k mu~(x_t, x0_k) with
    // w_k ~ q(x_t | x0_k) over the training points (Bayes with the empirical distribution):
    // it needs every data point, which is why q(x_{t-1} | x_t) is out of reach in general.
    const Tensor& train = data_.x_train;
    std::vector<double> logw(train.dim(0));
    double top = -1e300;
    for (std::int64_t k = 0; k < train.dim(0); ++k) {
      const double d0 = x_t[0] - std::sqrt(ab) * train[k * 2], d1 = x_t[1] - std::sqrt(ab) * train[k * 2 + 1];
      logw[k] = -(d0 * d0 + d1 * d1) / (2 * (1 - ab));
      top = std::max(top, logw[k]);
    }
    double wsum = 0, w2sum = 0;
    std::vector<double> data_x0(2, 0.0);
    for (std::int64_t k = 0; k < train.dim(0); ++k) {
      const double w = std::exp(logw[k] - top);
      wsum += w;
      w2sum += w * w;
      data_x0[0] += w * train[k * 2];
      data_x0[1] += w * train[k * 2 + 1];
    }
    data_x0 = {data_x0[0] / wsum, data_x0[1] / wsum};
    const std::vector<double> data_mean = posterior_mean(data_x0);
    nlohmann::json o;
    o["t"] = t;
    o["beta_t"] = s.beta[t];
    o["alpha_t"] = s.alpha[t];
    o["alpha_bar_t"] = ab;
    o["alpha_bar_prev"] = s.alpha_bar[t - 1];
    o["x0"] = x0;
    o["x_t"] = x_t;
    o["coef_x0"] = s.coef_x0[t];
    o["coef_xt"] = s.coef_xt[t];
    o["posterior_mean"] = mean;
    o["posterior_variance"] = v;
    o["posterior_std"] = std::sqrt(v);
    o["model_eps"] = std::vector<double>{static_cast<double>(eps[0]), static_cast<double>(eps[1])};
    o["model_mean"] = model_mean;
    o["model_variance"] = sigma2;
    o["kl"] = kl;
    o["gap_to_posterior"] = distance(model_mean, mean);
    o["other_x0"] = std::move(others);
    o["posterior_mean_spread"] = spread;
    o["data_posterior_mean"] = data_mean;
    o["effective_points"] = wsum * wsum / w2sum;
    o["model_error"] = distance(model_mean, data_mean);
    return o;
  }

  ExperimentSpec spec_;
  Dataset data_;
  Rng dropout_rng_{spec_.seed, 0xd509};
  std::shared_ptr<DiffusionModel> model_;
  std::unique_ptr<DiffusionTrainer> trainer_;
};

}  // namespace

std::unique_ptr<Runner> make_diffusion_runner(const ExperimentSpec& spec) { return std::make_unique<DiffusionRunner>(spec); }

GRADLAB_END
