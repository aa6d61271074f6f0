// Finite-difference gradient check: the analytical gradient from backward() against
// central differences, per tensor. Meant for the double build (gradlab::f64); in float
// the differences are too noisy for tight tolerances.
//
//   Var w(rng.normal_tensor({3, 2}, 0, 1), true);
//   auto result = gradcheck([&] { return sum(tanh(w)); }, {w});
//   result.ok;  // every max_rel_error <= tolerance
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

struct GradCheckEntry {
  std::string name;           // the Var's name, or "input <i>"
  Shape shape;
  double max_abs_error = 0;   // max_i |analytic_i - numeric_i|
  double max_rel_error = 0;   // max_abs_error / max(max|analytic|, max|numeric|, 1e-8)
  double max_abs_grad = 0;    // max|numeric|, to see the scale
  std::int64_t worst_index = 0;
  bool ok = true;
};

struct GradCheckResult {
  std::vector<GradCheckEntry> entries;
  bool ok = true;
  double worst_rel_error() const;
};

struct GradCheckOptions {
  double eps = 1e-6;
  double tolerance = 1e-6;
};

// `loss` must return a one-element Var and be deterministic; every Var in `inputs` must
// be a leaf with requires_grad. Their .grad is overwritten.
GradCheckResult gradcheck(const std::function<Var()>& loss, std::vector<Var> inputs, GradCheckOptions options = {});

GRADLAB_END
