// GEMM for the wasm simd128 kernels: C = alpha op(A) op(B) + beta C, blocked as in GotoBLAS.
// Blocks of op(A) and op(B) are copied ("packed") into contiguous panels in the order the
// micro-kernel reads them, so the four transpose variants differ only in packing and share
// one register-tiled f32x4 micro-kernel: 4x8 (TOOLCHAIN.md: fastest in node without FMA),
// 5x8 in the relaxed flavour (compiled with -mrelaxed-simd, fused multiply-adds), with 2 x 16
// tiles for the 1-2 rows a block's height leaves below its 5-row tiles.
//
// Shape letters: M, N, K as in kernels.h (C is M x N, op(A) M x K, op(B) K x N);
// MR x NR is the register tile, MC x KC the packed block of op(A), KC x NC that of op(B).
#include <algorithm>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/packed_gemm.h"
#include "kernels/simd128/simd128.h"

#if !(defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE)  // f64 builds: kernels_simd128.cpp forwards to ref

GRADLAB_BEGIN
namespace kernels::simd128 {

namespace {

using Index = std::int64_t;
#if defined(__wasm_relaxed_simd__)
// The relaxed flavour: 5x8, ten accumulators. With fused multiply-adds a 4x8 tile's eight
// FMA chains cannot keep both FMA ports busy (~1.75 FMAs per cycle measured; ten reach 2.0).
// Rows 0-3 of a k step are splatted from one f32x4 load by shuffles, row 4 by a splat load:
// node 20's V8 issues every load of a k step before its FMAs, and five splat loads would need
// 17 vector registers of its 15 (README.md, "Where the relaxed 4x8 stopped").
constexpr Index MR = 5, NR = 8;
constexpr Index KC = 256, MC = 120, NC = 1024;  // MC a multiple of MR
#else
constexpr Index MR = 4, NR = 8;
// KC x NR floats of op(B) (8 KiB) stay in L1 while MC x KC of op(A) (128 KiB) streams from L2.
// Measured flat within 2% in node for KC in 128..512, MC in 64..256 (n = 256, 512).
constexpr Index KC = 256, MC = 128, NC = 1024;
#endif

#if defined(__wasm_simd128__)
// 4x4 transpose of the rows x0..x3: lane r of output k is lane k of x_r.
inline void transpose4(v128_t& x0, v128_t& x1, v128_t& x2, v128_t& x3) {
  const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
  const v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
  x0 = wasm_i64x2_shuffle(t0, t1, 0, 2);
  x1 = wasm_i64x2_shuffle(t0, t1, 1, 3);
  x2 = wasm_i64x2_shuffle(t2, t3, 0, 2);
  x3 = wasm_i64x2_shuffle(t2, t3, 1, 3);
}
#endif

// Packing is O(n^2) against the product's O(n^3), but written one float at a time it cost
// 5-10% of an n = 256 GEMM in node; full panels are therefore copied with f32x4 loads and
// stores (4x4 transposes where op(X) is read across its rows), the edge panels as before.

// Rows [i0, i0 + mc) x columns [p0, p0 + kc) of op(A) into MR-row micro-panels: panel s
// holds op(A)(i0 + s + r, p0 + k) at pa[s * kc + k * MR + r]; rows past the block are zero.
void pack_a(bool trans_a, const float* A, Index lda, Index i0, Index mc, Index p0, Index kc, float* pa) {
  for (Index s = 0; s < mc; s += MR) {
    const Index rows = std::min(MR, mc - s);
    float* dst = pa + s * kc;
    if (trans_a) {  // op(A)(i, k) = A[k * lda + i]: the MR values of one k are adjacent
      const float* src = A + p0 * lda + i0 + s;
#if defined(__wasm_simd128__)
      if (rows == MR) {
        for (Index k = 0; k < kc; ++k, src += lda, dst += MR) {
          simd128_detail::vst(dst, simd128_detail::vld(src));
          for (Index r = 4; r < MR; ++r) dst[r] = src[r];  // MR = 5: the fifth row
        }
        continue;
      }
#endif
      for (Index k = 0; k < kc; ++k, src += lda, dst += MR) {
        for (Index r = 0; r < rows; ++r) dst[r] = src[r];
        for (Index r = rows; r < MR; ++r) dst[r] = 0;
      }
    } else {  // op(A)(i, k) = A[i * lda + k]: MR rows, each contiguous, interleaved
      const float* src = A + (i0 + s) * lda + p0;
      Index k = 0;
#if defined(__wasm_simd128__)
      if (rows == MR) {
        using namespace simd128_detail;
        for (; k + 4 <= kc; k += 4) {
          v128_t x0 = vld(src + k), x1 = vld(src + lda + k), x2 = vld(src + 2 * lda + k), x3 = vld(src + 3 * lda + k);
          transpose4(x0, x1, x2, x3);  // x_j: rows 0-3 at k + j
          float* d = dst + k * MR;
          vst(d, x0), vst(d + MR, x1), vst(d + 2 * MR, x2), vst(d + 3 * MR, x3);
          for (Index j = 0; j < 4; ++j)  // MR = 5: the fifth row
            for (Index r = 4; r < MR; ++r) d[j * MR + r] = src[r * lda + k + j];
        }
      }
#endif
      // leftovers (and the portable fallback)
      for (Index r = 0; r < rows; ++r)
        for (Index kk = k; kk < kc; ++kk) dst[kk * MR + r] = src[r * lda + kk];
      for (Index r = rows; r < MR; ++r)
        for (Index kk = k; kk < kc; ++kk) dst[kk * MR + r] = 0;
    }
  }
}

// Rows [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into NR-column micro-panels: panel s
// holds op(B)(p0 + k, j0 + s + c) at pb[s * kc + k * NR + c]; columns past the block are zero.
// Not inlined: called once per KC x NC block, from the GEMM and from pack_b_panels (PackedB),
// and one copy of it is 3.4 KB of the module.
[[gnu::noinline]] void pack_b(bool trans_b, const float* B, Index ldb, Index p0, Index kc, Index j0, Index nc,
                              float* pb) {
  for (Index s = 0; s < nc; s += NR) {
    const Index cols = std::min(NR, nc - s);
    float* dst = pb + s * kc;
    if (!trans_b) {  // op(B)(k, j) = B[k * ldb + j]: the NR values of one k are adjacent
      const float* src = B + p0 * ldb + j0 + s;
#if defined(__wasm_simd128__)
      if (cols == NR) {
        using namespace simd128_detail;
        for (Index k = 0; k < kc; ++k, src += ldb, dst += NR) vst(dst, vld(src)), vst(dst + 4, vld(src + 4));
        continue;
      }
#endif
      for (Index k = 0; k < kc; ++k, src += ldb, dst += NR) {
        for (Index c = 0; c < cols; ++c) dst[c] = src[c];
        for (Index c = cols; c < NR; ++c) dst[c] = 0;
      }
    } else {  // op(B)(k, j) = B[j * ldb + k]: NR columns of op(B), each contiguous, interleaved
      const float* src = B + (j0 + s) * ldb + p0;
      Index k = 0;
#if defined(__wasm_simd128__)
      if (cols == NR) {
        using namespace simd128_detail;
        for (; k + 4 <= kc; k += 4) {
          v128_t x0 = vld(src + k), x1 = vld(src + ldb + k), x2 = vld(src + 2 * ldb + k), x3 = vld(src + 3 * ldb + k);
          v128_t y0 = vld(src + 4 * ldb + k), y1 = vld(src + 5 * ldb + k), y2 = vld(src + 6 * ldb + k),
                 y3 = vld(src + 7 * ldb + k);
          transpose4(x0, x1, x2, x3);
          transpose4(y0, y1, y2, y3);
          float* d = dst + k * NR;
          vst(d, x0), vst(d + 4, y0), vst(d + 8, x1), vst(d + 12, y1);
          vst(d + 16, x2), vst(d + 20, y2), vst(d + 24, x3), vst(d + 28, y3);
        }
      }
#endif
      // leftovers (and the portable fallback)
      for (Index c = 0; c < cols; ++c)
        for (Index kk = k; kk < kc; ++kk) dst[kk * NR + c] = src[c * ldb + kk];
      for (Index c = cols; c < NR; ++c)
        for (Index kk = k; kk < kc; ++kk) dst[kk * NR + c] = 0;
    }
  }
}

// C = alpha acc + beta C for one tile row; beta == 0 never reads C (it may hold NaN).
inline void store_row(const float* acc, Index cols, float alpha, float beta, float* c) {
  if (beta == 0) {
    for (Index j = 0; j < cols; ++j) c[j] = alpha * acc[j];
  } else {
    for (Index j = 0; j < cols; ++j) c[j] = alpha * acc[j] + beta * c[j];
  }
}

// One MR x NR tile: acc = (packed A panel) x (packed B panel) over kc, then stored into the
// rows x cols corner of C (rows <= MR, cols <= NR) as C = alpha acc + beta C.
void micro_kernel(Index kc, const float* pa, const float* pb, float alpha, float beta, float* C, Index ldc, Index rows,
                  Index cols) {
  alignas(16) float acc[MR][NR];
#if defined(__wasm_simd128__)
  using namespace simd128_detail;
  const f32x4 zero = vsplat(0.0f);
  f32x4 c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
#if defined(__wasm_relaxed_simd__)
  f32x4 c40 = zero, c41 = zero;
#endif
  // An end pointer rather than a counter: the same in node 20, 1.5% faster LSTM and GRU steps
  // in Chromium 156 (README.md, "Speed").
  const float* const pa_end = pa + kc * MR;
  for (; pa != pa_end; pa += MR, pb += NR) {
    const f32x4 b0 = vld(pb), b1 = vld(pb + 4);
#if defined(__wasm_relaxed_simd__)
    const f32x4 a03 = vld(pa);
    f32x4 a = wasm_i32x4_shuffle(a03, a03, 0, 0, 0, 0);
#else
    f32x4 a = wasm_v128_load32_splat(pa);
#endif
    c00 = vfmadd(a, b0, c00);
    c01 = vfmadd(a, b1, c01);
#if defined(__wasm_relaxed_simd__)
    a = wasm_i32x4_shuffle(a03, a03, 1, 1, 1, 1);
#else
    a = wasm_v128_load32_splat(pa + 1);
#endif
    c10 = vfmadd(a, b0, c10);
    c11 = vfmadd(a, b1, c11);
#if defined(__wasm_relaxed_simd__)
    a = wasm_i32x4_shuffle(a03, a03, 2, 2, 2, 2);
#else
    a = wasm_v128_load32_splat(pa + 2);
#endif
    c20 = vfmadd(a, b0, c20);
    c21 = vfmadd(a, b1, c21);
#if defined(__wasm_relaxed_simd__)
    a = wasm_i32x4_shuffle(a03, a03, 3, 3, 3, 3);
#else
    a = wasm_v128_load32_splat(pa + 3);
#endif
    c30 = vfmadd(a, b0, c30);
    c31 = vfmadd(a, b1, c31);
#if defined(__wasm_relaxed_simd__)
    a = wasm_v128_load32_splat(pa + 4);
    c40 = vfmadd(a, b0, c40);
    c41 = vfmadd(a, b1, c41);
#endif
  }
  if (rows == MR && cols == NR) {  // a full tile: straight into C
    const f32x4 va = vsplat(alpha);
#if defined(__wasm_relaxed_simd__)
    const f32x4 rows_acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}};
#else
    const f32x4 rows_acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
#endif
    if (beta == 0) {
      for (Index r = 0; r < MR; ++r) {
        vst(C + r * ldc, vmul(va, rows_acc[r][0]));
        vst(C + r * ldc + 4, vmul(va, rows_acc[r][1]));
      }
    } else {
      const f32x4 vb = vsplat(beta);
      for (Index r = 0; r < MR; ++r) {
        float* c = C + r * ldc;
        vst(c, vadd(vmul(va, rows_acc[r][0]), vmul(vb, vld(c))));
        vst(c + 4, vadd(vmul(va, rows_acc[r][1]), vmul(vb, vld(c + 4))));
      }
    }
    return;
  }
  vst(acc[0], c00), vst(acc[0] + 4, c01), vst(acc[1], c10), vst(acc[1] + 4, c11);
  vst(acc[2], c20), vst(acc[2] + 4, c21), vst(acc[3], c30), vst(acc[3] + 4, c31);
#if defined(__wasm_relaxed_simd__)
  vst(acc[4], c40), vst(acc[4] + 4, c41);
#endif
#else
  // Portable fallback: the same tile in plain loops (compilers vectorise the inner one).
  for (Index r = 0; r < MR; ++r)
    for (Index c = 0; c < NR; ++c) acc[r][c] = 0;
  for (Index k = 0; k < kc; ++k, pa += MR, pb += NR)
    for (Index r = 0; r < MR; ++r)
      for (Index c = 0; c < NR; ++c) acc[r][c] = pa[r] * pb[c] + acc[r][c];
#endif
  // leftovers: a partial tile at the bottom or right edge of C
  for (Index r = 0; r < rows; ++r) store_row(acc[r], cols, alpha, beta, C + r * ldc);
}

#if defined(__wasm_relaxed_simd__)
// The bottom 1-2 rows of a block whose height leaves them (M = 32: six 5-row tiles, then two
// rows), two NR-column panels at a time: 2 x 16, eight accumulators (~1.75 FMAs per cycle,
// against a 5x8 tile spending its full time on two rows: 1.14 against 2.56 time units). Rows
// come from the 5-row panel's first two slots. Each C element is the same FMA chain over k in
// order as in micro_kernel, and stored with the same operations, so the bits are the same.
// pb1 is the second panel; with cols <= NR the caller passes pb0 again (its products are
// dropped).
void micro_kernel_2x16(Index kc, const float* pa, const float* pb0, const float* pb1, float alpha, float beta, float* C,
                       Index ldc, Index rows, Index cols) {
  using namespace simd128_detail;
  const f32x4 zero = vsplat(0.0f);
  f32x4 c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero;
  const float* const pa_end = pa + kc * MR;
  for (; pa != pa_end; pa += MR, pb0 += NR, pb1 += NR) {
    const f32x4 b0 = vld(pb0), b1 = vld(pb0 + 4), b2 = vld(pb1), b3 = vld(pb1 + 4);
    const f32x4 a0 = wasm_v128_load32_splat(pa), a1 = wasm_v128_load32_splat(pa + 1);
    c00 = vfmadd(a0, b0, c00);
    c01 = vfmadd(a0, b1, c01);
    c02 = vfmadd(a0, b2, c02);
    c03 = vfmadd(a0, b3, c03);
    c10 = vfmadd(a1, b0, c10);
    c11 = vfmadd(a1, b1, c11);
    c12 = vfmadd(a1, b2, c12);
    c13 = vfmadd(a1, b3, c13);
  }
  const auto store = [&](float* c, f32x4 x0, f32x4 x1, f32x4 x2, f32x4 x3) {
    if (cols == 2 * NR) {  // micro_kernel's full-tile stores
      const f32x4 va = vsplat(alpha), vb = vsplat(beta), x[4] = {x0, x1, x2, x3};
      for (Index q = 0; q < 4; ++q)
        vst(c + 4 * q, beta == 0 ? vmul(va, x[q]) : vadd(vmul(va, x[q]), vmul(vb, vld(c + 4 * q))));
    } else {  // and its leftovers
      alignas(16) float out[2 * NR];
      vst(out, x0), vst(out + 4, x1), vst(out + 8, x2), vst(out + 12, x3);
      store_row(out, cols, alpha, beta, c);
    }
  };
  store(C, c00, c01, c02, c03);
  if (rows == 2) store(C + ldc, c10, c11, c12, c13);
}
#endif

// Packing buffers, reused across calls (the wasm build is single-threaded; thread_local
// keeps native tests safe too).
std::vector<float>& buffer(int which) {
  thread_local std::vector<float> buffers[3];
  return buffers[which];
}

float* scratch(int which, Index n) {
  std::vector<float>& b = buffer(which);
  if (b.size() < std::size_t(n)) b.resize(std::size_t(n));
  return b.data();
}

// sum_k x[k] y[k] in float: 16 partial sums (4 x f32x4), then the leftovers.
float dot_f32(const float* x, const float* y, Index n) {
  Index k = 0;
  float total = 0;
#if defined(__wasm_simd128__)
  using namespace simd128_detail;
  f32x4 s0 = vsplat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; k + 16 <= n; k += 16) {
    s0 = vfmadd(vld(x + k), vld(y + k), s0);
    s1 = vfmadd(vld(x + k + 4), vld(y + k + 4), s1);
    s2 = vfmadd(vld(x + k + 8), vld(y + k + 8), s2);
    s3 = vfmadd(vld(x + k + 12), vld(y + k + 12), s3);
  }
  for (; k + 4 <= n; k += 4) s0 = vfmadd(vld(x + k), vld(y + k), s0);
  const f32x4 s = vadd(vadd(s0, s1), vadd(s2, s3));
  total = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
          (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
#endif
  // leftovers
  for (; k < n; ++k) total = x[k] * y[k] + total;
  return total;
}

// acc[j] += s x[j] for j < n.
void axpy_f32(float* acc, float s, const float* x, Index n) {
  Index j = 0;
#if defined(__wasm_simd128__)
  using namespace simd128_detail;
  const f32x4 vs = vsplat(s);
  for (; j + 4 <= n; j += 4) vst(acc + j, vfmadd(vs, vld(x + j), vld(acc + j)));
#endif
  // leftovers
  for (; j < n; ++j) acc[j] = s * x[j] + acc[j];
}

// Matrix-vector shapes (M == 1 or N == 1): packing would cost as much as the product itself,
// so these run straight from A and B as dots or axpys over contiguous rows; a strided
// vector operand is first gathered into scratch.
void gemv(bool trans_a, bool trans_b, Index M, Index N, Index K, float alpha, const float* A, Index lda, const float* B,
          Index ldb, float beta, float* C, Index ldc) {
  if (M == 1) {  // c = a op(B), a = op(A)(0, :) of length K
    const float* a = A;
    if (trans_a) {
      float* g = scratch(2, K);
      for (Index k = 0; k < K; ++k) g[k] = A[k * lda];
      a = g;
    }
    float* acc = scratch(0, N);
    if (trans_b) {  // op(B)(k, j) = B[j * ldb + k]: row j of B is contiguous
      for (Index j = 0; j < N; ++j) acc[j] = dot_f32(a, B + j * ldb, K);
    } else {  // op(B)(k, j) = B[k * ldb + j]: acc += a_k B[k, :]
      std::fill(acc, acc + N, 0.0f);
      for (Index k = 0; k < K; ++k) axpy_f32(acc, a[k], B + k * ldb, N);
    }
    store_row(acc, N, alpha, beta, C);
    return;
  }
  // N == 1: c = op(A) b, b = op(B)(:, 0) of length K
  const float* b = B;
  if (!trans_b) {
    float* g = scratch(2, K);
    for (Index k = 0; k < K; ++k) g[k] = B[k * ldb];
    b = g;
  }
  float* acc = scratch(0, M);
  if (!trans_a) {  // op(A)(i, k) = A[i * lda + k]: row i of A is contiguous
    for (Index i = 0; i < M; ++i) acc[i] = dot_f32(A + i * lda, b, K);
  } else {  // op(A)(i, k) = A[k * lda + i]: acc += b_k A[k, :]
    std::fill(acc, acc + M, 0.0f);
    for (Index k = 0; k < K; ++k) axpy_f32(acc, b[k], A + k * lda, M);
  }
  for (Index i = 0; i < M; ++i) store_row(acc + i, 1, alpha, beta, C + i * ldc);
}

// The blocked product. packed_b: all of op(B) as pack_b_panels leaves it, or null to pack
// each KC x NC block here (B and ldb are then read).
void gemm_blocked(bool trans_a, bool trans_b, Index M, Index N, Index K, float alpha, const float* A, Index lda,
                  const float* B, Index ldb, const float* packed_b, float beta, float* C, Index ldc) {
  const Index kc_max = std::min(K, KC);
  const Index mc_max = (std::min(M, MC) + MR - 1) / MR * MR;
  const Index nc_max = (std::min(N, NC) + NR - 1) / NR * NR;
  std::vector<float>& abuf = buffer(0);
  std::vector<float>& bbuf = buffer(1);
  if (abuf.size() < std::size_t(mc_max * kc_max)) abuf.resize(std::size_t(mc_max * kc_max));
  if (!packed_b && bbuf.size() < std::size_t(nc_max * kc_max)) bbuf.resize(std::size_t(nc_max * kc_max));
  float* pa = abuf.data();

  for (Index j0 = 0; j0 < N; j0 += NC) {
    const Index nc = std::min(NC, N - j0);
    for (Index p0 = 0; p0 < K; p0 += KC) {
      const Index kc = std::min(KC, K - p0);
      const float beta_block = p0 == 0 ? beta : 1.0f;  // later K blocks accumulate
      const float* pb;
      if (packed_b) {
        pb = packed_b;
        packed_b += (nc + NR - 1) / NR * NR * kc;
      } else {
        pack_b(trans_b, B, ldb, p0, kc, j0, nc, bbuf.data());
        pb = bbuf.data();
      }
      for (Index i0 = 0; i0 < M; i0 += MC) {
        const Index mc = std::min(MC, M - i0);
        pack_a(trans_a, A, lda, i0, mc, p0, kc, pa);
#if defined(__wasm_relaxed_simd__)
        // 1-2 rows left below the 5-row tiles: those rows in 2 x 16 tiles (micro_kernel_2x16),
        // under each pair of column panels once the tiles above them are done (still in L1).
        const Index tail = mc % MR <= 2 ? mc % MR : 0, m_tiles = mc - tail;
        const Index step = tail ? 2 * NR : NR;
#else
        const Index m_tiles = mc, step = NR;
#endif
        for (Index j1 = 0; j1 < nc; j1 += step) {
          for (Index jr = j1; jr < std::min(j1 + step, nc); jr += NR) {
            for (Index ir = 0; ir < m_tiles; ir += MR) {
              micro_kernel(kc, pa + ir * kc, pb + jr * kc, alpha, beta_block, C + (i0 + ir) * ldc + j0 + jr, ldc,
                           std::min(MR, m_tiles - ir), std::min(NR, nc - jr));
            }
          }
#if defined(__wasm_relaxed_simd__)
          if (tail)
            micro_kernel_2x16(kc, pa + m_tiles * kc, pb + j1 * kc, pb + (nc - j1 > NR ? j1 + NR : j1) * kc, alpha,
                              beta_block, C + (i0 + m_tiles) * ldc + j0 + j1, ldc, tail, std::min(2 * NR, nc - j1));
#endif
        }
      }
    }
  }
}

// C = beta C for an empty K (C is not read when beta is 0).
void scale_only(Index M, Index N, float beta, float* C, Index ldc) {
  for (Index i = 0; i < M; ++i)
    for (Index j = 0; j < N; ++j) C[i * ldc + j] = beta == 0 ? 0.0f : beta * C[i * ldc + j];
}

}  // namespace

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha, const Scalar* A,
          std::int64_t lda, const Scalar* B, std::int64_t ldb, Scalar beta, Scalar* C, std::int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale_only(M, N, beta, C, ldc);  // op(A) op(B) is zero
  if (M == 1 || N == 1) return gemv(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  gemm_blocked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, nullptr, beta, C, ldc);
}

std::vector<Scalar> pack_b_panels(bool trans_b, std::int64_t K, std::int64_t N, const Scalar* B, std::int64_t ldb) {
  std::vector<Scalar> out;
  if (K <= 0 || N <= 0) return out;
  out.resize(std::size_t((N + NR - 1) / NR * NR * K));  // an upper bound: every NC block rounds up to NR
  float* dst = out.data();
  for (Index j0 = 0; j0 < N; j0 += NC) {
    const Index nc = std::min(NC, N - j0);
    for (Index p0 = 0; p0 < K; p0 += KC) {
      const Index kc = std::min(KC, K - p0);
      pack_b(trans_b, B, ldb, p0, kc, j0, nc, dst);
      dst += (nc + NR - 1) / NR * NR * kc;
    }
  }
  return out;
}

void gemm_prepacked_b(bool trans_a, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha, const Scalar* A,
                      std::int64_t lda, const Scalar* packed_b, Scalar beta, Scalar* C, std::int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) return scale_only(M, N, beta, C, ldc);
  gemm_blocked(trans_a, false, M, N, K, alpha, A, lda, nullptr, 0, packed_b, beta, C, ldc);
}

}  // namespace kernels::simd128
GRADLAB_END

#endif  // !GRADLAB_DOUBLE
