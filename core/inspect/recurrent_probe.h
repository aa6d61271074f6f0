// Recurrent probes: what a Recurrent layer did in its latest traced forward and backward
// (set_trace(true), forward, backward), per layer and direction: how the gradient
// ||dL/dh_t|| changes along the sequence, what the gates did, how many of them
// saturated, and the singular values of the step Jacobian dh_t/dh_{t-1} (why gradients
// vanish or explode). Works the same after the fused and the unfused path.
//
// Shape letters: T time steps, B batch, H hidden size. "Step t" is a time position; for
// the reverse direction of a bidirectional layer the previous step of t is t + 1.
//
//   lstm.set_trace(true);
//   Var loss = ...(lstm.forward(x)...);  loss.backward();
//   RecurrentProbe p = probe_recurrent(lstm, {.batch_element = 0});
//   p.streams[0].grad_norm;               // [T] ||dL/dh_t||
//   p.streams[0].gates[1].mean;           // LSTM "f" gate, [T, H] mean over the batch
//   auto J = step_jacobians(lstm, {.steps = {5}, .top_k = 3});
//   J[0].hh_singular_values;              // the 3 largest singular values of dh_5/dh_4
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/recurrent.h"

GRADLAB_BEGIN

// Saturation thresholds (defaults): a sigmoid gate unit is saturated when its activation
// is < 0.05 or > 0.95 (it passes almost nothing or almost everything, and its local
// derivative s(1 - s) < 0.0475); a tanh unit when |a| > 0.95 (derivative 1 - a^2 < 0.0975).
// A relu RNN unit is counted "saturated" when it is dead (exactly 0, derivative 0).
struct SaturationThresholds {
  double sigmoid_low = 0.05, sigmoid_high = 0.95;
  double tanh_abs = 0.95;
};

struct RecurrentProbeOptions {
  int batch_element = -1;  // >= 0: also keep that element's gate maps
  SaturationThresholds thresholds{};
};

// One gate's activations. LSTM: i, f, o (sigmoid), g (tanh); GRU: r, z (sigmoid), n (tanh).
// An RNN has no gates: its one map is the hidden state "h" itself (activation "tanh" or
// "relu"), whose saturation is what stops gradients there. Clamped gates show the clamp value.
struct GateMap {
  std::string name;
  std::string activation;                  // "sigmoid", "tanh" or "relu"
  Tensor mean;                             // [T, H] mean over the batch
  Tensor element;                          // [T, H] for options.batch_element, undefined otherwise
  double saturated_fraction = 0;           // over all T * B * H units
  std::vector<double> saturated_per_step;  // [T], over B * H units at each t
};

struct RecurrentStreamProbe {
  int layer = 0, direction = 0;
  // [T] ||dL/dh_t||_2 over batch and hidden units (the total gradient reaching h_t: from the
  // output at t, the next step and h_n). All zeros when no backward reached the layer.
  std::vector<double> grad_norm;
  bool has_grad = false;  // some dL/dh_t is non-zero
  std::vector<GateMap> gates;
  // LSTM only (empty otherwise), [T] each: ||dL/dc_t||_2 over batch and units, the total
  // gradient reaching the cell state (through h_t = o tanh(c_t) and along the cell path
  // c_{t+1} = f c_t + ..., the "constant error carousel"); and the forget gate's mean over
  // batch and units at each step (the factor the cell path multiplies by; a clamp shows
  // its value).
  std::vector<double> cell_grad_norm;
  std::vector<double> forget_gate_mean;
};

struct RecurrentProbe {
  std::string kind;  // "rnn_tanh", "rnn_relu", "lstm", "gru"
  std::int64_t T = 0, B = 0, H = 0;
  int batch_element = -1;
  SaturationThresholds thresholds;
  std::vector<RecurrentStreamProbe> streams;  // layer * D + direction
  // The gates Recurrent::clamp_gate takes: LSTM i, f, g, o (coupled input-forget: i, g, o,
  // since f = 1 - i); GRU r, z; none for RNN.
  std::vector<std::string> clampable;
};

// Throws std::invalid_argument when the layer has no trace (tracing off or no forward
// yet), or batch_element is outside 0..B-1.
RecurrentProbe probe_recurrent(const Recurrent& layer, const RecurrentProbeOptions& options = {});

// The step Jacobian, computed analytically from the cell equations (recurrent.h), the
// layer's weights and the traced activations, for one batch element:
//   RNN:  dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh   (relu: diag[h_t > 0] W_hh)
//   GRU:  dh_t/dh_{t-1} = diag(z) + diag(1 - z) dn + diag(h_{t-1} - n) dz, with
//         dz = diag(z(1-z)) W_hz, dr = diag(r(1-r)) W_hr,
//         dn = diag(1 - n^2) (diag(W_hn h_{t-1} + b_hn) dr + diag(r) W_hn)
//         (reset before: dn = diag(1 - n^2) W_hn (diag(r) + diag(h_{t-1}) dr))
//   LSTM: the full state Jacobian d[h_t, c_t]/d[h_{t-1}, c_{t-1}] ([2H, 2H]), including the
//         cell path (dc_t/dc_{t-1} = diag(f) + peephole terms: the "constant error carousel"
//         that lets LSTM gradients survive), and its h->h block dh_t/dh_{t-1} (c_{t-1} held
//         fixed). The singular values of the full matrix are the honest measure of how the
//         state's gradient grows or shrinks per step; the h->h block alone understates it.
//         (One full step can have a singular value a little above 1 even when the cell
//         decays, because h_t also reads c_{t-1}; products over many steps show the trend.)
//         A coupled input-forget LSTM has df = -di. With proj_size P the state is [h (P), c (H)]
//         and h_t = W_hr (o tanh c_t), so the h rows are W_hr times the unprojected ones
//         (hh [P, P], full [P+H, P+H]).
// The input x_t (for layer k > 0, the lower layer's output) is held fixed. A clamped gate
// is a constant, so its derivative is 0: list the clamps in `clamped_gates` (the layer
// does not expose them). At the first step the previous state is h0/c0 ([L*D, B, H], as
// forward_full took them; undefined = zeros).
struct JacobianOptions {
  int layer = 0, direction = 0;
  std::vector<std::int64_t> steps{};  // time positions t, 0..T-1 (empty: every step)
  int batch_element = 0;
  int top_k = 0;  // how many singular values, largest first; 0: all
  Tensor h0{}, c0{};
  std::vector<std::string> clamped_gates{};  // e.g. {"f"} after clamp_gate("f", ...)
};

//
// Gains. A matrix's RMS gain ||J||_F / sqrt(n) (n = its columns) is the root-mean-square
// of its singular values: how much J stretches a random direction on average, where the
// largest singular value is the worst case. Both are 1 for an orthogonal J.
//
// Products through time. Entry t also describes P_t = J_last ... J_t, the product of the
// step Jacobians from step t to the last step the direction processes (T-1 forward, 0
// reverse), over product_steps = k steps (k = T - t forward, t + 1 reverse): for the RNN
// and GRU P_t = dh_last/dh_{t-1}, so a gradient arriving at the last step reaches h_{t-1}
// multiplied by P_t^T. Plotted against k it is the gradient path's growth over k steps
// (a straight line on a log axis: geometric vanishing or explosion). For the LSTM the hh
// product holds c fixed at every step; the full product is the true d[h, c]_last /
// d[h, c]_{t-1}. Singular values of products obey top_k like the step's.
struct StepJacobian {
  int layer = 0, direction = 0, batch_element = 0;
  std::int64_t t = 0;
  Tensor hh;                               // [H, H], row i = dh_t[i], column j = d/dh_{t-1}[j]
  std::vector<double> hh_singular_values;  // largest first
  double hh_rms_gain = 0;                  // ||hh||_F / sqrt(H)
  Tensor full;  // LSTM: [2H, 2H] over [h; c] (rows: outputs h_t then c_t); undefined otherwise
  std::vector<double> full_singular_values;
  double full_rms_gain = 0;  // LSTM: ||full||_F / sqrt(2H); NaN otherwise
  std::int64_t product_steps = 0;                // k
  double product_norm = 0;                       // ||P_t||_2 (hh product), its largest singular value
  double product_rms_gain = 0;                   // ||P_t||_F / sqrt(H)
  std::vector<double> product_singular_values;   // of the hh product, largest first
  double full_product_norm = 0;                  // LSTM: of the full product; NaN otherwise
  double full_product_rms_gain = 0;              // LSTM: ||.||_F / sqrt(2H); NaN otherwise
  std::vector<double> full_product_singular_values;  // LSTM; empty otherwise
};

// Throws std::invalid_argument for a missing trace, a layer/direction/step/batch element out
// of range, top_k outside 0..size, an unknown clamped gate, or h0/c0 of the wrong shape.
std::vector<StepJacobian> step_jacobians(const Recurrent& layer, const JacobianOptions& options);

// Singular values of a square or rectangular matrix [m, n], largest first (Eigen JacobiSVD,
// in double).
std::vector<double> singular_values(const Tensor& matrix);

nlohmann::json to_json(const GateMap& g);
nlohmann::json to_json(const RecurrentStreamProbe& s);
nlohmann::json to_json(const RecurrentProbe& p);
nlohmann::json to_json(const StepJacobian& j);
nlohmann::json to_json(const std::vector<StepJacobian>& js);

GRADLAB_END
