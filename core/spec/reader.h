// Reader: walks one JSON object of a spec, checking each field's type and range and
// recording every problem with its JSON pointer instead of stopping at the first.
// Unknown fields are reported too (with the allowed names), so typos never pass silently.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/strings.h"

GRADLAB_BEGIN

struct SpecIssue {
  std::string pointer;  // RFC 6901, e.g. "/model/layers/2/hidden_size"
  std::string message;  // what was found and what is allowed
};

// Escapes a key for a JSON pointer (~ -> ~0, / -> ~1).
std::string pointer_escape(const std::string& key);

// Fallbacks and lists of allowed values are taken as string views and literals, not
// std::strings: each call site would otherwise build and destroy its strings inline
// (docs/wasm.md, "Sizes").
class Reader {
 public:
  Reader(const nlohmann::json& object, std::string pointer, std::vector<SpecIssue>& issues);

  bool ok() const { return is_object_; }
  const std::string& pointer() const { return pointer_; }
  std::string at(const std::string& key) const { return pointer_ + "/" + pointer_escape(key); }
  bool has(const std::string& key) const;
  const nlohmann::json* raw(const std::string& key);  // marks the key as known

  // Each returns the value (or the default) and records an issue when the field is
  // missing (required fields), of the wrong type, or out of range.
  std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, std::optional<std::int64_t> fallback = {});
  double number(const std::string& key, double lo, double hi, std::optional<double> fallback = {}, bool open_lo = false);
  bool boolean(const std::string& key, std::optional<bool> fallback = {});
  std::string text(const std::string& key, std::optional<std::string_view> fallback = {});
  std::string one_of(const std::string& key, const std::vector<std::string>& allowed, std::optional<std::string_view> fallback = {});
  std::string one_of(const std::string& key, std::initializer_list<const char*> allowed, std::optional<std::string_view> fallback = {});
  // A required/optional array; returns nullptr (and records an issue) when it is not an array.
  const nlohmann::json* array(const std::string& key, bool required);
  const nlohmann::json* object(const std::string& key, bool required);

  // Reports every field that no call above asked for, naming the allowed ones.
  void finish(std::initializer_list<const char*> also_allowed = {});
  void issue(const std::string& key, const std::string& message);

 private:
  const nlohmann::json* field(const std::string& key, bool required, const char* expected);
  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<SpecIssue>& issues_;
  std::vector<std::string> known_;
  bool is_object_;
};

// "found 3.5 (a number)"-style description of a JSON value for messages.
std::string describe(const nlohmann::json& value);

GRADLAB_END
