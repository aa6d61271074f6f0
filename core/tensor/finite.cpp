#include "tensor/finite.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

GRADLAB_BEGIN

std::int64_t first_non_finite(const Scalar* x, std::int64_t n) {
  using Bits = std::conditional_t<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits kExponent = sizeof(Scalar) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  constexpr std::int64_t kBlock = 256;
  for (std::int64_t start = 0; start < n; start += kBlock) {
    const std::int64_t end = std::min(n, start + kBlock);
    Bits any = 0;  // nonzero when some element of the block has an all-ones exponent
    for (std::int64_t i = start; i < end; ++i) {
      Bits b;
      std::memcpy(&b, x + i, sizeof b);
      any |= static_cast<Bits>((b & kExponent) == kExponent);
    }
    if (any)
      for (std::int64_t i = start; i < end; ++i)
        if (!std::isfinite(x[i])) return i;
  }
  return -1;
}

GRADLAB_END
