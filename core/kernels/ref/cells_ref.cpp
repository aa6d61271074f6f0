// The scalar reference recurrent cells: the specification the native variant and the
// fused recurrent layers are tested against. One loop over [B, H] per step, formulas as
// in cells.h; every element reads its inputs before writing, so the documented aliasing
// (act over pre, dc_prev over dc) is safe.
#include <cmath>

#include "kernels/cells.h"

GRADLAB_BEGIN
namespace kernels::ref {

namespace {
// Two branches so neither exp overflows (as ref::sigmoid).
inline Scalar sigm(Scalar x) {
  if (x >= 0) return Scalar(1) / (Scalar(1) + std::exp(-x));
  const Scalar e = std::exp(x);
  return e / (Scalar(1) + e);
}
inline bool clamped(const GateClamps* c, int gate) { return c && c->on[gate]; }
}  // namespace

void rnn_cell_forward(std::int64_t B, std::int64_t H, bool relu, const Scalar* pre, Scalar* h) {
  const std::int64_t n = B * H;
  if (relu) {
    for (std::int64_t k = 0; k < n; ++k) h[k] = pre[k] > 0 ? pre[k] : Scalar(0);
  } else {
    for (std::int64_t k = 0; k < n; ++k) h[k] = std::tanh(pre[k]);
  }
}

void rnn_cell_backward(std::int64_t B, std::int64_t H, bool relu, const Scalar* h, const Scalar* dh, Scalar* dpre) {
  const std::int64_t n = B * H;
  if (relu) {
    for (std::int64_t k = 0; k < n; ++k) dpre[k] = h[k] > 0 ? dh[k] : Scalar(0);
  } else {
    for (std::int64_t k = 0; k < n; ++k) dpre[k] = dh[k] * (Scalar(1) - h[k] * h[k]);
  }
}

void lstm_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gates_pre, const Scalar* c_prev,
                       const Scalar* peephole, const GateClamps* clamps, Scalar* gates_act, Scalar* c, Scalar* h,
                       Scalar* tanh_c) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* pre = gates_pre + b * 4 * H;
    Scalar* act = gates_act + b * 4 * H;
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const Scalar cp = c_prev[k];
      Scalar pi = pre[j], pf = pre[H + j], pg = pre[2 * H + j], po = pre[3 * H + j];
      if (peephole) {
        pi += peephole[j] * cp;
        pf += peephole[H + j] * cp;
      }
      const Scalar i = clamped(clamps, 0) ? clamps->value[0] : sigm(pi);
      const Scalar f = clamped(clamps, 1) ? clamps->value[1] : sigm(pf);
      const Scalar g = clamped(clamps, 2) ? clamps->value[2] : std::tanh(pg);
      const Scalar cn = f * cp + i * g;
      if (peephole) po += peephole[2 * H + j] * cn;
      const Scalar o = clamped(clamps, 3) ? clamps->value[3] : sigm(po);
      act[j] = i;
      act[H + j] = f;
      act[2 * H + j] = g;
      act[3 * H + j] = o;
      c[k] = cn;
      const Scalar tc = std::tanh(cn);
      if (tanh_c) tanh_c[k] = tc;
      h[k] = o * tc;
    }
  }
}

// With tc = tanh(c):
//   dpre_o = dh tc o (1 - o)
//   dc_t   = dc + dh o (1 - tc^2) + dpre_o p_o
//   dpre_i = dc_t g i (1 - i),  dpre_f = dc_t c_prev f (1 - f),  dpre_g = dc_t i (1 - g^2)
//   dc_prev = dc_t f + dpre_i p_i + dpre_f p_f
//   dp_i += dpre_i c_prev,  dp_f += dpre_f c_prev,  dp_o += dpre_o c
void lstm_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c_prev, const Scalar* c,
                        const Scalar* peephole, const GateClamps* clamps, const Scalar* dh, const Scalar* dc,
                        Scalar* dgates_pre, Scalar* dc_prev, Scalar* dpeephole, const Scalar* tanh_c) {
  const bool ci = clamped(clamps, 0), cf = clamped(clamps, 1), cg = clamped(clamps, 2), co = clamped(clamps, 3);
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* act = gates_act + b * 4 * H;
    Scalar* dpre = dgates_pre + b * 4 * H;
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const Scalar i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j];
      const Scalar cp = c_prev[k], cn = c[k], tc = tanh_c ? tanh_c[k] : std::tanh(cn), dhk = dh[k];
      const Scalar dpo = co ? Scalar(0) : dhk * tc * o * (Scalar(1) - o);
      Scalar dct = dc[k] + dhk * o * (Scalar(1) - tc * tc);
      if (peephole) dct += dpo * peephole[2 * H + j];
      const Scalar dpi = ci ? Scalar(0) : dct * g * i * (Scalar(1) - i);
      const Scalar dpf = cf ? Scalar(0) : dct * cp * f * (Scalar(1) - f);
      const Scalar dpg = cg ? Scalar(0) : dct * i * (Scalar(1) - g * g);
      Scalar dcp = dct * f;
      if (peephole) {
        dcp += dpi * peephole[j] + dpf * peephole[H + j];
        dpeephole[j] += dpi * cp;
        dpeephole[H + j] += dpf * cp;
        dpeephole[2 * H + j] += dpo * cn;
      }
      dpre[j] = dpi;
      dpre[H + j] = dpf;
      dpre[2 * H + j] = dpg;
      dpre[3 * H + j] = dpo;
      dc_prev[k] = dcp;
    }
  }
}

void gru_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gx, const Scalar* gh, const Scalar* h_prev,
                      const GateClamps* clamps, Scalar* gates_act, Scalar* hn, Scalar* h) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* x = gx + b * 3 * H;
    const Scalar* hh = gh + b * 3 * H;
    Scalar* act = gates_act + b * 3 * H;
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const Scalar r = clamped(clamps, 0) ? clamps->value[0] : sigm(x[j] + hh[j]);
      const Scalar z = clamped(clamps, 1) ? clamps->value[1] : sigm(x[H + j] + hh[H + j]);
      const Scalar hnk = hh[2 * H + j];
      const Scalar n = std::tanh(x[2 * H + j] + r * hnk);
      act[j] = r;
      act[H + j] = z;
      act[2 * H + j] = n;
      hn[k] = hnk;
      h[k] = (Scalar(1) - z) * n + z * h_prev[k];
    }
  }
}

//   dpre_n = dh (1 - z) (1 - n^2);  dr = dpre_n hn;  dz = dh (h_prev - n)
//   dgx = [dr r (1 - r), dz z (1 - z), dpre_n];  dgh = [same r, same z, dpre_n r];  dh_prev = dh z
void gru_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* hn, const Scalar* h_prev,
                       const GateClamps* clamps, const Scalar* dh, Scalar* dgx, Scalar* dgh, Scalar* dh_prev) {
  const bool cr = clamped(clamps, 0), cz = clamped(clamps, 1);
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* act = gates_act + b * 3 * H;
    Scalar* dx = dgx + b * 3 * H;
    Scalar* dhh = dgh + b * 3 * H;
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const Scalar r = act[j], z = act[H + j], n = act[2 * H + j], dhk = dh[k];
      const Scalar dpn = dhk * (Scalar(1) - z) * (Scalar(1) - n * n);
      const Scalar dpr = cr ? Scalar(0) : dpn * hn[k] * r * (Scalar(1) - r);
      const Scalar dpz = cz ? Scalar(0) : dhk * (h_prev[k] - n) * z * (Scalar(1) - z);
      dx[j] = dpr;
      dx[H + j] = dpz;
      dx[2 * H + j] = dpn;
      dhh[j] = dpr;
      dhh[H + j] = dpz;
      dhh[2 * H + j] = dpn * r;
      dh_prev[k] = dhk * z;
    }
  }
}

void add_column_sums(std::int64_t R, std::int64_t C, const Scalar* in, std::int64_t ld, double* acc) {
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t r = 0; r < R; ++r) acc[c] += in[r * ld + c];
}

}  // namespace kernels::ref
GRADLAB_END
