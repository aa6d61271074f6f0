// The loss_surface snapshot: for a model with exactly two scalar parameters, the training
// loss over a grid of their values, with the path gradient descent has taken through it
// (the values at step 0 and after every step). It is what the optimisation lessons draw as
// contours with the optimiser's path on top.
#include <algorithm>
#include <cmath>

#include "session/supervised_runner.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

// The model's scalar entries in model order: (parameter name, flat index, pointer).
struct Entry {
  std::string name;
  std::int64_t index;
  Scalar* value;
};

std::vector<Entry> scalar_entries(const Module& model) {
  std::vector<Entry> out;
  for (const auto& [name, var] : model.named_parameters()) {
    Tensor& t = const_cast<Var&>(var).mutable_value();
    for (std::int64_t i = 0; i < t.numel(); ++i) out.push_back({name, i, t.data() + i});
  }
  return out;
}

// Sign changes between successive moves along one axis: a zig-zag count. Moves below
// 1e-4 of the path's extent on that axis are ignored: near the minimum, float rounding
// jitters the last digits back and forth, which is not a zig-zag anyone can see.
std::int64_t direction_changes(const std::vector<double>& xs) {
  const double extent = *std::max_element(xs.begin(), xs.end()) - *std::min_element(xs.begin(), xs.end());
  std::int64_t changes = 0;
  int last = 0;
  for (std::size_t i = 1; i < xs.size(); ++i) {
    const double d = xs[i] - xs[i - 1];
    const int sign = std::fabs(d) <= 1e-4 * extent ? 0 : d > 0 ? 1 : -1;
    if (sign != 0 && last != 0 && sign != last) ++changes;
    if (sign != 0) last = sign;
  }
  return changes;
}

// [lo, hi] covering `values` with a margin (at least +-0.5 around a single point).
std::pair<double, double> fitted_range(const std::vector<double>& values) {
  double lo = *std::min_element(values.begin(), values.end()), hi = *std::max_element(values.begin(), values.end());
  const double margin = std::max(0.25 * (hi - lo), 0.5);
  return {lo - margin, hi + margin};
}

}  // namespace

bool SupervisedRunner::has_two_parameters() const { return exp_->model->num_parameters() == 2; }

std::pair<double, double> SupervisedRunner::two_parameter_values() const {
  const auto entries = scalar_entries(*exp_->model);
  return {static_cast<double>(*entries[0].value), static_cast<double>(*entries[1].value)};
}

nlohmann::json SupervisedRunner::loss_surface() {
  if (!has_two_parameters())
    throw_invalid_argument("loss_surface: the model has " + std::to_string(exp_->model->num_parameters()) +
                           " parameters; the surface is drawn for models with exactly two (e.g. Linear(1, 1) or "
                           "Linear(2, 1, bias false))");
  const auto entries = scalar_entries(*exp_->model);
  const auto now = two_parameter_values();
  std::vector<std::pair<double, double>> path = path_;
  std::vector<std::int64_t> steps = path_steps_;
  if (path.empty() || path.back() != now) {  // before the first step, or after a load
    path.push_back(now);
    steps.push_back(exp_->trainer->steps_done());
  }
  std::vector<double> px, py;
  for (const auto& [a, b] : path) {
    px.push_back(a);
    py.push_back(b);
  }
  const nlohmann::json& window = exp_->spec.inspection.surface;
  auto range_of = [&](const char* axis, const std::vector<double>& values) {
    if (window.is_object() && window.contains(axis)) return std::make_pair(window[axis][0].get<double>(), window[axis][1].get<double>());
    return fitted_range(values);
  };
  const auto [x_lo, x_hi] = range_of("x", px);
  const auto [y_lo, y_hi] = range_of("y", py);
  const std::int64_t n = window.is_object() ? window.value("resolution", std::int64_t(41)) : 41;

  // The training loss at (a, b), the parameters put back afterwards whatever happens.
  const Tensor& x = exp_->data.x_train;
  const Tensor& y = exp_->data.y_train;
  struct Restore {
    const std::vector<Entry>& entries;
    std::pair<double, double> values;
    ~Restore() {
      *entries[0].value = static_cast<Scalar>(values.first);
      *entries[1].value = static_cast<Scalar>(values.second);
    }
  } restore{entries, now};
  auto loss_at = [&](double a, double b) {
    *entries[0].value = static_cast<Scalar>(a);
    *entries[1].value = static_cast<Scalar>(b);
    return exp_->trainer->evaluate(x, y).loss;
  };
  std::vector<double> xs(static_cast<std::size_t>(n)), ys(static_cast<std::size_t>(n)), grid;
  for (std::int64_t i = 0; i < n; ++i) {
    xs[static_cast<std::size_t>(i)] = x_lo + (x_hi - x_lo) * static_cast<double>(i) / static_cast<double>(n - 1);
    ys[static_cast<std::size_t>(i)] = y_lo + (y_hi - y_lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  nlohmann::json best = nullptr;
  for (double b : ys)
    for (double a : xs) {
      const double l = loss_at(a, b);
      grid.push_back(l);
      if (std::isfinite(l) && (best.is_null() || l < best["loss"].get<double>())) {
        best["x"] = a;
        best["y"] = b;
        best["loss"] = l;
      }
    }
  // The path's losses, at most 400 points evenly spaced (the last one always).
  const std::size_t stride = std::max<std::size_t>(1, (path.size() + 399) / 400);
  nlohmann::json shown;
  nlohmann::json& shown_x = shown["x"] = nlohmann::json::array();
  nlohmann::json& shown_y = shown["y"] = nlohmann::json::array();
  nlohmann::json& shown_loss = shown["loss"] = nlohmann::json::array();
  nlohmann::json& shown_step = shown["step"] = nlohmann::json::array();
  for (std::size_t i = 0; i < path.size(); i += stride) {
    const std::size_t k = i + stride >= path.size() ? path.size() - 1 : i;
    shown_x.push_back(px[k]);
    shown_y.push_back(py[k]);
    shown_loss.push_back(number_or_null(loss_at(px[k], py[k])));
    shown_step.push_back(steps[k]);
    if (k == path.size() - 1) break;
  }
  auto label = [](const Entry& e, const Module& m) {
    for (const auto& [name, var] : m.named_parameters())
      if (name == e.name) return var.value().numel() == 1 ? e.name : e.name + "[" + std::to_string(e.index) + "]";
    return e.name;
  };
  nlohmann::json o;
  nlohmann::json& names = o["parameters"];
  names.push_back(label(entries[0], *exp_->model));
  names.push_back(label(entries[1], *exp_->model));
  o["x"] = xs;
  o["y"] = ys;
  nlohmann::json& loss = o["loss"];  // row j is y = ys[j], column i is x = xs[i]
  loss["shape"] = Shape{n, n};
  loss["data"] = grid;
  o["grid_min"] = best;
  o["path"] = std::move(shown);
  o["path_points"] = path.size();
  nlohmann::json& changes = o["direction_changes"];
  changes.push_back(direction_changes(px));
  changes.push_back(direction_changes(py));
  return o;
}

GRADLAB_END
