// Helpers shared by the spec's .cpp files (not part of the public API).
#pragma once

#include "spec/spec.h"

GRADLAB_BEGIN

LayerSpec parse_layer(const nlohmann::json& j, const std::string& pointer, std::vector<SpecIssue>& issues, int depth = 0);

// The fields of model kinds other than "sequential", read from the model object.
void parse_seq2seq_model(Reader& model, nlohmann::json& config);
void parse_gan_model(Reader& model, nlohmann::json& config, std::vector<SpecIssue>& issues);

GRADLAB_END
