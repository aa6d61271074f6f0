// JSON helpers shared by the probes: every snapshot is plain data (shapes, numbers,
// labels), so the session can hand it out unchanged. Non-finite numbers become null
// (nlohmann's dump does that), which a view shows as "no value".
//
// The probes build objects key by key (`o["key"] = value`), not from initializer lists
// (`{{"key", value}, ...}`): each list is an array of json_ref temporaries with an exception
// cleanup per element, about 3x the wasm code at every site (docs/wasm.md "Sizes"). The
// JSON is the same: nlohmann's objects are sorted maps.
#pragma once

#include <nlohmann/json.hpp>

#include "tensor/tensor.h"

GRADLAB_BEGIN

// {"shape": [...], "data": [...]} in row-major order, the layout spec/ reads back; an
// undefined Tensor is null.
nlohmann::json tensor_json(const Tensor& t);

GRADLAB_END
