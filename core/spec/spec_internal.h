// Helpers shared by the spec's .cpp files (not part of the public API).
#pragma once

#include "spec/spec.h"

GRADLAB_BEGIN

LayerSpec parse_layer(const nlohmann::json& j, const std::string& pointer, std::vector<SpecIssue>& issues, int depth = 0);

GRADLAB_END
