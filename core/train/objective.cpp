#include "train/objective.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "ops/loss.h"
#include "ops/ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

Var Objective::loss(const Var& output, const Tensor& targets) const {
  if (!(scale > 0)) throw_invalid_argument("loss scale must be greater than 0, got " + std::to_string(scale));
  const Var l = unscaled_loss(output, targets);
  return scale == 1 ? l : l * scale;
}

Var Objective::unscaled_loss(const Var& output, const Tensor& targets) const {
  const Reduction r = parse_reduction(reduction);
  if (type == "mse") {
    if (broadcast) return mse_loss_broadcast(output, Var(targets), r);
    if (output.shape() != targets.shape() && numel(output.shape()) == targets.numel())
      return mse_loss(output, Var(targets.reshape(output.shape())), r);  // [N] targets for [N, 1] outputs
    return mse_loss(output, Var(targets), r);
  }
  if (type == "cross_entropy") return cross_entropy(output, targets, r);
  if (type == "nll") return nll_loss(output, targets, r);
  if (type == "bce_with_logits") {
    const Tensor t = output.shape() != targets.shape() && output.numel() == targets.numel() ? targets.reshape(output.shape()) : targets;
    return bce_with_logits(output, Var(t), r);
  }
  if (type == "output") return output;
  throw_invalid_argument("unknown loss type '" + type + "' (allowed: mse, cross_entropy, bce_with_logits, nll, output)");
}

double Objective::accuracy(const Tensor& output, const Tensor& targets) const {
  if (!is_classification() || targets.numel() == 0) return std::numeric_limits<double>::quiet_NaN();
  std::int64_t correct = 0;
  // Raw pointers, not Tensor::operator[]: the size-optimised wasm build calls that out of
  // line per element, which was ~4% of Session.evaluate on the LSTM benchmark.
  const Scalar* out = output.data();
  const Scalar* tgt = targets.data();
  if (type == "bce_with_logits") {
    for (std::int64_t i = 0; i < targets.numel(); ++i) correct += (out[i] > 0) == (tgt[i] > Scalar(0.5));
    return static_cast<double>(correct) / static_cast<double>(targets.numel());
  }
  const std::int64_t C = output.shape().back();
  const std::int64_t rows = output.numel() / C;
  // The row's maximum so far is kept beside its index: compared with row[best], each
  // element may wait for a load at the index the last one chose. Measured in node's profile
  // of the GRU benchmark step, accuracy's share fell from 1.06% to 0.70%.
  for (std::int64_t r = 0; r < rows; ++r) {
    const Scalar* row = out + r * C;
    std::int64_t best = 0;
    Scalar top = row[0];
    for (std::int64_t c = 1; c < C; ++c) {
      if (row[c] > top) {
        top = row[c];
        best = c;
      }
    }
    correct += best == static_cast<std::int64_t>(std::llround(tgt[r]));
  }
  return static_cast<double>(correct) / static_cast<double>(rows);
}

Var Objective::scalar(const Var& loss) const {
  if (!seed.defined()) return loss;
  if (seed.shape() != loss.shape())
    throw_invalid_argument("the loss seed has shape " + to_string(seed.shape()) + " but the loss has shape " +
                           to_string(loss.shape()) + "; they must match");
  return sum(mul(loss, Var(seed)));
}

GRADLAB_END
