// SupervisedTrainer (see supervised.h): the step, its non-finite checks and roll-back, and
// the hand-off to truncated BPTT (tbptt.h) and anomaly mode (autograd/anomaly.h).
#include "train/supervised.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "autograd/anomaly.h"
#include "ops/loss.h"
#include "ops/ops.h"
#include "optim/clip.h"
#include "optim/proximal.h"
#include "support/throw.h"
#include "tensor/finite.h"
#include "train/tbptt.h"

GRADLAB_BEGIN

SupervisedTrainer::SupervisedTrainer(std::shared_ptr<Layer> model, std::unique_ptr<Optimizer> optimizer,
                                     std::unique_ptr<Schedule> schedule, Objective objective, TrainConfig config, Tensor x_train,
                                     Tensor y_train)
    : model_(std::move(model)),
      optimizer_(std::move(optimizer)),
      schedule_(std::move(schedule)),
      objective_(std::move(objective)),
      config_(config),
      x_(std::move(x_train)),
      y_(std::move(y_train)),
      batcher_(x_.defined() && x_.rank() > 0 ? std::max<std::int64_t>(x_.dim(0), 1) : 1, config.batch_size, config.seed) {
  if (!x_.defined() || x_.rank() == 0 || x_.dim(0) == 0) throw_invalid_argument("training data is empty");
  if (!y_.defined() || y_.rank() == 0 || y_.dim(0) != x_.dim(0))
    throw_invalid_argument("inputs " + to_string(x_.shape()) + " and targets " + to_string(y_.shape()) +
                           " need the same number of examples");
  if (config_.tbptt < 0)
    throw_invalid_argument("tbptt = " + std::to_string(config_.tbptt) +
                           " (allowed: 0 for off, or a chunk length >= 1)");
  if (config_.tbptt > 0) {
    TruncatedBptt::check_data(x_, y_);
    if (objective_.type == "output" || objective_.reduction == "none" || objective_.seed.defined())
      throw_invalid_argument(
          "truncated BPTT (tbptt) needs a loss that is one number per chunk (reduction mean or sum), "
          "got type '" +
          objective_.type + "' with reduction '" + objective_.reduction + "'");
    tbptt_ = std::make_unique<TruncatedBptt>(*model_, config_.tbptt);
  }
}

SupervisedTrainer::~SupervisedTrainer() = default;

const TbpttChunk* SupervisedTrainer::tbptt_chunk() const { return tbptt_ ? &tbptt_->current() : nullptr; }

// The one number that is differentiated: the (seeded) loss plus the penalties; with
// proximal L1 the l1 term is left to the soft-threshold after the step (update()).
Var SupervisedTrainer::penalized(const Var& loss) const {
  Var total = objective_.scalar(loss);
  const bool l1_in_loss = config_.l1 > 0 && !config_.l1_proximal;
  if (l1_in_loss || config_.l2 > 0) {
    std::vector<Var> weights;
    for (auto& [name, p] : model_->named_parameters()) weights.push_back(p);
    if (l1_in_loss) total = total + l1_penalty(weights) * config_.l1;
    if (config_.l2 > 0) total = total + l2_penalty(weights) * config_.l2;
  }
  return total;
}

// l1 * sum|w| when proximal L1 leaves it out of the differentiated objective, else 0.
double SupervisedTrainer::proximal_l1_term() const {
  if (!(config_.l1 > 0 && config_.l1_proximal)) return 0;
  double s = 0;
  for (const auto& [name, p] : model_->named_parameters())
    for (std::int64_t i = 0; i < p.value().numel(); ++i) s += std::fabs(static_cast<double>(p.value()[i]));
  return config_.l1 * s;
}

SupervisedTrainer::Pass SupervisedTrainer::forward_backward(const Tensor& x, const Tensor& y, bool input_grad) {
  Pass pass;
  pass.inputs = Var(x, input_grad);
  model_->zero_grad();
  pass.output = model_->forward(pass.inputs);
  pass.loss = objective_.loss(pass.output, y);
  const Var total = penalized(pass.loss);
  pass.objective = total.numel() == 1 ? static_cast<double>(total.item()) + proximal_l1_term() : std::nan("");
  total.backward();
  return pass;
}

SupervisedTrainer::Forward SupervisedTrainer::run_forward(const Tensor& x, const Tensor& y) {
  Forward f;
  f.output = tbptt_ ? tbptt_->forward(tbptt_->current()) : model_->forward(Var(x));
  f.loss = objective_.loss(f.output, y);
  f.total = penalized(f.loss);
  return f;
}

void SupervisedTrainer::diagnose(const Tensor& x, const Tensor& y, const NonFiniteError& fallback) {
  const std::int64_t step = fallback.step();
  try {
    AnomalyModeGuard anomaly;
    model_->zero_grad();
    Forward f = run_forward(x, y);
    f.total.backward();
  } catch (const NonFiniteOpError& e) {
    model_->zero_grad();
    const std::string where = e.propagated() && !e.source().empty() ? e.source() : e.op();
    std::string what = e.what();
    if (what.rfind("anomaly: ", 0) == 0) what = what.substr(9);
    throw_non_finite(step, where,
                     "step " + std::to_string(step) +
                         ": a value became non-finite; replayed in anomaly mode, the "
                         "first to go bad: " +
                         what + ". Nothing was updated. Try a smaller learning rate or gradient clipping.",
                     e.op());
  }
  model_->zero_grad();
  throw fallback;  // the replay stayed finite (e.g. other dropout masks): report what the step saw
}

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

void SupervisedTrainer::update(std::int64_t step) {
  auto params = model_->named_parameters();
  std::vector<Tensor> before;
  before.reserve(params.size());
  for (const auto& [name, p] : params) before.push_back(p.value().clone());
  const NamedTensors optimizer_before = optimizer_->state();
  optimizer_->step();
  if (config_.l1 > 0 && config_.l1_proximal) soft_threshold(model_->parameters(), optimizer_->lr() * config_.l1);
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::string& name = params[k].first;
    const Var& p = params[k].second;
    const Tensor& v = p.value();
    if (const std::int64_t i = first_non_finite(v); i >= 0) {
      const std::string detail = "element " + std::to_string(i) + " went from " + number(before[k][i]) + " to " +
                                 number(v[i]) + " with gradient " + number(p.has_grad() ? p.grad()[i] : 0) +
                                 " and learning rate " + number(optimizer_->lr());
      for (std::size_t j = 0; j < params.size(); ++j) {
        Tensor& dst = params[j].second.mutable_value();
        std::copy(before[j].data(), before[j].data() + before[j].numel(), dst.data());
      }
      optimizer_->load_state(optimizer_before);
      throw_non_finite(step, name,
                       "step " + std::to_string(step) + ": the update made parameter '" + name + "' non-finite (" +
                           detail +
                           "); it was undone and nothing was updated. Try a smaller learning rate or "
                           "gradient clipping.");
    }
  }
}

StepMetrics SupervisedTrainer::step() {
  StepMetrics m;
  m.step = step_ + 1;
  m.lr = schedule_ ? schedule_->lr_at(step_) : optimizer_->lr();
  optimizer_->set_lr(m.lr);
  model_->train(true);
  Tensor x, y;
  if (tbptt_) {
    const TbpttChunk& chunk = tbptt_->next_chunk(batcher_, x_, y_);
    x = chunk.x;
    y = chunk.y;
    m.chunk_start = chunk.start;
    m.chunk_steps = chunk.length;
  } else {
    Batch batch = batcher_.next(x_, y_);
    x = batch.x;
    y = batch.y;
  }
  // Buffers (batch-norm running statistics) change in the forward: keep them to undo a bad step.
  auto buffers = model_->named_buffers();
  std::vector<Tensor> buffers_before;
  for (const auto& [name, b] : buffers) buffers_before.push_back(b.clone());
  auto restore_buffers = [&] {
    for (std::size_t k = 0; k < buffers.size(); ++k)
      std::copy(buffers_before[k].data(), buffers_before[k].data() + buffers_before[k].numel(), buffers[k].second.data());
  };
  try {
    model_->zero_grad();
    Forward f = run_forward(x, y);
    m.loss = f.loss.numel() == 1 ? static_cast<double>(f.loss.item()) : std::nan("");
    m.objective = f.total.numel() == 1 ? static_cast<double>(f.total.item()) + proximal_l1_term() : m.loss;
    if (f.loss.numel() == 1 && !std::isfinite(m.loss)) {
      restore_buffers();
      diagnose(x, y, NonFiniteError(m.step, "loss", "step " + std::to_string(m.step) + ": the loss became " + number(m.loss) +
                                                        " (not finite); nothing was updated. Try a smaller learning rate or gradient clipping."));
    }
    f.total.backward();
    for (auto& [name, p] : model_->named_parameters()) {
      if (!p.has_grad()) continue;
      const Tensor& g = p.grad();
      if (const std::int64_t i = first_non_finite(g); i >= 0) {
        restore_buffers();
        diagnose(x, y, NonFiniteError(m.step, name, "step " + std::to_string(m.step) + ": the gradient of parameter '" + name +
                                                        "' is not finite (element " + std::to_string(i) + " = " + number(g[i]) +
                                                        "); nothing was updated. Try a smaller learning rate or gradient clipping."));
      }
    }
    const auto params = model_->parameters();
    m.grad_norm = grad_norm(params);
    if (config_.clip_grad_norm > 0) clip_grad_norm(params, config_.clip_grad_norm);
    if (config_.clip_grad_value > 0) clip_grad_value(params, config_.clip_grad_value);
    m.grad_norm_after = config_.clip_grad_norm > 0 || config_.clip_grad_value > 0 ? grad_norm(params) : m.grad_norm;
    m.clipped = m.grad_norm_after < m.grad_norm;
    m.accuracy = objective_.accuracy(f.output.value(), y);
    update(m.step);
  } catch (const NonFiniteError&) {
    restore_buffers();
    if (tbptt_) tbptt_->reset();  // start the next step on fresh sequences
    throw;
  }
  if (tbptt_) tbptt_->commit();
  step_ = m.step;
  return m;
}

EvalMetrics SupervisedTrainer::evaluate(const Tensor& x, const Tensor& y) {
  EvalMetrics e;
  if (!x.defined() || x.rank() == 0 || x.dim(0) == 0) return e;
  NoGradGuard no_grad;
  model_->train(false);
  Var out = model_->forward(Var(x));
  Var loss = objective_.loss(out, y);
  model_->train(true);
  e.n = x.dim(0);
  e.loss = loss.numel() == 1 ? static_cast<double>(loss.item()) : std::nan("");
  e.accuracy = objective_.accuracy(out.value(), y);
  return e;
}

GRADLAB_END
