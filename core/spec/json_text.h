// JSON text -> nlohmann::json with gradlab's limits checked on the raw text first, so
// nothing recursive ever sees a hostile document. Every error names line and column.
//
//   nlohmann::json doc = parse_json_text(text, "spec");  // SpecError on any problem
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"

GRADLAB_BEGIN

// The deepest nesting of arrays and objects a spec or checkpoint may have. The deepest
// real document is a spec with residual blocks nested 8 deep (about 20 levels) or a
// tensor of rank 8 inside a checkpoint (about 12); 64 leaves room for hand-written specs.
// nlohmann::json copies, compares and dumps recursively: a 70,000-deep document
// overflows the native stack, about 3,800 the wasm one, so this check runs on the text,
// iteratively, before anything parses it.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` (a `what`: "spec", "checkpoint") after scanning it once without
// recursion. Throws SpecError for nesting deeper than kMaxJsonDepth (with the JSON
// pointer of the container that goes too deep), a number beyond double's range (1e400)
// and syntax errors, each with its line and column.
nlohmann::json parse_json_text(const std::string& text, const std::string& what);

// nlohmann::json::parse(text), strict and throwing the same parse_error, without its
// callback parser: parse() takes its callback at run time, so both of its DOM builders are
// compiled in (about 1 KB gzipped of the wasm module, docs/wasm.md "Sizes"). Every parse
// in core/ and the bindings goes through here (the limits above are not checked).
nlohmann::json parse_json(const std::string& text);

// The same depth limit for a document that is already parsed (checked iteratively);
// throws SpecError naming the pointer of the first container that goes too deep.
void check_json_depth(const nlohmann::json& document);

GRADLAB_END
