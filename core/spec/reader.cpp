#include "spec/reader.h"

#include <algorithm>
#include <cmath>
#include <vector>

GRADLAB_BEGIN

std::string pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

namespace {

// v.dump() cut to about `limit` characters without serialising the rest of v (a value can
// be megabytes) and without recursion (a value can be deeply nested). Strings that are not
// valid UTF-8 get U+FFFD instead of making dump() throw.
std::string dump_prefix(const nlohmann::json& v, std::size_t limit) {
  const auto text = [&](const std::string& s) {
    return nlohmann::json(s.size() > limit ? s.substr(0, limit) : s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  const auto scalar = [&](const nlohmann::json& x) { return x.is_string() ? text(x.get_ref<const std::string&>()) : x.dump(); };
  if (!v.is_structured()) return scalar(v);
  struct Frame {
    const nlohmann::json* value;
    nlohmann::json::const_iterator next;
    bool first;
  };
  std::string out = v.is_array() ? "[" : "{";
  std::vector<Frame> stack{{&v, v.cbegin(), true}};
  while (!stack.empty() && out.size() <= limit) {
    Frame& f = stack.back();
    if (f.next == f.value->cend()) {
      out += f.value->is_array() ? "]" : "}";
      stack.pop_back();
      continue;
    }
    if (!f.first) out += ",";
    f.first = false;
    if (f.value->is_object()) out += text(f.next.key()) + ":";
    const nlohmann::json& child = *f.next;
    ++f.next;
    if (child.is_structured()) {
      out += child.is_array() ? "[" : "{";
      stack.push_back({&child, child.cbegin(), true});  // f is not used after this
    } else {
      out += scalar(child);
    }
  }
  return out;
}

}  // namespace

std::string describe(const nlohmann::json& v) {
  std::string text = dump_prefix(v, 40);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  const char* kind = v.is_null() ? "null" : v.is_boolean() ? "a boolean" : v.is_number_integer() || v.is_number_unsigned() ? "an integer"
                   : v.is_number() ? "a number" : v.is_string() ? "a string" : v.is_array() ? "an array" : "an object";
  return text + " (" + kind + ")";
}

Reader::Reader(const nlohmann::json& object, std::string pointer, std::vector<SpecIssue>& issues)
    : object_(object), pointer_(std::move(pointer)), issues_(issues), is_object_(object.is_object()) {
  if (!is_object_) issues_.push_back({pointer_.empty() ? "" : pointer_, "expected an object, found " + describe(object)});
}

bool Reader::has(const std::string& key) const { return is_object_ && object_.contains(key); }

void Reader::issue(const std::string& key, const std::string& message) { issues_.push_back({at(key), message}); }

const nlohmann::json* Reader::raw(const std::string& key) {
  known_.push_back(key);
  if (!has(key)) return nullptr;
  return &object_.at(key);
}

const nlohmann::json* Reader::field(const std::string& key, bool required, const char* expected) {
  known_.push_back(key);
  if (!is_object_) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end()) {
    if (required) issue(key, std::string("is required (") + expected + ")");
    return nullptr;
  }
  return &*it;
}

std::int64_t Reader::integer(const std::string& key, std::int64_t lo, std::int64_t hi, std::optional<std::int64_t> fallback) {
  const auto* v = field(key, !fallback, "an integer");
  const std::int64_t def = fallback.value_or(lo);
  if (!v) return def;
  const bool integral = v->is_number_integer() || v->is_number_unsigned() ||
                        (v->is_number_float() && std::isfinite(v->get<double>()) && std::floor(v->get<double>()) == v->get<double>() &&
                         std::fabs(v->get<double>()) < 9e15);
  if (!integral) {
    issue(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " + describe(*v));
    return def;
  }
  const double d = v->get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    issue(key, "must be from " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " + v->dump());
    return def;
  }
  return v->is_number_unsigned() ? static_cast<std::int64_t>(v->get<std::uint64_t>()) : v->get<std::int64_t>();
}

double Reader::number(const std::string& key, double lo, double hi, std::optional<double> fallback, bool open_lo) {
  const auto* v = field(key, !fallback, "a number");
  const double def = fallback.value_or(lo);
  if (!v) return def;
  const std::string range = (open_lo ? "greater than " : "from ") + format_g(lo) + " to " + format_g(hi);
  if (!v->is_number()) {
    issue(key, "expected a number " + range + ", found " + describe(*v));
    return def;
  }
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi || (open_lo && d == lo)) {
    issue(key, "must be " + range + ", found " + v->dump());
    return def;
  }
  return d;
}

bool Reader::boolean(const std::string& key, std::optional<bool> fallback) {
  const auto* v = field(key, !fallback, "true or false");
  if (!v) return fallback.value_or(false);
  if (!v->is_boolean()) {
    issue(key, "expected true or false, found " + describe(*v));
    return fallback.value_or(false);
  }
  return v->get<bool>();
}

std::string Reader::text(const std::string& key, std::optional<std::string_view> fallback) {
  const auto* v = field(key, !fallback, "a string");
  if (!v) return std::string(fallback.value_or(""));
  if (!v->is_string()) {
    issue(key, "expected a string, found " + describe(*v));
    return std::string(fallback.value_or(""));
  }
  return v->get<std::string>();
}

std::string Reader::one_of(const std::string& key, const std::vector<std::string>& allowed, std::optional<std::string_view> fallback) {
  const auto* v = field(key, !fallback, ("one of: " + join(allowed)).c_str());
  if (!v) return std::string(fallback.value_or(""));
  if (!v->is_string() || std::find(allowed.begin(), allowed.end(), v->get<std::string>()) == allowed.end()) {
    issue(key, "must be one of: " + join(allowed) + "; found " + describe(*v));
    return std::string(fallback.value_or(""));
  }
  return v->get<std::string>();
}

std::string Reader::one_of(const std::string& key, std::initializer_list<const char*> allowed, std::optional<std::string_view> fallback) {
  return one_of(key, std::vector<std::string>(allowed.begin(), allowed.end()), fallback);
}

const nlohmann::json* Reader::array(const std::string& key, bool required) {
  const auto* v = field(key, required, "an array");
  if (v && !v->is_array()) {
    issue(key, "expected an array, found " + describe(*v));
    return nullptr;
  }
  return v;
}

const nlohmann::json* Reader::object(const std::string& key, bool required) {
  const auto* v = field(key, required, "an object");
  if (v && !v->is_object()) {
    issue(key, "expected an object, found " + describe(*v));
    return nullptr;
  }
  return v;
}

void Reader::finish(std::initializer_list<const char*> also_allowed) {
  if (!is_object_) return;
  std::vector<std::string> allowed = known_;
  allowed.insert(allowed.end(), also_allowed.begin(), also_allowed.end());
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  for (auto it = object_.begin(); it != object_.end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      issue(it.key(), "unknown field '" + it.key() + "' (allowed here: " + join(allowed) + ")");
}

GRADLAB_END
