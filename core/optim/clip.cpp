// Gradient clipping: global norms in double, scaling and clamping through Var::set_grad.
#include "optim/clip.h"
#include "support/throw.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

GRADLAB_BEGIN

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<Var> vars_of(const NamedParams& params) {
  std::vector<Var> out;
  out.reserve(params.size());
  for (const auto& [name, v] : params) out.push_back(v);
  return out;
}

void check(const char* fn, const char* what, double v, double lo, bool lo_open) {
  if (!detail::in_interval(v, lo, kInf, lo_open, false))
    throw_invalid_argument(std::string(fn) + ": " + what + " = " + detail::format_number(v) + " is outside " +
                           detail::format_interval(lo, kInf, lo_open, false));
}

}  // namespace

double grad_norm(const std::vector<Var>& params, double norm_type) {
  check("grad_norm", "norm_type", norm_type, 0, true);
  const bool inf_norm = std::isinf(norm_type);
  double acc = 0;
  for (const Var& p : params) {
    if (!p.has_grad()) continue;
    const Tensor& g = p.grad();
    for (std::int64_t i = 0; i < g.numel(); ++i) {
      const double a = std::abs(static_cast<double>(g[i]));
      if (inf_norm)
        acc = std::isnan(a) || std::isnan(acc) ? std::nan("") : std::max(acc, a);
      else if (norm_type == 2)
        acc += a * a;
      else if (norm_type == 1)
        acc += a;
      else
        acc += std::pow(a, norm_type);
    }
  }
  if (inf_norm || norm_type == 1) return acc;
  return norm_type == 2 ? std::sqrt(acc) : std::pow(acc, 1 / norm_type);
}

double clip_grad_norm(const std::vector<Var>& params, double max_norm, double norm_type) {
  check("clip_grad_norm", "max_norm", max_norm, 0, false);
  check("clip_grad_norm", "norm_type", norm_type, 0, true);
  const double total = grad_norm(params, norm_type);
  if (!std::isfinite(total)) return total;
  const double coef = max_norm / (total + 1e-6);
  if (!(coef < 1)) return total;
  const Scalar c = static_cast<Scalar>(coef);
  for (const Var& p : params) {
    if (!p.has_grad()) continue;
    Tensor g = p.grad().clone();
    for (std::int64_t i = 0; i < g.numel(); ++i) g[i] = g[i] * c;
    Var(p).set_grad(std::move(g));
  }
  return total;
}

double clip_grad_value(const std::vector<Var>& params, double clip) {
  check("clip_grad_value", "clip", clip, 0, false);
  const double total = grad_norm(params, 2);
  const Scalar hi = static_cast<Scalar>(clip), lo = -hi;
  for (const Var& p : params) {
    if (!p.has_grad()) continue;
    Tensor g = p.grad().clone();
    // Written out rather than std::clamp so a NaN element stays NaN, as torch.clamp.
    for (std::int64_t i = 0; i < g.numel(); ++i) g[i] = g[i] < lo ? lo : (g[i] > hi ? hi : g[i]);
    Var(p).set_grad(std::move(g));
  }
  return total;
}

double clip_grad_norm(const NamedParams& params, double max_norm, double norm_type) {
  return clip_grad_norm(vars_of(params), max_norm, norm_type);
}
double clip_grad_value(const NamedParams& params, double clip) { return clip_grad_value(vars_of(params), clip); }

GRADLAB_END
