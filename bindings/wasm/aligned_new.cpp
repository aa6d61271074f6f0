// Global operator new for the wasm modules: 16-byte aligned blocks, whichever allocator
// (GRADLAB_WASM_MALLOC) is linked. Emscripten's dlmalloc (3.1.6) aligns to 8 bytes only, so
// a tensor's data, a packed GEMM panel or a scratch buffer started on an 8-byte boundary
// half the time, and then one in four of the simd128 kernels' 16-byte loads and stores
// crossed a cache line. Aligned, a GRU training step of the benchmark (tests/bench/compare)
// ran 1.5-1.8% faster in node and an LSTM step 0.3-0.5% (the two modules alternated in one
// process, medians of 40 steps); 64-byte alignment measured the same as 16. The operator
// delete that libc++ provides frees with free(), which takes these blocks too. Native builds
// keep their allocator (glibc's is already 16-byte aligned).
#include <cstdint>
#include <cstdlib>
#include <new>

void* operator new(std::size_t n) {
  // aligned_alloc wants a multiple of the alignment; n = 0 still gets a distinct block.
  if (n <= SIZE_MAX - 15)
    if (void* p = std::aligned_alloc(16, n == 0 ? 16 : (n + 15) / 16 * 16)) return p;
  throw std::bad_alloc();
}

void* operator new[](std::size_t n) { return ::operator new(n); }
