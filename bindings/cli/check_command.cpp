// `gradlab check` in double precision (this file is compiled against gradlab::f64):
// progress on stderr, a table (or JSON) of every parameter's errors on stdout.
#include "check_command.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "session/session.h"

namespace gradlab_cli {

namespace {

// "[3, 4]" without spaces, for the table.
std::string shape_text(const gradlab::Shape& shape) { return gradlab::to_string(shape); }

std::string coverage_text(const gradlab::GradCheckEntry& e) {
  std::ostringstream s;
  if (e.checked < e.total) s << e.checked << " of " << e.total;
  else s << "all " << e.total;
  if (e.skipped > 0) s << ", " << e.skipped << " skipped";
  return s.str();
}

// Progress on stderr: "check 3/12 generator.0.weight: 40/64 entries". On a terminal one
// line redrawn in place with a bar; otherwise a line when each parameter starts.
class Progress {
 public:
  Progress(std::ostream& err, const std::vector<gradlab::ParamInfo>& params, bool bar)
      : err_(err), parameters_(params.size()), bar_(bar) {}

  void operator()(const gradlab::GradCheckProgress& p) {
    if (p.name != current_) {
      current_ = p.name;
      ++index_;
      if (!bar_) {
        err_ << "check " << index_ << "/" << parameters_ << " " << p.name << ": ";
        if (p.count < p.total) err_ << p.count << " of " << p.total << " entries (a sample)\n";
        else err_ << p.total << (p.total == 1 ? " entry\n" : " entries\n");
        err_.flush();
      }
    }
    if (!bar_) return;
    // Redraw at most ~100 times per parameter.
    if (p.done != p.count && p.done % std::max<std::int64_t>(1, p.count / 100) != 0) return;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * p.done / std::max<std::int64_t>(1, p.count));
    err_ << "\r\x1b[2Kcheck " << index_ << "/" << parameters_ << " [" << std::string(filled, '#')
         << std::string(kWidth - filled, ' ') << "] " << p.name << " " << p.done << "/" << p.count << " entries";
    if (p.count < p.total) err_ << " (of " << p.total << ")";
    err_.flush();
  }

  void finish() {
    if (bar_ && index_ > 0) err_ << "\r\x1b[2K" << std::flush;
  }

 private:
  std::ostream& err_;
  std::size_t parameters_;
  bool bar_;
  std::size_t index_ = 0;
  std::string current_;
};

}  // namespace

int run_check(const std::string& spec_text, const CheckArgs& args, std::ostream& out, std::ostream& err) {
  static_assert(sizeof(gradlab::Scalar) == 8, "check_command.cpp must be built against the double-precision core");
  try {
    gradlab::Session session(spec_text);
    Progress progress(err, session.params(), args.progress_bar);
    gradlab::GradCheckOptions options;
    options.tolerance = args.tolerance;
    options.eps = args.eps;
    options.max_entries = args.max_entries;
    options.progress = [&](const gradlab::GradCheckProgress& p) { progress(p); };
    const gradlab::GradCheckResult result = session.check_gradients(options);
    progress.finish();
    std::int64_t checked = 0, total = 0, skipped = 0;
    for (const auto& e : result.entries) checked += e.checked, total += e.total, skipped += e.skipped;
    if (args.as_json) {
      nlohmann::json j = {{"ok", result.ok},           {"tolerance", args.tolerance}, {"eps", args.eps},
                          {"max_entries", args.max_entries}, {"checked", checked},    {"total", total},
                          {"skipped", skipped},        {"parameters", nlohmann::json::array()}};
      for (const auto& e : result.entries)
        j["parameters"].push_back({{"name", e.name},
                                   {"shape", e.shape},
                                   {"max_rel_error", e.max_rel_error},
                                   {"max_abs_error", e.max_abs_error},
                                   {"max_abs_grad", e.max_abs_grad},
                                   {"rounding_floor", e.noise_floor},
                                   {"checked", e.checked},
                                   {"total", e.total},
                                   {"skipped", e.skipped},
                                   {"ok", e.ok}});
      out << j.dump(2) << "\n";
    } else {
      std::size_t width = 9, shape_width = 5, entries_width = 7;
      for (const auto& e : result.entries) {
        width = std::max(width, e.name.size());
        shape_width = std::max(shape_width, shape_text(e.shape).size());
        entries_width = std::max(entries_width, coverage_text(e).size());
      }
      out << std::left << std::setw(static_cast<int>(width)) << "parameter" << "  "
          << std::setw(static_cast<int>(shape_width)) << "shape" << "  " << std::setw(static_cast<int>(entries_width))
          << "entries" << "  " << std::setw(10) << "rel error" << "  " << std::setw(10) << "abs error" << "  "
          << std::setw(10) << "rounding" << "  result\n";
      for (const auto& e : result.entries)
        out << std::left << std::setw(static_cast<int>(width)) << e.name << "  " << std::setw(static_cast<int>(shape_width))
            << shape_text(e.shape) << "  " << std::setw(static_cast<int>(entries_width)) << coverage_text(e) << "  "
            << std::setprecision(2) << std::scientific << std::setw(10) << e.max_rel_error << "  " << std::setw(10)
            << e.max_abs_error << "  " << std::setw(10) << e.noise_floor << std::defaultfloat << "  "
            << (e.ok ? "ok" : "FAIL") << "\n";
      for (const auto& e : result.entries)
        if (e.checked < e.total) out << "checked " << e.checked << " of " << e.total << " entries of " << e.name << "\n";
      if (skipped > 0)
        out << skipped << " of " << checked
            << " entries skipped: the loss has a kink (ReLU, max, abs at zero) within eps of them, even at eps/10, so no "
               "finite difference measures their derivative\n";
      out << (result.ok ? "all " : "") << result.entries.size() << " parameters checked in double precision ("
          << checked << " of " << total << " entries), tolerance " << args.tolerance << ", eps " << args.eps << ": "
          << (result.ok ? "passed" : "FAILED") << "\n";
      if (!result.ok)
        out << "an entry fails when |analytic - numeric| > tolerance * the parameter's largest gradient + the "
               "rounding floor of its finite difference\n";
    }
    return result.ok ? 0 : 1;
  } catch (const std::exception& e) {
    err << "gradlab check: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace gradlab_cli
