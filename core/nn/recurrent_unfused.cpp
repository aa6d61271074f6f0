// The unfused path of Recurrent: every step written with primitive ops (linear, sigmoid,
// tanh, relu, mul, add, slice, select, stack, concat), so it reads like the equations in
// recurrent.h, checks the fused path, and supports higher-order gradients. Slow on purpose.
#include <algorithm>

#include "nn/recurrent.h"
#include "ops/ops.h"

GRADLAB_BEGIN

namespace {

void copy_into(Tensor& dst, std::int64_t t, const Tensor& src) {  // dst[t] = src  (dst [T, ...])
  std::copy(src.data(), src.data() + src.numel(), dst.data() + t * src.numel());
}

}  // namespace

RecurrentOutput Recurrent::forward_unfused(const Var& x, const Var& h0, const Var& c0, const Dims& dims) {
  std::shared_ptr<RecurrentTrace> trace = start_trace(dims);
  const int L = options_.num_layers, D = num_directions();
  const std::int64_t T = dims.T, B = dims.B, H = options_.hidden_size, P = output_size();
  const bool coupled = options_.coupled_input_forget;
  const CellKind kind = options_.kind;
  std::vector<Var> h_finals, c_finals;
  Var layer_in = x;  // [B, T, I_k]
  for (int l = 0; l < L; ++l) {
    std::vector<Var> directions;
    for (int d = 0; d < D; ++d) {
      const std::size_t idx = static_cast<std::size_t>(l * D + d);
      const StreamParams& p = streams_[idx];
      const Clamp& clamp = clamps_[idx];
      // A gate's activation, or the clamped constant (which no gradient passes).
      auto gate = [&](int slot, const Var& activation) {
        return clamp.on[slot] ? constant({B, H}, clamp.value[slot]) : activation;
      };
      auto part = [&](const Var& v, int k) { return slice(v, 1, k * H, (k + 1) * H); };  // gate k of [B, G*H]
      Var h = h0.defined() ? select(h0, 0, static_cast<std::int64_t>(idx)) : constant({B, P}, 0);
      Var c = c0.defined() ? select(c0, 0, static_cast<std::int64_t>(idx)) : constant({B, H}, 0);
      RecurrentTrace::Stream* tr = trace ? &trace->streams[idx] : nullptr;
      std::vector<Var> hs(static_cast<std::size_t>(T));
      // "h[3]", or "l1r:h[3]" (layer 1, reverse) when the model has several streams.
      std::string stream_label;
      if (L * D > 1) stream_label.append("l").append(std::to_string(l)).append(d == 1 ? "r:" : ":");
      for (std::int64_t step = 0; step < T; ++step) {
        const std::int64_t t = d == 1 ? T - 1 - step : step;
        auto label = [&](Var v, const char* what) {
          if (step_labels_) v.set_name(stream_label + what + "[" + std::to_string(t) + "]");
          return v;
        };
        const Var x_t = label(select(layer_in, 1, t), "x");        // [B, I_k]
        const Var gx = label(linear(x_t, p.w_ih, p.b_ih), "ih");  // [B, G*H]: W_ih x_t + b_ih
        const Var gh = label(linear(h, p.w_hh, p.b_hh), "hh");    // [B, G*H]: W_hh h_{t-1} + b_hh
        std::vector<Var> acts;                                    // for the trace, in gate_names() order
        if (kind == CellKind::Lstm) {
          const Var pre = label(gx + gh, "a");
          // Rows i, f, g, o; coupled: i, g, o (f = 1 - i).
          const int row_g = coupled ? 1 : 2, row_o = coupled ? 2 : 3;
          Var pi = part(pre, 0), po = part(pre, row_o);
          Var pf = coupled ? Var() : part(pre, 1);
          if (options_.peephole) {
            pi = pi + c * p.p_i;
            pf = pf + c * p.p_f;
          }
          const Var i = label(gate(0, sigmoid(pi)), "i");
          const Var f = label(coupled ? 1.0 - i : gate(1, sigmoid(pf)), "f");
          const Var g = label(gate(2, tanh(part(pre, row_g))), "g");
          c = label(f * c + i * g, "c");
          if (options_.peephole) po = po + c * p.p_o;
          const Var o = label(gate(3, sigmoid(po)), "o");
          h = o * tanh(c);
          if (p.w_hr.defined()) h = linear(h, p.w_hr, Var());  // h_t = W_hr (o * tanh(c_t)), [B, P]
          h = label(h, "h");
          acts = {i, f, g, o};
        } else if (kind == CellKind::Gru) {
          const Var r = label(gate(0, sigmoid(part(gx, 0) + part(gh, 0))), "r");
          const Var z = label(gate(1, sigmoid(part(gx, 1) + part(gh, 1))), "z");
          // PyTorch: r * (W_hn h + b_hn); reset before (2014): W_hn (r * h) + b_hn.
          const Var hn = options_.reset_before
                             ? linear(r * h, slice(p.w_hh, 0, 2 * H, 3 * H),
                                      p.b_hh.defined() ? slice(p.b_hh, 0, 2 * H, 3 * H) : Var())
                             : r * part(gh, 2);
          const Var n = label(tanh(part(gx, 2) + hn), "n");
          h = label((1.0 - z) * n + z * h, "h");
          acts = {r, z, n};
        } else {
          const Var a = label(gx + gh, "a");
          h = label(kind == CellKind::RnnRelu ? relu(a) : tanh(a), "h");
        }
        hs[static_cast<std::size_t>(t)] = h;
        if (tr) {
          copy_into(tr->h, t, h.value());
          if (kind == CellKind::Lstm) copy_into(tr->c, t, c.value());
          if (kind == CellKind::Lstm && c.requires_grad()) {
            std::shared_ptr<RecurrentTrace> keep = trace;
            c.register_hook([keep, idx, t](const Tensor& dc) { copy_into(keep->streams[idx].dc, t, dc); });
          }
          for (std::size_t k = 0; k < acts.size(); ++k) copy_into(tr->gates[k].second, t, acts[k].value());
          if (h.requires_grad()) {
            std::shared_ptr<RecurrentTrace> keep = trace;  // the hook may outlive this forward's trace_
            h.register_hook([keep, idx, t](const Tensor& dh) { copy_into(keep->streams[idx].dh, t, dh); });
          }
        }
      }
      h_finals.push_back(h);
      c_finals.push_back(c);
      directions.push_back(stack(hs, 1));  // [B, T, H]
    }
    layer_in = D == 1 ? directions[0] : concat(directions, 2);  // [B, T, D*H]
  }
  RecurrentOutput result;
  result.output = layer_in;
  result.h_n = stack(h_finals, 0);
  if (kind == CellKind::Lstm) result.c_n = stack(c_finals, 0);
  return result;
}

GRADLAB_END
