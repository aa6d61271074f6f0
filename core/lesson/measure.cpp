// Quantities: names and snapshot pointers resolved on a live session, then combined.
#include "lesson/measure.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "spec/json_text.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

const std::vector<std::string> kBinary = {"ratio", "difference", "product", "power"};
const std::vector<std::string> kReductions = {"max", "min", "mean", "sum", "norm", "count", "abs", "log10"};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Every number in a value, arrays flattened in order ({"shape", "data"} tensors by their data).
void numbers_in(const nlohmann::json& v, std::vector<double>& out) {
  if (v.is_number()) out.push_back(v.get<double>());
  else if (v.is_null()) out.push_back(std::nan(""));
  else if (v.is_object() && v.contains("data")) numbers_in(v.at("data"), out);
  else if (v.is_array())
    for (const auto& x : v) numbers_in(x, out);
  else throw_invalid_argument("expected numbers, found " + describe(v));
}

std::string allowed_forms() {
  return "a number; \"train.KEY\" or \"test.KEY\" (an evaluation: loss, accuracy, perplexity...); \"step.KEY\" (the last "
         "training step's metrics); \"steps\"; \"diverged_at\"; \"params.total\"; \"snapshot:NAME/json/pointer\"; \"grad:/json/pointer\" (gradlab "
         "grad's output: loss, outputs, gradients, input_gradient); \"$recorded\"; or an object: " +
         join(kBinary) + " [a, b]; " + join(kReductions) + " q; {\"variant\": LABEL, \"of\": q}";
}

}  // namespace

void check_quantity(const Quantity& q, const std::string& pointer, std::vector<SpecIssue>& issues) {
  if (q.is_number()) return;
  if (q.is_string()) {
    const std::string s = q.get<std::string>();
    const bool ok = s == "steps" || s == "diverged_at" || s == "params.total" || (starts_with(s, "$") && s.size() > 1) ||
                    ((starts_with(s, "train.") || starts_with(s, "test.")) && s.find('.') + 1 < s.size()) ||
                    (starts_with(s, "step.") && s.size() > 5) ||
                    (starts_with(s, "snapshot:") && s.size() > 9 && s[9] != '/') || starts_with(s, "grad:/");
    if (!ok) issues.push_back({pointer, "unknown quantity \"" + s + "\" (allowed: " + allowed_forms() + ")"});
    return;
  }
  if (q.is_object() && q.contains("variant")) {
    if (q.size() != 2 || !q.contains("of") || !q.at("variant").is_string())
      issues.push_back({pointer, "expected {\"variant\": LABEL, \"of\": QUANTITY}, found " + describe(q)});
    else
      check_quantity(q.at("of"), pointer + "/of", issues);
    return;
  }
  if (q.is_object() && q.size() == 1) {
    const std::string op = q.begin().key();
    const nlohmann::json& arg = q.begin().value();
    const std::string at = pointer + "/" + pointer_escape(op);
    if (std::find(kBinary.begin(), kBinary.end(), op) != kBinary.end()) {
      if (!arg.is_array() || arg.size() != 2) {
        issues.push_back({at, "expected two quantities [a, b], found " + describe(arg)});
        return;
      }
      check_quantity(arg[0], at + "/0", issues);
      check_quantity(arg[1], at + "/1", issues);
      return;
    }
    if (std::find(kReductions.begin(), kReductions.end(), op) != kReductions.end()) {
      check_quantity(arg, at, issues);
      return;
    }
  }
  issues.push_back({pointer, "unknown quantity " + describe(q) + " (allowed: " + allowed_forms() + ")"});
}

const nlohmann::json& follow_pointer(const nlohmann::json& doc, const std::string& pointer) {
  if (pointer.empty()) return doc;
  if (pointer[0] != '/') throw_invalid_argument("a JSON pointer starts with '/', found \"" + pointer + "\"");
  const nlohmann::json* at = &doc;
  std::string walked;
  std::size_t pos = 1;
  while (true) {
    const std::size_t end = pointer.find('/', pos);
    std::string key = pointer.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    for (std::size_t i; (i = key.find("~1")) != std::string::npos;) key.replace(i, 2, "/");
    for (std::size_t i; (i = key.find("~0")) != std::string::npos;) key.replace(i, 2, "~");
    const std::string here = walked.empty() ? "the snapshot" : walked;
    if (at->is_object()) {
      if (!at->contains(key)) {
        std::vector<std::string> keys;
        for (auto it = at->begin(); it != at->end(); ++it) keys.push_back(it.key());
        throw_invalid_argument(here + " has no \"" + key + "\" (it has: " + join(keys) + ")");
      }
      at = &at->at(key);
    } else if (at->is_array()) {
      const auto eq = key.find('=');
      if (eq != std::string::npos) {
        const std::string field = key.substr(0, eq), want = key.substr(eq + 1);
        auto it = std::find_if(at->begin(), at->end(), [&](const nlohmann::json& e) {
          if (!e.is_object() || !e.contains(field)) return false;
          const auto& v = e.at(field);
          return v.is_string() ? v.get<std::string>() == want : v.dump() == want;
        });
        if (it == at->end()) throw_invalid_argument(here + " has no element with " + field + " = " + want);
        at = &*it;
      } else {
        std::size_t used = 0;
        long long i = 0;
        try {
          i = std::stoll(key, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        const long long n = static_cast<long long>(at->size());
        if (used != key.size() || key.empty()) throw_invalid_argument(here + " is an array: expected an index or key=value, found \"" + key + "\"");
        if (i < -n || i >= n) throw_invalid_argument(here + " has " + std::to_string(n) + " elements; index " + key + " is out of range");
        at = &(*at)[static_cast<std::size_t>(i < 0 ? i + n : i)];
      }
    } else {
      throw_invalid_argument(here + " is " + describe(*at) + ", not an object or array, so it has no \"" + key + "\"");
    }
    walked += "/" + key;
    if (end == std::string::npos) return *at;
    pos = end + 1;
  }
}

Measurer::Measurer(Session& session, RunFacts facts, std::map<std::string, double> recorded, std::map<std::string, VariantRun> variants)
    : session_(session), recorded_(std::move(recorded)), variants_(std::move(variants)), facts_(facts) {}

nlohmann::json Measurer::named(const std::string& s) {
  if (s == "steps") return session_.steps_done();
  if (s == "diverged_at") return facts_.diverged_at;
  if (s == "params.total") return session_.total_params();
  if (starts_with(s, "$")) {
    auto it = recorded_.find(s.substr(1));
    if (it == recorded_.end()) throw_invalid_argument("nothing was recorded as \"" + s.substr(1) + "\"");
    return it->second;
  }
  if (starts_with(s, "step.")) {
    const Metrics* last = facts_.last_step;
    if (!last || last->is_null()) throw_invalid_argument(s + ": no training step has run yet");
    const std::string key = s.substr(5);
    if (!last->contains(key)) throw_invalid_argument(s + ": a training step reports no \"" + key + "\"");
    return last->at(key);
  }
  if (starts_with(s, "train.") || starts_with(s, "test.")) {
    const std::string split = s.substr(0, s.find('.')), key = s.substr(s.find('.') + 1);
    auto [it, fresh] = cache_.try_emplace("evaluate:" + split);
    if (fresh) it->second = session_.evaluate(split);
    if (split == "test" && it->second.value("n", 0) == 0) throw_invalid_argument(s + ": this experiment has no test split");
    if (!it->second.contains(key)) throw_invalid_argument(s + ": an evaluation reports no \"" + key + "\"");
    return it->second.at(key);
  }
  if (starts_with(s, "grad:")) {
    // One forward/backward on the spec's batch without an update: what `gradlab grad` prints.
    auto [it, fresh] = cache_.try_emplace("grad");
    if (fresh) it->second = parse_json(session_.grad_json());
    try {
      return follow_pointer(it->second, s.substr(5));
    } catch (const std::invalid_argument& e) {
      throw_invalid_argument(s + ": " + e.what());
    }
  }
  if (starts_with(s, "snapshot:")) {
    const std::string rest = s.substr(9);
    const auto slash = rest.find('/');
    const std::string name = rest.substr(0, slash), pointer = slash == std::string::npos ? "" : rest.substr(slash);
    auto [it, fresh] = cache_.try_emplace("snapshot:" + name);
    if (fresh) {
      try {
        it->second = session_.snapshot(name);
      } catch (...) {
        cache_.erase(it);
        throw;
      }
    }
    try {
      return follow_pointer(it->second, pointer);
    } catch (const std::invalid_argument& e) {
      throw_invalid_argument("snapshot \"" + name + "\" at " + pointer + ": " + e.what());
    }
  }
  throw_invalid_argument("unknown quantity \"" + s + "\"");
}

nlohmann::json Measurer::resolve(const Quantity& q) {
  if (q.is_number()) return q;
  if (q.is_string()) return named(q.get<std::string>());
  if (q.is_object() && q.contains("variant")) {
    const std::string label = q.at("variant").get<std::string>();
    auto it = variants_.find(label);
    if (it == variants_.end()) throw_invalid_argument("no variant \"" + label + "\" is running (a step's \"variants\" action starts them)");
    Measurer inner(*it->second.session, it->second.facts, recorded_);
    return inner.number(q.at("of"));
  }
  const std::string op = q.begin().key();
  const nlohmann::json& arg = q.begin().value();
  if (op == "ratio" || op == "difference" || op == "product" || op == "power") {
    const double a = number(arg[0]), b = number(arg[1]);
    if (op == "power") return std::pow(a, b);  // a mean factor per step: {"power": [ratio, 1 / steps]}
    return op == "ratio" ? a / b : op == "product" ? a * b : a - b;
  }
  if (op == "abs") return std::fabs(number(arg));
  if (op == "log10") return std::log10(number(arg));
  std::vector<double> xs;
  numbers_in(resolve(arg), xs);
  if (op == "count") return xs.size();
  if (xs.empty()) throw_invalid_argument(op + " of an empty array");
  if (op == "max") return *std::max_element(xs.begin(), xs.end());
  if (op == "min") return *std::min_element(xs.begin(), xs.end());
  double sum = 0, sq = 0;
  for (double x : xs) {
    sum += x;
    sq += x * x;
  }
  if (op == "sum") return sum;
  if (op == "mean") return sum / static_cast<double>(xs.size());
  return std::sqrt(sq);  // norm
}

double Measurer::number(const Quantity& q) {
  const nlohmann::json v = resolve(q);
  if (v.is_null()) return std::nan("");  // the engine reports non-finite numbers as null
  if (!v.is_number()) throw_invalid_argument("expected a number, found " + describe(v) + " (reduce an array with max, min, mean, sum or norm)");
  return v.get<double>();
}

ExpectationResult check_expectation(Measurer& m, const Expectation& e) {
  ExpectationResult r;
  r.pointer = e.pointer;
  r.what = e.what;
  r.expected = e.expected();
  try {
    r.value = m.number(e.value);
    r.measured = true;
    r.pass = e.holds(r.value);
  } catch (const std::exception& ex) {
    r.error = ex.what();
  }
  return r;
}

std::vector<ExpectationResult> measure_step(Session& session, const LessonStep& step, std::map<std::string, double>& recorded,
                                            RunFacts facts, const std::map<std::string, VariantRun>& variants) {
  Measurer m(session, facts, recorded, variants);
  for (const auto& [name, q] : step.record) {
    try {
      recorded[name] = m.number(q);
    } catch (const std::exception& e) {
      throw_invalid_argument(step.pointer + "/record/" + pointer_escape(name) + ": " + e.what());
    }
    m.remember(name, recorded[name]);
  }
  std::vector<ExpectationResult> out;
  for (const auto& e : step.expect) out.push_back(check_expectation(m, e));
  return out;
}

nlohmann::json to_json(const ExpectationResult& r) {
  nlohmann::json j;
  j["pointer"] = r.pointer;
  j["what"] = r.what;
  j["expected"] = r.expected;
  j["pass"] = r.pass;
  j["value"] = r.measured && std::isfinite(r.value) ? nlohmann::json(r.value) : nlohmann::json(nullptr);
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

GRADLAB_END
