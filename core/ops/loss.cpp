// Losses (see loss.h): built from ops, plus one gather-like pick whose backward scatters.
#include "ops/loss.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "ops/activation.h"
#include "ops/elementwise.h"
#include "ops/math.h"
#include "ops/reduction.h"
#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

Reduction parse_reduction(const std::string& name) {
  if (name == "none") return Reduction::None;
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  throw_invalid_argument("unknown reduction '" + name + "' (allowed: \"none\", \"mean\", \"sum\")");
}

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
  }
  return "?";
}

namespace {
Var reduce(const Var& per_element, Reduction r) {
  switch (r) {
    case Reduction::None: return per_element;
    case Reduction::Mean: return mean(per_element);
    case Reduction::Sum: return sum(per_element);
  }
  throw_invalid_argument("unknown Reduction value " + std::to_string(static_cast<int>(r)));
}

void require_same_shape(const char* op, const char* a_name, const Var& a, const char* b_name, const Var& b) {
  if (a.shape() != b.shape())
    throw_invalid_argument(std::string(op) + ": " + a_name + " of shape " + to_string(a.shape()) + " and " +
                           b_name + " of shape " + to_string(b.shape()) + " differ (allowed: the same shape)");
}

// Checks logits/log_probs [N, C] or [N, T, C] against targets [N] or [N, T] and returns
// the class indices, flat, row-major.
std::vector<std::int64_t> class_indices(const char* op, const char* input_name, const Shape& input,
                                        const Tensor& targets) {
  if (input.size() != 2 && input.size() != 3)
    throw_invalid_argument(std::string(op) + ": " + input_name + " of shape " + to_string(input) +
                           " (allowed: [N, C] or [N, T, C], classes on the last axis)");
  const Shape leading(input.begin(), input.end() - 1);
  if (targets.shape() != leading)
    throw_invalid_argument(std::string(op) + ": targets of shape " + to_string(targets.shape()) + " for " +
                           input_name + " of shape " + to_string(input) + " (allowed: targets of shape " +
                           to_string(leading) + ", one class index per item)");
  const std::int64_t C = input.back();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(targets.numel()));
  for (std::int64_t k = 0; k < targets.numel(); ++k) {
    const double t = targets[k];
    if (!(t >= 0 && t < static_cast<double>(C) && t == std::floor(t))) {
      char value[64];
      std::snprintf(value, sizeof value, "%.17g", t);
      throw_invalid_argument(std::string(op) + ": target at flat position " + std::to_string(k) + " is " +
                             value + " (allowed: an integer class index in [0, " + std::to_string(C) + "))");
    }
    idx[static_cast<std::size_t>(k)] = static_cast<std::int64_t>(t);
  }
  return idx;
}

Var scatter_last(const Var& dy, const std::vector<std::int64_t>& idx, const Shape& full);

// y[r] = x[r, idx[r]] for x seen as [R, C] (R = every leading position);
// dx += dy scattered into zeros at those places (scatter_last, whose backward is this)
Var pick_last(const Var& x, const std::vector<std::int64_t>& idx) {
  const std::int64_t C = x.shape().back();
  Tensor y(Shape(x.shape().begin(), x.shape().end() - 1));
  const Scalar* px = x.value().data();
  for (std::int64_t r = 0; r < y.numel(); ++r) y[r] = px[r * C + idx[static_cast<std::size_t>(r)]];
  return record("pick", {x}, std::move(y), [idx](Grads& g, const Var& dy) {
    g.accumulate(0, scatter_last(dy, idx, g.input(0).shape()));
  });
}

Var scatter_last(const Var& dy, const std::vector<std::int64_t>& idx, const Shape& full) {
  const std::int64_t C = full.back();
  Tensor y(full);
  const Scalar* pd = dy.value().data();
  for (std::int64_t r = 0; r < dy.numel(); ++r) y[r * C + idx[static_cast<std::size_t>(r)]] = pd[r];
  return record("scatter", {dy}, std::move(y), [idx](Grads& g, const Var& d) { g.accumulate(0, pick_last(d, idx)); });
}
}  // namespace

// loss = (pred - target)^2, reduced
Var mse_loss(const Var& pred, const Var& target, Reduction reduction) {
  require_same_shape("mse_loss", "pred", pred, "target", target);
  return reduce(square(pred - target), reduction);
}

// loss = (pred - target)^2 with pred stretched to target's shape, reduced; the subtraction's
// backward sums the gradient back over the stretched dimensions.
Var mse_loss_broadcast(const Var& pred, const Var& target, Reduction reduction) {
  const Shape& p = pred.shape();
  const Shape& t = target.shape();
  bool ok = p.size() == t.size();
  for (std::size_t d = 0; ok && d < p.size(); ++d) ok = p[d] == t[d] || p[d] == 1;
  if (!ok)
    throw_invalid_argument("mse_loss (broadcast): pred of shape " + to_string(p) + " does not broadcast to target of shape " +
                           to_string(t) + " (allowed: the same rank, each dimension of pred either 1 or target's)");
  return reduce(square(pred - target), reduction);
}

// loss[r] = -log_probs[r, target[r]], reduced
Var nll_loss(const Var& log_probs, const Tensor& targets, Reduction reduction) {
  const auto idx = class_indices("nll_loss", "log_probs", log_probs.shape(), targets);
  return reduce(neg(pick_last(log_probs, idx)), reduction);
}

// loss[r] = -log_softmax(logits)[r, target[r]] = logsumexp(logits[r]) - logits[r, target[r]], reduced
Var cross_entropy(const Var& logits, const Tensor& targets, Reduction reduction) {
  const auto idx = class_indices("cross_entropy", "logits", logits.shape(), targets);
  return reduce(neg(pick_last(log_softmax(logits, -1), idx)), reduction);
}

// loss = max(x, 0) - x t + log(1 + exp(-|x|)), reduced;  dx += dy (sigmoid(x) - t), dt += -dy x
Var bce_with_logits(const Var& logits, const Var& targets, Reduction reduction) {
  require_same_shape("bce_with_logits", "logits", logits, "targets", targets);
  Tensor y(logits.shape());
  const Scalar* px = logits.value().data();
  const Scalar* pt = targets.value().data();
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double x = px[i], t = pt[i];
    y[i] = static_cast<Scalar>(std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x))));
  }
  Var per_element = record("bce_with_logits", {logits, targets}, std::move(y), [](Grads& g, const Var& dy) {
    const Var& x = g.input(0);
    const Var& t = g.input(1);
    if (g.needs(0)) g.accumulate(0, dy * (sigmoid(x) - t));
    if (g.needs(1)) g.accumulate(1, neg(dy * x));
  });
  return reduce(per_element, reduction);
}

namespace {
Var penalty(const std::vector<Var>& weights, Var (*term)(const Var&)) {
  Var total(Tensor::scalar(0));
  for (const Var& w : weights) total = total + sum(term(w));
  return total;
}
}  // namespace

Var l1_penalty(const std::vector<Var>& weights) { return penalty(weights, [](const Var& w) { return abs(w); }); }
Var l2_penalty(const std::vector<Var>& weights) { return penalty(weights, [](const Var& w) { return square(w); }); }

GRADLAB_END
