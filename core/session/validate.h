// Spec checking for an editor, and the dataset catalog, as plain JSON: what the playground
// asks on every keystroke, so nothing here allocates a model (the data is made, capped at
// a few thousand rows, only to learn its shapes and vocabularies).
//
//   nlohmann::json r = validate_spec(text);   // {"ok", "issues", "layers", "input_shape", "total_parameters"}
//   nlohmann::json d = datasets_json();       // [{"name", "task", "description", "options"}]
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"
#include "tensor/scalar.h"

GRADLAB_BEGIN

// Never throws for a bad spec. ok is false when any issue was found; issues are
// [{"pointer", "message"}] (invalid JSON: pointer "" with line and column). layers are
// [{"pointer", "type", "output", "parameters", "formula"}]: for a sequential model its
// spec layers (/model/layers/k, residual bodies inside), for seq2seq the pieces of the
// encoder-decoder (/model/encoder/embedding, /model/encoder/rnn, /model/decoder/embedding,
// /model/decoder/rnn, /model/attention, /model/decoder/combine, /model/decoder/out), for a
// gan the Sequential layers of each player (/model/generator/layers/k,
// /model/discriminator/layers/k; k is the index in the parameter names "generator.k.weight").
// input_shape is the model's input with the batch first ([B, ...]; B = min(batch_size, N)):
// the data (sequential), the source ids [B, S] (seq2seq) or the noise [B, Z] (gan); null
// when it is not known. total_parameters sums the layers.
nlohmann::json validate_spec(const std::string& text);

// The model a parsed spec describes, summarised against its data (made capped, as above)
// with every limit checked: the parameter count, a first embedding's rows against the
// token ids, and the activation memory of a training step and of an evaluation pass
// (spec.h). validate_spec and the Session both call it, so they refuse the same specs with
// the same words. `input` gets the model's input shape (empty if the data could not be made).
std::vector<LayerSummary> check_model(const ExperimentSpec& spec, Shape& input, std::vector<SpecIssue>& issues);

// Every built-in dataset: {"name", "task" ("auto" for csv: it follows csv_task or the
// target column), "family", "description", "options": [{"name", "type", "default", "min",
// "max", "description", "required"?, "choices"?}]}. type is "int", "number", "string"
// (text and choices), "number[]" (coefficients) or "points" ([[x, y] or [x, y, label]]);
// min and max bound the value of int and number options.
nlohmann::json datasets_json();

GRADLAB_END
