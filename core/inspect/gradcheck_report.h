// Gradient-check report: autograd/gradcheck.h (backward against central differences) run
// over named parameters, as plain data for a "can I trust these gradients?" panel.
// Meaningful in the double build; in float the differences are only good to a few digits
// (use eps ~1e-2 and a loose tolerance there).
//
//   GradCheckReport r = gradcheck_report([&] { return loss_of(net); }, *net);
//   r.ok;  r.entries[0].name;  r.entries[0].max_rel_error;
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "autograd/function_ref.h"
#include "autograd/gradcheck.h"
#include "nn/module.h"

GRADLAB_BEGIN

struct GradCheckReport {
  double eps = 0, tolerance = 0;
  bool ok = true;
  double worst_rel_error = 0;
  std::string worst;                    // the name of the entry with the largest relative error
  std::vector<GradCheckEntry> entries;  // one per parameter, named as given
};

// `loss` returns a one-element Var and is deterministic (no dropout sampling, no batch
// draw). Every parameter must be a leaf with requires_grad; its .grad is overwritten
// (with the analytic gradient). Throws std::invalid_argument for an empty list, eps <= 0
// or tolerance < 0.
GradCheckReport gradcheck_report(FunctionRef<Var()> loss,
                                 const std::vector<std::pair<std::string, Var>>& params, GradCheckOptions options = {});
GradCheckReport gradcheck_report(FunctionRef<Var()> loss, const Module& module, GradCheckOptions options = {});

nlohmann::json to_json(const GradCheckEntry& e);
nlohmann::json to_json(const GradCheckReport& r);

GRADLAB_END
