// The wasm simd128 recurrent cells: the formulas of ref/cells_ref.cpp with the same
// operations in the same order, four hidden units at a time, so they differ from ref only
// through the exp/tanh/sigmoid approximations (simd128.h). Each body is written once, as a
// lane-generic lambda that for_lanes runs on f32x4 and then on the scalar leftovers. Every
// element reads its inputs before its outputs are written, so the aliasing cells.h allows
// (act over pre, dc_prev over dc, h over pre) is safe. The f64 build forwards to ref.
//
// Shape letters as in cells.h: B batch rows, H hidden size; gate blocks are [B, G*H].
#include <algorithm>

#include "kernels/cells.h"
#include "kernels/kernels.h"
#include "kernels/simd128/simd128.h"

GRADLAB_BEGIN
namespace kernels::simd128 {

#if defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE
// SIMD kernels are float only: in the f64 build every simd128 cell is the reference.
void rnn_cell_forward(std::int64_t B, std::int64_t H, bool relu, const Scalar* pre, Scalar* h) {
  ref::rnn_cell_forward(B, H, relu, pre, h);
}
void rnn_cell_backward(std::int64_t B, std::int64_t H, bool relu, const Scalar* h, const Scalar* dh, Scalar* dpre) {
  ref::rnn_cell_backward(B, H, relu, h, dh, dpre);
}
void lstm_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gates_pre, const Scalar* c_prev,
                       const Scalar* peephole, const GateClamps* clamps, Scalar* gates_act, Scalar* c, Scalar* h,
                       Scalar* tanh_c) {
  ref::lstm_cell_forward(B, H, gates_pre, c_prev, peephole, clamps, gates_act, c, h, tanh_c);
}
void lstm_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c_prev, const Scalar* c,
                        const Scalar* peephole, const GateClamps* clamps, const Scalar* dh, const Scalar* dc,
                        Scalar* dgates_pre, Scalar* dc_prev, Scalar* dpeephole, const Scalar* tanh_c) {
  ref::lstm_cell_backward(B, H, gates_act, c_prev, c, peephole, clamps, dh, dc, dgates_pre, dc_prev, dpeephole, tanh_c);
}
void gru_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gx, const Scalar* gh, const Scalar* h_prev,
                      const GateClamps* clamps, Scalar* gates_act, Scalar* hn, Scalar* h) {
  ref::gru_cell_forward(B, H, gx, gh, h_prev, clamps, gates_act, hn, h);
}
void gru_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* hn, const Scalar* h_prev,
                       const GateClamps* clamps, const Scalar* dh, Scalar* dgx, Scalar* dgh, Scalar* dh_prev) {
  ref::gru_cell_backward(B, H, gates_act, hn, h_prev, clamps, dh, dgx, dgh, dh_prev);
}
void add_column_sums(std::int64_t R, std::int64_t C, const Scalar* in, std::int64_t ld, double* acc) {
  ref::add_column_sums(R, C, in, ld, acc);
}

#else  // float

using namespace simd128_detail;
using Index = std::int64_t;

namespace {
inline bool clamped(const GateClamps* c, int gate) { return c && c->on[gate]; }
inline float clamp_value(const GateClamps* c, int gate) { return clamped(c, gate) ? c->value[gate] : 0.0f; }
}  // namespace

void rnn_cell_forward(Index B, Index H, bool relu, const float* pre, float* h) {
  const std::size_t n = static_cast<std::size_t>(B * H);
  if (relu)
    simd128::relu(h, pre, n);
  else
    simd128::tanh(h, pre, n);
}

void rnn_cell_backward(Index B, Index H, bool relu, const float* h, const float* dh, float* dpre) {
  if (!relu) return simd128::tanh_backward(dpre, h, dh, static_cast<std::size_t>(B * H));
  for_lanes(B * H, [&](auto L, Index k) { L.store(dpre + k, vpositive_or_zero(L.load(h + k), L.load(dh + k))); });
}

void lstm_cell_forward(Index B, Index H, const float* gates_pre, const float* c_prev, const float* peephole,
                       const GateClamps* clamps, float* gates_act, float* c, float* h, float* tanh_c) {
  const bool ci = clamped(clamps, 0), cf = clamped(clamps, 1), cg = clamped(clamps, 2), co = clamped(clamps, 3);
  const float vi = clamp_value(clamps, 0), vf = clamp_value(clamps, 1), vg = clamp_value(clamps, 2),
              vo = clamp_value(clamps, 3);
  const VConsts k = VConsts::load();
  for (Index b = 0; b < B; ++b) {
    const float* pre = gates_pre + b * 4 * H;
    float* act = gates_act + b * 4 * H;
    const float* cpb = c_prev + b * H;
    float* cb = c + b * H;
    float* hb = h + b * H;
    float* tcb = tanh_c ? tanh_c + b * H : nullptr;
    // Two passes over the row: first the gates that do not depend on c_t (i, f, g, and o
    // without peepholes), then c_t, tanh(c_t) and h. The same operations on each element;
    // one loop over all of it ran at 140 cycles per four units in Chromium 156 (120 in node
    // 20), the two at 115 in both (B = 32, H = 128): its chain from the gates through c_t to
    // tanh(c_t) is too long for the next units' work to overlap it.
    for_lanes(H, [&](auto L, Index j) {
      auto pi = L.load(pre + j), pf = L.load(pre + H + j);
      if (peephole) {
        const auto cp = L.load(cpb + j);
        pi = vadd(pi, vmul(L.load(peephole + j), cp));
        pf = vadd(pf, vmul(L.load(peephole + H + j), cp));
      }
      const auto pg = L.load(pre + 2 * H + j), po = L.load(pre + 3 * H + j);
      L.store(act + j, ci ? L.splat(vi) : vsigmoid(pi, k));
      L.store(act + H + j, cf ? L.splat(vf) : vsigmoid(pf, k));
      L.store(act + 2 * H + j, cg ? L.splat(vg) : vtanh(pg, k));
      if (!peephole) L.store(act + 3 * H + j, co ? L.splat(vo) : vsigmoid(po, k));
    });
    for_lanes(H, [&](auto L, Index j) {
      const auto cp = L.load(cpb + j);
      const auto i = L.load(act + j), f = L.load(act + H + j), g = L.load(act + 2 * H + j);
      const auto cn = vadd(vmul(f, cp), vmul(i, g));
      // With peepholes o's slot is still pre_o (the first pass left it alone).
      const auto o = !peephole ? L.load(act + 3 * H + j)
                     : co      ? L.splat(vo)
                               : vsigmoid(vadd(L.load(pre + 3 * H + j), vmul(L.load(peephole + 2 * H + j), cn)), k);
      if (peephole) L.store(act + 3 * H + j, o);
      L.store(cb + j, cn);
      const auto tc = vtanh(cn, k);
      if (tcb) L.store(tcb + j, tc);
      L.store(hb + j, vmul(o, tc));
    });
  }
}

// With tc = tanh(c), as ref:
//   dpre_o = dh tc o (1 - o)
//   dc_t   = dc + dh o (1 - tc^2) + dpre_o p_o
//   dpre_i = dc_t g i (1 - i),  dpre_f = dc_t c_prev f (1 - f),  dpre_g = dc_t i (1 - g^2)
//   dc_prev = dc_t f + dpre_i p_i + dpre_f p_f
//   dp_i += dpre_i c_prev,  dp_f += dpre_f c_prev,  dp_o += dpre_o c
void lstm_cell_backward(Index B, Index H, const float* gates_act, const float* c_prev, const float* c,
                        const float* peephole, const GateClamps* clamps, const float* dh, const float* dc,
                        float* dgates_pre, float* dc_prev, float* dpeephole, const float* tanh_c) {
  const bool ci = clamped(clamps, 0), cf = clamped(clamps, 1), cg = clamped(clamps, 2), co = clamped(clamps, 3);
  // tanh(c) only when the forward kept no tanh_c (training always keeps it): v128.const is
  // smaller than loading VConsts.
  const VConsts k = VConsts::immediate();
  for (Index b = 0; b < B; ++b) {
    const float* act = gates_act + b * 4 * H;
    float* dpre = dgates_pre + b * 4 * H;
    const Index row = b * H;
    for_lanes(H, [&](auto L, Index j) {
      const auto zero = L.splat(0.0f), one = L.splat(1.0f);
      const auto i = L.load(act + j), f = L.load(act + H + j), g = L.load(act + 2 * H + j), o = L.load(act + 3 * H + j);
      const auto cp = L.load(c_prev + row + j), cn = L.load(c + row + j), dhk = L.load(dh + row + j);
      const auto tc = tanh_c ? L.load(tanh_c + row + j) : vtanh(cn, k);
      const auto dpo = co ? zero : vmul(vmul(vmul(dhk, tc), o), vsub(one, o));
      auto dct = vadd(L.load(dc + row + j), vmul(vmul(dhk, o), vsub(one, vmul(tc, tc))));
      if (peephole) dct = vadd(dct, vmul(dpo, L.load(peephole + 2 * H + j)));
      const auto dpi = ci ? zero : vmul(vmul(vmul(dct, g), i), vsub(one, i));
      const auto dpf = cf ? zero : vmul(vmul(vmul(dct, cp), f), vsub(one, f));
      const auto dpg = cg ? zero : vmul(vmul(dct, i), vsub(one, vmul(g, g)));
      auto dcp = vmul(dct, f);
      if (peephole) {
        dcp = vadd(dcp, vadd(vmul(dpi, L.load(peephole + j)), vmul(dpf, L.load(peephole + H + j))));
        L.store(dpeephole + j, vadd(L.load(dpeephole + j), vmul(dpi, cp)));
        L.store(dpeephole + H + j, vadd(L.load(dpeephole + H + j), vmul(dpf, cp)));
        L.store(dpeephole + 2 * H + j, vadd(L.load(dpeephole + 2 * H + j), vmul(dpo, cn)));
      }
      L.store(dpre + j, dpi);
      L.store(dpre + H + j, dpf);
      L.store(dpre + 2 * H + j, dpg);
      L.store(dpre + 3 * H + j, dpo);
      L.store(dc_prev + row + j, dcp);
    });
  }
}

// r and z run first, each in its own short loop, then n and h. One loop over all of it
// measured 125 cycles per four units in node (tests/bench/wasm/run.sh prints the cells); the
// same operations split so run at 104: n's tanh waits on r's sigmoid, and in one long body that
// chain cannot overlap the next units' (the LSTM's gates, independent of each other,
// gained nothing from the same split).
void gru_cell_forward(Index B, Index H, const float* gx, const float* gh, const float* h_prev, const GateClamps* clamps,
                      float* gates_act, float* hn, float* h) {
  const VConsts k = VConsts::load();
  for (Index b = 0; b < B; ++b) {
    const float* x = gx + b * 3 * H;
    const float* hh = gh + b * 3 * H;
    float* act = gates_act + b * 3 * H;
    const Index row = b * H;
    for (int gate = 0; gate < 2; ++gate) {  // r, z
      const float* xk = x + gate * H;
      const float* hk = hh + gate * H;
      float* ak = act + gate * H;
      if (clamped(clamps, gate)) {
        const float v = clamps->value[gate];
        for_lanes(H, [&](auto L, Index j) { L.store(ak + j, L.splat(v)); });
      } else {
        for_lanes(H, [&](auto L, Index j) { L.store(ak + j, vsigmoid(vadd(L.load(xk + j), L.load(hk + j)), k)); });
      }
    }
    for_lanes(H, [&](auto L, Index j) {
      const auto one = L.splat(1.0f);
      const auto r = L.load(act + j), z = L.load(act + H + j);
      const auto hnk = L.load(hh + 2 * H + j);
      const auto n = vtanh(vadd(L.load(x + 2 * H + j), vmul(r, hnk)), k);
      const auto hp = L.load(h_prev + row + j);
      L.store(act + 2 * H + j, n);
      L.store(hn + row + j, hnk);
      L.store(h + row + j, vadd(vmul(vsub(one, z), n), vmul(z, hp)));
    });
  }
}

//   dpre_n = dh (1 - z) (1 - n^2);  dr = dpre_n hn;  dz = dh (h_prev - n)
//   dgx = [dr r (1 - r), dz z (1 - z), dpre_n];  dgh = [same r, same z, dpre_n r];  dh_prev = dh z
void gru_cell_backward(Index B, Index H, const float* gates_act, const float* hn, const float* h_prev,
                       const GateClamps* clamps, const float* dh, float* dgx, float* dgh, float* dh_prev) {
  const bool cr = clamped(clamps, 0), cz = clamped(clamps, 1);
  for (Index b = 0; b < B; ++b) {
    const float* act = gates_act + b * 3 * H;
    float* dx = dgx + b * 3 * H;
    float* dhh = dgh + b * 3 * H;
    const Index row = b * H;
    for_lanes(H, [&](auto L, Index j) {
      const auto zero = L.splat(0.0f), one = L.splat(1.0f);
      const auto r = L.load(act + j), z = L.load(act + H + j), n = L.load(act + 2 * H + j);
      const auto dhk = L.load(dh + row + j);
      const auto dpn = vmul(vmul(dhk, vsub(one, z)), vsub(one, vmul(n, n)));
      const auto dpr = cr ? zero : vmul(vmul(vmul(dpn, L.load(hn + row + j)), r), vsub(one, r));
      const auto dpz = cz ? zero : vmul(vmul(vmul(dhk, vsub(L.load(h_prev + row + j), n)), z), vsub(one, z));
      L.store(dx + j, dpr);
      L.store(dx + H + j, dpz);
      L.store(dx + 2 * H + j, dpn);
      L.store(dhh + j, dpr);
      L.store(dhh + H + j, dpz);
      L.store(dhh + 2 * H + j, vmul(dpn, r));
      L.store(dh_prev + row + j, vmul(dhk, z));
    });
  }
}

// acc[c] += in[r, c] for the rows in order, in double as ref: each column's sum runs down
// the rows in order, so the result is ref's bit for bit. Blocks of columns (a multiple of
// 4) row by row, so the input streams in order while the block's sums stay in L1 (summing
// each 16-column strip down all rows with the sums in registers read the input at a stride
// of ld and took twice as long), then the last few columns one by one.
void add_column_sums(Index R, Index C, const float* in, Index ld, double* acc) {
  Index c = 0;
#if defined(__wasm_simd128__)
  constexpr Index CB = 256;
  for (; c + 4 <= C; c += CB) {
    const Index cb = std::min(CB, C - c) / 4 * 4;
    const float* x = in + c;
    double* a = acc + c;
    for (Index r = 0; r < R; ++r, x += ld) {
      for (Index k = 0; k < cb; k += 4) {
        const f32x4 v = vld(x + k);
        wasm_v128_store(a + k, wasm_f64x2_add(wasm_v128_load(a + k), promote_lo(v)));
        wasm_v128_store(a + k + 2, wasm_f64x2_add(wasm_v128_load(a + k + 2), promote_hi(v)));
      }
    }
    if (cb < CB) {
      c += cb;
      break;
    }
  }
#endif
  // leftovers (and the portable fallback)
  for (; c < C; ++c)
    for (Index r = 0; r < R; ++r) acc[c] += in[r * ld + c];
}

#endif  // float

}  // namespace kernels::simd128
GRADLAB_END
