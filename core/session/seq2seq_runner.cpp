// The seq2seq model kind as a Runner: an encoder-decoder with attention on a
// translation dataset; snapshots of attention maps with their tokens.
#include "data/vocab.h"
#include "inspect/inspect.h"
#include "session/kind_runners.h"
#include "spec/build.h"
#include "train/seq2seq.h"

GRADLAB_BEGIN

Dataset spec_dataset(const ExperimentSpec& spec, const char* required_task, int max_samples) {
  if (spec.data.has_batch() && required_task)
    throw_spec_error("/data/batch", std::string("a ") + spec.kind + " model trains on a built-in dataset of the " +
                                        required_task + " kind, not an explicit batch");
  std::vector<SpecIssue> issues;
  DatasetOptions options = dataset_options(spec.data, issues);
  if (!issues.empty()) throw_spec_error(issues);
  if (!spec.data.options.contains("seed")) options.seed = spec.seed;
  const std::string task = dataset_task(spec.data.dataset, options);
  if (required_task && task != required_task) {
    std::vector<std::string> names;
    for (const auto& d : dataset_catalog())
      if (d.task == required_task) names.push_back(d.name);
    throw_spec_error("/data/dataset", "a " + spec.kind + " model needs a " + required_task + " dataset (" + join(names) +
                                          "); '" + spec.data.dataset + "' is " + task);
  }
  if (max_samples > 0) {
    for (const auto& info : dataset_catalog())
      if (info.name == spec.data.dataset && info.option("n_samples"))
        options.n_samples = std::min(options.n_samples.value_or(static_cast<int>(info.option("n_samples")->default_value)), max_samples);
  }
  return make_dataset(spec.data.dataset, options);
}

namespace {

class Seq2SeqRunner : public Runner {
 public:
  explicit Seq2SeqRunner(const ExperimentSpec& spec) : spec_(spec) {
    Dataset data = spec_dataset(spec, "seq2seq");
    const auto& c = spec.kind_config;
    Seq2SeqOptions o;
    o.embed_dim = c.at("embed_dim").get<std::int64_t>();
    o.hidden_size = c.at("hidden_size").get<std::int64_t>();
    o.num_layers = c.at("num_layers").get<int>();
    o.cell = c.at("cell").get<std::string>();
    o.bidirectional = c.at("bidirectional").get<bool>();
    o.attention = c.at("attention").get<std::string>();
    o.attn_dim = c.at("attn_dim").get<std::int64_t>();
    o.teacher_forcing = c.at("teacher_forcing").get<double>();
    o.max_decode_len = c.at("max_decode_len").get<std::int64_t>();
    o.optimizer = spec.optimizer.type;
    o.lr = spec.optimizer.config.at("lr").get<double>();
    o.batch_size = spec.training.batch_size;
    o.clip_norm = spec.training.clip_grad_norm;
    o.seed = spec.seed;
    try {
      trainer_ = std::make_unique<Seq2SeqTrainer>(std::move(data), o);
    } catch (const std::invalid_argument& e) {
      throw_spec_error("/model", e.what());
    }
    trainer_->model().assign_names();
  }

  nlohmann::json step() override {
    const Seq2SeqStepMetrics m = trainer_->step();
    if (m.clipped) ++clipped_steps_;
    nlohmann::json j;
    j["step"] = m.step;
    j["loss"] = number_or_null(m.loss);
    j["token_accuracy"] = number_or_null(m.token_accuracy);
    j["grad_norm"] = number_or_null(m.grad_norm);
    j["clipped"] = m.clipped;
    j["clipped_fraction"] = static_cast<double>(clipped_steps_) / static_cast<double>(std::max<std::int64_t>(m.step, 1));
    j["lr"] = m.lr;
    return j;
  }

  nlohmann::json evaluate(const std::string& split) override {
    const Seq2SeqEvalMetrics e = trainer_->evaluate(split);
    nlohmann::json j;
    j["loss"] = number_or_null(e.loss);
    j["token_accuracy"] = number_or_null(e.token_accuracy);
    j["sequence_accuracy"] = number_or_null(e.sequence_accuracy);
    j["n"] = e.n;
    return j;
  }

  std::int64_t steps_done() const override { return trainer_->steps_done(); }
  Module& model() override { return trainer_->model(); }
  const Module& model() const override { return trainer_->model(); }

  std::pair<Tensor, Tensor> reference_batch() const {
    const Tensor& x = trainer_->data().x_train;
    const Tensor& y = trainer_->data().y_train;
    std::vector<std::int64_t> rows;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(x.dim(0), spec_.training.batch_size); ++i) rows.push_back(i);
    return {take_rows(x, rows), take_rows(y, rows)};
  }

  GradPass grad() override {
    const auto inputs_ = reference_batch();
    const Tensor& x = inputs_.first;
    const Tensor& y = inputs_.second;
    model().zero_grad();
    Var loss = trainer_->loss(x, y);
    loss.backward();
    GradPass pass;
    pass.loss = static_cast<double>(loss.item());
    for (const auto& [name, p] : model().named_parameters())
      pass.gradients.emplace_back(name, p.has_grad() ? p.grad().clone() : Tensor::zeros(p.shape()));
    model().zero_grad();
    return pass;
  }

  GradCheckResult check_gradients(GradCheckOptions options) override {
    const auto inputs_ = reference_batch();
    const Tensor& x = inputs_.first;
    const Tensor& y = inputs_.second;
    GradCheckResult r = gradcheck([&] { return trainer_->loss(x, y); }, model().parameters(), options);
    model().zero_grad();
    return r;
  }

  nlohmann::json save_state() const override {
    auto& t = *trainer_;
    nlohmann::json o;
    nlohmann::json& opt = o["optimizer"];
    opt["type"] = spec_.optimizer.type;
    opt["state"] = named_tensors_json(t.optimizer().state());
    o["batcher"] = batcher_json(t.batcher());
    o["forcing_rng"] = rng_json(t.forcing_rng().state());
    o["clipped_steps"] = clipped_steps_;
    return o;
  }

  void load_state(const nlohmann::json& state, const std::string& ptr) override {
    const auto& opt = required(state, "optimizer", ptr);
    auto opt_state = named_tensors_from(required(opt, "state", ptr + "/optimizer"), ptr + "/optimizer/state");
    const Batcher batcher = batcher_from(state, "batcher", trainer_->batcher(), ptr);
    const Rng::State forcing = rng_from_json(required(state, "forcing_rng", ptr), ptr + "/forcing_rng");
    const std::int64_t clipped = count_from(state, "clipped_steps", ptr);
    try {
      trainer_->optimizer().load_state(opt_state);
    } catch (const std::invalid_argument& e) {
      throw_spec_error(ptr + "/optimizer/state", e.what());
    }
    trainer_->batcher() = batcher;
    trainer_->forcing_rng().set_state(forcing);
    clipped_steps_ = clipped;
  }

  void set_steps_done(std::int64_t step) override { trainer_->set_steps_done(step); }

  const Dataset& dataset() const override { return trainer_->data(); }

  void take_state(Runner& previous) override {
    auto& p = static_cast<Seq2SeqRunner&>(previous);
    Seq2SeqTrainer& t = *trainer_;
    Seq2SeqTrainer& pt = *p.trainer_;
    if (spec_.optimizer.type == p.spec_.optimizer.type)
      t.optimizer().load_state(adapt_optimizer_state(pt.optimizer().state(), t.optimizer()));
    t.batcher().set_state(pt.batcher().state());
    t.forcing_rng().set_state(pt.forcing_rng().state());
    clipped_steps_ = p.clipped_steps_;
  }

  std::vector<std::string> snapshot_names() const override { return {"attention", "params", "predictions"}; }

  // The first 8 test (or training) examples decoded greedily, as tokens and ids.
  nlohmann::json predictions() {
    const Dataset& d = trainer_->data();
    const auto [xs, ys, test] = first_examples(d, 8);
    const Decoded out = trainer_->greedy_decode(xs);
    auto ids = [](const Tensor& t, std::int64_t row, std::int64_t n) {
      std::vector<std::int64_t> v;
      const std::int64_t width = t.numel() / t.dim(0);
      for (std::int64_t k = 0; k < std::min(n, width); ++k) v.push_back(static_cast<std::int64_t>(t[row * width + k]));
      return v;
    };
    nlohmann::json examples = nlohmann::json::array();
    for (std::int64_t i = 0; i < xs.dim(0); ++i) {
      const auto target = decode_row(d.target_vocab, ys, i);
      const auto prediction = decode_row(d.target_vocab, out.ids, i);
      nlohmann::json& e = examples.emplace_back();
      e["index"] = i;
      e["input"] = ids(xs, i, xs.dim(1));
      e["target"] = ids(ys, i, ys.dim(1));
      e["prediction"] = ids(out.ids, i, out.lengths.at(static_cast<std::size_t>(i)));
      e["input_tokens"] = decode_row(d.vocab, xs, i);
      e["target_tokens"] = target;
      e["prediction_tokens"] = prediction;
      e["correct"] = target == prediction;
    }
    nlohmann::json o;
    o["split"] = test ? "test" : "train";
    o["kind"] = "tokens";
    o["task"] = d.task;
    o["examples"] = std::move(examples);
    return o;
  }

  nlohmann::json snapshot(const std::string& what) override {
    if (what == "params") return params_snapshot(*this);
    if (what == "predictions") return predictions();
    // The first test example (or training example) translated greedily, with its attention.
    const Dataset& d = trainer_->data();
    const Tensor& x = d.x_test.defined() && d.x_test.numel() > 0 ? d.x_test : d.x_train;
    const Decoded out = trainer_->greedy_decode(take_rows(x, {0}));
    const std::int64_t L = out.lengths.at(0);
    const std::int64_t S = out.weights.dim(2);
    Tensor rows({L, S});
    for (std::int64_t i = 0; i < L * S; ++i) rows[i] = out.weights[i];
    std::vector<std::string> target = token_strings(out.ids, 0, d.target_vocab);
    target.resize(static_cast<std::size_t>(L));
    return to_json(attention_map(rows.reshape({1, L, S}), 0, token_strings(take_rows(x, {0}), 0, d.vocab), target));
  }

 private:
  ExperimentSpec spec_;
  std::unique_ptr<Seq2SeqTrainer> trainer_;
  std::int64_t clipped_steps_ = 0;
};

}  // namespace

std::unique_ptr<Runner> make_seq2seq_runner(const ExperimentSpec& spec) {
  return std::make_unique<Seq2SeqRunner>(spec);
}

GRADLAB_END
