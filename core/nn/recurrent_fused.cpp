// The fused path of Recurrent: per layer and direction one recorded op ("stream") that
// runs the whole sequence with one input GEMM, one h W_hh^T GEMM and one fused cell kernel
// per step, and whose backward is BPTT with the fused cell backward kernels. Buffers are
// time-major [T, B, ...] and allocated once per call, never per step (the backward's gate
// gradients live in per-thread scratch reused across calls). First order only.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "kernels/cells.h"
#include "kernels/kernels.h"
#include "nn/recurrent.h"

GRADLAB_BEGIN

namespace {

// Shape letters as in recurrent.h; R rows of a stream's packed output (T, or T + 1 for LSTM).

void copy(Scalar* dst, const Scalar* src, std::int64_t n) { std::copy(src, src + n, dst); }

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

// [A, B, C] -> [B, A, C]. Its own inverse, so the backward is the same op (any order).
Var swap_leading(const Var& x) {
  const std::int64_t A = x.shape()[0], B = x.shape()[1], C = x.shape()[2];
  Tensor y({B, A, C});
  const Scalar* px = x.value().data();
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t b = 0; b < B; ++b) copy(y.data() + (b * A + a) * C, px + (a * B + b) * C, C);
  return record("swap_leading", {x}, std::move(y), [](Grads& g, const Var& dy) { g.accumulate(0, swap_leading(dy)); });
}

// packs[d]: [R, B, H] with rows 0..T-1 the hidden states -> [T, B, D*H], directions side by side.
Var join_directions(const std::vector<Var>& packs, std::int64_t T) {
  if (packs.size() == 1 && packs[0].shape()[0] == T) return packs[0];
  const std::int64_t D = static_cast<std::int64_t>(packs.size()), B = packs[0].shape()[1], H = packs[0].shape()[2];
  Tensor y({T, B, D * H});
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

// out[k] = packs[k][rows[k]]:  N packs of [R, B, H] -> [N, B, H] (h_n and c_n).
Var gather_rows(const std::vector<Var>& packs, const std::vector<std::int64_t>& rows) {
  const std::int64_t N = static_cast<std::int64_t>(packs.size()), BH = packs[0].shape()[1] * packs[0].shape()[2];
  Tensor y({N, packs[0].shape()[1], packs[0].shape()[2]});
  for (std::int64_t k = 0; k < N; ++k)
    copy(y.data() + k * BH, packs[static_cast<std::size_t>(k)].value().data() + rows[static_cast<std::size_t>(k)] * BH,
         BH);
  return record("recurrent_fused_gather", packs, std::move(y), [rows, N, BH](Grads& g, const Var& dy) {
    g.require_first_order();
    for (std::int64_t k = 0; k < N; ++k) {
      if (!g.needs(static_cast<int>(k))) continue;
      Tensor dp(g.input(static_cast<int>(k)).shape());
      copy(dp.data() + rows[static_cast<std::size_t>(k)] * BH, dy.value().data() + k * BH, BH);
      g.accumulate(static_cast<int>(k), std::move(dp));
    }
  });
}

struct StreamSpec {
  CellKind kind;
  std::int64_t T, B, I, H;
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
  int x = 0, w_ih = 1, w_hh = 2, b_ih = -1, b_hh = -1, p_i = -1, p_f = -1, p_o = -1, h0 = -1, c0 = -1;
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
  Tensor gates;  // LSTM: activations i, f, g, o; GRU: r, z, n   [T, B, G*H]
  Tensor cs;     // LSTM: c_t [T, B, H]
  Tensor hn;     // GRU: W_hn h_{t-1} + b_hn [T, B, H]
  Tensor peep;   // peephole LSTM: [3, H] (i, f, o)
};

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

// BPTT for run_stream: dy is dL/d(packed states) [R, B, H]; accumulates the gradient of
// every input that needs one. Steps run in reverse step order, carrying dL/dh and dL/dc.
void stream_backward(const StreamSpec& s, const Slots& slot, const StreamSaved& saved, Grads& g, const Var& dy_var) {
  const Tensor &gates = saved.gates, &cs = saved.cs, &hn = saved.hn, &peep = saved.peep;
  g.require_first_order();
  const std::int64_t T = s.T, B = s.B, I = s.I, H = s.H;
  const bool lstm = s.kind == CellKind::Lstm, gru = s.kind == CellKind::Gru, relu = s.kind == CellKind::RnnRelu;
  const std::int64_t G = lstm ? 4 : gru ? 3 : 1, GH = G * H, BH = B * H, BGH = B * GH, TB = T * B;
  auto in = [&](int k) -> const Scalar* { return k < 0 ? nullptr : g.input(k).value().data(); };
  const Scalar* dy = dy_var.value().data();
  const Scalar* out = g.output().value().data();
  const Scalar* W_hh = in(slot.w_hh);
  const kernels::GateClamps* clamps = s.clamps_or_null();
  const Tensor zeros({B, H});
  const Scalar* h0 = slot.h0 >= 0 ? in(slot.h0) + s.state_row * BH : zeros.data();
  const Scalar* c0 = slot.c0 >= 0 ? in(slot.c0) + s.state_row * BH : zeros.data();

  const BackwardScratch dG_buffer(0, T * BGH), dGh_buffer(1, gru ? T * BGH : 0);
  Scalar* dG = dG_buffer.data();                   // dL/d(pre-activations); GRU: dL/d(gx)
  Scalar* dGh = gru ? dGh_buffer.data() : nullptr;  // GRU: dL/d(gh)
  Tensor dh({B, H});                                 // total dL/dh_t
  Tensor dh_next({B, H});                            // dL/dh_t through step t+1 (ends as dL/dh0)
  Tensor dc({B, H});                                 // LSTM: dL/dc_t through step t+1 (ends as dL/dc0)
  Tensor dpeep = peep.defined() ? Tensor({3, H}) : Tensor();
  if (lstm) copy(dc.data(), dy + T * BH, BH);  // from c_n
  Tensor* trace_dh = s.trace ? &s.trace->streams[static_cast<std::size_t>(s.state_row)].dh : nullptr;
  Tensor* trace_dc = s.trace && lstm ? &s.trace->streams[static_cast<std::size_t>(s.state_row)].dc : nullptr;

  for (std::int64_t step = T - 1; step >= 0; --step) {
    const std::int64_t t = s.time(step);
    const Scalar* h_prev = step == 0 ? h0 : out + s.prev(t) * BH;
    kernels::add(dh.data(), dy + t * BH, dh_next.data(), static_cast<std::size_t>(BH));
    if (trace_dh) copy(trace_dh->data() + t * BH, dh.data(), BH);
    Scalar* dg_t = dG + t * BGH;
    if (lstm) {
      const Scalar* c_prev = step == 0 ? c0 : cs.data() + s.prev(t) * BH;
      if (trace_dc) trace_total_dc(B, H, gates.data() + t * BGH, cs.data() + t * BH, peep.defined() ? peep.data() : nullptr,
                                   clamps, dh.data(), dc.data(), trace_dc->data() + t * BH);
      kernels::lstm_cell_backward(B, H, gates.data() + t * BGH, c_prev, cs.data() + t * BH,
                                  peep.defined() ? peep.data() : nullptr, clamps, dh.data(), dc.data(), dg_t, dc.data(),
                                  dpeep.defined() ? dpeep.data() : nullptr);
      kernels::gemm(false, false, B, H, GH, Scalar(1), dg_t, GH, W_hh, H, Scalar(0), dh_next.data(), H);
    } else if (gru) {
      Scalar* dgh_t = dGh + t * BGH;
      kernels::gru_cell_backward(B, H, gates.data() + t * BGH, hn.data() + t * BH, h_prev, clamps, dh.data(), dg_t,
                                 dgh_t, dh_next.data());
      kernels::gemm(false, false, B, H, GH, Scalar(1), dgh_t, GH, W_hh, H, Scalar(1), dh_next.data(), H);
    } else {
      kernels::rnn_cell_backward(B, H, relu, out + t * BH, dh.data(), dg_t);
      kernels::gemm(false, false, B, H, GH, Scalar(1), dg_t, GH, W_hh, H, Scalar(0), dh_next.data(), H);
    }
  }

  const Scalar* dG_hh = gru ? dGh : dG;  // the gradient that reaches h W_hh^T + b_hh
  if (g.needs(slot.x)) {
    Tensor dx({T, B, I});
    kernels::gemm(false, false, TB, I, GH, Scalar(1), dG, GH, in(slot.w_ih), I, Scalar(0), dx.data(), I);
    g.accumulate(slot.x, std::move(dx));
  }
  if (g.needs(slot.w_ih)) {
    Tensor dW({GH, I});
    kernels::gemm(true, false, GH, I, TB, Scalar(1), dG, GH, in(slot.x), I, Scalar(0), dW.data(), I);
    g.accumulate(slot.w_ih, std::move(dW));
  }
  if (g.needs(slot.w_hh)) {
    // dW_hh = sum_t dG_hh[t]^T h_prev(t). Steps after the first read h_prev from `out`,
    // which time-indexes them contiguously: one GEMM for those, one for h0.
    Tensor dW({GH, H});
    if (T > 1) {
      const std::int64_t g_off = s.reverse ? 0 : BGH, h_off = s.reverse ? BH : 0;
      kernels::gemm(true, false, GH, H, (T - 1) * B, Scalar(1), dG_hh + g_off, GH, out + h_off, H, Scalar(0),
                    dW.data(), H);
    }
    if (slot.h0 >= 0)
      kernels::gemm(true, false, GH, H, B, Scalar(1), dG_hh + s.time(0) * BGH, GH, h0, H, Scalar(1), dW.data(),
                    H);
    g.accumulate(slot.w_hh, std::move(dW));
  }
  if (slot.b_ih >= 0 && g.needs(slot.b_ih)) {
    Tensor db({GH});
    kernels::add_column_sums(TB, GH, dG, db.data());
    g.accumulate(slot.b_ih, std::move(db));
  }
  if (slot.b_hh >= 0 && g.needs(slot.b_hh)) {
    Tensor db({GH});
    kernels::add_column_sums(TB, GH, dG_hh, db.data());
    g.accumulate(slot.b_hh, std::move(db));
  }
  const int peep_slots[3] = {slot.p_i, slot.p_f, slot.p_o};
  for (int k = 0; k < 3; ++k) {
    if (peep_slots[k] < 0 || !g.needs(peep_slots[k])) continue;
    Tensor dp({H});
    copy(dp.data(), dpeep.data() + k * H, H);
    g.accumulate(peep_slots[k], std::move(dp));
  }
  if (slot.h0 >= 0 && g.needs(slot.h0)) {
    Tensor d0(g.input(slot.h0).shape());
    copy(d0.data() + s.state_row * BH, dh_next.data(), BH);
    g.accumulate(slot.h0, std::move(d0));
  }
  if (slot.c0 >= 0 && g.needs(slot.c0)) {
    Tensor d0(g.input(slot.c0).shape());
    copy(d0.data() + s.state_row * BH, dc.data(), BH);
    g.accumulate(slot.c0, std::move(d0));
  }
}

// One layer and direction over the whole sequence. x: [T, B, I] time-major.
// Returns the packed states [R, B, H]: rows 0..T-1 are h_t by time, row T (LSTM) is c_n.
Var run_stream(const StreamSpec& s, std::vector<Var> inputs, const Slots& slot) {
  const std::int64_t T = s.T, B = s.B, I = s.I, H = s.H;
  const bool lstm = s.kind == CellKind::Lstm, gru = s.kind == CellKind::Gru, relu = s.kind == CellKind::RnnRelu;
  const std::int64_t G = lstm ? 4 : gru ? 3 : 1, GH = G * H, BH = B * H, BGH = B * GH, TB = T * B;
  auto in = [&](int k) -> const Scalar* {
    return k < 0 ? nullptr : inputs[static_cast<std::size_t>(k)].value().data();
  };
  const Scalar* W_ih = in(slot.w_ih);
  const Scalar* W_hh = in(slot.w_hh);
  const Scalar* b_ih = in(slot.b_ih);
  const Scalar* b_hh = in(slot.b_hh);
  const kernels::GateClamps* clamps = s.clamps_or_null();

  // Input projection of all T steps at once: gates = x W_ih^T + b_ih (+ b_hh unless GRU,
  // whose b_hn sits inside r * (...)).
  Tensor gates({T, B, GH});
  kernels::gemm(false, true, TB, GH, I, Scalar(1), in(slot.x), I, W_ih, I, Scalar(0), gates.data(), GH);
  for (std::int64_t r = 0; r < TB; ++r) {
    Scalar* row = gates.data() + r * GH;
    if (b_ih) kernels::add(row, row, b_ih, static_cast<std::size_t>(GH));
    if (b_hh && !gru) kernels::add(row, row, b_hh, static_cast<std::size_t>(GH));
  }
  Tensor out({lstm ? T + 1 : T, B, H});
  Tensor cs = lstm ? Tensor({T, B, H}) : Tensor();
  Tensor hn = gru ? Tensor({T, B, H}) : Tensor();
  Tensor gh = gru ? Tensor({B, GH}) : Tensor();
  Tensor peep = slot.p_i >= 0 ? Tensor({3, H}) : Tensor();
  if (peep.defined()) {
    copy(peep.data(), in(slot.p_i), H);
    copy(peep.data() + H, in(slot.p_f), H);
    copy(peep.data() + 2 * H, in(slot.p_o), H);
  }
  const Tensor zeros({B, H});
  const Scalar* h0 = slot.h0 >= 0 ? in(slot.h0) + s.state_row * BH : zeros.data();
  const Scalar* c0 = slot.c0 >= 0 ? in(slot.c0) + s.state_row * BH : zeros.data();

  for (std::int64_t step = 0; step < T; ++step) {
    const std::int64_t t = s.time(step);
    const Scalar* h_prev = step == 0 ? h0 : out.data() + s.prev(t) * BH;
    Scalar* g_t = gates.data() + t * BGH;
    Scalar* h_t = out.data() + t * BH;
    if (gru) {
      for (std::int64_t b = 0; b < B; ++b) {
        if (b_hh)
          copy(gh.data() + b * GH, b_hh, GH);
        else
          std::fill(gh.data() + b * GH, gh.data() + (b + 1) * GH, Scalar(0));
      }
      kernels::gemm(false, true, B, GH, H, Scalar(1), h_prev, H, W_hh, H, Scalar(1), gh.data(), GH);
      kernels::gru_cell_forward(B, H, g_t, gh.data(), h_prev, clamps, g_t, hn.data() + t * BH, h_t);
    } else {
      kernels::gemm(false, true, B, GH, H, Scalar(1), h_prev, H, W_hh, H, Scalar(1), g_t, GH);
      if (lstm) {
        const Scalar* c_prev = step == 0 ? c0 : cs.data() + s.prev(t) * BH;
        kernels::lstm_cell_forward(B, H, g_t, c_prev, peep.defined() ? peep.data() : nullptr, clamps, g_t,
                                   cs.data() + t * BH, h_t);
      } else {
        kernels::rnn_cell_forward(B, H, relu, g_t, h_t);
      }
    }
  }
  if (lstm) copy(out.data() + T * BH, cs.data() + s.time(T - 1) * BH, BH);

  if (s.trace) {
    RecurrentTrace::Stream& tr = s.trace->streams[static_cast<std::size_t>(s.state_row)];
    copy(tr.h.data(), out.data(), T * BH);
    if (lstm) copy(tr.c.data(), cs.data(), T * BH);
    if (lstm || gru) {
      for (std::int64_t k = 0; k < G; ++k)
        for (std::int64_t r = 0; r < TB; ++r)
          copy(tr.gates[static_cast<std::size_t>(k)].second.data() + r * H, gates.data() + r * GH + k * H, H);
    }
  }

  // RNN backward needs only h (the output itself), so it keeps no gate buffer.
  if (!lstm && !gru) gates = Tensor();
  StreamSaved saved{std::move(gates), std::move(cs), std::move(hn), std::move(peep)};
  return record(stream_op_name(s.kind), std::move(inputs), std::move(out),
                [s, slot, saved](Grads& g, const Var& dy) { stream_backward(s, slot, saved, g, dy); });
}

}  // namespace

RecurrentOutput Recurrent::forward_fused(const Var& x, const Var& h0, const Var& c0, const Dims& dims) {
  std::shared_ptr<RecurrentTrace> trace = start_trace(dims);
  const int L = options_.num_layers, D = num_directions();
  const bool lstm = options_.kind == CellKind::Lstm;
  Var layer_in = swap_leading(x);  // [T, B, I]
  std::vector<Var> packs;
  std::vector<std::int64_t> h_rows, c_rows;
  for (int l = 0; l < L; ++l) {
    std::vector<Var> directions;
    for (int d = 0; d < D; ++d) {
      const std::size_t idx = static_cast<std::size_t>(l * D + d);
      StreamSpec spec{options_.kind,
                      dims.T,
                      dims.B,
                      layer_input_size(l),
                      options_.hidden_size,
                      d == 1,
                      {},
                      static_cast<std::int64_t>(idx),
                      trace};
      for (int k = 0; k < 4; ++k) {
        spec.clamps.on[k] = clamps_[idx].on[k];
        spec.clamps.value[k] = static_cast<Scalar>(clamps_[idx].value[k]);
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
      if (h0.defined()) add(slot.h0, h0);
      if (c0.defined()) add(slot.c0, c0);
      Var pack = run_stream(spec, std::move(inputs), slot);
      directions.push_back(pack);
      packs.push_back(pack);
      h_rows.push_back(d == 0 ? dims.T - 1 : 0);
      c_rows.push_back(dims.T);
    }
    layer_in = join_directions(directions, dims.T);
  }
  RecurrentOutput result;
  result.output = swap_leading(layer_in);
  result.h_n = gather_rows(packs, h_rows);
  if (lstm) result.c_n = gather_rows(packs, c_rows);
  return result;
}

GRADLAB_END
