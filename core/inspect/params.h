// Parameter statistics: per named parameter, summary numbers and a fixed-bin histogram of
// its value and of its gradient, for weight/gradient panels ("are gradients vanishing in
// layer 0?", "did the weights blow up?").
//
//   auto stats = parameter_stats(*net, {.value = {.bins = 30}, .grad = {.bins = 30}});
//   stats[0].name;             // "layers.0.weight"
//   stats[0].grad.norm;        // ||dL/dW||_2 after the latest backward
//   nlohmann::json j = to_json(stats);
//
// A Session's "params" snapshot passes the gradients of its own forward/backward on the
// grad batch (the overload taking `gradients`), so a fresh model reports real ones.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

GRADLAB_BEGIN

// Equal-width bins over [lo, hi]: bin k holds lo + k w <= v < lo + (k+1) w, w = (hi - lo) / bins,
// the last bin also holds v == hi. Values outside [lo, hi] (possible only with a given
// range) are counted in `below` / `above`; NaN and infinities are left out of the bins.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<std::int64_t> counts;  // `bins` of them
  std::int64_t below = 0, above = 0;
  std::vector<double> edges() const;  // bins + 1 values, lo .. hi
};

struct HistogramOptions {
  int bins = 20;  // 1 .. 10000
  // A fixed range [lo, hi] (lo < hi, both finite), so histograms of successive steps line
  // up. Without it the range is the data's [min, max]; when every value is the same v the
  // range is [v - 0.5, v + 0.5] (a single spike in the middle bin), and with no finite value
  // at all it is [0, 1] with empty bins.
  std::optional<std::pair<double, double>> range = std::nullopt;
};

// Summary of one tensor's finite values (non-finite ones are counted apart, not folded in:
// a NaN gradient should be visible, not turn every number into NaN). With no finite
// value min, max and mean are NaN (null in JSON) and norm is 0.
struct TensorStats {
  std::int64_t count = 0;       // finite values summarised
  std::int64_t non_finite = 0;  // NaN or +-inf
  double norm = 0;              // sqrt(sum v^2)
  double min = 0, max = 0, mean = 0;
  double std = 0;  // population standard deviation
  Histogram histogram;
};

// |w| below this counts as "small" in ParameterStats::small_fraction. A fixed threshold so
// that runs compare; plain (subgradient) L1 leaves weights jittering near 0 rather than at
// it, so exact zeros alone would undercount the sparsity it brings.
inline constexpr double kSmallWeight = 1e-3;

struct ParameterStats {
  std::string name;  // dotted state_dict name
  Shape shape;
  TensorStats value;
  // Fractions of all elements with |w| < kSmallWeight and with w == 0 exactly (the L1
  // sparsity question; a proximal L1 step makes exact zeros). 0 for an empty parameter.
  double small_fraction = 0, zero_fraction = 0;
  bool has_grad = false;  // false before a backward reached it (grad is then all zeros)
  TensorStats grad;
};

struct ParameterStatsOptions {
  HistogramOptions value{}, grad{};
};

// Throws std::invalid_argument for bins outside 1..10000 or a bad range.
Histogram histogram(const Tensor& t, const HistogramOptions& options = {});
TensorStats tensor_stats(const Tensor& t, const HistogramOptions& options = {});

std::vector<ParameterStats> parameter_stats(const Module& module, const ParameterStatsOptions& options = {});
// With the gradients given by name (a forward/backward's, copied out before zero_grad):
// those are reported instead of the Vars' .grad; a parameter missing from `gradients` has
// has_grad false. A gradient whose shape differs from its parameter's throws
// std::invalid_argument naming the parameter.
std::vector<ParameterStats> parameter_stats(const Module& module,
                                            const std::vector<std::pair<std::string, Tensor>>& gradients,
                                            const ParameterStatsOptions& options = {});
// For parameters gathered from several modules (a GAN's generator and critic).
std::vector<ParameterStats> parameter_stats(const std::vector<std::pair<std::string, Var>>& params,
                                            const ParameterStatsOptions& options = {});

nlohmann::json to_json(const Histogram& h);
nlohmann::json to_json(const TensorStats& s);
nlohmann::json to_json(const ParameterStats& p);
nlohmann::json to_json(const std::vector<ParameterStats>& ps);  // an array, in parameter order

GRADLAB_END
