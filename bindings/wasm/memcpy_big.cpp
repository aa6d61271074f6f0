// memcpy of 512 bytes and more, in the module itself. Emscripten 3.1.6's libc memcpy hands
// every such copy to JS (`emscripten_memcpy_big`, an import: HEAPU8.copyWithin), and the
// recurrent layers copy rows of that size thousands of times a step: the [T, B, H] -> [B, T, H]
// reorder of a sequence's output and the reverse one of its gradient (rows of H floats,
// 512 bytes for H = 128: 1600 rows each way in the benchmark's step). A wasm-to-JS call per row was 1-2% of the LSTM/GRU benchmark steps in node's
// profile (tests/bench/compare). Defined here, the symbol is resolved inside the module and
// the import goes away: 64 bytes per iteration with v128 loads and stores.
//
// -mbulk-memory (memory.copy for every memcpy) was tried instead and left off: V8 calls out
// for each small memory.copy too, and the MLP step got 2-3% slower (docs/wasm.md, "Flags").
#include <cstddef>
#include <cstdint>

#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
#include <wasm_simd128.h>

// no_builtin: the loop below must not be recognised as a memcpy and turned back into a call
// to memcpy, which would call this function again.
extern "C" __attribute__((no_builtin("memcpy", "memmove"))) void* emscripten_memcpy_big(void* __restrict dest,
                                                                                        const void* __restrict src,
                                                                                        std::size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const auto* s = static_cast<const unsigned char*>(src);
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const v128_t a = wasm_v128_load(s + i), b = wasm_v128_load(s + i + 16), c = wasm_v128_load(s + i + 32),
                 e = wasm_v128_load(s + i + 48);
    wasm_v128_store(d + i, a);
    wasm_v128_store(d + i + 16, b);
    wasm_v128_store(d + i + 32, c);
    wasm_v128_store(d + i + 48, e);
  }
  for (; i + 16 <= n; i += 16) wasm_v128_store(d + i, wasm_v128_load(s + i));
  // The last 1-15 bytes as one 16-byte copy ending at n (n >= 16 here: libc calls this for
  // n >= 512; the regions do not overlap, so copying a few bytes twice is harmless).
  if (i < n) {
    if (n >= 16) {
      wasm_v128_store(d + n - 16, wasm_v128_load(s + n - 16));
    } else {
      for (; i < n; ++i) d[i] = s[i];
    }
  }
  return dest;
}
#endif
