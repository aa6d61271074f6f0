#include "inspect/recurrent_probe.h"
#include "tensor/strings.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "inspect/json.h"
#include "nn/linalg.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

using linalg::diagonal;
using linalg::scale_rows;
using Mat = linalg::Matrix;
using Vec = linalg::Vector;

const RecurrentTrace& checked_trace(const Recurrent& layer, const char* who) {
  const RecurrentTrace& trace = layer.trace();
  if (trace.streams.empty())
    throw_invalid_argument(std::string(who) + ": the " + layer.type_name() +
                           " layer has no trace; call set_trace(true) and run a forward (and a backward for "
                           "gradients) first");
  return trace;
}

std::string activation_of(CellKind kind, const std::string& gate) {
  if (kind == CellKind::RnnRelu) return "relu";
  if (kind == CellKind::RnnTanh) return "tanh";
  return gate == "g" || gate == "n" ? "tanh" : "sigmoid";
}

bool saturated(const std::string& activation, double a, const SaturationThresholds& th) {
  if (activation == "sigmoid") return a < th.sigmoid_low || a > th.sigmoid_high;
  if (activation == "tanh") return std::fabs(a) > th.tanh_abs;
  return a == 0;  // relu: a dead unit
}

// act [T, B, H] -> the map, with batch means and saturation counts.
GateMap gate_map(const std::string& name, const std::string& activation, const Tensor& act, int batch_element,
                 const SaturationThresholds& th) {
  const std::int64_t T = act.dim(0), B = act.dim(1), H = act.dim(2);
  GateMap g;
  g.name = name;
  g.activation = activation;
  g.mean = Tensor({T, H});
  if (batch_element >= 0) g.element = Tensor({T, H});
  g.saturated_per_step.assign(static_cast<std::size_t>(T), 0.0);
  std::int64_t total = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    std::int64_t count = 0;
    for (std::int64_t j = 0; j < H; ++j) {
      double sum = 0;
      for (std::int64_t b = 0; b < B; ++b) {
        const double a = act[(t * B + b) * H + j];
        sum += a;
        count += saturated(activation, a, th);
      }
      g.mean[t * H + j] = static_cast<Scalar>(sum / static_cast<double>(B));
      if (batch_element >= 0) g.element[t * H + j] = act[(t * B + batch_element) * H + j];
    }
    g.saturated_per_step[static_cast<std::size_t>(t)] = static_cast<double>(count) / static_cast<double>(B * H);
    total += count;
  }
  g.saturated_fraction = static_cast<double>(total) / static_cast<double>(T * B * H);
  return g;
}

Tensor as_tensor(const Mat& m) {
  Tensor t({m.rows, m.cols});
  for (std::int64_t k = 0; k < t.numel(); ++k) t[k] = static_cast<Scalar>(m.data[static_cast<std::size_t>(k)]);
  return t;
}

Mat as_matrix(const Tensor& t) {
  Mat m(t.dim(0), t.dim(1));
  for (std::int64_t k = 0; k < t.numel(); ++k) m.data[static_cast<std::size_t>(k)] = t[k];
  return m;
}

// Elementwise f(a, b) of two vectors of one length.
template <class F>
Vec zip(const Vec& a, const Vec& b, F f) {
  Vec out(a.size());
  for (std::size_t j = 0; j < a.size(); ++j) out[j] = f(a[j], b[j]);
  return out;
}
Vec operator+(const Vec& a, const Vec& b) { return zip(a, b, std::plus<>()); }
Vec operator-(const Vec& a, const Vec& b) { return zip(a, b, std::minus<>()); }
Vec operator*(const Vec& a, const Vec& b) { return zip(a, b, std::multiplies<>()); }  // elementwise

// The derivatives of the gate activations, from their outputs.
Vec sigmoid_slope(const Vec& s) { return zip(s, s, [](double v, double) { return v * (1 - v); }); }
Vec tanh_slope(const Vec& t) { return zip(t, t, [](double v, double) { return 1 - v * v; }); }

// [[a, b], [c, d]] of four blocks (a and b, c and d of equal rows; a and c, b and d of equal cols).
Mat blocks(const Mat& a, const Mat& b, const Mat& c, const Mat& d) {
  Mat m(a.rows + c.rows, a.cols + b.cols);
  auto put = [&m](const Mat& x, std::int64_t r0, std::int64_t c0) {
    for (std::int64_t i = 0; i < x.rows; ++i)
      for (std::int64_t j = 0; j < x.cols; ++j) m(r0 + i, c0 + j) = x(i, j);
  };
  put(a, 0, 0);
  put(b, 0, a.cols);
  put(c, a.rows, 0);
  put(d, a.rows, a.cols);
  return m;
}

std::vector<double> top(std::vector<double> values, int k) {
  if (k > 0 && static_cast<std::size_t>(k) < values.size()) values.resize(static_cast<std::size_t>(k));
  return values;
}

// Rows k*H .. (k+1)*H of a [G*H, C] weight (gate k's block; C = H, or P for an LSTM's W_hh
// with a projection).
Mat gate_block(const Tensor& w, int k, std::int64_t H, std::int64_t C) {
  Mat m(H, C);
  for (std::int64_t i = 0; i < H; ++i)
    for (std::int64_t j = 0; j < C; ++j) m(i, j) = w[(k * H + i) * C + j];
  return m;
}

// Element b of time position t of a [T, B, H] trace tensor.
Vec at_step(const Tensor& tbh, std::int64_t t, std::int64_t b) {
  const std::int64_t B = tbh.dim(1), H = tbh.dim(2);
  Vec v(static_cast<std::size_t>(H));
  for (std::int64_t j = 0; j < H; ++j) v[static_cast<std::size_t>(j)] = tbh[(t * B + b) * H + j];
  return v;
}

// Row `row`, element b of an initial state [L*D, B, H] (zeros when undefined).
Vec initial(const Tensor& s, std::int64_t row, std::int64_t b, std::int64_t B, std::int64_t H) {
  Vec v(static_cast<std::size_t>(H), 0.0);
  if (!s.defined()) return v;
  for (std::int64_t j = 0; j < H; ++j) v[static_cast<std::size_t>(j)] = s[(row * B + b) * H + j];
  return v;
}

Vec vector_param(const Recurrent& layer, const std::string& name, std::int64_t H) {
  const Tensor& t = layer.parameter(name).value();
  Vec v(static_cast<std::size_t>(H));
  for (std::int64_t j = 0; j < H; ++j) v[static_cast<std::size_t>(j)] = t[j];
  return v;
}

}  // namespace

std::vector<double> singular_values(const Tensor& matrix) {
  if (matrix.rank() != 2 || matrix.numel() == 0)
    throw_invalid_argument("singular_values: expected a non-empty matrix [m, n], got shape " +
                           to_string(matrix.shape()));
  return linalg::singular_values(as_matrix(matrix));
}

RecurrentProbe probe_recurrent(const Recurrent& layer, const RecurrentProbeOptions& options) {
  const RecurrentTrace& trace = checked_trace(layer, "probe_recurrent");
  const CellKind kind = layer.options().kind;
  RecurrentProbe p;
  p.kind = to_string(kind);
  p.T = trace.streams[0].h.dim(0);
  p.B = trace.streams[0].h.dim(1);
  p.H = trace.streams[0].h.dim(2);
  if (options.batch_element < -1 || options.batch_element >= p.B)
    throw_invalid_argument("probe_recurrent: batch_element " + std::to_string(options.batch_element) +
                           " is out of range (allowed: 0.." + std::to_string(p.B - 1) + ", or -1 for none)");
  p.batch_element = options.batch_element;
  p.thresholds = options.thresholds;
  if (kind == CellKind::Lstm)
    p.clampable = layer.options().coupled_input_forget ? std::vector<std::string>{"i", "g", "o"}
                                                       : std::vector<std::string>{"i", "f", "g", "o"};
  if (kind == CellKind::Gru) p.clampable = {"r", "z"};
  for (const auto& s : trace.streams) {
    RecurrentStreamProbe sp;
    sp.layer = s.layer;
    sp.direction = s.direction;
    const std::int64_t BH = p.B * p.H;
    for (std::int64_t t = 0; t < p.T; ++t) {
      double sq = 0;
      for (std::int64_t k = 0; k < BH; ++k) sq += static_cast<double>(s.dh[t * BH + k]) * s.dh[t * BH + k];
      sp.grad_norm.push_back(std::sqrt(sq));
      sp.has_grad = sp.has_grad || sq > 0;
    }
    if (s.gates.empty()) {
      sp.gates.push_back(gate_map("h", activation_of(kind, "h"), s.h, options.batch_element, options.thresholds));
    } else {
      for (const auto& [name, act] : s.gates)
        sp.gates.push_back(gate_map(name, activation_of(kind, name), act, options.batch_element, options.thresholds));
    }
    if (kind == CellKind::Lstm) {
      const Tensor& f = s.gate("f");
      for (std::int64_t t = 0; t < p.T; ++t) {
        double sq = 0, sum_f = 0;
        for (std::int64_t k = 0; k < BH; ++k) {
          sq += static_cast<double>(s.dc[t * BH + k]) * s.dc[t * BH + k];
          sum_f += f[t * BH + k];
        }
        sp.cell_grad_norm.push_back(std::sqrt(sq));
        sp.forget_gate_mean.push_back(sum_f / static_cast<double>(BH));
      }
    }
    p.streams.push_back(std::move(sp));
  }
  return p;
}

std::vector<StepJacobian> step_jacobians(const Recurrent& layer, const JacobianOptions& options) {
  const RecurrentTrace& trace = checked_trace(layer, "step_jacobians");
  const RecurrentOptions& ro = layer.options();
  const CellKind kind = ro.kind;
  const int D = layer.num_directions();
  if (options.layer < 0 || options.layer >= ro.num_layers)
    throw_invalid_argument("step_jacobians: layer " + std::to_string(options.layer) +
                           " is out of range (allowed: 0.." + std::to_string(ro.num_layers - 1) + ")");
  if (options.direction < 0 || options.direction >= D)
    throw_invalid_argument("step_jacobians: direction " + std::to_string(options.direction) +
                           " is out of range (allowed: 0.." + std::to_string(D - 1) + ")");
  const RecurrentTrace::Stream& s = trace.at(options.layer, options.direction);
  // P: the width of h (proj_size with a projection, else H).
  const std::int64_t T = s.h.dim(0), B = s.h.dim(1), P = s.h.dim(2), H = ro.hidden_size;
  if (options.batch_element < 0 || options.batch_element >= B)
    throw_invalid_argument("step_jacobians: batch_element " + std::to_string(options.batch_element) +
                           " is out of range (allowed: 0.." + std::to_string(B - 1) + ")");
  const bool lstm = kind == CellKind::Lstm, gru = kind == CellKind::Gru;
  const std::int64_t max_k = lstm ? P + H : H;
  if (options.top_k < 0 || options.top_k > max_k)
    throw_invalid_argument("step_jacobians: top_k " + std::to_string(options.top_k) +
                           " is out of range (allowed: 0.." + std::to_string(max_k) + ", 0 meaning all)");
  auto check_state = [&](const Tensor& st, const char* name, std::int64_t width) {
    const Shape state_shape{static_cast<std::int64_t>(ro.num_layers) * D, B, width};
    if (st.defined() && st.shape() != state_shape)
      throw_invalid_argument(std::string("step_jacobians: ") + name + " has shape " + to_string(st.shape()) +
                             "; expected [L*D, B, " + (width == P && P != H ? "P" : "H") +
                             "] = " + to_string(state_shape));
  };
  check_state(options.h0, "h0", P);
  check_state(options.c0, "c0", H);
  if (options.c0.defined() && !lstm)
    throw_invalid_argument("step_jacobians: c0 is for LSTM only (kind is " + std::string(to_string(kind)) + ")");
  const std::vector<std::string> clampable = lstm && ro.coupled_input_forget ? std::vector<std::string>{"i", "g", "o"}
                                             : lstm  ? std::vector<std::string>{"i", "f", "g", "o"}
                                             : gru ? std::vector<std::string>{"r", "z"}
                                                   : std::vector<std::string>{};
  auto clamped = [&](const std::string& gate) {
    return std::find(options.clamped_gates.begin(), options.clamped_gates.end(), gate) != options.clamped_gates.end();
  };
  for (const auto& g : options.clamped_gates)
    if (std::find(clampable.begin(), clampable.end(), g) == clampable.end())
      throw_invalid_argument("step_jacobians: clamped gate '" + g + "' is not a gate of " + layer.type_name() +
                             " (allowed: " + (clampable.empty() ? "none" : join(clampable)) + ")");
  std::vector<std::int64_t> steps = options.steps;
  if (steps.empty())
    for (std::int64_t t = 0; t < T; ++t) steps.push_back(t);
  for (std::int64_t t : steps)
    if (t < 0 || t >= T)
      throw_invalid_argument("step_jacobians: step " + std::to_string(t) + " is out of range (allowed: 0.." +
                             std::to_string(T - 1) + ")");

  const std::string suffix = "_l" + std::to_string(options.layer) + (options.direction == 1 ? "_reverse" : "");
  const Tensor& w_hh = layer.parameter("weight_hh" + suffix).value();  // [G*H, H]
  const std::int64_t row = static_cast<std::int64_t>(options.layer) * D + options.direction;
  const std::int64_t b = options.batch_element;

  // Every step's hh (and full) Jacobian, by time position: products need them all.
  std::vector<Mat> hh_at(static_cast<std::size_t>(T)), full_at(lstm ? static_cast<std::size_t>(T) : 0);
  for (std::int64_t t = 0; t < T; ++t) {
    const bool first = options.direction == 0 ? t == 0 : t == T - 1;
    const std::int64_t prev = options.direction == 0 ? t - 1 : t + 1;
    const Vec h_prev = first ? initial(options.h0, row, b, B, P) : at_step(s.h, prev, b);
    const Vec zero(static_cast<std::size_t>(H), 0.0), ones(static_cast<std::size_t>(H), 1.0);
    Mat hh;
    if (kind == CellKind::RnnTanh || kind == CellKind::RnnRelu) {
      const Vec h = at_step(s.h, t, b);
      const Vec d = kind == CellKind::RnnTanh ? tanh_slope(h) : zip(h, h, [](double v, double) { return v > 0 ? 1.0 : 0.0; });
      hh = scale_rows(d, gate_block(w_hh, 0, H, P));
    } else if (gru) {
      const Vec r = at_step(s.gate("r"), t, b), z = at_step(s.gate("z"), t, b), n = at_step(s.gate("n"), t, b);
      const Vec sr = clamped("r") ? zero : sigmoid_slope(r);
      const Vec sz = clamped("z") ? zero : sigmoid_slope(z);
      const Vec sn = tanh_slope(n);
      const Mat W_r = gate_block(w_hh, 0, H, P), W_z = gate_block(w_hh, 1, H, P), W_n = gate_block(w_hh, 2, H, P);
      Vec a_hn = W_n * h_prev;  // W_hn h_{t-1} + b_hn: what r scales
      if (ro.bias) {
        const Tensor& b_hh = layer.parameter("bias_hh" + suffix).value();
        for (std::int64_t j = 0; j < H; ++j) a_hn[static_cast<std::size_t>(j)] += b_hh[2 * H + j];
      }
      const Mat dr = scale_rows(sr, W_r);
      const Mat dz = scale_rows(sz, W_z);
      // PyTorch: n reads r * (W_hn h + b_hn); reset before: W_hn (r * h), so
      // dn = diag(1 - n^2) W_hn (diag(r) + diag(h_{t-1}) dr).
      const Mat dn = ro.reset_before ? scale_rows(sn, W_n * (diagonal(r) + scale_rows(h_prev, dr)))
                                     : scale_rows(sn, scale_rows(a_hn, dr) + scale_rows(r, W_n));
      hh = diagonal(z) + scale_rows(ones - z, dn) + scale_rows(h_prev - n, dz);
    } else {  // LSTM
      const Vec i = at_step(s.gate("i"), t, b), f = at_step(s.gate("f"), t, b);
      const Vec g = at_step(s.gate("g"), t, b), o = at_step(s.gate("o"), t, b);
      const Vec c = at_step(s.c, t, b);
      const Vec c_prev = first ? initial(options.c0, row, b, B, H) : at_step(s.c, prev, b);
      const Vec p_i = ro.peephole ? vector_param(layer, "weight_peephole_i" + suffix, H) : zero;
      const Vec p_f = ro.peephole ? vector_param(layer, "weight_peephole_f" + suffix, H) : zero;
      const Vec p_o = ro.peephole ? vector_param(layer, "weight_peephole_o" + suffix, H) : zero;
      const Vec si = clamped("i") ? zero : sigmoid_slope(i);
      const Vec sf = clamped("f") ? zero : sigmoid_slope(f);
      const Vec sg = clamped("g") ? zero : tanh_slope(g);
      const Vec so = clamped("o") ? zero : sigmoid_slope(o);
      // Weight rows i, f, g, o; coupled: i, g, o with f = 1 - i (df = -di).
      const bool coupled = ro.coupled_input_forget;
      const int row_g = coupled ? 1 : 2, row_o = coupled ? 2 : 3;
      const Mat di_dh = scale_rows(si, gate_block(w_hh, 0, H, P));
      const Mat df_dh = coupled ? Mat(H, P) - di_dh : scale_rows(sf, gate_block(w_hh, 1, H, P));
      const Mat dg_dh = scale_rows(sg, gate_block(w_hh, row_g, H, P));
      const Vec di_dc = si * p_i, df_dc = sf * p_f;  // diagonal
      // c_t = f c_{t-1} + i g
      const Mat dc_dh = scale_rows(c_prev, df_dh) + scale_rows(g, di_dh) + scale_rows(i, dg_dh);
      const Mat dc_dc = diagonal(f + c_prev * df_dc + g * di_dc);
      // o = s(W_o h_{t-1} + p_o c_t + ...), h_t = o tanh(c_t)
      const Mat do_dh = scale_rows(so, gate_block(w_hh, row_o, H, P) + scale_rows(p_o, dc_dh));
      const Mat do_dc = scale_rows(so * p_o, dc_dc);
      const Vec tc = zip(c, c, [](double v, double) { return std::tanh(v); });
      const Vec dtc = o * tanh_slope(tc);
      hh = scale_rows(tc, do_dh) + scale_rows(dtc, dc_dh);
      Mat hc = scale_rows(tc, do_dc) + scale_rows(dtc, dc_dc);
      if (ro.proj_size > 0) {  // h_t = W_hr (o tanh c_t)
        const Mat W_hr = gate_block(layer.parameter("weight_hr" + suffix).value(), 0, P, H);
        hh = W_hr * hh;
        hc = W_hr * hc;
      }
      full_at[static_cast<std::size_t>(t)] = blocks(hh, hc, dc_dh, dc_dc);
    }
    hh_at[static_cast<std::size_t>(t)] = hh;
  }

  // P_t = J_last ... J_t, in the direction's processing order (forward: t = T-1 down to 0).
  std::vector<Mat> hh_product(static_cast<std::size_t>(T)), full_product(lstm ? static_cast<std::size_t>(T) : 0);
  for (std::int64_t step = 0; step < T; ++step) {
    const std::int64_t t = options.direction == 0 ? T - 1 - step : step;  // from the last processed step back
    const std::int64_t later = options.direction == 0 ? t + 1 : t - 1;
    const auto u = static_cast<std::size_t>(t), v = static_cast<std::size_t>(later);
    hh_product[u] = step == 0 ? hh_at[u] : hh_product[v] * hh_at[u];
    if (lstm) full_product[u] = step == 0 ? full_at[u] : full_product[v] * full_at[u];
  }

  const double nan = std::nan("");
  auto rms_gain = [](const Mat& m) { return linalg::frobenius_norm(m) / std::sqrt(static_cast<double>(m.cols)); };
  std::vector<StepJacobian> out;
  for (std::int64_t t : steps) {
    const auto u = static_cast<std::size_t>(t);
    StepJacobian J;
    J.layer = options.layer;
    J.direction = options.direction;
    J.batch_element = options.batch_element;
    J.t = t;
    J.hh = as_tensor(hh_at[u]);
    J.hh_singular_values = top(linalg::singular_values(hh_at[u]), options.top_k);
    J.hh_rms_gain = rms_gain(hh_at[u]);
    J.product_steps = options.direction == 0 ? T - t : t + 1;
    const std::vector<double> p_sv = linalg::singular_values(hh_product[u]);
    J.product_norm = p_sv.front();
    J.product_rms_gain = rms_gain(hh_product[u]);
    J.product_singular_values = top(p_sv, options.top_k);
    J.full_rms_gain = J.full_product_norm = J.full_product_rms_gain = nan;
    if (lstm) {
      J.full = as_tensor(full_at[u]);
      J.full_singular_values = top(linalg::singular_values(full_at[u]), options.top_k);
      J.full_rms_gain = rms_gain(full_at[u]);
      const std::vector<double> f_sv = linalg::singular_values(full_product[u]);
      J.full_product_norm = f_sv.front();
      J.full_product_rms_gain = rms_gain(full_product[u]);
      J.full_product_singular_values = top(f_sv, options.top_k);
    }
    out.push_back(std::move(J));
  }
  return out;
}

// The objects are built key by key: nlohmann's initializer lists cost ~3x the wasm code
// (docs/wasm.md "Sizes"); the keys come out sorted either way.
nlohmann::json to_json(const GateMap& g) {
  nlohmann::json o;
  o["name"] = g.name;
  o["activation"] = g.activation;
  o["mean"] = tensor_json(g.mean);
  o["element"] = tensor_json(g.element);
  o["saturated_fraction"] = g.saturated_fraction;
  o["saturated_per_step"] = g.saturated_per_step;
  return o;
}

namespace {
nlohmann::json array_or_null(const std::vector<double>& v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); }
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json to_json(const RecurrentStreamProbe& s) {
  nlohmann::json o;
  o["layer"] = s.layer;
  o["direction"] = s.direction;
  o["grad_norm"] = s.grad_norm;
  o["has_grad"] = s.has_grad;
  nlohmann::json& gates = o["gates"] = nlohmann::json::array();
  for (const auto& g : s.gates) gates.push_back(to_json(g));
  o["cell_grad_norm"] = array_or_null(s.cell_grad_norm);
  o["forget_gate_mean"] = array_or_null(s.forget_gate_mean);
  return o;
}

nlohmann::json to_json(const RecurrentProbe& p) {
  nlohmann::json o;
  o["kind"] = p.kind;
  o["T"] = p.T;
  o["B"] = p.B;
  o["H"] = p.H;
  o["batch_element"] = p.batch_element < 0 ? nlohmann::json(nullptr) : nlohmann::json(p.batch_element);
  nlohmann::json& thresholds = o["thresholds"];
  thresholds["sigmoid_low"] = p.thresholds.sigmoid_low;
  thresholds["sigmoid_high"] = p.thresholds.sigmoid_high;
  thresholds["tanh_abs"] = p.thresholds.tanh_abs;
  nlohmann::json& streams = o["streams"] = nlohmann::json::array();
  for (const auto& s : p.streams) streams.push_back(to_json(s));
  o["clampable"] = p.clampable;
  return o;
}

nlohmann::json to_json(const StepJacobian& j) {
  nlohmann::json o;
  o["layer"] = j.layer;
  o["direction"] = j.direction;
  o["batch_element"] = j.batch_element;
  o["t"] = j.t;
  o["hh"] = tensor_json(j.hh);
  o["hh_singular_values"] = j.hh_singular_values;
  o["hh_rms_gain"] = finite_or_null(j.hh_rms_gain);
  o["full"] = tensor_json(j.full);
  o["full_singular_values"] = j.full_singular_values;
  o["full_rms_gain"] = finite_or_null(j.full_rms_gain);
  o["product_steps"] = j.product_steps;
  o["product_norm"] = finite_or_null(j.product_norm);
  o["product_rms_gain"] = finite_or_null(j.product_rms_gain);
  o["product_singular_values"] = j.product_singular_values;
  o["full_product_norm"] = finite_or_null(j.full_product_norm);
  o["full_product_rms_gain"] = finite_or_null(j.full_product_rms_gain);
  o["full_product_singular_values"] = j.full_product_singular_values;
  return o;
}

nlohmann::json to_json(const std::vector<StepJacobian>& js) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& j : js) out.push_back(to_json(j));
  return out;
}

GRADLAB_END
