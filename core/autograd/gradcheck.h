// Finite-difference gradient check: the analytical gradient from backward() against
// central differences, per tensor. Meant for the double build (gradlab::f64); in float
// the differences are too noisy for tight tolerances.
//
//   Var w(rng.normal_tensor({3, 2}, 0, 1), true);
//   auto result = gradcheck([&] { return sum(tanh(w)); }, {w});
//   result.ok;  // every max_rel_error <= tolerance
//
// The verdict judges only what finite differences can resolve (docs/testing.md):
// - an entry whose loss has a kink within [x - eps, x + eps] (ReLU, max, abs crossing
//   zero) has no derivative a difference can measure: its one-sided differences
//   (L(x+eps) - L(x)) / eps and (L(x) - L(x-eps)) / eps disagree by more than smooth
//   curvature and rounding explain. It is retried at eps / 10 (the kink usually moves
//   out of the interval) and, if still kinked, skipped and counted in `skipped`;
// - rounding of the loss itself: a difference quotient carries an absolute error of
//   about machine-epsilon * |L| / eps, so errors below that floor are not failures.
// Neither test looks at the analytic gradient, so a wrong backward at a smooth point is
// always judged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/function_ref.h"
#include "autograd/var.h"

GRADLAB_BEGIN

struct GradCheckEntry {
  std::string name;           // the Var's name, or "input <i>"
  Shape shape;
  double max_abs_error = 0;   // max_i |analytic_i - numeric_i| over the judged entries
  double max_rel_error = 0;   // max_abs_error / max(max|analytic|, max|numeric|, 1e-8)
  double max_abs_grad = 0;    // max|numeric|, to see the scale
  std::int64_t worst_index = 0;
  std::int64_t total = 0;     // entries the tensor has
  std::int64_t checked = 0;   // entries compared: all of them, or a deterministic sample
  std::int64_t skipped = 0;   // of those, kinked within eps even at eps / 10: not judged
  double noise_floor = 0;     // the rounding floor the absolute errors were allowed
  bool ok = true;
};

struct GradCheckResult {
  std::vector<GradCheckEntry> entries;
  bool ok = true;
  double worst_rel_error() const;
};

// Where a check is: after each compared entry of each tensor.
struct GradCheckProgress {
  const std::string& name;    // the tensor's name (as in GradCheckEntry)
  std::int64_t done = 0;      // entries of this tensor compared so far
  std::int64_t count = 0;     // entries of this tensor that will be compared
  std::int64_t total = 0;     // entries the tensor has
};

struct GradCheckOptions {
  // GradCheckOptions{eps, tolerance}, as the tests write it.
  GradCheckOptions(double step = 1e-6, double tol = 1e-6) : eps(step), tolerance(tol) {}
  double eps;
  double tolerance;
  // Compare at most this many entries per tensor (0: all): a deterministic sample that
  // always includes the entry with the largest analytic gradient. Same tensor name and
  // size, same sample.
  std::int64_t max_entries = 0;
  std::function<void(const GradCheckProgress&)> progress;
};

// The entries a check compares for a tensor of `total` entries named `name`: all of
// them, or `max_entries` distinct sorted indices drawn from a generator seeded by the
// name (plus `must`, when given, replacing one of them).
std::vector<std::int64_t> gradcheck_sample(const std::string& name, std::int64_t total, std::int64_t max_entries,
                                           std::int64_t must = -1);

// `loss` must return a one-element Var and be deterministic; every Var in `inputs` must
// be a leaf with requires_grad. Their .grad is overwritten.
GradCheckResult gradcheck(FunctionRef<Var()> loss, std::vector<Var> inputs, GradCheckOptions options = {});

GRADLAB_END
