// The five optimizers' validation and update loops. Each loop follows PyTorch's
// single-tensor implementation operation by operation (same order, hyper-parameters
// rounded to Scalar where PyTorch rounds them to the tensor's dtype), so the float build
// stays close to PyTorch's float32 numbers and the double build to its float64 ones.
#include "optim/optimizers.h"
#include "support/throw.h"

#include <cmath>
#include <limits>
#include <stdexcept>

GRADLAB_BEGIN

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// PyTorch's lerp: self + w (end - self), computed from the nearer end for large weights.
inline Scalar lerp(Scalar self, Scalar end, Scalar weight) {
  return std::abs(weight) < Scalar(0.5) ? self + weight * (end - self) : end - (end - self) * (Scalar(1) - weight);
}

}  // namespace

// ---- SGD ---------------------------------------------------------------------------

SGD::SGD(NamedParams params, SGDOptions options)
    : Optimizer("SGD", std::move(params), options.lr,
                options.momentum != 0 ? std::vector<std::string>{"momentum_buffer"} : std::vector<std::string>{},
                /*has_param_step=*/false),
      options_(options) {
  check_range("momentum", options.momentum, 0, kInf, false, true);
  check_range("dampening", options.dampening, 0, 1);
  check_range("weight_decay", options.weight_decay, 0, kInf, false, true);
  if (options.nesterov && (options.momentum <= 0 || options.dampening != 0))
    throw_invalid_argument("SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum = " +
                           detail::format_number(options.momentum) +
                           ", dampening = " + detail::format_number(options.dampening) + ")");
}

// The momentum buffer starts undefined: PyTorch's first update copies the gradient into it
// (no dampening), which differs from starting at zero when dampening != 0.
void SGD::init_state(const Tensor&, ParamState& state) const { state.slots.assign(slot_names().size(), Tensor()); }

void SGD::update(Tensor& value, const Tensor& grad, ParamState& state) {
  const std::int64_t n = value.numel();
  Scalar* p = value.data();
  const Scalar* g = grad.data();
  const Scalar wd = static_cast<Scalar>(options_.weight_decay);
  const Scalar neg_lr = static_cast<Scalar>(-lr());
  if (options_.momentum == 0) {
    for (std::int64_t i = 0; i < n; ++i) {
      Scalar gi = g[i];
      if (wd != 0) gi = gi + wd * p[i];
      p[i] = p[i] + neg_lr * gi;
    }
    return;
  }
  Tensor& buf = state.slots[0];
  const bool first = !buf.defined();
  if (first) buf = Tensor(value.shape());
  Scalar* b = buf.data();
  const Scalar mom = static_cast<Scalar>(options_.momentum);
  const Scalar keep = static_cast<Scalar>(1 - options_.dampening);
  for (std::int64_t i = 0; i < n; ++i) {
    Scalar gi = g[i];
    if (wd != 0) gi = gi + wd * p[i];
    b[i] = first ? gi : b[i] * mom + keep * gi;
    gi = options_.nesterov ? gi + mom * b[i] : b[i];
    p[i] = p[i] + neg_lr * gi;
  }
}

// ---- Adam / AdamW ------------------------------------------------------------------

Adam::Adam(NamedParams params, AdamOptions options) : Adam("Adam", std::move(params), options, false) {}

Adam::Adam(std::string kind, NamedParams params, AdamOptions options, bool decoupled)
    : Optimizer(std::move(kind), std::move(params), options.lr, {"exp_avg", "exp_avg_sq"}, true),
      options_(options),
      decoupled_(decoupled) {
  check_range("eps", options.eps, 0, kInf, false, true);
  check_range("betas[0]", options.betas[0], 0, 1, false, true);
  check_range("betas[1]", options.betas[1], 0, 1, false, true);
  check_range("weight_decay", options.weight_decay, 0, kInf, false, true);
}

AdamW::AdamW(NamedParams params, AdamWOptions o)
    : Adam("AdamW", std::move(params), AdamOptions{o.lr, o.betas, o.eps, o.weight_decay}, true) {}

void Adam::update(Tensor& value, const Tensor& grad, ParamState& state) {
  const std::int64_t n = value.numel();
  Scalar* p = value.data();
  const Scalar* g = grad.data();
  Scalar* m = state.slots[0].data();
  Scalar* v = state.slots[1].data();
  const auto [beta1, beta2] = options_.betas;

  if (decoupled_ && options_.weight_decay != 0) {
    const Scalar decay = static_cast<Scalar>(1 - lr() * options_.weight_decay);
    for (std::int64_t i = 0; i < n; ++i) p[i] = p[i] * decay;
  }
  const Scalar wd = decoupled_ ? Scalar(0) : static_cast<Scalar>(options_.weight_decay);

  // Bias corrections in double, as PyTorch computes them in Python floats.
  const double t = static_cast<double>(state.step);
  const double bias_correction1 = 1 - std::pow(beta1, t);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  const Scalar neg_step_size = static_cast<Scalar>(-(lr() / bias_correction1));
  const Scalar bias_correction2_sqrt = static_cast<Scalar>(std::sqrt(bias_correction2));
  const Scalar w1 = static_cast<Scalar>(1 - beta1);
  const Scalar b2 = static_cast<Scalar>(beta2), w2 = static_cast<Scalar>(1 - beta2);
  const Scalar eps = static_cast<Scalar>(options_.eps);

  for (std::int64_t i = 0; i < n; ++i) {
    Scalar gi = g[i];
    if (wd != 0) gi = gi + wd * p[i];
    m[i] = lerp(m[i], gi, w1);
    v[i] = v[i] * b2 + w2 * gi * gi;
    const Scalar denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
    p[i] = p[i] + neg_step_size * m[i] / denom;
  }
}

// ---- RMSProp -----------------------------------------------------------------------

namespace {
std::vector<std::string> rmsprop_slots(const RMSPropOptions& o) {
  std::vector<std::string> slots{"square_avg"};
  if (o.momentum > 0) slots.push_back("momentum_buffer");
  if (o.centered) slots.push_back("grad_avg");
  return slots;
}
}  // namespace

RMSProp::RMSProp(NamedParams params, RMSPropOptions options)
    : Optimizer("RMSProp", std::move(params), options.lr, rmsprop_slots(options), true), options_(options) {
  check_range("alpha", options.alpha, 0, 1);
  check_range("eps", options.eps, 0, kInf, false, true);
  check_range("weight_decay", options.weight_decay, 0, kInf, false, true);
  check_range("momentum", options.momentum, 0, kInf, false, true);
}

void RMSProp::update(Tensor& value, const Tensor& grad, ParamState& state) {
  const std::int64_t n = value.numel();
  Scalar* p = value.data();
  const Scalar* g = grad.data();
  const bool use_momentum = options_.momentum > 0;
  Scalar* s = state.slots[0].data();
  Scalar* b = use_momentum ? state.slots[1].data() : nullptr;
  Scalar* a = options_.centered ? state.slots[use_momentum ? 2 : 1].data() : nullptr;
  const Scalar wd = static_cast<Scalar>(options_.weight_decay);
  const Scalar alpha = static_cast<Scalar>(options_.alpha), w = static_cast<Scalar>(1 - options_.alpha);
  const Scalar eps = static_cast<Scalar>(options_.eps);
  const Scalar mom = static_cast<Scalar>(options_.momentum);
  const Scalar neg_lr = static_cast<Scalar>(-lr());

  for (std::int64_t i = 0; i < n; ++i) {
    Scalar gi = g[i];
    if (wd != 0) gi = gi + wd * p[i];
    s[i] = s[i] * alpha + w * gi * gi;
    Scalar avg;
    if (a) {
      a[i] = lerp(a[i], gi, w);
      avg = std::sqrt(s[i] - a[i] * a[i]) + eps;
    } else {
      avg = std::sqrt(s[i]) + eps;
    }
    if (b) {
      b[i] = b[i] * mom + gi / avg;
      p[i] = p[i] + neg_lr * b[i];
    } else {
      p[i] = p[i] + neg_lr * gi / avg;
    }
  }
}

// ---- Adagrad -----------------------------------------------------------------------

Adagrad::Adagrad(NamedParams params, AdagradOptions options)
    : Optimizer("Adagrad", std::move(params), options.lr, {"sum"}, true), options_(options) {
  check_range("lr_decay", options.lr_decay, 0, kInf, false, true);
  check_range("weight_decay", options.weight_decay, 0, kInf, false, true);
  check_range("initial_accumulator_value", options.initial_accumulator_value, 0, kInf, false, true);
  check_range("eps", options.eps, 0, kInf, false, true);
}

void Adagrad::init_state(const Tensor& value, ParamState& state) const {
  state.slots = {Tensor::full(value.shape(), static_cast<Scalar>(options_.initial_accumulator_value))};
}

void Adagrad::update(Tensor& value, const Tensor& grad, ParamState& state) {
  const std::int64_t n = value.numel();
  Scalar* p = value.data();
  const Scalar* g = grad.data();
  Scalar* s = state.slots[0].data();
  const Scalar wd = static_cast<Scalar>(options_.weight_decay);
  const Scalar eps = static_cast<Scalar>(options_.eps);
  const double clr = lr() / (1 + static_cast<double>(state.step - 1) * options_.lr_decay);
  const Scalar neg_clr = static_cast<Scalar>(-clr);

  for (std::int64_t i = 0; i < n; ++i) {
    Scalar gi = g[i];
    if (wd != 0) gi = gi + wd * p[i];
    s[i] = s[i] + gi * gi;
    const Scalar std_dev = std::sqrt(s[i]) + eps;
    p[i] = p[i] + neg_clr * gi / std_dev;
  }
}

GRADLAB_END
