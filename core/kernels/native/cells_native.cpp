// Native recurrent cells through Eigen: the formulas of ref/cells_ref.cpp as vectorised
// array expressions, one batch row (H contiguous values per gate) at a time. No heap
// allocation: scratch values live in the output blocks they are about to overwrite.
// Aliasing (act over pre, dc_prev over dc) is safe because every expression is
// coefficient-wise: each output element reads only the same element of its inputs.
#include <Eigen/Core>

#include "kernels/cells.h"

GRADLAB_BEGIN
namespace kernels::native {

namespace {
using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
using In = Eigen::Map<const Array>;
using Out = Eigen::Map<Array>;
inline bool clamped(const GateClamps* c, int gate) { return c && c->on[gate]; }
}  // namespace

void rnn_cell_forward(std::int64_t B, std::int64_t H, bool relu, const Scalar* pre, Scalar* h) {
  In p(pre, B * H);
  Out y(h, B * H);
  if (relu)
    y = p.max(Scalar(0));
  else
    y = p.tanh();
}

void rnn_cell_backward(std::int64_t B, std::int64_t H, bool relu, const Scalar* h, const Scalar* dh, Scalar* dpre) {
  In y(h, B * H), dy(dh, B * H);
  Out dp(dpre, B * H);
  if (relu)
    dp = (y > Scalar(0)).select(dy, Scalar(0));
  else
    dp = dy * (Scalar(1) - y.square());
}

void lstm_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gates_pre, const Scalar* c_prev,
                       const Scalar* peephole, const GateClamps* clamps, Scalar* gates_act, Scalar* c, Scalar* h,
                       Scalar* tanh_c) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* pre = gates_pre + b * 4 * H;
    Scalar* act = gates_act + b * 4 * H;
    In cp(c_prev + b * H, H);
    Out i(act, H), f(act + H, H), g(act + 2 * H, H), o(act + 3 * H, H), cn(c + b * H, H), hn(h + b * H, H);
    if (clamped(clamps, 0))
      i.setConstant(clamps->value[0]);
    else if (peephole)
      i = (In(pre, H) + In(peephole, H) * cp).logistic();
    else
      i = In(pre, H).logistic();
    if (clamped(clamps, 1))
      f.setConstant(clamps->value[1]);
    else if (peephole)
      f = (In(pre + H, H) + In(peephole + H, H) * cp).logistic();
    else
      f = In(pre + H, H).logistic();
    if (clamped(clamps, 2))
      g.setConstant(clamps->value[2]);
    else
      g = In(pre + 2 * H, H).tanh();
    cn = f * cp + i * g;
    if (clamped(clamps, 3))
      o.setConstant(clamps->value[3]);
    else if (peephole)
      o = (In(pre + 3 * H, H) + In(peephole + 2 * H, H) * cn).logistic();
    else
      o = In(pre + 3 * H, H).logistic();
    if (tanh_c) {
      Out tc(tanh_c + b * H, H);
      tc = cn.tanh();
      hn = o * tc;
    } else {
      hn = o * cn.tanh();
    }
  }
}

void lstm_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c_prev, const Scalar* c,
                        const Scalar* peephole, const GateClamps* clamps, const Scalar* dh, const Scalar* dc,
                        Scalar* dgates_pre, Scalar* dc_prev, Scalar* dpeephole, const Scalar* tanh_c) {
  const Scalar one(1);
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* act = gates_act + b * 4 * H;
    Scalar* dpre = dgates_pre + b * 4 * H;
    In i(act, H), f(act + H, H), g(act + 2 * H, H), o(act + 3 * H, H);
    In cp(c_prev + b * H, H), cn(c + b * H, H), dy(dh + b * H, H), dcn(dc + b * H, H);
    Out dpi(dpre, H), dpf(dpre + H, H), dpg(dpre + 2 * H, H), dpo(dpre + 3 * H, H), dct(dc_prev + b * H, H);
    if (tanh_c)  // scratch: tanh(c), overwritten below
      dpg = In(tanh_c + b * H, H);
    else
      dpg = cn.tanh();
    if (clamped(clamps, 3))
      dpo.setZero();
    else
      dpo = dy * dpg * o * (one - o);
    if (peephole)
      dct = dcn + dy * o * (one - dpg.square()) + dpo * In(peephole + 2 * H, H);
    else
      dct = dcn + dy * o * (one - dpg.square());  // dL/dc_t, kept in dc_prev until the end
    if (clamped(clamps, 0))
      dpi.setZero();
    else
      dpi = dct * g * i * (one - i);
    if (clamped(clamps, 1))
      dpf.setZero();
    else
      dpf = dct * cp * f * (one - f);
    if (clamped(clamps, 2))
      dpg.setZero();
    else
      dpg = dct * i * (one - g.square());
    if (peephole) {
      Out(dpeephole, H) += dpi * cp;
      Out(dpeephole + H, H) += dpf * cp;
      Out(dpeephole + 2 * H, H) += dpo * cn;
      dct = dct * f + dpi * In(peephole, H) + dpf * In(peephole + H, H);
    } else {
      dct = dct * f;
    }
  }
}

void gru_cell_forward(std::int64_t B, std::int64_t H, const Scalar* gx, const Scalar* gh, const Scalar* h_prev,
                      const GateClamps* clamps, Scalar* gates_act, Scalar* hn, Scalar* h) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* x = gx + b * 3 * H;
    const Scalar* hh = gh + b * 3 * H;
    Scalar* act = gates_act + b * 3 * H;
    Out r(act, H), z(act + H, H), n(act + 2 * H, H), keep(hn + b * H, H), y(h + b * H, H);
    if (clamped(clamps, 0))
      r.setConstant(clamps->value[0]);
    else
      r = (In(x, H) + In(hh, H)).logistic();
    if (clamped(clamps, 1))
      z.setConstant(clamps->value[1]);
    else
      z = (In(x + H, H) + In(hh + H, H)).logistic();
    keep = In(hh + 2 * H, H);
    n = (In(x + 2 * H, H) + r * keep).tanh();
    y = (Scalar(1) - z) * n + z * In(h_prev + b * H, H);
  }
}

void gru_cell_backward(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* hn, const Scalar* h_prev,
                       const GateClamps* clamps, const Scalar* dh, Scalar* dgx, Scalar* dgh, Scalar* dh_prev) {
  const Scalar one(1);
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* act = gates_act + b * 3 * H;
    In r(act, H), z(act + H, H), n(act + 2 * H, H), keep(hn + b * H, H), hp(h_prev + b * H, H), dy(dh + b * H, H);
    Out dxr(dgx + b * 3 * H, H), dxz(dgx + b * 3 * H + H, H), dxn(dgx + b * 3 * H + 2 * H, H);
    Out dhr(dgh + b * 3 * H, H), dhz(dgh + b * 3 * H + H, H), dhn(dgh + b * 3 * H + 2 * H, H);
    dxn = dy * (one - z) * (one - n.square());
    if (clamped(clamps, 0))
      dxr.setZero();
    else
      dxr = dxn * keep * r * (one - r);
    if (clamped(clamps, 1))
      dxz.setZero();
    else
      dxz = dy * (hp - n) * z * (one - z);
    dhr = dxr;
    dhz = dxz;
    dhn = dxn * r;
    Out(dh_prev + b * H, H) = dy * z;
  }
}

// Row by row (contiguous, vectorised) rather than column by column (strided); in double
// with each column's rows in order, as ref, so the sums are ref's bit for bit.
void add_column_sums(std::int64_t R, std::int64_t C, const Scalar* in, std::int64_t ld, double* acc) {
  Eigen::Map<Eigen::ArrayXd> sum(acc, C);
  for (std::int64_t r = 0; r < R; ++r) sum += In(in + r * ld, C).template cast<double>();
}

}  // namespace kernels::native
GRADLAB_END
