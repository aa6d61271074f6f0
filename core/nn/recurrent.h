// Recurrent layers: Elman RNN (tanh or relu), LSTM (optionally with peepholes, a coupled
// input-forget gate or a projection, PyTorch's proj_size) and GRU (PyTorch's form or the
// original reset-before form), stacked and bidirectional, with PyTorch's parameter names,
// shapes, gate orders and equations. Two interchangeable paths: fused (default; fused cell kernels, one recorded
// op per layer and direction, first-order gradients only) and unfused (a composition of
// primitive ops: slower, but higher-order gradients work through it).
//
// Shape letters: B batch, T time steps, I input features, H hidden size, L layers,
// D directions (2 if bidirectional, else 1), G gate rows in the weights (RNN 1, LSTM 4,
// coupled LSTM 3, GRU 3), P the LSTM's projection size (P = H without a projection).
//
//   Rng rng(0);
//   Recurrent lstm({.kind = CellKind::Lstm, .input_size = 3, .hidden_size = 4}, rng);
//   Var y = lstm.forward(x);                 // x [B, T, 3] -> y [B, T, 4]
//   RecurrentOutput out = lstm.forward_full(x);  // out.h_n, out.c_n: [L*D, B, 4]
//
// Equations (s = sigmoid, * elementwise; x_t is the layer's input at step t):
//   RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)     (or relu)
//   LSTM: [i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh  (rows in that order)
//         i = s(i + p_i * c_{t-1}), f = s(f + p_f * c_{t-1}), g = tanh(g)
//         c_t = f * c_{t-1} + i * g,  o = s(o + p_o * c_t),  h_t = o * tanh(c_t)
//         (p_* are the peepholes, zero unless `peephole` is on)
//   coupled input-forget LSTM (not in PyTorch): rows i, g, o only (G = 3, 3/4 of the gate
//         parameters), f = 1 - i: what enters the cell is exactly what the cell forgets.
//         Its weights are weight_ih [3H, I], weight_hh [3H, H], biases [3H] (rows i, g, o).
//   LSTM with proj_size P (PyTorch): h_t = W_hr (o * tanh(c_t)), W_hr = weight_hr_l{k} [P, H];
//         h is P-dim (weight_hh [G*H, P], output [B, T, D*P], h_n [L*D, B, P]), c stays H-dim.
//   GRU:  r = s(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr), z likewise,
//         n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)), h_t = (1 - z) * n + z * h_{t-1}
//   GRU, reset before (Cho et al. 2014; not in PyTorch, same parameters):
//         n = tanh(W_in x_t + b_in + W_hn (r * h_{t-1}) + b_hn)
// Layer k > 0 reads the concatenated [forward, reverse] outputs of layer k - 1 (I_k = D*P).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

enum class CellKind { RnnTanh, RnnRelu, Lstm, Gru };

struct RecurrentOptions {
  CellKind kind = CellKind::Lstm;
  std::int64_t input_size = 0, hidden_size = 0;
  int num_layers = 1;
  bool bidirectional = false;
  bool bias = true;
  bool peephole = false;              // LSTM only
  bool coupled_input_forget = false;  // LSTM only: f = 1 - i, gate rows i, g, o
  std::int64_t proj_size = 0;         // LSTM only: 0 (none) or 1..hidden_size-1, as PyTorch
  bool reset_before = false;          // GRU only: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)
};

struct RecurrentOutput {
  Var output;  // [B, T, D*P]  (P = H without a projection)
  Var h_n;     // [L*D, B, P], row l*D + d: layer l, direction d (for d = 1 the state after time 0)
  Var c_n;     // [L*D, B, H], LSTM only (undefined otherwise)
};

// What set_trace(true) keeps, one stream per layer and direction (index layer * D + direction).
// All tensors are [T, B, H] (h and dh: [T, B, P]) indexed by time position t, also for the reverse direction
// (whose step order runs t = T-1 .. 0). The forward fills h, c and gates; a backward
// through that forward fills dh: the total dL/dh_t (from the output at t, from the next
// step, and from h_n), and for LSTM dc: the total dL/dc_t (through h_t = o tanh(c_t), the
// o peephole, and the next step's c_{t+1} = f c_t + ..., or c_n at the last step).
struct RecurrentTrace {
  struct Stream {
    int layer = 0, direction = 0;
    Tensor h;
    Tensor c;  // LSTM only
    // Gate activations by name: LSTM "i", "f", "g", "o" (coupled: f = 1 - i); GRU "r", "z",
    // "n"; none for RNN.
    std::vector<std::pair<std::string, Tensor>> gates;
    Tensor dh;                                          // zeros until a backward reaches this stream
    Tensor dc;                                          // LSTM only; zeros until a backward reaches it
    const Tensor& gate(const std::string& name) const;  // throws std::out_of_range listing the names
  };
  std::vector<Stream> streams;
  const Stream& at(int layer, int direction) const;
};

class Recurrent : public Layer {
 public:
  // Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)) as PyTorch, peepholes included (PyTorch has
  // none; the same bound keeps them on the scale of the other recurrent weights).
  // Throws std::invalid_argument for non-positive sizes, num_layers < 1, an LSTM option
  // (peephole, coupled_input_forget, proj_size) on another kind, proj_size outside
  // 0..hidden_size-1, coupled_input_forget with peephole, or reset_before on a non-GRU.
  Recurrent(const RecurrentOptions& options, Rng& rng);

  std::string type_name() const override;  // "RNN", "LSTM" or "GRU", as PyTorch's classes
  Recurrent* as_recurrent() override { return this; }
  Var forward(const Var& x) override;      // x [B, T, I] -> [B, T, D*P]
  // h0: initial state [L*D, B, P], c0: [L*D, B, H] (undefined = zeros); c0 for LSTM only.
  RecurrentOutput forward_full(const Var& x, const Var& h0 = Var(), const Var& c0 = Var());
  Shape output_shape(const Shape& in) const override;  // [B, T, I] -> [B, T, D*P]

  const RecurrentOptions& options() const { return options_; }
  int num_directions() const { return options_.bidirectional ? 2 : 1; }
  int num_gates() const;  // G, the gate rows of the weights (coupled LSTM: 3)
  std::int64_t output_size() const;  // P: proj_size if set, else hidden_size

  void set_fused(bool on) { fused_ = on; }
  bool fused() const { return fused_; }

  // LSTM forget-gate-bias trick: the f rows of every bias_ih to `value`, of bias_hh to 0.
  void set_forget_bias(double value);

  // Fixes a gate's activation to `value` in forward; no gradient reaches its pre-activation.
  // gate: "i", "f", "g", "o" (LSTM) or "r", "z" (GRU); layer / direction -1 means all.
  // value: [0, 1] for sigmoid gates, [-1, 1] for g. A coupled LSTM has no "f" of its own
  // (f = 1 - i): clamping "f" there is an error that says to clamp "i" to 1 - value.
  void clamp_gate(const std::string& gate, double value, int layer = -1, int direction = -1);
  void clear_clamps();
  // The gates clamped on one layer and direction ("f", ...), with their values.
  std::vector<std::pair<std::string, double>> clamped_gates(int layer, int direction) const;

  // Unfused path only: name each step's nodes after their time step ("x[2]", "a[2]",
  // "h[2]"; "l1r:h[2]" for layer 1's reverse direction when there are several streams), so
  // a computation graph of the unrolled net can say which step each node belongs to.
  void set_step_labels(bool on) { step_labels_ = on; }

  void set_trace(bool on) { trace_on_ = on; }
  bool tracing() const { return trace_on_; }
  // The trace of the latest forward with tracing on (empty before one).
  const RecurrentTrace& trace() const { return *trace_; }

 private:
  struct StreamParams {          // one layer and direction
    Var w_ih, w_hh, b_ih, b_hh;  // b_* undefined without bias
    Var p_i, p_f, p_o;           // peephole LSTM only
    Var w_hr;                    // LSTM with proj_size only
  };
  struct Clamp {
    bool on[4] = {false, false, false, false};
    double value[4] = {0, 0, 0, 0};
  };
  struct Dims {
    std::int64_t B, T;
  };

  Dims check_input(const Shape& x) const;
  void check_state(const Var& s, const char* name, const Dims& dims) const;
  static std::vector<std::string> gate_names(CellKind kind);  // the trace's names, G of them
  std::vector<std::string> clampable_gates() const;
  std::int64_t layer_input_size(int layer) const;

  RecurrentOutput forward_fused(const Var& x, const Var& h0, const Var& c0, const Dims& dims);
  RecurrentOutput forward_unfused(const Var& x, const Var& h0, const Var& c0, const Dims& dims);
  std::shared_ptr<RecurrentTrace> start_trace(const Dims& dims);

  RecurrentOptions options_;
  std::vector<StreamParams> streams_;  // layer * D + direction
  std::vector<Clamp> clamps_;          // layer * D + direction
  bool fused_ = true;
  bool trace_on_ = false;
  bool step_labels_ = false;
  std::shared_ptr<RecurrentTrace> trace_ = std::make_shared<RecurrentTrace>();
};

const char* to_string(CellKind kind);  // "rnn_tanh", "rnn_relu", "lstm", "gru"

GRADLAB_END
