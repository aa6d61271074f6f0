// The fused path of Recurrent: per layer and direction one recorded op ("stream") that
// runs the whole sequence with one input GEMM, one h W_hh^T GEMM and one fused cell kernel
// per step, and whose backward is BPTT with the fused cell backward kernels. Buffers are
// time-major [T, B, ...] and allocated once per call, never per step (the backward's gate
// gradients live in per-thread scratch reused across calls). First order only.
// The variants ride on the same kernels: a coupled LSTM (f = 1 - i) hands the LSTM kernel
// f's pre-activation as -i's (s(-a) = 1 - s(a)) and folds df back into di; a projection
// (proj_size) is one more GEMM per step; the reset-before GRU runs its own short step
// (below), because there W_hn multiplies r * h_{t-1}, which needs r first.
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

#include "kernels/cells.h"
#include "kernels/kernels.h"
#include "kernels/packed_gemm.h"
#include "nn/recurrent.h"

GRADLAB_BEGIN

namespace {

// Shape letters as in recurrent.h. A stream's packed output is flat: h_t for t = 0..T-1
// ([T, B, P]), then for LSTM c_n ([B, H]).

void copy(Scalar* dst, const Scalar* src, std::int64_t n) { std::copy(src, src + n, dst); }

// Two branches so neither exp overflows (as kernels::ref).
Scalar sigm(Scalar x) {
  if (x >= 0) return Scalar(1) / (Scalar(1) + std::exp(-x));
  const Scalar e = std::exp(x);
  return e / (Scalar(1) + e);
}

// Scratch for the backward's whole-sequence gate gradients (dG, and dGh for GRU), reused
// across calls: [T, B, G*H] is the largest temporary of a step, and every element is written
// before it is read, so a reused buffer needs neither an allocation nor zero-filling per call
// (which the size-optimised wasm build does element by element). Per thread; a backward never
// runs inside another stream's backward, so one buffer per role is enough. Above kKeepBytes
// the buffer is the call's own and freed with it, so one huge sequence does not pin its
// scratch for the life of the program.
class BackwardScratch {
 public:
  BackwardScratch(int which, std::int64_t n) {
    constexpr std::size_t kKeepBytes = std::size_t(32) << 20;
    const std::size_t count = static_cast<std::size_t>(n);
    std::vector<Scalar>& kept = kept_buffer(which);
    std::vector<Scalar>& b = count * sizeof(Scalar) <= kKeepBytes ? kept : own_;
    if (b.size() < count) b.resize(count);
    data_ = b.data();
  }
  Scalar* data() const { return data_; }

 private:
  static std::vector<Scalar>& kept_buffer(int which) {
    thread_local std::vector<Scalar> buffers[2];
    return buffers[which];
  }
  std::vector<Scalar> own_;
  Scalar* data_ = nullptr;
};

// dst [B, A, C] = src [A, B, C] with the leading two axes swapped.
void swap_leading_into(const Scalar* src, std::int64_t A, std::int64_t B, std::int64_t C, Scalar* dst) {
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t b = 0; b < B; ++b) copy(dst + (b * A + a) * C, src + (a * B + b) * C, C);
}

// [A, B, C] -> [B, A, C]. Its own inverse, so the backward is the same op (any order).
Var swap_leading(const Var& x) {
  const std::int64_t A = x.shape()[0], B = x.shape()[1], C = x.shape()[2];
  Tensor y = Tensor::empty({B, A, C});  // every row copied below
  swap_leading_into(x.value().data(), A, B, C, y.data());
  return record("swap_leading", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, swap_leading(dy)); });
}

// A stream's packed output (h_t [T, B, P] first) -> [B, T, P]: the layer's output of one
// direction, without first copying it out of the pack (join_directions) and then swapping.
Var swap_leading_of_pack(const Var& pack, std::int64_t T, std::int64_t B, std::int64_t P) {
  Tensor y = Tensor::empty({B, T, P});  // every row copied below
  swap_leading_into(pack.value().data(), T, B, P, y.data());
  return record("recurrent_fused_output", {pack}, std::move(y), [T, B, P](Grads& g, const Var& dy) {
    g.require_first_order();
    Tensor dp(g.input(0).shape());  // zeros past h_t (an LSTM's c_n)
    swap_leading_into(dy.value().data(), B, T, P, dp.data());
    g.accumulate(0, std::move(dp));
  });
}

// packs[d]: a stream's packed output (its first T*B*H values are h_t [T, B, H]; here H is
// the width of h, P with a projection) -> [T, B, D*H], directions side by side.
Var join_directions(const std::vector<Var>& packs, std::int64_t T, std::int64_t B, std::int64_t H) {
  const std::int64_t D = static_cast<std::int64_t>(packs.size());
  Tensor y = Tensor::empty({T, B, D * H});  // every direction's columns copied below
  for (std::int64_t d = 0; d < D; ++d) {
    const Scalar* p = packs[static_cast<std::size_t>(d)].value().data();
    for (std::int64_t r = 0; r < T * B; ++r) copy(y.data() + r * D * H + d * H, p + r * H, H);
  }
  return record("recurrent_fused_join", packs, std::move(y), [T, D, B, H](Grads& g, const Var& dy) {
    g.require_first_order();
    for (std::int64_t d = 0; d < D; ++d) {
      if (!g.needs(static_cast<int>(d))) continue;
      Tensor dp(g.input(static_cast<int>(d)).shape());
      for (std::int64_t r = 0; r < T * B; ++r) copy(dp.data() + r * H, dy.value().data() + r * D * H + d * H, H);
      g.accumulate(static_cast<int>(d), std::move(dp));
    }
  });
}

// out[k] = the B*W values of packs[k] from offsets[k]:  N packs -> [N, B, W] (h_n and c_n).
Var gather_rows(const std::vector<Var>& packs, const std::vector<std::int64_t>& offsets, std::int64_t B, std::int64_t W) {
  const std::int64_t N = static_cast<std::int64_t>(packs.size()), BH = B * W;
  Tensor y = Tensor::empty({N, B, W});
  for (std::int64_t k = 0; k < N; ++k)
    copy(y.data() + k * BH, packs[static_cast<std::size_t>(k)].value().data() + offsets[static_cast<std::size_t>(k)], BH);
  return record("recurrent_fused_gather", packs, std::move(y), [offsets, N, BH](Grads& g, const Var& dy) {
    g.require_first_order();
    for (std::int64_t k = 0; k < N; ++k) {
      if (!g.needs(static_cast<int>(k))) continue;
      Tensor dp(g.input(static_cast<int>(k)).shape());
      copy(dp.data() + offsets[static_cast<std::size_t>(k)], dy.value().data() + k * BH, BH);
      g.accumulate(static_cast<int>(k), std::move(dp));
    }
  });
}

struct StreamSpec {
  CellKind kind;
  std::int64_t T, B, I, H;
  std::int64_t P;  // the width of h: proj_size, or H
  bool coupled;    // LSTM: f = 1 - i, weight rows i, g, o
  bool reset_before;  // GRU: n = tanh(gx_n + W_hn (r * h_prev) + b_hn)
  bool reverse;
  kernels::GateClamps clamps;
  std::int64_t state_row;                 // this stream's row of h0 / c0 (layer * D + direction)
  std::shared_ptr<RecurrentTrace> trace;  // null when not tracing
  std::int64_t time(std::int64_t step) const { return reverse ? T - 1 - step : step; }
  std::int64_t prev(std::int64_t t) const { return reverse ? t + 1 : t - 1; }  // the time before t in step order
  const kernels::GateClamps* clamps_or_null() const { return clamps.any() ? &clamps : nullptr; }
};

// Where each input sits in the op's input list (-1: absent).
struct Slots {
  int x = 0, w_ih = 1, w_hh = 2, b_ih = -1, b_hh = -1, p_i = -1, p_f = -1, p_o = -1, w_hr = -1, h0 = -1, c0 = -1;
};

const char* stream_op_name(CellKind kind) {
  switch (kind) {
    case CellKind::Lstm:
      return "lstm_fused";
    case CellKind::Gru:
      return "gru_fused";
    default:
      return "rnn_fused";
  }
}

// What the forward keeps for the backward (undefined where a kind needs none).
struct StreamSaved {
  Tensor gates;  // LSTM: activations i, f, g, o [T, B, 4H] (coupled too); GRU: r, z, n [T, B, 3H]
  Tensor cs;     // LSTM: c_t [T, B, H]
  Tensor tcs;    // LSTM: tanh(c_t) [T, B, H], as the forward computed it (the backward reads it)
  Tensor hn;     // GRU: W_hn h_{t-1} + b_hn; reset before: r * h_{t-1}   [T, B, H]
  Tensor hc;     // LSTM with a projection: o * tanh(c_t) [T, B, H], before W_hr
  Tensor peep;   // peephole LSTM: [3, H] (i, f, o)
};

// Every row of out [B, N] = bias [N], or 0 without one.
void fill_rows(std::int64_t B, std::int64_t N, const Scalar* bias, Scalar* out) {
  for (std::int64_t b = 0; b < B; ++b) {
    if (bias)
      copy(out + b * N, bias, N);
    else
      std::fill(out + b * N, out + (b + 1) * N, Scalar(0));
  }
}

// Coupled LSTM, pre [B, 3H] (i, g, o) -> pre4 [B, 4H] (i, -i, g, o): s(-a) = 1 - s(a), so the
// LSTM kernel's f is 1 - i.
void expand_coupled(std::int64_t B, std::int64_t H, const Scalar* pre, Scalar* pre4) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* p = pre + b * 3 * H;
    Scalar* q = pre4 + b * 4 * H;
    copy(q, p, H);
    for (std::int64_t j = 0; j < H; ++j) q[H + j] = -p[j];
    copy(q + 2 * H, p + H, 2 * H);
  }
}

// Its backward: dpre4 [B, 4H] -> dpre [B, 3H] = (di - df, dg, do).
void fold_coupled(std::int64_t B, std::int64_t H, const Scalar* dpre4, Scalar* dpre) {
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* q = dpre4 + b * 4 * H;
    Scalar* p = dpre + b * 3 * H;
    for (std::int64_t j = 0; j < H; ++j) p[j] = q[j] - q[H + j];
    copy(p + H, q + 2 * H, 2 * H);
  }
}

// One step of the reset-before GRU (Cho et al. 2014), which has the parameters of PyTorch's
// GRU but n = tanh(gx_n + W_hn (r * h_prev) + b_hn). g [B, 3H]: gx = x W_ih^T + b_ih in,
// activations r, z, n out. gh [B, 3H] scratch; rh = r * h_prev [B, H] out (kept for dW_hn).
void gru_reset_before_forward(std::int64_t B, std::int64_t H, const Scalar* W_hh, const Scalar* b_hh,
                              const kernels::GateClamps* clamps, const Scalar* h_prev, Scalar* g, Scalar* gh,
                              Scalar* rh, Scalar* h) {
  const std::int64_t GH = 3 * H;
  fill_rows(B, GH, b_hh, gh);
  kernels::gemm(false, true, B, 2 * H, H, Scalar(1), h_prev, H, W_hh, H, Scalar(1), gh, GH);  // rows r, z
  const bool cr = clamps && clamps->on[0], cz = clamps && clamps->on[1];
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      Scalar* a = g + b * GH;
      const Scalar* hh = gh + b * GH;
      a[j] = cr ? clamps->value[0] : sigm(a[j] + hh[j]);
      a[H + j] = cz ? clamps->value[1] : sigm(a[H + j] + hh[H + j]);
      rh[b * H + j] = a[j] * h_prev[b * H + j];
    }
  kernels::gemm(false, true, B, H, H, Scalar(1), rh, H, W_hh + 2 * H * H, H, Scalar(1), gh + 2 * H, GH);  // W_hn (r h) + b_hn
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      Scalar* a = g + b * GH;
      const Scalar n = std::tanh(a[2 * H + j] + gh[b * GH + 2 * H + j]), z = a[H + j];
      a[2 * H + j] = n;
      h[b * H + j] = (Scalar(1) - z) * n + z * h_prev[b * H + j];
    }
}

// Its backward. dh: total dL/dh_t [B, H]. Writes dgx = dL/d(gx) and dgh = dL/d(the b_hh-side
// pre-activations: W_hr h + b_hr, W_hz h + b_hz, W_hn (r h) + b_hn), both [B, 3H], and
// dh_prev [B, H] complete (through z, through r * h_prev, and through r and z's W_hh rows).
// drh [B, H] scratch.
//   dpn = dh (1 - z)(1 - n^2),  dpz = dh (h_prev - n) z (1 - z),  drh = dpn W_hn,
//   dpr = drh h_prev r (1 - r),  dh_prev = dh z + drh r + [dpr, dpz] W_h{r,z}
void gru_reset_before_backward(std::int64_t B, std::int64_t H, const Scalar* W_hh, const kernels::GateClamps* clamps,
                               const Scalar* act, const Scalar* h_prev, const Scalar* dh, Scalar* dgx, Scalar* dgh,
                               Scalar* drh, Scalar* dh_prev) {
  const std::int64_t GH = 3 * H;
  const bool cr = clamps && clamps->on[0], cz = clamps && clamps->on[1];
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      const Scalar* a = act + b * GH;
      const std::int64_t k = b * H + j;
      const Scalar z = a[H + j], n = a[2 * H + j], dhk = dh[k];
      const Scalar dpn = dhk * (Scalar(1) - z) * (Scalar(1) - n * n);
      const Scalar dpz = cz ? Scalar(0) : dhk * (h_prev[k] - n) * z * (Scalar(1) - z);
      dgx[b * GH + H + j] = dgh[b * GH + H + j] = dpz;
      dgx[b * GH + 2 * H + j] = dgh[b * GH + 2 * H + j] = dpn;
      dh_prev[k] = dhk * z;
    }
  kernels::gemm(false, false, B, H, H, Scalar(1), dgh + 2 * H, GH, W_hh + 2 * H * H, H, Scalar(0), drh, H);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const Scalar r = act[b * GH + j];
      const Scalar dpr = cr ? Scalar(0) : drh[k] * h_prev[k] * r * (Scalar(1) - r);
      dgx[b * GH + j] = dgh[b * GH + j] = dpr;
      dh_prev[k] += drh[k] * r;
    }
  kernels::gemm(false, false, B, H, 2 * H, Scalar(1), dgh, GH, W_hh, H, Scalar(1), dh_prev, H);
}

// For the trace only: the total dL/dc_t, as lstm_cell_backward forms it inside (dct):
// the gradient through step t+1 (dc_next), plus what reaches c_t through h_t = o tanh(c_t)
// and, with peepholes, through o = s(... + p_o c_t). gates_act [B, 4H], c and out [B, H].
void trace_total_dc(std::int64_t B, std::int64_t H, const Scalar* gates_act, const Scalar* c, const Scalar* peephole,
                    const kernels::GateClamps* clamps, const Scalar* dh, const Scalar* dc_next, Scalar* out) {
  const bool o_clamped = clamps && clamps->on[3];
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t j = 0; j < H; ++j) {
      const std::int64_t k = b * H + j;
      const double o = gates_act[b * 4 * H + 3 * H + j], tc = std::tanh(static_cast<double>(c[k]));
      double dct = static_cast<double>(dc_next[k]) + dh[k] * o * (1 - tc * tc);
      if (peephole && !o_clamped) dct += dh[k] * tc * o * (1 - o) * peephole[2 * H + j];
      out[k] = static_cast<Scalar>(dct);
    }
}

// BPTT for run_stream: dy is dL/d(packed output); accumulates the gradient of every input
// that needs one. Steps run in reverse step order, carrying dL/dh and dL/dc.
void stream_backward(const StreamSpec& s, const Slots& slot, const StreamSaved& saved, Grads& g, const Var& dy_var) {
  const Tensor &gates = saved.gates, &cs = saved.cs, &tcs = saved.tcs, &hn = saved.hn, &hc = saved.hc,
               &peep = saved.peep;
  g.require_first_order();
  const std::int64_t T = s.T, B = s.B, I = s.I, H = s.H, P = s.P;
  const bool lstm = s.kind == CellKind::Lstm, gru = s.kind == CellKind::Gru, relu = s.kind == CellKind::RnnRelu;
  const bool proj = slot.w_hr >= 0;
  const std::int64_t G = lstm ? (s.coupled ? 3 : 4) : gru ? 3 : 1, GH = G * H, BH = B * H, BP = B * P, BGH = B * GH,
                     TB = T * B;
  const std::int64_t BKH = lstm ? 4 * BH : BGH;  // one step of `gates` (the LSTM kernel's block is 4H wide)
  auto in = [&](int k) -> const Scalar* { return k < 0 ? nullptr : g.input(k).value().data(); };
  const Scalar* dy = dy_var.value().data();
  const Scalar* out = g.output().value().data();
  const Scalar* W_hh = in(slot.w_hh);
  const Scalar* W_hr = in(slot.w_hr);
  const kernels::GateClamps* clamps = s.clamps_or_null();
  const Tensor zeros({B, H});
  const Scalar* h0 = slot.h0 >= 0 ? in(slot.h0) + s.state_row * BP : zeros.data();
  const Scalar* c0 = slot.c0 >= 0 ? in(slot.c0) + s.state_row * BH : zeros.data();

  const BackwardScratch dG_buffer(0, T * BGH), dGh_buffer(1, gru ? T * BGH : 0);
  Scalar* dG = dG_buffer.data();                   // dL/d(pre-activations); GRU: dL/d(gx)
  Scalar* dGh = gru ? dGh_buffer.data() : nullptr;  // GRU: dL/d(gh)
  Tensor dh({B, P});                                 // total dL/dh_t
  Tensor dh_next({B, P});                            // dL/dh_t through step t+1 (ends as dL/dh0)
  Tensor dc({B, H});                                 // LSTM: dL/dc_t through step t+1 (ends as dL/dc0)
  Tensor dhc = proj ? Tensor({B, H}) : Tensor();     // projection: dL/d(o tanh c_t) = dh W_hr
  Tensor dW_hr = proj ? Tensor({P, H}) : Tensor();
  Tensor dpre4 = s.coupled ? Tensor({B, 4 * H}) : Tensor();  // coupled: the kernel's i, f, g, o gradient
  Tensor drh = gru && s.reset_before ? Tensor({B, H}) : Tensor();
  Tensor dpeep = peep.defined() ? Tensor({3, H}) : Tensor();
  if (lstm) copy(dc.data(), dy + T * BP, BH);  // from c_n
  Tensor* trace_dh = s.trace ? &s.trace->streams[static_cast<std::size_t>(s.state_row)].dh : nullptr;
  Tensor* trace_dc = s.trace && lstm ? &s.trace->streams[static_cast<std::size_t>(s.state_row)].dc : nullptr;

  // dG_t W_hh at every step, W_hh [GH, width of h] packed once (not for the reset-before GRU).
  const std::int64_t W_cols = lstm ? P : H;
  std::optional<kernels::PackedB> W_hh_b;
  if (!(gru && s.reset_before)) W_hh_b.emplace(false, GH, W_cols, W_hh, W_cols);

  // dL/dh0 is wanted only for a given h0 that needs a gradient: otherwise the first step's
  // dG_0 W_hh (the last product of the loop, 1/T of its recurrent GEMMs) is skipped.
  const bool want_dh0 = slot.h0 >= 0 && g.needs(slot.h0);

  // Both biases add to the same pre-activations except in a GRU (b_hn sits inside r * (...)),
  // so outside a GRU their gradients are one column sum of dG, computed once (and copied
  // before either is handed over: accumulate may add into the tensor it is given). A GRU's
  // dG_hh equals dG in the r and z columns (every GRU backward kernel writes the same values
  // there, cells.h), and in the n columns too in the reset-before form: those sums are
  // copied as well. The sums (in double) are taken step by step, while the step's rows are
  // still in cache: once over all T B rows after the loop they read dG back from memory
  // (3-4% of the GRU benchmark's step in node).
  const bool need_b_ih = slot.b_ih >= 0 && g.needs(slot.b_ih), need_b_hh = slot.b_hh >= 0 && g.needs(slot.b_hh);
  const std::int64_t same = need_b_ih ? (gru && !s.reset_before ? 2 * H : GH) : 0;  // b_hh columns copied from b_ih's
  std::vector<double> sum_ih(need_b_ih ? static_cast<std::size_t>(GH) : 0),
      sum_hh(need_b_hh ? static_cast<std::size_t>(GH - same) : 0);
  for (std::int64_t step = T - 1; step >= 0; --step) {
    const std::int64_t t = s.time(step);
    const Scalar* h_prev = step == 0 ? h0 : out + s.prev(t) * BP;
    const bool recur = step > 0 || want_dh0;  // dh_next is read after this step
    kernels::add(dh.data(), dy + t * BP, dh_next.data(), static_cast<std::size_t>(BP));
    if (trace_dh) copy(trace_dh->data() + t * BP, dh.data(), BP);
    Scalar* dg_t = dG + t * BGH;
    if (lstm) {
      const Scalar* c_prev = step == 0 ? c0 : cs.data() + s.prev(t) * BH;
      const Scalar* a_t = gates.data() + t * BKH;
      const Scalar* dh_cell = dh.data();  // dL/d(o tanh c_t)
      if (proj) {
        kernels::gemm(false, false, B, H, P, Scalar(1), dh.data(), P, W_hr, H, Scalar(0), dhc.data(), H);
        kernels::gemm(true, false, P, H, B, Scalar(1), dh.data(), P, hc.data() + t * BH, H, Scalar(1), dW_hr.data(), H);
        dh_cell = dhc.data();
      }
      if (trace_dc) trace_total_dc(B, H, a_t, cs.data() + t * BH, peep.defined() ? peep.data() : nullptr, clamps,
                                   dh_cell, dc.data(), trace_dc->data() + t * BH);
      Scalar* dg4 = s.coupled ? dpre4.data() : dg_t;
      kernels::lstm_cell_backward(B, H, a_t, c_prev, cs.data() + t * BH, peep.defined() ? peep.data() : nullptr, clamps,
                                  dh_cell, dc.data(), dg4, dc.data(), dpeep.defined() ? dpeep.data() : nullptr,
                                  tcs.defined() ? tcs.data() + t * BH : nullptr);
      if (s.coupled) fold_coupled(B, H, dg4, dg_t);
      if (recur) W_hh_b->gemm(B, Scalar(1), dg_t, GH, Scalar(0), dh_next.data(), P);
    } else if (gru && s.reset_before) {
      gru_reset_before_backward(B, H, W_hh, clamps, gates.data() + t * BGH, h_prev, dh.data(), dg_t, dGh + t * BGH,
                                drh.data(), dh_next.data());
    } else if (gru) {
      Scalar* dgh_t = dGh + t * BGH;
      kernels::gru_cell_backward(B, H, gates.data() + t * BGH, hn.data() + t * BH, h_prev, clamps, dh.data(), dg_t,
                                 dgh_t, dh_next.data());
      if (recur) W_hh_b->gemm(B, Scalar(1), dgh_t, GH, Scalar(1), dh_next.data(), H);
    } else {
      kernels::rnn_cell_backward(B, H, relu, out + t * BH, dh.data(), dg_t);
      if (recur) W_hh_b->gemm(B, Scalar(1), dg_t, GH, Scalar(0), dh_next.data(), H);
    }
    if (need_b_ih) kernels::add_column_sums(B, GH, dg_t, GH, sum_ih.data());
    if (!sum_hh.empty()) kernels::add_column_sums(B, GH - same, (gru ? dGh : dG) + t * BGH + same, GH, sum_hh.data());
  }

  const Scalar* dG_hh = gru ? dGh : dG;  // the gradient that reaches h W_hh^T + b_hh
  if (g.needs(slot.x)) {
    Tensor dx = Tensor::empty({T, B, I});  // beta = 0: written, never read
    kernels::gemm(false, false, TB, I, GH, Scalar(1), dG, GH, in(slot.w_ih), I, Scalar(0), dx.data(), I);
    g.accumulate(slot.x, std::move(dx));
  }
  if (g.needs(slot.w_ih)) {
    Tensor dW = Tensor::empty({GH, I});
    kernels::gemm(true, false, GH, I, TB, Scalar(1), dG, GH, in(slot.x), I, Scalar(0), dW.data(), I);
    g.accumulate(slot.w_ih, std::move(dW));
  }
  if (g.needs(slot.w_hh)) {
    // dW_hh = sum_t dG_hh[t]^T h_prev(t). Steps after the first read h_prev from `out`,
    // which time-indexes them contiguously: one GEMM for those, one for h0. The reset-before
    // GRU's n rows read r * h_prev instead: one GEMM over the kept rh.
    const std::int64_t rows = gru && s.reset_before ? 2 * H : GH;
    Tensor dW = T > 1 ? Tensor::empty({GH, P}) : Tensor({GH, P});  // with T > 1 the first GEMMs write every row
    if (T > 1) {
      const std::int64_t g_off = s.reverse ? 0 : BGH, h_off = s.reverse ? BP : 0;
      kernels::gemm(true, false, rows, P, (T - 1) * B, Scalar(1), dG_hh + g_off, GH, out + h_off, P, Scalar(0),
                    dW.data(), P);
    }
    if (slot.h0 >= 0)
      kernels::gemm(true, false, rows, P, B, Scalar(1), dG_hh + s.time(0) * BGH, GH, h0, P, Scalar(1), dW.data(), P);
    if (rows < GH)
      kernels::gemm(true, false, H, H, TB, Scalar(1), dG_hh + 2 * H, GH, hn.data(), H, Scalar(0), dW.data() + 2 * H * H,
                    H);
    g.accumulate(slot.w_hh, std::move(dW));
  }
  Tensor db_ih, db_hh;
  if (need_b_ih) {
    db_ih = Tensor::empty({GH});
    std::copy(sum_ih.begin(), sum_ih.end(), db_ih.data());  // each rounded once to Scalar
  }
  if (need_b_hh) {
    db_hh = Tensor::empty({GH});
    if (same > 0) copy(db_hh.data(), db_ih.data(), same);
    std::copy(sum_hh.begin(), sum_hh.end(), db_hh.data() + same);
  }
  if (need_b_ih) g.accumulate(slot.b_ih, std::move(db_ih));
  if (need_b_hh) g.accumulate(slot.b_hh, std::move(db_hh));
  if (proj && g.needs(slot.w_hr)) g.accumulate(slot.w_hr, std::move(dW_hr));
  const int peep_slots[3] = {slot.p_i, slot.p_f, slot.p_o};
  for (int k = 0; k < 3; ++k) {
    if (peep_slots[k] < 0 || !g.needs(peep_slots[k])) continue;
    Tensor dp({H});
    copy(dp.data(), dpeep.data() + k * H, H);
    g.accumulate(peep_slots[k], std::move(dp));
  }
  if (slot.h0 >= 0 && g.needs(slot.h0)) {
    Tensor d0(g.input(slot.h0).shape());
    copy(d0.data() + s.state_row * BP, dh_next.data(), BP);
    g.accumulate(slot.h0, std::move(d0));
  }
  if (slot.c0 >= 0 && g.needs(slot.c0)) {
    Tensor d0(g.input(slot.c0).shape());
    copy(d0.data() + s.state_row * BH, dc.data(), BH);
    g.accumulate(slot.c0, std::move(d0));
  }
}

// One layer and direction over the whole sequence. x: [T, B, I] time-major.
// Returns the packed output, flat: h_t by time ([T, B, P]), then (LSTM) c_n ([B, H]).
Var run_stream(const StreamSpec& s, std::vector<Var> inputs, const Slots& slot) {
  const std::int64_t T = s.T, B = s.B, I = s.I, H = s.H, P = s.P;
  const bool lstm = s.kind == CellKind::Lstm, gru = s.kind == CellKind::Gru, relu = s.kind == CellKind::RnnRelu;
  const bool proj = slot.w_hr >= 0;
  const std::int64_t G = lstm ? (s.coupled ? 3 : 4) : gru ? 3 : 1, GH = G * H, BH = B * H, BP = B * P, BGH = B * GH,
                     TB = T * B;
  const std::int64_t KG = lstm ? 4 : G, BKH = KG * BH;  // the cell kernel's gates (a coupled LSTM's f expanded)
  auto in = [&](int k) -> const Scalar* {
    return k < 0 ? nullptr : inputs[static_cast<std::size_t>(k)].value().data();
  };
  const Scalar* W_ih = in(slot.w_ih);
  const Scalar* W_hh = in(slot.w_hh);
  const Scalar* W_hr = in(slot.w_hr);
  const Scalar* b_ih = in(slot.b_ih);
  const Scalar* b_hh = in(slot.b_hh);
  const kernels::GateClamps* clamps = s.clamps_or_null();

  // Input projection of all T steps at once: pre = x W_ih^T + b_ih (+ b_hh unless GRU,
  // whose b_hn sits inside r * (...)).
  // Every buffer below is written in full before it is read (so none is zero-filled): the
  // GEMM with beta = 0, then per step the cell kernels' outputs, c_n, and fill_rows.
  Tensor pre = Tensor::empty({T, B, GH});
  kernels::gemm(false, true, TB, GH, I, Scalar(1), in(slot.x), I, W_ih, I, Scalar(0), pre.data(), GH);
  const Scalar* b_2 = gru ? nullptr : b_hh;
  for (std::int64_t r = 0; r < TB; ++r) {
    Scalar* row = pre.data() + r * GH;
    if (b_ih && b_2) {  // (row + b_ih) + b_hh in one pass, rounded as two adds
      for (std::int64_t j = 0; j < GH; ++j) row[j] = (row[j] + b_ih[j]) + b_2[j];
    } else if (b_ih || b_2) {
      kernels::add(row, row, b_ih ? b_ih : b_2, static_cast<std::size_t>(GH));
    }
  }
  // The gate activations, written in place over the pre-activations, except for a coupled
  // LSTM whose kernel block (i, f = 1 - i, g, o) is wider than its rows (i, g, o).
  Tensor gates = s.coupled ? Tensor::empty({T, B, 4 * H}) : std::move(pre);
  Scalar* pre_data = s.coupled ? pre.data() : gates.data();
  Tensor out = Tensor::empty({T * BP + (lstm ? BH : 0)});
  Tensor cs = lstm ? Tensor::empty({T, B, H}) : Tensor();
  // tanh(c_t) is kept for the backward only: not when the op records nothing (no-grad).
  Tensor tcs = lstm && records(inputs) ? Tensor::empty({T, B, H}) : Tensor();
  Tensor hn = gru ? Tensor::empty({T, B, H}) : Tensor();
  Tensor hc = proj ? Tensor::empty({T, B, H}) : Tensor();
  Tensor gh = gru ? Tensor::empty({B, GH}) : Tensor();
  Tensor peep = slot.p_i >= 0 ? Tensor::empty({3, H}) : Tensor();
  if (peep.defined()) {
    copy(peep.data(), in(slot.p_i), H);
    copy(peep.data() + H, in(slot.p_f), H);
    copy(peep.data() + 2 * H, in(slot.p_o), H);
  }
  const Tensor zeros({B, H});
  const Scalar* h0 = slot.h0 >= 0 ? in(slot.h0) + s.state_row * BP : zeros.data();
  const Scalar* c0 = slot.c0 >= 0 ? in(slot.c0) + s.state_row * BH : zeros.data();

  // h_prev W_hh^T at every step: W_hh packed once (the reset-before GRU multiplies by parts of it).
  std::optional<kernels::PackedB> W_hh_t;
  if (!(gru && s.reset_before)) W_hh_t.emplace(true, gru ? H : P, GH, W_hh, gru ? H : P);

  // Without a given h0 the first step's h_prev is zeros, and h_prev W_hh^T adds nothing:
  // that product (1/T of the recurrent GEMMs) is skipped. (Unlike PyTorch, a non-finite
  // W_hh then reaches the output only from the second step on, as 0 * inf is not formed.)
  for (std::int64_t step = 0; step < T; ++step) {
    const std::int64_t t = s.time(step);
    const Scalar* h_prev = step == 0 ? h0 : out.data() + s.prev(t) * BP;
    const bool recur = step > 0 || slot.h0 >= 0;
    Scalar* p_t = pre_data + t * BGH;
    Scalar* a_t = gates.data() + t * BKH;
    Scalar* h_t = out.data() + t * BP;
    if (gru && s.reset_before) {
      gru_reset_before_forward(B, H, W_hh, b_hh, clamps, h_prev, a_t, gh.data(), hn.data() + t * BH, h_t);
    } else if (gru) {
      // gh = h_prev W_hh^T + b_hh: the product, then the bias added row by row (one rounding
      // of product + bias, as when the product was added to rows filled with b_hh), without
      // copying b_hh into B rows at every step.
      if (recur) {
        W_hh_t->gemm(B, Scalar(1), h_prev, H, Scalar(0), gh.data(), GH);
        if (b_hh)
          for (std::int64_t b = 0; b < B; ++b)
            kernels::add(gh.data() + b * GH, gh.data() + b * GH, b_hh, static_cast<std::size_t>(GH));
      } else {
        fill_rows(B, GH, b_hh, gh.data());
      }
      kernels::gru_cell_forward(B, H, a_t, gh.data(), h_prev, clamps, a_t, hn.data() + t * BH, h_t);
    } else {
      if (recur) W_hh_t->gemm(B, Scalar(1), h_prev, P, Scalar(1), p_t, GH);
      if (lstm) {
        if (s.coupled) expand_coupled(B, H, p_t, a_t);
        const Scalar* c_prev = step == 0 ? c0 : cs.data() + s.prev(t) * BH;
        Scalar* hc_t = proj ? hc.data() + t * BH : h_t;  // o * tanh(c_t)
        kernels::lstm_cell_forward(B, H, a_t, c_prev, peep.defined() ? peep.data() : nullptr, clamps, a_t,
                                   cs.data() + t * BH, hc_t, tcs.defined() ? tcs.data() + t * BH : nullptr);
        if (proj) kernels::gemm(false, true, B, P, H, Scalar(1), hc_t, H, W_hr, H, Scalar(0), h_t, P);  // h = W_hr hc
      } else {
        kernels::rnn_cell_forward(B, H, relu, p_t, h_t);
      }
    }
  }
  if (lstm) copy(out.data() + T * BP, cs.data() + s.time(T - 1) * BH, BH);

  if (s.trace) {
    RecurrentTrace::Stream& tr = s.trace->streams[static_cast<std::size_t>(s.state_row)];
    copy(tr.h.data(), out.data(), T * BP);
    if (lstm) copy(tr.c.data(), cs.data(), T * BH);
    if (lstm || gru) {
      for (std::int64_t k = 0; k < KG; ++k)
        for (std::int64_t r = 0; r < TB; ++r)
          copy(tr.gates[static_cast<std::size_t>(k)].second.data() + r * H, gates.data() + r * KG * H + k * H, H);
    }
  }

  // RNN backward needs only h (the output itself), so it keeps no gate buffer.
  if (!lstm && !gru) gates = Tensor();
  StreamSaved saved{std::move(gates), std::move(cs), std::move(tcs), std::move(hn), std::move(hc), std::move(peep)};
  return record(stream_op_name(s.kind), std::move(inputs), std::move(out),
                [s, slot, saved](Grads& g, const Var& dy) { stream_backward(s, slot, saved, g, dy); });
}

}  // namespace

RecurrentOutput Recurrent::forward_fused(const Var& x, const Var& h0, const Var& c0, const Dims& dims) {
  std::shared_ptr<RecurrentTrace> trace = start_trace(dims);
  const int L = options_.num_layers, D = num_directions();
  const bool lstm = options_.kind == CellKind::Lstm;
  const std::int64_t H = options_.hidden_size, P = output_size();
  Var layer_in = swap_leading(x);  // [T, B, I]
  std::vector<Var> packs;
  std::vector<std::int64_t> h_offsets, c_offsets;
  for (int l = 0; l < L; ++l) {
    std::vector<Var> directions;
    for (int d = 0; d < D; ++d) {
      const std::size_t idx = static_cast<std::size_t>(l * D + d);
      StreamSpec spec{options_.kind,
                      dims.T,
                      dims.B,
                      layer_input_size(l),
                      H,
                      P,
                      options_.coupled_input_forget,
                      options_.reset_before,
                      d == 1,
                      {},
                      static_cast<std::int64_t>(idx),
                      trace};
      for (int k = 0; k < 4; ++k) {
        spec.clamps.on[k] = clamps_[idx].on[k];
        spec.clamps.value[k] = static_cast<Scalar>(clamps_[idx].value[k]);
      }
      if (spec.coupled && spec.clamps.on[0]) {  // f = 1 - i follows a clamped i
        spec.clamps.on[1] = true;
        spec.clamps.value[1] = Scalar(1) - spec.clamps.value[0];
      }
      const StreamParams& p = streams_[idx];
      std::vector<Var> inputs{layer_in, p.w_ih, p.w_hh};
      Slots slot;
      auto add = [&](int& where, const Var& v) {
        where = static_cast<int>(inputs.size());
        inputs.push_back(v);
      };
      if (options_.bias) {
        add(slot.b_ih, p.b_ih);
        add(slot.b_hh, p.b_hh);
      }
      if (options_.peephole) {
        add(slot.p_i, p.p_i);
        add(slot.p_f, p.p_f);
        add(slot.p_o, p.p_o);
      }
      if (p.w_hr.defined()) add(slot.w_hr, p.w_hr);
      if (h0.defined()) add(slot.h0, h0);
      if (c0.defined()) add(slot.c0, c0);
      Var pack = run_stream(spec, std::move(inputs), slot);
      directions.push_back(pack);
      packs.push_back(pack);
      h_offsets.push_back((d == 0 ? dims.T - 1 : 0) * dims.B * P);
      c_offsets.push_back(dims.T * dims.B * P);
    }
    // The last layer's single direction goes straight from its pack to [B, T, P].
    if (l + 1 < L || D > 1) layer_in = join_directions(directions, dims.T, dims.B, P);
  }
  RecurrentOutput result;
  result.output = D == 1 ? swap_leading_of_pack(packs.back(), dims.T, dims.B, P) : swap_leading(layer_in);
  result.h_n = gather_rows(packs, h_offsets, dims.B, P);
  if (lstm) result.c_n = gather_rows(packs, c_offsets, dims.B, H);
  return result;
}

GRADLAB_END
