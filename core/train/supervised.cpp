#include "train/supervised.h"

#include <cmath>

#include "ops/loss.h"
#include "ops/ops.h"
#include "optim/clip.h"

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
  if (!x_.defined() || x_.rank() == 0 || x_.dim(0) == 0) throw std::invalid_argument("training data is empty");
  if (!y_.defined() || y_.rank() == 0 || y_.dim(0) != x_.dim(0))
    throw std::invalid_argument("inputs " + to_string(x_.shape()) + " and targets " + to_string(y_.shape()) +
                                " need the same number of examples");
}

Var SupervisedTrainer::penalized(const Var& loss) const {
  Var total = loss;
  if (config_.l1 > 0 || config_.l2 > 0) {
    std::vector<Var> weights;
    for (auto& [name, p] : model_->named_parameters()) weights.push_back(p);
    if (config_.l1 > 0) total = total + l1_penalty(weights) * config_.l1;
    if (config_.l2 > 0) total = total + l2_penalty(weights) * config_.l2;
  }
  return total;
}

SupervisedTrainer::Pass SupervisedTrainer::forward_backward(const Tensor& x, const Tensor& y, bool input_grad) {
  Pass pass;
  pass.inputs = Var(x, input_grad);
  model_->zero_grad();
  pass.output = model_->forward(pass.inputs);
  pass.loss = objective_.loss(pass.output, y);
  objective_.backward(penalized(pass.loss));
  return pass;
}

StepMetrics SupervisedTrainer::step() {
  StepMetrics m;
  m.step = step_ + 1;
  m.lr = schedule_ ? schedule_->lr_at(step_) : optimizer_->lr();
  optimizer_->set_lr(m.lr);
  model_->train(true);
  Batch batch = batcher_.next(x_, y_);
  const Tensor& x = batch.x;
  const Tensor& y = batch.y;
  model_->zero_grad();
  Var out = model_->forward(Var(x));
  Var loss = objective_.loss(out, y);
  Var total = penalized(loss);
  m.loss = loss.numel() == 1 ? static_cast<double>(loss.item()) : std::nan("");
  m.objective = total.numel() == 1 ? static_cast<double>(total.item()) : m.loss;
  if (loss.numel() == 1 && !std::isfinite(m.loss))
    throw NonFiniteError(m.step, "loss", "step " + std::to_string(m.step) + ": the loss became " + std::to_string(m.loss) +
                                             " (not finite); nothing was updated. Try a smaller learning rate or gradient clipping.");
  objective_.backward(total);
  for (auto& [name, p] : model_->named_parameters()) {
    if (!p.has_grad()) continue;
    const Tensor& g = p.grad();
    for (std::int64_t i = 0; i < g.numel(); ++i)
      if (!std::isfinite(g[i]))
        throw NonFiniteError(m.step, name, "step " + std::to_string(m.step) + ": the gradient of parameter '" + name +
                                               "' is not finite (element " + std::to_string(i) + " = " + std::to_string(g[i]) +
                                               "); nothing was updated. Try a smaller learning rate or gradient clipping.");
  }
  const auto params = model_->parameters();
  m.grad_norm = grad_norm(params);
  if (config_.clip_grad_norm > 0) clip_grad_norm(params, config_.clip_grad_norm);
  if (config_.clip_grad_value > 0) clip_grad_value(params, config_.clip_grad_value);
  m.grad_norm_after = config_.clip_grad_norm > 0 || config_.clip_grad_value > 0 ? grad_norm(params) : m.grad_norm;
  m.clipped = m.grad_norm_after < m.grad_norm;
  m.accuracy = objective_.accuracy(out.value(), y);
  optimizer_->step();
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
