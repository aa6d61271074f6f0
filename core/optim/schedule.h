// Learning-rate schedules as closed forms of the step count, relative to a base lr
// (PyTorch's StepLR, ExponentialLR and CosineAnnealingLR, whose `last_epoch` is `step`).
// A schedule holds no state, so nothing about it needs saving in a checkpoint.
//
//   CosineAnnealingLR cosine(/*base_lr=*/0.1, /*T_max=*/100, /*eta_min=*/0.001);
//   opt.set_lr(cosine.lr_at(opt.steps()));   // before each opt.step()
#pragma once

#include <cstdint>
#include <string>

#include "tensor/scalar.h"

GRADLAB_BEGIN

class Schedule {
 public:
  virtual ~Schedule() = default;
  // The lr for the update that follows `step` earlier updates (step >= 0; throws
  // std::invalid_argument otherwise).
  virtual double lr_at(std::int64_t step) const = 0;
  double base_lr() const { return base_lr_; }
  const std::string& kind() const { return kind_; }

 protected:
  Schedule(std::string kind, double base_lr);  // base_lr >= 0
  void check_step(std::int64_t step) const;
  void check_range(const std::string& what, double value, double lo, double hi, bool lo_open, bool hi_open) const;

 private:
  std::string kind_;
  double base_lr_;
};

// lr = base_lr
class ConstantLR : public Schedule {
 public:
  explicit ConstantLR(double base_lr);
  double lr_at(std::int64_t step) const override;
};

// lr = base_lr * gamma^floor(step / step_size)      step_size >= 1, gamma >= 0
class StepLR : public Schedule {
 public:
  StepLR(double base_lr, std::int64_t step_size, double gamma = 0.1);
  double lr_at(std::int64_t step) const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

// lr = base_lr * gamma^step                           gamma >= 0
class ExponentialLR : public Schedule {
 public:
  ExponentialLR(double base_lr, double gamma);
  double lr_at(std::int64_t step) const override;

 private:
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi step / T_max)) / 2     T_max >= 1
// Past T_max the cosine carries on (back up to base_lr at 2 T_max), as PyTorch's.
class CosineAnnealingLR : public Schedule {
 public:
  CosineAnnealingLR(double base_lr, std::int64_t T_max, double eta_min = 0);
  double lr_at(std::int64_t step) const override;

 private:
  std::int64_t T_max_;
  double eta_min_;
};

GRADLAB_END
