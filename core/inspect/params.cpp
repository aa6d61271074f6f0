#include "inspect/params.h"
#include "support/throw.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

GRADLAB_BEGIN

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_options(const HistogramOptions& o) {
  if (o.bins < 1 || o.bins > 10000)
    throw_invalid_argument("histogram: bins = " + std::to_string(o.bins) + " is outside the allowed 1..10000");
  if (o.range) {
    const auto [lo, hi] = *o.range;
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
      throw_invalid_argument("histogram: range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                             "] is not allowed; it needs finite lo < hi");
  }
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

std::vector<double> Histogram::edges() const {
  std::vector<double> e(counts.size() + 1);
  const double n = static_cast<double>(counts.size());
  for (std::size_t k = 0; k < e.size(); ++k) e[k] = lo + (hi - lo) * (static_cast<double>(k) / n);
  if (!e.empty()) e.back() = hi;
  return e;
}

Histogram histogram(const Tensor& t, const HistogramOptions& options) {
  check_options(options);
  Histogram h;
  h.counts.assign(static_cast<std::size_t>(options.bins), 0);
  if (options.range) {
    h.lo = options.range->first;
    h.hi = options.range->second;
  } else {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const double v = t[i];
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (lo > hi)
      lo = 0, hi = 1;  // no finite value
    else if (lo == hi)
      lo -= 0.5, hi += 0.5;  // one value: a spike in the middle
    h.lo = lo;
    h.hi = hi;
  }
  const double width = (h.hi - h.lo) / options.bins;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = t[i];
    if (!std::isfinite(v)) continue;
    if (v < h.lo) {
      ++h.below;
    } else if (v > h.hi) {
      ++h.above;
    } else {
      auto k = static_cast<std::int64_t>(std::floor((v - h.lo) / width));
      k = std::clamp<std::int64_t>(k, 0, options.bins - 1);  // v == hi, and rounding at edges
      ++h.counts[static_cast<std::size_t>(k)];
    }
  }
  return h;
}

TensorStats tensor_stats(const Tensor& t, const HistogramOptions& options) {
  TensorStats s;
  double sum = 0, sum_sq = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = t[i];
    if (!std::isfinite(v)) {
      ++s.non_finite;
      continue;
    }
    ++s.count;
    sum += v;
    sum_sq += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  s.norm = std::sqrt(sum_sq);
  if (s.count == 0) {
    s.min = s.max = s.mean = s.std = kNaN;
  } else {
    const double n = static_cast<double>(s.count);
    s.min = lo;
    s.max = hi;
    s.mean = sum / n;
    double sq_dev = 0;  // a second pass: sum_sq / n - mean^2 cancels badly
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const double v = t[i];
      if (std::isfinite(v)) sq_dev += (v - s.mean) * (v - s.mean);
    }
    s.std = std::sqrt(sq_dev / n);
  }
  s.histogram = histogram(t, options);
  return s;
}

namespace {
// `grad` undefined: no backward reached the parameter.
ParameterStats stats_of(const std::string& name, const Var& var, const Tensor& grad, const ParameterStatsOptions& options) {
  ParameterStats p;
  p.name = name;
  p.shape = var.shape();
  const Tensor& v = var.value();
  p.value = tensor_stats(v, options.value);
  std::int64_t small = 0, zero = 0;
  for (std::int64_t i = 0; i < v.numel(); ++i) {
    small += std::abs(static_cast<double>(v[i])) < kSmallWeight;  // NaN compares false: not small
    zero += v[i] == 0;
  }
  if (v.numel() > 0) {
    p.small_fraction = static_cast<double>(small) / static_cast<double>(v.numel());
    p.zero_fraction = static_cast<double>(zero) / static_cast<double>(v.numel());
  }
  p.has_grad = grad.defined();
  p.grad = tensor_stats(p.has_grad ? grad : Tensor::zeros(var.shape()), options.grad);
  return p;
}
}  // namespace

std::vector<ParameterStats> parameter_stats(const std::vector<std::pair<std::string, Var>>& params,
                                            const ParameterStatsOptions& options) {
  check_options(options.value);
  check_options(options.grad);
  std::vector<ParameterStats> out;
  out.reserve(params.size());
  for (const auto& [name, var] : params) out.push_back(stats_of(name, var, var.has_grad() ? var.grad() : Tensor(), options));
  return out;
}

std::vector<ParameterStats> parameter_stats(const Module& module, const ParameterStatsOptions& options) {
  return parameter_stats(module.named_parameters(), options);
}

std::vector<ParameterStats> parameter_stats(const Module& module,
                                            const std::vector<std::pair<std::string, Tensor>>& gradients,
                                            const ParameterStatsOptions& options) {
  check_options(options.value);
  check_options(options.grad);
  std::vector<ParameterStats> out;
  for (const auto& [name, var] : module.named_parameters()) {
    // clang 14 (emscripten's) cannot capture a structured binding: compare through a reference
    const std::string& wanted = name;
    const auto it = std::find_if(gradients.begin(), gradients.end(), [&](const auto& g) { return g.first == wanted; });
    Tensor grad;
    if (it != gradients.end()) {
      grad = it->second;
      if (grad.shape() != var.shape())
        throw_invalid_argument("parameter_stats: the gradient given for '" + name + "' has shape " +
                               to_string(grad.shape()) + ", the parameter " + to_string(var.shape()));
    }
    out.push_back(stats_of(name, var, grad, options));
  }
  return out;
}

nlohmann::json to_json(const Histogram& h) {
  nlohmann::json o;
  o["lo"] = h.lo;
  o["hi"] = h.hi;
  o["counts"] = h.counts;
  o["edges"] = h.edges();
  o["below"] = h.below;
  o["above"] = h.above;
  return o;
}

nlohmann::json to_json(const TensorStats& s) {
  nlohmann::json o;
  o["count"] = s.count;
  o["non_finite"] = s.non_finite;
  o["norm"] = number(s.norm);
  o["min"] = number(s.min);
  o["max"] = number(s.max);
  o["mean"] = number(s.mean);
  o["std"] = number(s.std);
  o["histogram"] = to_json(s.histogram);
  return o;
}

nlohmann::json to_json(const ParameterStats& p) {
  nlohmann::json o;
  o["name"] = p.name;
  o["shape"] = p.shape;
  o["value"] = to_json(p.value);
  o["small_fraction"] = p.small_fraction;
  o["small_eps"] = kSmallWeight;
  o["zero_fraction"] = p.zero_fraction;
  o["has_grad"] = p.has_grad;
  o["grad"] = to_json(p.grad);
  return o;
}

nlohmann::json to_json(const std::vector<ParameterStats>& ps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : ps) out.push_back(to_json(p));
  return out;
}

GRADLAB_END
