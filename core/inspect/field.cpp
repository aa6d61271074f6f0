#include "inspect/field.h"
#include "tensor/strings.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "inspect/json.h"
#include "ops/ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

constexpr std::int64_t kChunk = 4096;

void check_grid(const GridSpec& g, const char* who) {
  auto bad_range = [](double lo, double hi) { return !std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi); };
  if (bad_range(g.x_min, g.x_max) || bad_range(g.y_min, g.y_max))
    throw_invalid_argument(std::string(who) + ": the rectangle x [" + std::to_string(g.x_min) + ", " +
                           std::to_string(g.x_max) + "], y [" + std::to_string(g.y_min) + ", " +
                           std::to_string(g.y_max) + "] is not allowed; each needs finite min < max");
  if (g.nx < 2 || g.nx > 2048 || g.ny < 2 || g.ny > 2048)
    throw_invalid_argument(std::string(who) + ": resolution nx = " + std::to_string(g.nx) +
                           ", ny = " + std::to_string(g.ny) + " is not allowed (each 2..2048)");
}

void check_output(const std::string& output, const char* who) {
  const auto& all = field_outputs();
  if (std::find(all.begin(), all.end(), output) == all.end())
    throw_invalid_argument(std::string(who) + ": unknown output '" + output + "' (allowed: " + join(all) + ")");
}

// The model's output width for [N, 2] inputs; throws naming the shapes otherwise.
std::int64_t output_width(const Layer& model, const char* who, bool critic) {
  Shape out;
  try {
    out = model.output_shape({1, 2});
  } catch (const std::invalid_argument& e) {
    throw_invalid_argument(std::string(who) + ": the model must take 2-D points [N, 2]: " + e.what());
  }
  const bool ok = critic ? (out == Shape{1, 1} || out == Shape{1}) : (out.size() == 2 && out[0] == 1 && out[1] >= 1);
  if (!ok)
    throw_invalid_argument(std::string(who) + ": the model maps [N, 2] to " + to_string(out) +
                           " (for N = 1); expected " + (critic ? "[N, 1] or [N]" : "[N, C]"));
  return critic ? 1 : out[1];
}

// Puts the model in eval mode for the probe and back afterwards.
class EvalMode {
 public:
  explicit EvalMode(Layer& m) : m_(m), was_(m.training()) { m_.train(false); }
  ~EvalMode() { m_.train(was_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  Layer& m_;
  bool was_;
};

// Rows [begin, end) of a [N, F] tensor.
Tensor rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
  const std::int64_t F = t.dim(1);
  Tensor out({end - begin, F});
  std::copy(t.data() + begin * F, t.data() + end * F, out.data());
  return out;
}

// Raw outputs [N, C] of the model on `points` [N, 2], chunked, without a tape.
Tensor evaluate(Layer& model, const Tensor& points, std::int64_t C) {
  const std::int64_t N = points.dim(0);
  Tensor out({N, C});
  NoGradGuard no_grad;
  for (std::int64_t begin = 0; begin < N; begin += kChunk) {
    const std::int64_t end = std::min(N, begin + kChunk);
    const Tensor y = model.forward(Var(rows(points, begin, end))).value();
    std::copy(y.data(), y.data() + y.numel(), out.data() + begin * C);
  }
  return out;
}

double sigmoid_of(double v) { return v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v)); }

// Applies `output` to each row of raw [N, C] in place.
void transform(Tensor& raw, std::int64_t C, const std::string& output) {
  const std::int64_t N = raw.numel() / C;
  for (std::int64_t n = 0; n < N; ++n) {
    Scalar* row = raw.data() + n * C;
    if (output == "softmax") {
      const double top = *std::max_element(row, row + C);
      double sum = 0;
      for (std::int64_t c = 0; c < C; ++c) sum += std::exp(row[c] - top);
      for (std::int64_t c = 0; c < C; ++c) row[c] = static_cast<Scalar>(std::exp(row[c] - top) / sum);
    } else if (output == "exp") {
      for (std::int64_t c = 0; c < C; ++c) row[c] = static_cast<Scalar>(std::exp(row[c]));
    } else if (output == "sigmoid") {
      for (std::int64_t c = 0; c < C; ++c) row[c] = static_cast<Scalar>(sigmoid_of(row[c]));
    }
  }
}

}  // namespace

const std::vector<std::string>& field_outputs() {
  static const std::vector<std::string> all{"softmax", "exp", "sigmoid", "identity"};
  return all;
}

std::string field_output_for(const Objective& objective) {
  if (objective.type == "cross_entropy") return "softmax";
  if (objective.type == "nll") return "exp";
  if (objective.type == "bce_with_logits") return "sigmoid";
  return "identity";
}

Tensor grid_points(const GridSpec& g) {
  check_grid(g, "grid_points");
  Tensor p({static_cast<std::int64_t>(g.ny) * g.nx, 2});
  for (int j = 0; j < g.ny; ++j) {
    // The last point of each axis is exactly max (not min + (n-1) * step, which can round).
    const double y = j == g.ny - 1 ? g.y_max : g.y_min + (g.y_max - g.y_min) * j / (g.ny - 1);
    for (int k = 0; k < g.nx; ++k) {
      const double x = k == g.nx - 1 ? g.x_max : g.x_min + (g.x_max - g.x_min) * k / (g.nx - 1);
      const std::int64_t i = static_cast<std::int64_t>(j) * g.nx + k;
      p[2 * i] = static_cast<Scalar>(x);
      p[2 * i + 1] = static_cast<Scalar>(y);
    }
  }
  return p;
}

DecisionField decision_field(Layer& model, const GridSpec& grid, const std::string& output) {
  check_grid(grid, "decision_field");
  check_output(output, "decision_field");
  const std::int64_t C = output_width(model, "decision_field", false);
  EvalMode eval(model);
  DecisionField f;
  f.grid = grid;
  f.output = output;
  f.classification = output != "identity";
  f.channels = C;
  Tensor values = evaluate(model, grid_points(grid), C);
  transform(values, C, output);
  f.values = values.reshape({grid.ny, grid.nx, C});
  if (f.classification) {
    const std::int64_t N = static_cast<std::int64_t>(grid.ny) * grid.nx;
    f.predicted = Tensor({grid.ny, grid.nx});
    for (std::int64_t n = 0; n < N; ++n) {
      const Scalar* row = values.data() + n * C;
      f.predicted[n] =
          C == 1 ? Scalar(row[0] > Scalar(0.5) ? 1 : 0) : static_cast<Scalar>(std::max_element(row, row + C) - row);
    }
  }
  return f;
}

SampleGradients critic_gradients(Layer& critic, const Tensor& samples, const std::string& output) {
  check_output(output, "critic_gradients");
  if (output != "identity" && output != "sigmoid")
    throw_invalid_argument("critic_gradients: output '" + output +
                           "' is not for a critic (allowed: identity, sigmoid)");
  if (!samples.defined() || samples.rank() != 2 || samples.dim(1) != 2)
    throw_invalid_argument("critic_gradients: samples must be [N, 2], got " +
                           (samples.defined() ? "shape " + to_string(samples.shape()) : std::string("nothing")));
  output_width(critic, "critic_gradients", true);
  EvalMode eval(critic);
  const std::int64_t N = samples.dim(0);
  SampleGradients s;
  s.output = output;
  s.samples = samples.clone();
  s.values = Tensor({N});
  s.gradient = Tensor({N, 2});
  GradModeGuard grad_on(true);
  for (std::int64_t begin = 0; begin < N; begin += kChunk) {
    const std::int64_t end = std::min(N, begin + kChunk);
    Var x(rows(samples, begin, end), /*requires_grad=*/true);
    Var d = critic.forward(x);
    if (output == "sigmoid") d = sigmoid(d);
    const Tensor& dv = d.value();
    std::copy(dv.data(), dv.data() + dv.numel(), s.values.data() + begin);
    const Tensor dx = grad({sum(d)}, {x})[0].value();  // rows are independent: row n's part is dD(x_n)/dx_n
    std::copy(dx.data(), dx.data() + dx.numel(), s.gradient.data() + 2 * begin);
  }
  return s;
}

CriticField critic_field(Layer& critic, const GridSpec& grid, const std::string& output, bool with_gradient) {
  check_grid(grid, "critic_field");
  check_output(output, "critic_field");
  if (output != "identity" && output != "sigmoid")
    throw_invalid_argument("critic_field: output '" + output +
                           "' is not for a critic (allowed: identity, sigmoid)");
  output_width(critic, "critic_field", true);
  CriticField f;
  f.grid = grid;
  f.output = output;
  const Tensor points = grid_points(grid);
  if (with_gradient) {
    SampleGradients s = critic_gradients(critic, points, output);
    f.values = s.values.reshape({grid.ny, grid.nx});
    f.gradient = s.gradient.reshape({grid.ny, grid.nx, 2});
  } else {
    EvalMode eval(critic);
    Tensor values = evaluate(critic, points, 1);
    transform(values, 1, output);
    f.values = values.reshape({grid.ny, grid.nx});
  }
  return f;
}

nlohmann::json to_json(const GridSpec& g) {
  nlohmann::json o;
  o["x_min"] = g.x_min;
  o["x_max"] = g.x_max;
  o["y_min"] = g.y_min;
  o["y_max"] = g.y_max;
  o["nx"] = g.nx;
  o["ny"] = g.ny;
  return o;
}

nlohmann::json to_json(const DecisionField& f) {
  nlohmann::json o;
  o["grid"] = to_json(f.grid);
  o["output"] = f.output;
  o["classification"] = f.classification;
  o["channels"] = f.channels;
  o["values"] = tensor_json(f.values);
  o["predicted"] = tensor_json(f.predicted);
  return o;
}

nlohmann::json to_json(const CriticField& f) {
  nlohmann::json o;
  o["grid"] = to_json(f.grid);
  o["output"] = f.output;
  o["values"] = tensor_json(f.values);
  o["gradient"] = tensor_json(f.gradient);
  return o;
}

nlohmann::json to_json(const SampleGradients& s) {
  nlohmann::json o;
  o["output"] = s.output;
  o["samples"] = tensor_json(s.samples);
  o["values"] = tensor_json(s.values);
  o["gradient"] = tensor_json(s.gradient);
  return o;
}

GRADLAB_END
