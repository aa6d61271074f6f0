// Which build a module is ("simd", "relaxed" or "scalar"), for the module's flavour()
// function: compiled once per flavour (bindings/wasm/CMakeLists.txt), so the session
// bindings themselves are compiled once for every module of a build tree.
extern "C" const char* gradlab_wasm_flavour() { return GRADLAB_WASM_FLAVOUR; }
