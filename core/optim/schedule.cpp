// Learning-rate schedules: validation and closed forms.
#include "optim/schedule.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "optim/optimizer.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

Schedule::Schedule(std::string kind, double base_lr) : kind_(std::move(kind)), base_lr_(base_lr) {
  check_range("base_lr", base_lr, 0, kInf, false, true);
}

void Schedule::check_range(const std::string& what, double value, double lo, double hi, bool lo_open,
                           bool hi_open) const {
  if (!detail::in_interval(value, lo, hi, lo_open, hi_open))
    throw_invalid_argument(kind_ + ": " + what + " = " + detail::format_number(value) + " is outside " +
                           detail::format_interval(lo, hi, lo_open, hi_open));
}

void Schedule::check_step(std::int64_t step) const {
  if (step < 0) throw_invalid_argument(kind_ + ": step = " + std::to_string(step) + " is negative");
}

ConstantLR::ConstantLR(double base_lr) : Schedule("ConstantLR", base_lr) {}

double ConstantLR::lr_at(std::int64_t step) const {
  check_step(step);
  return base_lr();
}

StepLR::StepLR(double base_lr, std::int64_t step_size, double gamma)
    : Schedule("StepLR", base_lr), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1)
    throw_invalid_argument("StepLR: step_size = " + std::to_string(step_size) + " is outside [1, inf)");
  check_range("gamma", gamma, 0, kInf, false, true);
}

double StepLR::lr_at(std::int64_t step) const {
  check_step(step);
  return base_lr() * std::pow(gamma_, static_cast<double>(step / step_size_));
}

ExponentialLR::ExponentialLR(double base_lr, double gamma) : Schedule("ExponentialLR", base_lr), gamma_(gamma) {
  check_range("gamma", gamma, 0, kInf, false, true);
}

double ExponentialLR::lr_at(std::int64_t step) const {
  check_step(step);
  return base_lr() * std::pow(gamma_, static_cast<double>(step));
}

CosineAnnealingLR::CosineAnnealingLR(double base_lr, std::int64_t T_max, double eta_min)
    : Schedule("CosineAnnealingLR", base_lr), T_max_(T_max), eta_min_(eta_min) {
  if (T_max < 1)
    throw_invalid_argument("CosineAnnealingLR: T_max = " + std::to_string(T_max) + " is outside [1, inf)");
  check_range("eta_min", eta_min, 0, kInf, false, true);
}

double CosineAnnealingLR::lr_at(std::int64_t step) const {
  check_step(step);
  const double phase = std::numbers::pi * static_cast<double>(step) / static_cast<double>(T_max_);
  return eta_min_ + (base_lr() - eta_min_) * (1 + std::cos(phase)) / 2;
}

GRADLAB_END
