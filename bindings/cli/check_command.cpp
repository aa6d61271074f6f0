// `gradlab check` in double precision (this file is compiled against gradlab::f64).
#include "check_command.h"

#include <iomanip>
#include <ostream>

#include "session/session.h"

namespace gradlab_cli {

int run_check(const std::string& spec_text, double tolerance, bool as_json, std::ostream& out, std::ostream& err) {
  static_assert(sizeof(gradlab::Scalar) == 8, "check_command.cpp must be built against the double-precision core");
  try {
    gradlab::Session session(spec_text);
    gradlab::GradCheckOptions options;
    options.tolerance = tolerance;
    const gradlab::GradCheckResult result = session.check_gradients(options);
    if (as_json) {
      nlohmann::json j = {{"ok", result.ok}, {"tolerance", tolerance}, {"parameters", nlohmann::json::array()}};
      for (const auto& e : result.entries)
        j["parameters"].push_back({{"name", e.name}, {"shape", e.shape}, {"max_rel_error", e.max_rel_error},
                                   {"max_abs_error", e.max_abs_error}, {"max_abs_grad", e.max_abs_grad}, {"ok", e.ok}});
      out << j.dump(2) << "\n";
    } else {
      std::size_t width = 9;
      for (const auto& e : result.entries) width = std::max(width, e.name.size());
      out << std::left << std::setw(static_cast<int>(width)) << "parameter" << "  " << std::setw(14) << "shape"
          << "  " << std::setw(12) << "rel error" << "  " << std::setw(12) << "abs error" << "  result\n";
      for (const auto& e : result.entries)
        out << std::left << std::setw(static_cast<int>(width)) << e.name << "  " << std::setw(14) << gradlab::to_string(e.shape)
            << "  " << std::setw(12) << std::setprecision(3) << std::scientific << e.max_rel_error << "  " << std::setw(12)
            << e.max_abs_error << std::defaultfloat << "  " << (e.ok ? "ok" : "FAIL") << "\n";
      out << (result.ok ? "all " : "") << result.entries.size() << " parameters checked in double precision, tolerance "
          << tolerance << ": " << (result.ok ? "passed" : "FAILED") << "\n";
    }
    return result.ok ? 0 : 1;
  } catch (const std::exception& e) {
    err << "gradlab check: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace gradlab_cli
