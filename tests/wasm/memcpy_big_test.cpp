// bindings/wasm/memcpy_big.cpp: the module's own emscripten_memcpy_big (libc's memcpy calls it
// for 512 bytes and more, in place of an import from JS). Every length from 0 to past a few
// 64-byte blocks and some large ones, at every offset of source and destination within 16
// bytes: the copy is exact, nothing outside [dest, dest + n) is written, and dest is
// returned. Then memcpy itself through libc, which reaches it for large copies.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" void* emscripten_memcpy_big(void* dest, const void* src, std::size_t n);

namespace {

constexpr unsigned char kGuard = 0xA5;

void check_copy(std::size_t n, std::size_t src_off, std::size_t dst_off, bool via_memcpy) {
  std::vector<unsigned char> src(n + 32), dst(n + 64, kGuard);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>((i * 131 + n) % 251);
  unsigned char* d = dst.data() + 16 + dst_off;
  void* r = via_memcpy ? std::memcpy(d, src.data() + src_off, n) : emscripten_memcpy_big(d, src.data() + src_off, n);
  ASSERT_EQ(r, d) << "n=" << n;
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_EQ(d[i], src[src_off + i]) << "n=" << n << " src+" << src_off << " dst+" << dst_off << " at " << i;
  for (std::size_t i = 0; i < dst.size(); ++i) {
    const bool inside = i >= 16 + dst_off && i < 16 + dst_off + n;
    if (!inside) ASSERT_EQ(dst[i], kGuard) << "n=" << n << " wrote outside the destination at " << i;
  }
}

TEST(MemcpyBig, EveryLengthAndOffset) {
  for (std::size_t n = 0; n <= 300; ++n)
    for (std::size_t s : {0u, 1u, 3u, 4u, 8u, 15u})
      for (std::size_t d : {0u, 1u, 2u, 7u, 12u}) check_copy(n, s, d, false);
}

TEST(MemcpyBig, LargeCopies) {
  for (std::size_t n : {511u, 512u, 513u, 527u, 575u, 576u, 1000u, 1024u, 4099u, 65536u + 5, (1u << 20) + 33})
    for (std::size_t s : {0u, 5u})
      for (std::size_t d : {0u, 9u}) {
        check_copy(n, s, d, false);
        check_copy(n, s, d, true);  // libc's memcpy (calls emscripten_memcpy_big from 512 bytes)
      }
}

}  // namespace
