// The one small set of SIMD helpers behind kernels/simd128 (ggml style): f32x4 operations
// with a __wasm_simd128__ branch, and for each vector function a scalar twin doing the same
// operations in the same order, used for the `// leftovers` tail of every loop and as the
// portable fallback (native builds compile this namespace only so tests can check it).
// Float only; the f64 build forwards every simd128 kernel to the reference.
//
// Accuracy of the approximations (relative to the exact value, measured over every float,
// see tests/kernels/simd128_test.cpp): exp, tanh and sigmoid within 2e-7 wherever the result
// is a normal float (a subnormal result is within one subnormal step). exp overflows to inf
// and underflows to 0 as std::exp does; tanh and sigmoid saturate to exactly +-1, 0 and 1;
// NaN in gives NaN out. No -ffast-math anywhere: the code relies on IEEE rounding.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "tensor/scalar.h"

GRADLAB_BEGIN
namespace kernels::simd128_detail {

// exp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split so n * kLn2Hi is exact),
// exp(r) from a degree-7 minimax polynomial (Cephes expf), then scaled by 2^n in two steps
// so a subnormal result is rounded once, like std::exp's.
inline constexpr float kExpMaxArg = 89.0f;    // exp(89) > FLT_MAX: the result is inf
inline constexpr float kExpMinArg = -104.0f;  // exp(-104) < 2^-150: the result is 0
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;  // 0x3f318000: 9 significant bits
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kExpP0 = 1.9875691500e-4f, kExpP1 = 1.3981999507e-3f, kExpP2 = 8.3334519073e-3f,
                       kExpP3 = 4.1665795894e-2f, kExpP4 = 1.6666665459e-1f, kExpP5 = 5.0000001201e-1f;
// tanh on |x| < kTanhSmall: x + x^3 P(x^2) (Cephes tanhf); above it, (e - 1) / (e + 1) with
// e = exp(2|x|), in float (one f32x4 division; the two f64x2 divisions this once took cost
// a fifth of the LSTM cell's time, for 5e-8 of accuracy the 2e-7 bound does not need).
// |x| is capped at kTanhBig first (tanh(10) rounds to 1.0f) so e stays finite: inf / inf is NaN.
inline constexpr float kTanhSmall = 0.625f, kTanhBig = 10.0f;
inline constexpr float kTanhP0 = -5.70498872745e-3f, kTanhP1 = 2.06390887954e-2f, kTanhP2 = -5.37397155531e-2f,
                       kTanhP3 = 1.33314422036e-1f, kTanhP4 = -3.33332819422e-1f;

// ---- scalar twins (leftovers and the portable fallback) ----

// std::bit_cast, which Emscripten 3.1.6's libc++ lacks.
template <class To, class From>
inline To bit_cast(From from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

// 2^n for an integer n in [-126, 127], built from its bits.
inline float pow2i(std::int32_t n) { return bit_cast<float>(static_cast<std::uint32_t>(n + 127) << 23); }

// exp(r) = 1 + r + r^2 P(r), P of degree 5 evaluated by Estrin's scheme,
// (P0 r + P1) r^4 + ((P2 r + P3) r^2 + (P4 r + P5)): the same operations as Horner's but a
// dependency chain of 6 instead of 10, which is what sigmoid and tanh wait on (exp 15%,
// the LSTM and GRU cells 7-11% faster in node than with Horner; as accurate, other bits).
inline float exp_poly(float r) {
  const float r2 = r * r, r4 = r2 * r2;
  const float p = (kExpP0 * r + kExpP1) * r4 + ((kExpP2 * r + kExpP3) * r2 + (kExpP4 * r + kExpP5));
  return p * r2 + r + 1.0f;
}

// exp(x) = 2^n p: returns p = exp(r) and sets n (NaN gives n = 0; the result is NaN anyway).
inline float exp1_split(float x, std::int32_t& n_out) {
  const float n = std::nearbyint(x * kLog2e);
  const float r = (x - n * kLn2Hi) - n * kLn2Lo;
  n_out = n == n ? static_cast<std::int32_t>(n) : 0;
  return exp_poly(r);
}

inline float exp1(float x) {
  x = x < kExpMinArg ? kExpMinArg : x;  // NaN passes through both clamps
  x = kExpMaxArg < x ? kExpMaxArg : x;
  std::int32_t ni;
  const float p = exp1_split(x, ni);
  const std::int32_t n1 = ni >> 1, n2 = ni - n1;
  return (p * pow2i(n1)) * pow2i(n2);
}

// exp1 for x in [0, 20] (or NaN), as tanh's large branch asks: no clamps, and 2^n (n <= 29)
// applied in one step. A product by a power of two that neither overflows nor leaves the
// normal range is exact, so the result is exp1's bit for bit, with fewer operations.
inline float exp1_0_20(float x) {
  std::int32_t ni;
  const float p = exp1_split(x, ni);
  return p * pow2i(ni);
}

// |x| -> tanh(|x|); the caller restores the sign.
inline float tanh_abs1(float a) {
  const float z = a * a;
  float p = kTanhP0 * z + kTanhP1;
  p = p * z + kTanhP2;
  p = p * z + kTanhP3;
  p = p * z + kTanhP4;
  const float small = p * z * a + a;
  const float b = kTanhBig < a ? kTanhBig : a;  // NaN passes through
  const float e = exp1_0_20(b + b);
  const float large = (e - 1.0f) / (e + 1.0f);
  return a < kTanhSmall ? small : large;
}

inline float tanh1(float x) {
  const std::uint32_t sign = bit_cast<std::uint32_t>(x) & 0x80000000u;
  const float a = bit_cast<float>(bit_cast<std::uint32_t>(x) & 0x7fffffffu);
  return bit_cast<float>(bit_cast<std::uint32_t>(tanh_abs1(a)) | sign);
}

// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|) <= 1,
// so nothing overflows; in float, as tanh.
inline float sigmoid1(float x) {
  const float a = bit_cast<float>(bit_cast<std::uint32_t>(x) & 0x7fffffffu);
  const float e = exp1(-a);
  const float num = x >= 0 ? 1.0f : e;
  return num / (1.0f + e);
}

#if defined(__wasm_simd128__)
// ---- f32x4 helpers ----
using f32x4 = v128_t;

inline f32x4 vld(const float* p) { return wasm_v128_load(p); }
inline void vst(float* p, f32x4 v) { wasm_v128_store(p, v); }
inline f32x4 vsplat(float x) { return wasm_f32x4_splat(x); }
inline f32x4 vadd(f32x4 a, f32x4 b) { return wasm_f32x4_add(a, b); }
inline f32x4 vsub(f32x4 a, f32x4 b) { return wasm_f32x4_sub(a, b); }
inline f32x4 vmul(f32x4 a, f32x4 b) { return wasm_f32x4_mul(a, b); }
inline f32x4 vdiv(f32x4 a, f32x4 b) { return wasm_f32x4_div(a, b); }
// a * x + b, unfused (wasm SIMD has no FMA): the same roundings as the scalar twin.
inline f32x4 vmadd(f32x4 a, f32x4 x, f32x4 b) { return wasm_f32x4_add(wasm_f32x4_mul(a, x), b); }
// a * x + b for the GEMM's inner loops (micro-kernel, dot, axpy). Compiled with
// -mrelaxed-simd (the "relaxed" flavour's copy of gemm_simd128.cpp, bindings/wasm), it is
// relaxed SIMD's f32x4.relaxed_madd: one rounding where the CPU has FMA (x86 with FMA3, every
// arm64), 1.2x the GEMM rate on this project's Intel VM (docs/wasm.md, "Relaxed SIMD"). LLVM 14
// spells it __builtin_wasm_fma_f32x4 and emits the proposal's early opcode;
// cmake/wasm/relaxed_simd.py gives the linked module the final one. Elsewhere vmadd.
#if defined(__wasm_relaxed_simd__)
inline f32x4 vfmadd(f32x4 a, f32x4 x, f32x4 b) { return __builtin_wasm_fma_f32x4(a, x, b); }
#else
inline f32x4 vfmadd(f32x4 a, f32x4 x, f32x4 b) { return vmadd(a, x, b); }
#endif

// The two halves of an f32x4 in double, and back (exact, then one rounding per lane).
inline v128_t promote_lo(f32x4 v) { return wasm_f64x2_promote_low_f32x4(v); }
inline v128_t promote_hi(f32x4 v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }
inline f32x4 demote(v128_t lo, v128_t hi) {
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// Sum of the four lanes, in double (reductions keep their partial sums in double).
inline double hsum(f32x4 v) {
  return (double(wasm_f32x4_extract_lane(v, 0)) + double(wasm_f32x4_extract_lane(v, 1))) +
         (double(wasm_f32x4_extract_lane(v, 2)) + double(wasm_f32x4_extract_lane(v, 3)));
}

// ---- the constants of exp4, tanh4 and sigmoid4, loaded once per kernel call ----
// A kernel that calls them starts with `const VConsts k = VConsts::load();` and passes k
// down. Node 20's V8 builds each v128.const once ahead of the loop (a 64-bit move and two
// vector instructions, seen with --print-wasm-code); Chromium 156's ran the same kernels
// as if it built them at every use inside the loop (its code cannot be printed here).
// Read from memory through a pointer no compiler can see through, they are plain values
// in both engines, held across the loop: Chromium's LSTM cell 125 -> 111 cycles per four
// units (B = 32, H = 128), node's the same. The same values and operations: bit for bit the old results
// (core/kernels/simd128/README.md, "Constants in Chromium").
alignas(16) inline constexpr float kVConstValues[] = {
    kLog2e, 12582912.0f, kLn2Hi,     kLn2Lo,  kExpP0,  kExpP1,  kExpP2,  kExpP3,  kExpP4,     kExpP5,  1.0f,
    -0.0f,  kExpMinArg,  kExpMaxArg, kTanhP0, kTanhP1, kTanhP2, kTanhP3, kTanhP4, kTanhSmall, kTanhBig};
// volatile: its value is read at run time, so neither LLVM (under LTO) nor V8 folds the
// loads back into constants.
inline const float* volatile vconst_values = kVConstValues;

struct VConsts {
  // 1.5 * 2^23 (`shift`) and 1.0f are also used for their bits; `sign` is -0.0f, the sign bit.
  f32x4 log2e, shift, ln2_hi, ln2_lo, p0, p1, p2, p3, p4, p5, one, sign, exp_min, exp_max, t0, t1, t2, t3, t4,
      tanh_small, tanh_big;
  // The same values as v128.const (what a kernel not worth the code size of load() uses).
  static VConsts immediate() {
    return from([](int i) { return vsplat(kVConstValues[i]); });
  }
  static VConsts load() {
    const float* c = vconst_values;
    return from([c](int i) { return wasm_v128_load32_splat(c + i); });
  }

 private:
  // The members in kVConstValues' order: at(i) gives the i-th.
  template <class At>
  static VConsts from(At at) {
    return {at(0),  at(1),  at(2),  at(3),  at(4),  at(5),  at(6),  at(7),  at(8),  at(9), at(10),
            at(11), at(12), at(13), at(14), at(15), at(16), at(17), at(18), at(19), at(20)};
  }
};

// exp1_split, four lanes at a time.
inline f32x4 exp4_split(f32x4 x, v128_t& n_out, const VConsts& k) {
  // n = nearest(x log2e): |x log2e| < 2^22, so adding 1.5 * 2^23 rounds it to a whole number
  // (ties to even, as nearest: 1.5 * 2^23 is even) and subtracting it again is exact.
  const f32x4 shifted = vadd(vmul(x, k.log2e), k.shift);
  const f32x4 n = vsub(shifted, k.shift);
  const f32x4 r = vsub(vsub(x, vmul(n, k.ln2_hi)), vmul(n, k.ln2_lo));
  const f32x4 r2 = vmul(r, r), r4 = vmul(r2, r2);
  const f32x4 p = vadd(vmul(vmadd(k.p0, r, k.p1), r4), vmadd(vmadd(k.p2, r, k.p3), r2, vmadd(k.p4, r, k.p5)));
  // n as an integer: the shifted sum holds n in its low mantissa bits, so subtracting the
  // bits of 1.5 * 2^23 leaves it (i32x4.trunc_sat costs V8 five instructions on x64, this one).
  n_out = wasm_i32x4_sub(shifted, k.shift);
  return vadd(vadd(vmul(p, r2), r), k.one);
}

// 2^n as a float for whole n in [-126, 127]: (n + 127) << 23, written (n << 23) + (127 << 23)
// (the same bits modulo 2^32), and 127 << 23 is the bits of 1.0f.
inline f32x4 pow2i4(v128_t n, const VConsts& k) { return wasm_i32x4_add(wasm_i32x4_shl(n, 23), k.one); }

// exp of x already clamped to [kExpMinArg, kExpMaxArg]: 2^n applied in two factors, so
// results down to the subnormals come out right.
inline f32x4 exp4_in_range(f32x4 x, const VConsts& k) {
  v128_t ni;
  const f32x4 p = exp4_split(x, ni, k);
  const v128_t n1 = wasm_i32x4_shr(ni, 1), n2 = wasm_i32x4_sub(ni, n1);
  return vmul(vmul(p, pow2i4(n1, k)), pow2i4(n2, k));
}

// pmax/pmin keep the first operand when the comparison is false, so NaN passes through.
inline f32x4 exp4(f32x4 x, const VConsts& k) {
  return exp4_in_range(wasm_f32x4_pmin(wasm_f32x4_pmax(x, k.exp_min), k.exp_max), k);
}

// exp4 for x <= 0 (or NaN), as sigmoid4 needs: the upper clamp would change nothing.
inline f32x4 exp4_nonpositive(f32x4 x, const VConsts& k) { return exp4_in_range(wasm_f32x4_pmax(x, k.exp_min), k); }

// exp4 for x in [0, 20] (or NaN): exp1_0_20's operations, four lanes at a time.
inline f32x4 exp4_0_20(f32x4 x, const VConsts& k) {
  v128_t ni;
  const f32x4 p = exp4_split(x, ni, k);
  return vmul(p, pow2i4(ni, k));
}

inline f32x4 tanh4(f32x4 x, const VConsts& k) {
  const v128_t sign = wasm_v128_and(x, k.sign);
  const f32x4 a = wasm_v128_andnot(x, k.sign);  // |x|
  const f32x4 z = vmul(a, a);
  f32x4 p = vmadd(k.t0, z, k.t1);
  p = vmadd(p, z, k.t2);
  p = vmadd(p, z, k.t3);
  p = vmadd(p, z, k.t4);
  const f32x4 small = vadd(vmul(vmul(p, z), a), a);
  const f32x4 b = wasm_f32x4_pmin(a, k.tanh_big);  // NaN passes through
  const f32x4 e = exp4_0_20(vadd(b, b), k);
  const f32x4 large = vdiv(vsub(e, k.one), vadd(e, k.one));
  const f32x4 t = wasm_v128_bitselect(small, large, wasm_f32x4_lt(a, k.tanh_small));
  return wasm_v128_or(t, sign);
}

// -|x| is x with its sign bit set (one v128.or; f32x4.neg of |x| costs V8 four instructions
// on x64). The numerator is 1 for x >= 0 and e otherwise: e is in [0, 1] (or NaN), so
// pmax(e, x >= 0 ? 1 : 0) picks it with one and and one max instead of a three-instruction
// bitselect (pmax keeps e when the comparison is false, so NaN passes through).
inline f32x4 sigmoid4(f32x4 x, const VConsts& k) {
  const f32x4 e = exp4_nonpositive(wasm_v128_or(x, k.sign), k);
  const f32x4 num = wasm_f32x4_pmax(e, wasm_v128_and(wasm_f32x4_ge(x, vsplat(0.0f)), k.one));
  return vdiv(num, vadd(k.one, e));
}
#else
// Without SIMD the scalar twins use their constants as literals: VConsts carries nothing.
struct VConsts {
  static VConsts load() { return {}; }
  static VConsts immediate() { return {}; }
};
#endif  // __wasm_simd128__

// ---- lane-generic code: one body for the f32x4 loop and the scalar leftovers ----
// A body written as a generic lambda `[&](auto L, std::int64_t j) { ... }` loads with
// L.load / L.splat and computes with the v* functions, which have float and f32x4
// overloads; for_lanes runs it four lanes at a time, then one lane at a time.
inline float vadd(float a, float b) { return a + b; }
inline float vsub(float a, float b) { return a - b; }
inline float vmul(float a, float b) { return a * b; }
inline float vsigmoid(float x, const VConsts&) { return sigmoid1(x); }
inline float vtanh(float x, const VConsts&) { return tanh1(x); }
inline float vpositive_or_zero(float h, float v) { return 0.0f < h ? v : 0.0f; }  // h > 0 ? v : 0

struct Lanes1 {
  static constexpr int width = 1;
  static float load(const float* p) { return *p; }
  static void store(float* p, float v) { *p = v; }
  static float splat(float x) { return x; }
};

#if defined(__wasm_simd128__)
inline f32x4 vsigmoid(f32x4 x, const VConsts& k) { return sigmoid4(x, k); }
inline f32x4 vtanh(f32x4 x, const VConsts& k) { return tanh4(x, k); }
inline f32x4 vpositive_or_zero(f32x4 h, f32x4 v) { return wasm_v128_and(v, wasm_f32x4_lt(vsplat(0.0f), h)); }

struct Lanes4 {
  static constexpr int width = 4;
  static f32x4 load(const float* p) { return vld(p); }
  static void store(float* p, f32x4 v) { vst(p, v); }
  static f32x4 splat(float x) { return vsplat(x); }
};
#endif

template <class Body>
inline void for_lanes(std::int64_t n, Body body) {
  std::int64_t j = 0;
#if defined(__wasm_simd128__)
  for (; j + 4 <= n; j += 4) body(Lanes4{}, j);
#endif
  // leftovers
  for (; j < n; ++j) body(Lanes1{}, j);
}

}  // namespace kernels::simd128_detail
GRADLAB_END
