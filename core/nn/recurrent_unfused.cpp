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
  const std::int64_t T = dims.T, B = dims.B, H = options_.hidden_size;
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
      Var h = h0.defined() ? select(h0, 0, static_cast<std::int64_t>(idx)) : constant({B, H}, 0);
      Var c = c0.defined() ? select(c0, 0, static_cast<std::int64_t>(idx)) : constant({B, H}, 0);
      RecurrentTrace::Stream* tr = trace ? &trace->streams[idx] : nullptr;
      std::vector<Var> hs(static_cast<std::size_t>(T));
      for (std::int64_t step = 0; step < T; ++step) {
        const std::int64_t t = d == 1 ? T - 1 - step : step;
        const Var x_t = select(layer_in, 1, t);      // [B, I_k]
        const Var gx = linear(x_t, p.w_ih, p.b_ih);  // [B, G*H]
        const Var gh = linear(h, p.w_hh, p.b_hh);    // [B, G*H]
        std::vector<Var> acts;                       // for the trace, in gate_names() order
        if (kind == CellKind::Lstm) {
          const Var pre = gx + gh;
          Var pi = part(pre, 0), pf = part(pre, 1), po = part(pre, 3);
          if (options_.peephole) {
            pi = pi + c * p.p_i;
            pf = pf + c * p.p_f;
          }
          const Var i = gate(0, sigmoid(pi));
          const Var f = gate(1, sigmoid(pf));
          const Var g = gate(2, tanh(part(pre, 2)));
          c = f * c + i * g;
          if (options_.peephole) po = po + c * p.p_o;
          const Var o = gate(3, sigmoid(po));
          h = o * tanh(c);
          acts = {i, f, g, o};
        } else if (kind == CellKind::Gru) {
          const Var r = gate(0, sigmoid(part(gx, 0) + part(gh, 0)));
          const Var z = gate(1, sigmoid(part(gx, 1) + part(gh, 1)));
          const Var n = tanh(part(gx, 2) + r * part(gh, 2));
          h = (1.0 - z) * n + z * h;
          acts = {r, z, n};
        } else {
          h = kind == CellKind::RnnRelu ? relu(gx + gh) : tanh(gx + gh);
        }
        hs[static_cast<std::size_t>(t)] = h;
        if (tr) {
          copy_into(tr->h, t, h.value());
          if (kind == CellKind::Lstm) copy_into(tr->c, t, c.value());
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
