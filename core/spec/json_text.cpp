// The text layer under parse_spec and Session::load_checkpoint: one iterative scan that
// enforces kMaxJsonDepth and finds numbers beyond double, then nlohmann's parser.
#include "spec/json_text.h"

#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

GRADLAB_BEGIN

namespace {

// "line 3, column 14" of byte `offset` (1-based, columns in bytes).
std::string line_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < std::min(offset, text.size()); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// One open array or object during the scan: enough to name the JSON pointer of where we are.
struct Level {
  bool array = false;
  std::size_t index = 0;  // arrays: the element being read
  std::string key;        // objects: the last key read (cut to 40 characters)
  bool expect_key = true;  // objects: the next string is a key
};

// A key as a pointer segment, cut so that a 10 MB key is not copied into every message.
std::string segment(const std::string& key) {
  return pointer_escape(key.size() > 40 ? key.substr(0, 37) + "..." : key);
}

std::string pointer_of(const std::vector<Level>& stack) {
  std::string p;
  for (const auto& l : stack) p += "/" + (l.array ? std::to_string(l.index) : pointer_escape(l.key));
  return p;
}

void scan(const std::string& text, const std::string& what) {
  std::vector<Level> stack;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const char c = text[i];
    if (c == '"') {
      const bool is_key = !stack.empty() && !stack.back().array && stack.back().expect_key;
      std::string key;
      std::size_t j = i + 1;
      while (j < n && text[j] != '"') {
        const std::size_t step = text[j] == '\\' ? 2 : 1;
        if (is_key && key.size() <= 40) key += step == 2 && j + 1 < n ? text[j + 1] : text[j];
        j += step;
      }
      if (is_key) {
        if (key.size() > 40) key = key.substr(0, 37) + "...";
        stack.back().key = std::move(key);
        stack.back().expect_key = false;
      }
      i = j + 1;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t j = i;
      bool exponent = false;
      while (j < n && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '-' || text[j] == '+' || text[j] == '.' ||
                       text[j] == 'e' || text[j] == 'E')) {
        exponent = exponent || text[j] == 'e' || text[j] == 'E';
        ++j;
      }
      // Without an exponent only more than 309 digits can pass double's largest value.
      if (exponent || j - i > 300) {
        const std::string token = text.substr(i, j - i);
        if (std::isinf(std::strtod(token.c_str(), nullptr)))
          throw_spec_error(pointer_of(stack), "the number " + (token.size() > 40 ? token.substr(0, 37) + "..." : token) + " at " +
                                                  line_column(text, i) + " of the " + what +
                                                  " is beyond the range of a double (allowed: magnitudes up to 1.7976931348623157e308)");
      }
      i = j;
      continue;
    }
    if (c == '[' || c == '{') {
      if (stack.size() >= static_cast<std::size_t>(kMaxJsonDepth))
        throw_spec_error(pointer_of(stack), "arrays and objects nest more than " + std::to_string(kMaxJsonDepth) + " deep at " +
                                                line_column(text, i) + " of the " + what + " (allowed: at most " +
                                                std::to_string(kMaxJsonDepth) + " levels)");
      stack.push_back({c == '[', 0, "", true});
    } else if (c == ']' || c == '}') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',' && !stack.empty()) {
      if (stack.back().array) ++stack.back().index;
      else stack.back().expect_key = true;
    }
    ++i;
  }
}

}  // namespace

nlohmann::json parse_json(const std::string& text) {
  // What json::parse does without a callback (nlohmann 3.11's detail::parser, the same
  // lexer, DOM builder and end-of-input check).
  nlohmann::json result;
  nlohmann::detail::json_sax_dom_parser<nlohmann::json> dom(result, true);
  auto input = nlohmann::detail::input_adapter(text);
  nlohmann::detail::parser<nlohmann::json, decltype(input)>(std::move(input)).sax_parse(&dom, true);
  return result;
}

nlohmann::json parse_json_text(const std::string& text, const std::string& what) {
  scan(text, what);
  try {
    return parse_json(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset (1-based, the byte after the error); people read lines.
    std::string message = e.what();
    const auto pos = message.find("syntax error");
    throw_spec_error("", std::string(what == "spec" ? "" : "the " + what + " is ") + "not valid JSON at " +
                             line_column(text, e.byte ? e.byte - 1 : 0) + ": " +
                             (pos == std::string::npos ? message : message.substr(pos)));
  } catch (const nlohmann::json::exception& e) {
    throw_spec_error("", std::string(what == "spec" ? "" : "the " + what + " is ") + "not valid JSON: " + e.what());
  }
}

void check_json_depth(const nlohmann::json& document) {
  // (value, its pointer, its depth), depth-first without recursion.
  std::vector<std::pair<const nlohmann::json*, std::pair<std::string, int>>> todo{{&document, {"", 1}}};
  while (!todo.empty()) {
    auto [v, where] = std::move(todo.back());
    todo.pop_back();
    if (!v->is_structured()) continue;
    if (where.second > kMaxJsonDepth)
      throw_spec_error(where.first, "arrays and objects nest more than " + std::to_string(kMaxJsonDepth) +
                                        " deep here (allowed: at most " + std::to_string(kMaxJsonDepth) + " levels)");
    if (v->is_array()) {
      for (std::size_t i = 0; i < v->size(); ++i)
        if ((*v)[i].is_structured()) todo.push_back({&(*v)[i], {where.first + "/" + std::to_string(i), where.second + 1}});
    } else {
      for (auto it = v->begin(); it != v->end(); ++it)
        if (it.value().is_structured())
          todo.push_back({&it.value(), {where.first + "/" + segment(it.key()), where.second + 1}});
    }
  }
}

GRADLAB_END
