#include "inspect/gradcheck_report.h"
#include "support/throw.h"

#include <cmath>
#include <stdexcept>

GRADLAB_BEGIN

namespace {
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

GradCheckReport gradcheck_report(FunctionRef<Var()> loss,
                                 const std::vector<std::pair<std::string, Var>>& params, GradCheckOptions options) {
  if (!loss) throw_invalid_argument("gradcheck_report: the loss callable is empty");
  if (params.empty()) throw_invalid_argument("gradcheck_report: no parameters to check");
  if (!(options.eps > 0) || !(options.tolerance >= 0))
    throw_invalid_argument("gradcheck_report: eps = " + std::to_string(options.eps) + ", tolerance = " +
                           std::to_string(options.tolerance) + " not allowed (eps > 0, tolerance >= 0)");
  std::vector<Var> vars;
  for (const auto& [name, v] : params) {
    if (!v.defined() || !v.is_leaf() || !v.requires_grad())
      throw_invalid_argument("gradcheck_report: parameter '" + name +
                             "' must be a leaf Var with requires_grad (a model parameter)");
    vars.push_back(v);
  }
  GradCheckResult result = gradcheck(loss, vars, options);
  GradCheckReport r;
  r.eps = options.eps;
  r.tolerance = options.tolerance;
  r.ok = result.ok;
  r.entries = std::move(result.entries);
  for (std::size_t k = 0; k < r.entries.size(); ++k) {
    r.entries[k].name = params[k].first;
    if (k == 0 || r.entries[k].max_rel_error > r.worst_rel_error || std::isnan(r.entries[k].max_rel_error)) {
      r.worst_rel_error = r.entries[k].max_rel_error;
      r.worst = r.entries[k].name;
    }
  }
  return r;
}

GradCheckReport gradcheck_report(FunctionRef<Var()> loss, const Module& module, GradCheckOptions options) {
  return gradcheck_report(loss, module.named_parameters(), options);
}

nlohmann::json to_json(const GradCheckEntry& e) {
  nlohmann::json o;
  o["name"] = e.name;
  o["shape"] = e.shape;
  o["max_abs_error"] = number(e.max_abs_error);
  o["max_rel_error"] = number(e.max_rel_error);
  o["max_abs_grad"] = number(e.max_abs_grad);
  o["worst_index"] = e.worst_index;
  o["ok"] = e.ok;
  return o;
}

nlohmann::json to_json(const GradCheckReport& r) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : r.entries) entries.push_back(to_json(e));
  nlohmann::json o;
  o["eps"] = r.eps;
  o["tolerance"] = r.tolerance;
  o["ok"] = r.ok;
  o["worst_rel_error"] = number(r.worst_rel_error);
  o["worst"] = r.worst;
  o["entries"] = std::move(entries);
  return o;
}

GRADLAB_END
