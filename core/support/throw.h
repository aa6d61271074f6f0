// Throwing std::invalid_argument (logic_error, out_of_range) through one out-of-line function
// instead of a `throw std::invalid_argument(message)` at each site. A throw expression allocates the
// exception object before the message is built, so every site carries its own clean-up
// code for each temporary of the message (free the exception, destroy the strings built so
// far); with a call, the message is an ordinary argument. Same type, same message: callers
// catch exactly what they caught before. In the wasm module this is ~150 bytes less per
// site (docs/wasm.md, "Sizes").
#pragma once

#include <stdexcept>
#include <string>

#include "tensor/scalar.h"

GRADLAB_BEGIN

[[noreturn]] [[gnu::noinline]] inline void throw_invalid_argument(const std::string& what) { throw std::invalid_argument(what); }
[[noreturn]] [[gnu::noinline]] inline void throw_invalid_argument(const char* what) { throw std::invalid_argument(what); }
[[noreturn]] [[gnu::noinline]] inline void throw_logic_error(const std::string& what) { throw std::logic_error(what); }
[[noreturn]] [[gnu::noinline]] inline void throw_out_of_range(const std::string& what) { throw std::out_of_range(what); }

GRADLAB_END
