#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

GRADLAB_BEGIN

double GradCheckResult::worst_rel_error() const {
  double worst = 0;
  for (const auto& e : entries) worst = std::max(worst, e.max_rel_error);
  return worst;
}

GradCheckResult gradcheck(const std::function<Var()>& loss, std::vector<Var> inputs, GradCheckOptions options) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].is_leaf() || !inputs[i].requires_grad())
      throw std::invalid_argument("gradcheck: input " + std::to_string(i) + " must be a leaf with requires_grad");
    inputs[i].zero_grad();
  }
  loss().backward();

  GradCheckResult result;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Var& x = inputs[i];
    GradCheckEntry e;
    e.name = x.name().empty() ? "input " + std::to_string(i) : x.name();
    e.shape = x.shape();
    const Tensor analytic = x.has_grad() ? x.grad() : Tensor::zeros(x.shape());
    Tensor& value = x.mutable_value();
    double max_analytic = 0;
    for (std::int64_t k = 0; k < value.numel(); ++k) {
      const Scalar saved = value[k];
      double numeric = 0;
      {
        // Grad mode stays on: a loss may itself call grad() (a gradient penalty).
        value[k] = static_cast<Scalar>(saved + options.eps);
        const double up = loss().item();
        value[k] = static_cast<Scalar>(saved - options.eps);
        const double down = loss().item();
        numeric = (up - down) / (2 * options.eps);
      }
      value[k] = saved;
      const double a = analytic[k];
      const double err = std::fabs(a - numeric);
      if (err > e.max_abs_error || std::isnan(err)) {
        e.max_abs_error = std::isnan(err) ? INFINITY : err;
        e.worst_index = k;
      }
      e.max_abs_grad = std::max(e.max_abs_grad, std::fabs(numeric));
      max_analytic = std::max(max_analytic, std::fabs(a));
    }
    e.max_rel_error = e.max_abs_error / std::max({e.max_abs_grad, max_analytic, 1e-8});
    e.ok = e.max_rel_error <= options.tolerance;
    result.ok = result.ok && e.ok;
    result.entries.push_back(std::move(e));
  }
  return result;
}

GRADLAB_END
