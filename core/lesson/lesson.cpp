// Reading a lesson block: every field checked, every problem recorded with its pointer.
#include "lesson/lesson.h"

#include <algorithm>
#include <cmath>

#include "lesson/measure.h"
#include "spec/json_text.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

const std::vector<std::string> kComparisons = {"below", "above", "at_most", "at_least", "equals", "between"};

// Long texts may be written as an array of paragraphs; they are joined by a blank line.
std::string paragraphs(Reader& r, const std::string& key, bool required) {
  const nlohmann::json* v = r.raw(key);
  if (!v) {
    if (required) r.issue(key, "is required (a string, or an array of paragraphs)");
    return "";
  }
  if (v->is_string()) return v->get<std::string>();
  std::string out;
  if (v->is_array() && std::all_of(v->begin(), v->end(), [](const nlohmann::json& p) { return p.is_string(); })) {
    for (const auto& p : *v) out += (out.empty() ? "" : "\n\n") + p.get<std::string>();
    return out;
  }
  r.issue(key, "expected a string or an array of strings (paragraphs), found " + describe(*v));
  return "";
}

std::vector<std::string> strings(Reader& r, const std::string& key, std::vector<SpecIssue>& issues) {
  std::vector<std::string> out;
  if (const auto* a = r.array(key, false))
    for (std::size_t i = 0; i < a->size(); ++i) {
      if ((*a)[i].is_string()) out.push_back((*a)[i].get<std::string>());
      else issues.push_back({r.at(key) + "/" + std::to_string(i), "expected a string, found " + describe((*a)[i])});
    }
  return out;
}

// {"/optimizer/lr": 0.1, ...}: JSON pointers to new values.
std::vector<std::pair<std::string, nlohmann::json>> fields_of(const nlohmann::json& v, const std::string& pointer,
                                                              std::vector<SpecIssue>& issues) {
  std::vector<std::pair<std::string, nlohmann::json>> out;
  if (!v.is_object() || v.empty()) {
    issues.push_back({pointer, "expected an object of JSON pointers to new values, e.g. {\"/optimizer/lr\": 0.1}, found " + describe(v)});
    return out;
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key().empty() || it.key()[0] != '/')
      issues.push_back({pointer + "/" + pointer_escape(it.key()), "expected a JSON pointer into the spec starting with '/', e.g. /optimizer/lr"});
    else if (it.key().rfind("/lesson", 0) == 0)
      issues.push_back({pointer + "/" + pointer_escape(it.key()), "a step changes the spec, not the lesson block"});
    else
      out.emplace_back(it.key(), it.value());
  }
  return out;
}

Action parse_action(const nlohmann::json& v, const std::string& pointer, std::vector<SpecIssue>& issues) {
  Action a;
  a.pointer = pointer;
  static const std::vector<std::string> kinds = {"train", "clamp", "clear_clamps", "set", "restart_with", "reset", "variants"};
  if (!v.is_object() || v.size() != 1) {
    issues.push_back({pointer, "expected an object with one action (" + join(kinds) + "), found " + describe(v)});
    return a;
  }
  a.kind = v.begin().key();
  const nlohmann::json& arg = v.begin().value();
  const std::string at = pointer + "/" + pointer_escape(a.kind);
  if (a.kind == "train") {
    if (!arg.is_number_integer() || arg.get<std::int64_t>() < 1 || arg.get<std::int64_t>() > 1'000'000)
      issues.push_back({at, "expected a number of training steps from 1 to 1000000, found " + describe(arg)});
    else
      a.steps = arg.get<std::int64_t>();
  } else if (a.kind == "clamp") {
    Reader r(arg, at, issues);
    a.gate = r.text("gate");
    a.value = r.number("value", 0, 1);
    a.layer = static_cast<int>(r.integer("layer", -1, 64, -1));
    a.direction = static_cast<int>(r.integer("direction", -1, 1, -1));
    r.finish();
  } else if (a.kind == "clear_clamps" || a.kind == "reset") {
    if (arg != true) issues.push_back({at, "expected true, found " + describe(arg)});
  } else if (a.kind == "set" || a.kind == "restart_with") {
    a.fields = fields_of(arg, at, issues);
  } else if (a.kind == "variants") {
    if (!arg.is_object() || arg.empty() || arg.size() > 8) {
      issues.push_back({at, "expected an object of 1 to 8 variants, label -> {pointer: value}, found " + describe(arg)});
      return a;
    }
    for (auto it = arg.begin(); it != arg.end(); ++it) {
      const std::string vat = at + "/" + pointer_escape(it.key());
      if (it.key().empty()) issues.push_back({vat, "a variant needs a label"});
      if (it.value().is_object() && it.value().empty()) a.variants.emplace_back(it.key(), decltype(a.fields){});
      else a.variants.emplace_back(it.key(), fields_of(it.value(), vat, issues));
    }
  } else {
    issues.push_back({pointer, "unknown action '" + a.kind + "' (allowed: " + join(kinds) + ")"});
  }
  return a;
}

Expectation parse_expectation(const nlohmann::json& v, const std::string& pointer, std::vector<SpecIssue>& issues) {
  Expectation e;
  e.pointer = pointer;
  Reader r(v, pointer, issues);
  if (!r.ok()) return e;
  e.what = r.text("what");
  if (const auto* q = r.raw("value")) {
    e.value = *q;
    check_quantity(*q, r.at("value"), issues);
  } else {
    r.issue("value", "is required (the quantity to measure, e.g. \"test.accuracy\"; docs/lessons.md)");
  }
  for (const auto& c : kComparisons)
    if (r.has(c)) {
      if (!e.op.empty()) r.issue(c, "one comparison per expectation; this one already has '" + e.op + "'");
      e.op = c;
    }
  if (e.op.empty()) {
    issues.push_back({pointer, "needs one comparison: " + join(kComparisons)});
  } else if (e.op == "between") {
    const auto* b = r.array("between", true);
    if (b && (b->size() != 2 || !(*b)[0].is_number() || !(*b)[1].is_number() || (*b)[0].get<double>() > (*b)[1].get<double>()))
      r.issue("between", "expected [low, high] with low <= high, found " + describe(*b));
    else if (b) {
      e.bound = (*b)[0].get<double>();
      e.upper = (*b)[1].get<double>();
    }
  } else {
    e.bound = r.number(e.op, -1e300, 1e300);
  }
  e.tolerance = r.number("tolerance", 0, 1e300, 0.0);
  if (r.has("tolerance") && e.op != "equals") r.issue("tolerance", "applies only to \"equals\"");
  r.finish();
  return e;
}

LessonStep parse_step(const nlohmann::json& v, const std::string& pointer, std::vector<SpecIssue>& issues) {
  LessonStep s;
  s.pointer = pointer;
  Reader r(v, pointer, issues);
  if (!r.ok()) return s;
  s.id = r.text("id", "");
  s.title = r.text("title");
  s.text = paragraphs(r, "text", true);
  s.view = r.text("view", "");
  if (const auto* p = r.object("predict", false)) {
    s.has_prediction = true;
    Reader pr(*p, r.at("predict"), issues);
    s.predict.prompt = pr.text("prompt");
    s.predict.choices = strings(pr, "choices", issues);
    if (s.predict.choices.size() < 2) pr.issue("choices", "a prediction needs at least two choices");
    s.predict.answer = static_cast<int>(pr.integer("answer", -1, 63, -1));
    if (s.predict.answer >= static_cast<int>(s.predict.choices.size()))
      pr.issue("answer", "is the index of a choice: 0 to " + std::to_string(s.predict.choices.size() - 1) + " (or -1 for none)");
    s.predict.explain = paragraphs(pr, "explain", false);
    pr.finish();
  }
  if (const auto* d = r.array("do", false))
    for (std::size_t i = 0; i < d->size(); ++i) s.actions.push_back(parse_action((*d)[i], r.at("do") + "/" + std::to_string(i), issues));
  if (const auto* rec = r.object("record", false))
    for (auto it = rec->begin(); it != rec->end(); ++it) {
      const std::string at = r.at("record") + "/" + pointer_escape(it.key());
      check_quantity(it.value(), at, issues);
      s.record.emplace_back(it.key(), it.value());
    }
  if (const auto* ex = r.array("expect", false))
    for (std::size_t i = 0; i < ex->size(); ++i)
      s.expect.push_back(parse_expectation((*ex)[i], r.at("expect") + "/" + std::to_string(i), issues));
  r.finish();
  return s;
}

// Every "$name" in q (at any depth) must be in `recorded`. A plain recursive function: a
// recursive std::function costs its wrapper classes in the wasm module.
void check_uses(const nlohmann::json& q, const std::string& at, const std::vector<std::string>& recorded,
                std::vector<SpecIssue>& issues) {
  if (q.is_string() && q.get<std::string>().rfind("$", 0) == 0 &&
      std::find(recorded.begin(), recorded.end(), q.get<std::string>().substr(1)) == recorded.end())
    issues.push_back({at, "\"" + q.get<std::string>() + "\" is not recorded by this or an earlier step (a step's \"record\" names values for later use)"});
  if (q.is_structured())
    for (auto it = q.begin(); it != q.end(); ++it) check_uses(it.value(), at, recorded, issues);
}

bool is_question_id(const std::string& q) {
  if (q.size() < 2 || q[0] != 'Q' || q[1] == '0' || q.size() > 3) return false;
  if (!std::all_of(q.begin() + 1, q.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  const int n = std::stoi(q.substr(1));
  return n >= 1 && n <= kCourseQuestions;
}

}  // namespace

std::string Expectation::expected() const {
  if (op == "between") return "between " + format_g(bound) + " and " + format_g(upper);
  std::string words = op;
  std::replace(words.begin(), words.end(), '_', ' ');
  return words + " " + format_g(bound) + (op == "equals" && tolerance > 0 ? " +- " + format_g(tolerance) : "");
}

bool Expectation::holds(double v) const {
  if (!std::isfinite(v)) return false;
  if (op == "below") return v < bound;
  if (op == "above") return v > bound;
  if (op == "at_most") return v <= bound;
  if (op == "at_least") return v >= bound;
  if (op == "equals") return std::fabs(v - bound) <= tolerance;
  if (op == "between") return v >= bound && v <= upper;
  return false;
}

nlohmann::json with_fields(const nlohmann::json& spec, const std::vector<std::pair<std::string, nlohmann::json>>& fields,
                           const std::string& where, std::vector<SpecIssue>& issues) {
  nlohmann::json out = spec;
  for (const auto& [pointer, value] : fields) {
    try {
      const nlohmann::json::json_pointer p(pointer);
      if (p.empty()) throw_invalid_argument("the pointer names the whole spec");
      if (!out.contains(p.parent_pointer()))
        throw_invalid_argument("the spec has no " + (p.parent_pointer().to_string().empty() ? std::string("root") : p.parent_pointer().to_string()));
      nlohmann::json& parent = out.at(p.parent_pointer());
      if (!parent.is_object() && !(parent.is_array() && out.contains(p)))
        throw_invalid_argument(p.parent_pointer().to_string() + " is not an object" +
                               (parent.is_array() ? " and the index is out of range" : ""));
      if (value.is_null()) {  // null removes the field, as in a JSON merge patch (RFC 7386)
        if (!parent.is_object() || !parent.contains(p.back())) throw_invalid_argument("there is no field to remove there");
        parent.erase(p.back());
      } else {
        out[p] = value;
      }
    } catch (const std::exception& e) {
      issues.push_back({where + "/" + pointer_escape(pointer), "cannot set " + pointer + ": " + e.what()});
    }
  }
  return out;
}

Lesson parse_lesson(const nlohmann::json& document) {
  std::vector<SpecIssue> issues;
  Lesson lesson;
  if (!document.is_object()) throw_spec_error("", "expected a lesson: a spec object with a \"lesson\" block, found " + describe(document));
  if (!document.contains("lesson")) throw_spec_error("/lesson", "is required: a lesson file is a spec with a \"lesson\" block (docs/lessons.md)");
  // The spec first (limits included): a lesson whose experiment is not valid cannot run
  // any step, and nothing below copies or walks a document that parse_spec refused.
  ExperimentSpec spec = parse_spec(document);
  lesson.spec_seed = spec.seed;
  lesson.spec = document;
  lesson.spec.erase("lesson");

  Reader r(document.at("lesson"), "/lesson", issues);
  if (!r.ok()) throw_spec_error(issues);
  lesson.format = static_cast<int>(r.integer("format", 1, kLessonFormat, 1));
  lesson.title = r.text("title");
  lesson.intro = paragraphs(r, lesson.format == 1 && r.has("text") ? "text" : "intro", lesson.format >= 2);
  lesson.views = strings(r, "views", issues);
  if (const auto* c = r.object("clamp", false)) {
    Reader cr(*c, r.at("clamp"), issues);
    cr.text("gate");
    cr.number("value", 0, 1, 0.0);
    cr.finish();
    lesson.clamp = *c;
  }
  if (lesson.format >= 2) {
    lesson.chapter = static_cast<int>(r.integer("chapter", 1, 10));
    lesson.questions = strings(r, "questions", issues);
    if (lesson.questions.empty() && !r.has("questions"))
      r.issue("questions", "is required: the COURSE.md question ids this lesson answers, e.g. [\"Q25\"]");
    for (std::size_t i = 0; i < lesson.questions.size(); ++i)
      if (!is_question_id(lesson.questions[i]))
        issues.push_back({r.at("questions") + "/" + std::to_string(i), "expected a question id Q1 ... Q" + std::to_string(kCourseQuestions) + ", found \"" + lesson.questions[i] + "\""});
    if (const auto* s = r.array("check_seeds", false)) {
      for (std::size_t i = 0; i < s->size(); ++i) {
        const auto& v = (*s)[i];
        if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0)) lesson.check_seeds.push_back(v.get<std::uint64_t>());
        else issues.push_back({r.at("check_seeds") + "/" + std::to_string(i), "expected a seed (an integer >= 0), found " + describe(v)});
      }
      if (s->empty() || s->size() > 10) r.issue("check_seeds", "expected 1 to 10 seeds");
    }
    if (const auto* steps = r.array("steps", true)) {
      if (steps->empty()) r.issue("steps", "a lesson needs at least one step");
      for (std::size_t i = 0; i < steps->size(); ++i) lesson.steps.push_back(parse_step((*steps)[i], r.at("steps") + "/" + std::to_string(i), issues));
    }
  }
  if (lesson.check_seeds.empty()) lesson.check_seeds = {lesson.spec_seed, lesson.spec_seed + 1, lesson.spec_seed + 2};
  r.finish({"text"});
  if (lesson.format >= 2 && r.has("text")) r.issue("text", "format 2 lessons have an \"intro\" and steps, not \"text\"");

  // Step ids are unique; a recorded name is used only from the step that records it on
  // (a step's actions run first, then its records, then its expectations).
  std::vector<std::string> ids, recorded;
  auto uses = [&](const nlohmann::json& q, const std::string& at) { check_uses(q, at, recorded, issues); };
  for (const auto& s : lesson.steps) {
    if (!s.id.empty()) {
      if (std::find(ids.begin(), ids.end(), s.id) != ids.end()) issues.push_back({s.pointer + "/id", "another step has the id \"" + s.id + "\""});
      ids.push_back(s.id);
    }
    for (const auto& [name, q] : s.record) uses(q, s.pointer + "/record/" + pointer_escape(name));
    for (const auto& [name, q] : s.record) recorded.push_back(name);
    for (const auto& e : s.expect) uses(e.value, e.pointer + "/value");
  }
  if (!issues.empty()) throw_spec_error(issues);

  // Every field a step changes must lead somewhere in the spec as the earlier steps left it.
  nlohmann::json changed = lesson.spec;
  for (const auto& s : lesson.steps)
    for (const auto& a : s.actions) {
      for (const auto& [label, fields] : a.variants) with_fields(changed, fields, a.pointer + "/variants/" + pointer_escape(label), issues);
      if (!a.fields.empty()) changed = with_fields(changed, a.fields, a.pointer + "/" + a.kind, issues);
    }
  if (!issues.empty()) throw_spec_error(issues);
  return lesson;
}

Lesson parse_lesson(const std::string& text) {
  // Limits (nesting, number range) are checked on the text before anything recursive.
  return parse_lesson(parse_json_text(text, "lesson"));
}

GRADLAB_END
