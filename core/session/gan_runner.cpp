// The GAN model kind as a Runner: generator and critic on a 2-D target; snapshots of
// samples, the critic's field over the plane, the generator's gradients and mode coverage.
#include <map>

#include "inspect/inspect.h"
#include "session/kind_runners.h"
#include "spec/build.h"
#include "support/throw.h"
#include "train/gan.h"

GRADLAB_BEGIN

namespace {

constexpr std::int64_t kSnapshotSamples = 512;
constexpr std::int64_t kGrid = 48;
constexpr std::int64_t kArrows = 64;

GanOptimizerOptions player(const nlohmann::json& c) {
  GanOptimizerOptions o;
  if (c.contains("type")) o.name = c["type"].get<std::string>();
  if (c.contains("lr")) o.lr = c["lr"].get<double>();
  if (c.contains("betas")) o.betas = std::array<double, 2>{c["betas"][0].get<double>(), c["betas"][1].get<double>()};
  o.weight_decay = c.value("weight_decay", 0.0);
  return o;
}

class GanRunner : public Runner {
 public:
  explicit GanRunner(const ExperimentSpec& spec) : spec_(spec), data_(spec_dataset(spec, "gan")) {
    const auto& c = spec.kind_config;
    GanOptions o;
    o.loss = c.at("loss").get<std::string>();
    o.noise_dim = c.at("noise_dim").get<std::int64_t>();
    o.noise = c.at("noise").get<std::string>();
    o.generator_hidden = c.at("generator_hidden").get<std::vector<std::int64_t>>();
    o.discriminator_hidden = c.at("discriminator_hidden").get<std::vector<std::int64_t>>();
    o.generator_activation = c.at("generator_activation").get<std::string>();
    o.discriminator_activation = c.at("discriminator_activation").get<std::string>();
    o.leaky_relu_slope = c.at("leaky_relu_slope").get<double>();
    if (c.contains("critic_steps")) o.critic_steps = c.at("critic_steps").get<int>();
    o.clip_value = c.at("clip_value").get<double>();
    o.gp_lambda = c.at("gp_lambda").get<double>();
    o.generator_optimizer = player(c.at("generator_optimizer"));
    o.discriminator_optimizer = player(c.at("discriminator_optimizer"));
    o.batch_size = spec.training.batch_size;
    o.seed = spec.seed;
    try {
      trainer_ = std::make_unique<GanTrainer>(o, data_);
    } catch (const std::invalid_argument& e) {
      throw_spec_error("/model", e.what());
    }
    trainer_->model().assign_names();
  }

  nlohmann::json step() override { return metrics_json(trainer_->step()); }

  static nlohmann::json metrics_json(const GanMetrics& m) {
    nlohmann::json j;
    j["step"] = m.step;
    j["critic_updates"] = m.critic_updates;
    j["d_loss"] = number_or_null(m.d_loss);
    j["g_loss"] = number_or_null(m.g_loss);
    j["loss"] = number_or_null(m.d_loss);
    j["d_real"] = number_or_null(m.d_real);
    j["d_fake"] = number_or_null(m.d_fake);
    j["wasserstein"] = number_or_null(m.wasserstein);
    j["gradient_penalty"] = number_or_null(m.gradient_penalty);
    j["critic_grad_norm"] = number_or_null(m.critic_grad_norm);
    j["d_grad_norm"] = number_or_null(m.d_grad_norm);
    j["g_grad_norm"] = number_or_null(m.g_grad_norm);
    return j;
  }

  // Mode coverage of fresh samples (the data split does not change what G can draw).
  nlohmann::json evaluate(const std::string&) override {
    const ModeCoverage c = trainer_->coverage(trainer_->sample(1000));
    nlohmann::json o;
    o["n"] = 1000;
    o["modes_covered"] = c.modes_covered;
    o["num_modes"] = c.num_modes;
    o["high_quality_fraction"] = c.high_quality_fraction;
    return o;
  }

  std::int64_t steps_done() const override { return trainer_->steps_done(); }
  Module& model() override { return trainer_->model(); }
  const Module& model() const override { return trainer_->model(); }

  // Fixed inputs for grad and check: the first batch of real points and seeded noise.
  std::pair<Tensor, Tensor> reference_inputs() const {
    const std::int64_t n = std::min<std::int64_t>(data_.x_train.dim(0), spec_.training.batch_size);
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < n; ++i) rows.push_back(i);
    Rng rng(spec_.seed, 0x9a5);
    return {take_rows(data_.x_train, rows), trainer_->noise(n, rng)};
  }

  GradPass grad() override {
    const auto inputs_ = reference_inputs();
    const Tensor& real = inputs_.first;
    const Tensor& z = inputs_.second;
    model().zero_grad();
    Rng rng(spec_.seed, 0xa1f);
    Tensor alpha = rng.uniform_tensor({real.dim(0)}, 0, 1);
    Var d = trainer_->discriminator_loss(real, z, alpha);
    d.backward();
    GradPass pass;
    pass.loss["discriminator"] = static_cast<double>(d.item());
    pass.outputs = trainer_->generate(z);
    std::map<std::string, Tensor> d_grads;
    for (const auto& [name, p] : trainer_->model().named_parameters())
      if (name.rfind("discriminator.", 0) == 0) d_grads[name] = p.has_grad() ? p.grad().clone() : Tensor::zeros(p.shape());
    model().zero_grad();
    Var g = trainer_->generator_loss(z);
    g.backward();
    pass.loss["generator"] = static_cast<double>(g.item());
    for (const auto& [name, p] : trainer_->model().named_parameters()) {
      if (name.rfind("generator.", 0) == 0) pass.gradients.emplace_back(name, p.has_grad() ? p.grad().clone() : Tensor::zeros(p.shape()));
      else pass.gradients.emplace_back(name, d_grads.at(name));
    }
    model().zero_grad();
    return pass;
  }

  GradCheckResult check_gradients(GradCheckOptions options) override {
    const auto inputs_ = reference_inputs();
    const Tensor& real = inputs_.first;
    const Tensor& z = inputs_.second;
    std::vector<Var> d_params, g_params;
    for (const auto& [name, p] : model().named_parameters())
      (name.rfind("generator.", 0) == 0 ? g_params : d_params).push_back(p);
    Rng rng(spec_.seed, 0xa1f);
    const Tensor alpha = rng.uniform_tensor({real.dim(0)}, 0, 1);
    GradCheckResult r = gradcheck([&] { return trainer_->discriminator_loss(real, z, alpha); }, d_params, options);
    GradCheckResult g = gradcheck([&] { return trainer_->generator_loss(z); }, g_params, options);
    r.entries.insert(r.entries.end(), g.entries.begin(), g.entries.end());
    r.ok = r.ok && g.ok;
    model().zero_grad();
    return r;
  }

  nlohmann::json save_state() const override {
    auto& t = *trainer_;
    nlohmann::json o;
    o["generator_optimizer"] = named_tensors_json(t.generator_optimizer().state());
    o["discriminator_optimizer"] = named_tensors_json(t.discriminator_optimizer().state());
    o["batcher"] = batcher_json(t.batcher());
    o["noise_rng"] = rng_json(t.noise_rng().state());
    o["critic_updates"] = t.critic_updates();
    return o;
  }

  void load_state(const nlohmann::json& state, const std::string& ptr) override {
    auto g_state = named_tensors_from(required(state, "generator_optimizer", ptr), ptr + "/generator_optimizer");
    auto d_state =
        named_tensors_from(required(state, "discriminator_optimizer", ptr), ptr + "/discriminator_optimizer");
    const Batcher batcher = batcher_from(state, "batcher", trainer_->batcher(), ptr);
    const Rng::State noise = rng_from_json(required(state, "noise_rng", ptr), ptr + "/noise_rng");
    const std::int64_t updates = count_from(state, "critic_updates", ptr);
    Optimizer& g_opt = trainer_->generator_optimizer();
    const auto g_previous = g_opt.state();
    try {
      g_opt.load_state(g_state);
    } catch (const std::invalid_argument& e) {
      throw_spec_error(ptr + "/generator_optimizer", e.what());
    }
    try {
      trainer_->discriminator_optimizer().load_state(d_state);
    } catch (const std::invalid_argument& e) {
      g_opt.load_state(g_previous);
      throw_spec_error(ptr + "/discriminator_optimizer", e.what());
    }
    trainer_->batcher() = batcher;
    trainer_->noise_rng().set_state(noise);
    pending_critic_updates_ = updates;
  }

  void set_steps_done(std::int64_t step) override { trainer_->set_steps(step, pending_critic_updates_); }

  const Dataset& dataset() const override { return data_; }

  void take_state(Runner& previous) override {
    auto& p = static_cast<GanRunner&>(previous);
    GanTrainer& t = *trainer_;
    GanTrainer& pt = *p.trainer_;
    // A player whose optimizer type changed starts that optimizer afresh.
    if (t.options().generator_optimizer.name == pt.options().generator_optimizer.name)
      t.generator_optimizer().load_state(adapt_optimizer_state(pt.generator_optimizer().state(), t.generator_optimizer()));
    if (t.options().discriminator_optimizer.name == pt.options().discriminator_optimizer.name)
      t.discriminator_optimizer().load_state(
          adapt_optimizer_state(pt.discriminator_optimizer().state(), t.discriminator_optimizer()));
    t.batcher().set_state(pt.batcher().state());
    t.noise_rng().set_state(pt.noise_rng().state());
    pending_critic_updates_ = pt.critic_updates();
  }

  nlohmann::json step_player(const std::string& player) override {
    if (player != "discriminator" && player != "generator")
      throw_invalid_argument("stepPlayer: unknown player '" + player + "' (allowed: discriminator, generator)");
    GanMetrics m = player == "discriminator" ? trainer_->step_discriminator() : trainer_->step_generator();
    m.step = trainer_->steps_done();
    m.critic_updates = trainer_->critic_updates();
    nlohmann::json j = metrics_json(m);
    j["player"] = player;
    return j;
  }

  std::vector<std::string> snapshot_names() const override { return {"samples", "critic_field", "coverage", "params"}; }

  nlohmann::json snapshot(const std::string& what) override {
    if (what == "params") return params_snapshot(*this);
    const Tensor fake = trainer_->sample(kSnapshotSamples);
    if (what == "coverage") {
      const ModeCoverage c = trainer_->coverage(fake);
      nlohmann::json o;
      o["modes_covered"] = c.modes_covered;
      o["num_modes"] = c.num_modes;
      o["high_quality_fraction"] = c.high_quality_fraction;
      o["threshold"] = c.threshold;
      o["counts"] = c.counts;
      return o;
    }
    if (what == "samples") {
      nlohmann::json o;
      o["real"] = tensor_json(data_.x_train);
      o["generated"] = tensor_json(fake);
      o["generator_gradients"] = tensor_json(trainer_->generator_gradients(fake));
      o["modes"] = data_.modes.defined() ? tensor_json(data_.modes) : nlohmann::json(nullptr);
      return o;
    }
    // critic_field: D over a grid that covers the real data with a margin.
    double lo[2] = {1e30, 1e30}, hi[2] = {-1e30, -1e30};
    for (std::int64_t i = 0; i < data_.x_train.dim(0); ++i)
      for (int d = 0; d < 2; ++d) {
        lo[d] = std::min(lo[d], static_cast<double>(data_.x_train[i * 2 + d]));
        hi[d] = std::max(hi[d], static_cast<double>(data_.x_train[i * 2 + d]));
      }
    const double margin = 0.25 * std::max(hi[0] - lo[0], hi[1] - lo[1]) + 1e-3;
    Tensor points({kGrid * kGrid, 2});
    for (std::int64_t r = 0; r < kGrid; ++r)
      for (std::int64_t c = 0; c < kGrid; ++c) {
        points[(r * kGrid + c) * 2] =
            static_cast<Scalar>(lo[0] - margin + (hi[0] - lo[0] + 2 * margin) * c / (kGrid - 1));
        points[(r * kGrid + c) * 2 + 1] =
            static_cast<Scalar>(lo[1] - margin + (hi[1] - lo[1] + 2 * margin) * r / (kGrid - 1));
      }
    // The first kArrows generated samples and the force on each: -dl_G/dx, the direction
    // the generator loss pushes that point (GAN Lab's arrows).
    std::vector<std::int64_t> first;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(kArrows, fake.dim(0)); ++i) first.push_back(i);
    const Tensor arrows_at = take_rows(fake, first);
    nlohmann::json o;
    nlohmann::json& x_range = o["x_range"];
    x_range.push_back(lo[0] - margin);
    x_range.push_back(hi[0] + margin);
    nlohmann::json& y_range = o["y_range"];
    y_range.push_back(lo[1] - margin);
    y_range.push_back(hi[1] + margin);
    o["resolution"] = kGrid;
    o["values"] = tensor_json(trainer_->critic_field(points).reshape({kGrid, kGrid}));
    o["generated"] = tensor_json(arrows_at);
    o["generator_gradients"] = tensor_json(trainer_->generator_gradients(arrows_at));
    return o;
  }

 private:
  ExperimentSpec spec_;
  Dataset data_;
  std::unique_ptr<GanTrainer> trainer_;
  std::int64_t pending_critic_updates_ = 0;
};

}  // namespace

std::unique_ptr<Runner> make_gan_runner(const ExperimentSpec& spec) { return std::make_unique<GanRunner>(spec); }

GRADLAB_END
