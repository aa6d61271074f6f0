// Recurrent: parameters, options, clamps, validation and the choice of path. The paths
// themselves are in recurrent_fused.cpp and recurrent_unfused.cpp.
#include "nn/recurrent.h"
#include "support/throw.h"
#include "tensor/strings.h"

#include <cmath>
#include <stdexcept>

GRADLAB_BEGIN

const char* to_string(CellKind kind) {
  switch (kind) {
    case CellKind::RnnTanh:
      return "rnn_tanh";
    case CellKind::RnnRelu:
      return "rnn_relu";
    case CellKind::Lstm:
      return "lstm";
    case CellKind::Gru:
      return "gru";
  }
  return "?";
}

const Tensor& RecurrentTrace::Stream::gate(const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& [n, t] : gates) {
    if (n == name) return t;
    names.push_back(n);
  }
  throw_out_of_range("trace has no gate '" + name + "' (gates: " + (names.empty() ? "none" : join(names)) + ")");
}

const RecurrentTrace::Stream& RecurrentTrace::at(int layer, int direction) const {
  for (const auto& s : streams)
    if (s.layer == layer && s.direction == direction) return s;
  throw_out_of_range("trace has no stream for layer " + std::to_string(layer) + ", direction " +
                     std::to_string(direction) + " (" + std::to_string(streams.size()) +
                     " streams; is tracing on and has a forward run?)");
}

Recurrent::Recurrent(const RecurrentOptions& options, Rng& rng) : options_(options) {
  const std::string who = type_name();
  if (options_.input_size <= 0 || options_.hidden_size <= 0)
    throw_invalid_argument(who + ": input_size and hidden_size must be positive, got input_size " +
                           std::to_string(options_.input_size) + ", hidden_size " +
                           std::to_string(options_.hidden_size));
  if (options_.num_layers < 1)
    throw_invalid_argument(who + ": num_layers must be at least 1, got " + std::to_string(options_.num_layers));
  if (options_.peephole && options_.kind != CellKind::Lstm)
    throw_invalid_argument(who + ": peephole is an LSTM option (kind lstm), but kind is " +
                           to_string(options_.kind));
  const bool lstm = options_.kind == CellKind::Lstm;
  if (options_.coupled_input_forget && !lstm)
    throw_invalid_argument(who + ": coupled_input_forget is an LSTM option (kind lstm), but kind is " +
                           to_string(options_.kind));
  if (options_.coupled_input_forget && options_.peephole)
    throw_invalid_argument(who + ": coupled_input_forget and peephole together are not supported (choose one)");
  if (options_.proj_size != 0 && !lstm)
    throw_invalid_argument(who + ": proj_size is an LSTM option (kind lstm), but kind is " + to_string(options_.kind));
  if (options_.proj_size < 0 || options_.proj_size >= options_.hidden_size)
    throw_invalid_argument(who + ": proj_size must be 0 (no projection) or in 1.." +
                           std::to_string(options_.hidden_size - 1) + " (below hidden_size), got " +
                           std::to_string(options_.proj_size));
  if (options_.reset_before && options_.kind != CellKind::Gru)
    throw_invalid_argument(who + ": reset_before is a GRU option (kind gru), but kind is " + to_string(options_.kind));
  const std::int64_t H = options_.hidden_size, GH = num_gates() * H, P = output_size();
  const double bound = 1.0 / std::sqrt(static_cast<double>(H));
  const int D = num_directions();
  for (int layer = 0; layer < options_.num_layers; ++layer) {
    for (int d = 0; d < D; ++d) {
      const std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      auto init = [&](const std::string& name, Shape shape) {
        return register_parameter(name + suffix, rng.uniform_tensor(std::move(shape), -bound, bound));
      };
      StreamParams p;
      p.w_ih = init("weight_ih", {GH, layer_input_size(layer)});
      p.w_hh = init("weight_hh", {GH, P});
      if (options_.bias) {
        p.b_ih = init("bias_ih", {GH});
        p.b_hh = init("bias_hh", {GH});
      }
      if (options_.proj_size > 0) p.w_hr = init("weight_hr", {P, H});  // PyTorch's place: after the biases
      if (options_.peephole) {
        p.p_i = init("weight_peephole_i", {H});
        p.p_f = init("weight_peephole_f", {H});
        p.p_o = init("weight_peephole_o", {H});
      }
      streams_.push_back(p);
    }
  }
  clamps_.resize(streams_.size());
}

std::string Recurrent::type_name() const {
  switch (options_.kind) {
    case CellKind::Lstm:
      return "LSTM";
    case CellKind::Gru:
      return "GRU";
    default:
      return "RNN";
  }
}

int Recurrent::num_gates() const {
  switch (options_.kind) {
    case CellKind::Lstm:
      return options_.coupled_input_forget ? 3 : 4;
    case CellKind::Gru:
      return 3;
    default:
      return 1;
  }
}

std::int64_t Recurrent::output_size() const { return options_.proj_size > 0 ? options_.proj_size : options_.hidden_size; }

std::int64_t Recurrent::layer_input_size(int layer) const {
  return layer == 0 ? options_.input_size : num_directions() * output_size();
}

std::vector<std::string> Recurrent::gate_names(CellKind kind) {
  if (kind == CellKind::Lstm) return {"i", "f", "g", "o"};
  if (kind == CellKind::Gru) return {"r", "z", "n"};
  return {};
}

std::vector<std::string> Recurrent::clampable_gates() const {
  if (options_.kind == CellKind::Lstm) return {"i", "f", "g", "o"};
  if (options_.kind == CellKind::Gru) return {"r", "z"};
  return {};
}

void Recurrent::set_forget_bias(double value) {
  if (options_.kind != CellKind::Lstm)
    throw_invalid_argument(type_name() + ": set_forget_bias is for LSTM (kind lstm), but kind is " +
                           to_string(options_.kind));
  if (!options_.bias) throw_invalid_argument("LSTM: set_forget_bias needs bias = true; this LSTM has no biases");
  if (options_.coupled_input_forget)
    throw_invalid_argument("LSTM: set_forget_bias needs a forget gate of its own; with coupled_input_forget f = 1 - i "
                           "(set the i rows' bias to minus the value instead)");
  const std::int64_t H = options_.hidden_size;
  for (auto& p : streams_) {
    Tensor& bi = p.b_ih.mutable_value();
    Tensor& bh = p.b_hh.mutable_value();
    for (std::int64_t j = H; j < 2 * H; ++j) {
      bi[j] = static_cast<Scalar>(value);
      bh[j] = 0;
    }
  }
}

void Recurrent::clamp_gate(const std::string& gate, double value, int layer, int direction) {
  const std::vector<std::string> allowed = clampable_gates();
  if (allowed.empty())
    throw_invalid_argument(type_name() + " (" + to_string(options_.kind) + ") has no gates to clamp, got gate '" +
                           gate + "' (gates exist for lstm: i, f, g, o; gru: r, z)");
  int slot = -1;
  for (std::size_t k = 0; k < allowed.size(); ++k)
    if (allowed[k] == gate) slot = static_cast<int>(k);
  if (slot < 0)
    throw_invalid_argument(type_name() + ": unknown gate '" + gate + "' (allowed: " + join(allowed) + ")");
  if (options_.coupled_input_forget && gate == "f")
    throw_invalid_argument("LSTM: with coupled_input_forget the forget gate is f = 1 - i, not a gate of its own: "
                           "clamp gate 'i' to 1 - value instead (allowed: i, g, o)");
  if (layer < -1 || layer >= options_.num_layers)
    throw_invalid_argument(type_name() + ": clamp_gate layer " + std::to_string(layer) +
                           " is out of range (allowed: 0.." + std::to_string(options_.num_layers - 1) +
                           ", or -1 for all)");
  if (direction < -1 || direction >= num_directions())
    throw_invalid_argument(type_name() + ": clamp_gate direction " + std::to_string(direction) +
                           " is out of range (allowed: 0.." + std::to_string(num_directions() - 1) +
                           ", or -1 for all)");
  const bool is_g = options_.kind == CellKind::Lstm && gate == "g";
  const double lo = is_g ? -1.0 : 0.0;
  if (!(value >= lo && value <= 1.0))
    throw_invalid_argument(type_name() + ": clamp value " + std::to_string(value) + " for gate '" + gate +
                           "' is outside its range [" + (is_g ? "-1" : "0") + ", 1]");
  const int D = num_directions();
  for (int l = 0; l < options_.num_layers; ++l)
    for (int d = 0; d < D; ++d)
      if ((layer < 0 || l == layer) && (direction < 0 || d == direction)) {
        clamps_[static_cast<std::size_t>(l * D + d)].on[slot] = true;
        clamps_[static_cast<std::size_t>(l * D + d)].value[slot] = value;
      }
}

void Recurrent::clear_clamps() {
  for (auto& c : clamps_) c = Clamp{};
}

std::vector<std::pair<std::string, double>> Recurrent::clamped_gates(int layer, int direction) const {
  if (layer < 0 || layer >= options_.num_layers || direction < 0 || direction >= num_directions())
    throw_invalid_argument(type_name() + ": clamped_gates(" + std::to_string(layer) + ", " +
                           std::to_string(direction) + ") is out of range (layers 0.." +
                           std::to_string(options_.num_layers - 1) + ", directions 0.." +
                           std::to_string(num_directions() - 1) + ")");
  const std::vector<std::string> names = clampable_gates();
  const Clamp& c = clamps_[static_cast<std::size_t>(layer * num_directions() + direction)];
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t k = 0; k < names.size(); ++k)
    if (c.on[k]) out.emplace_back(names[k], c.value[k]);
  return out;
}

Recurrent::Dims Recurrent::check_input(const Shape& x) const {
  if (x.size() != 3)
    throw_invalid_argument(
        type_name() + ": input of shape " + to_string(x) + " has rank " + std::to_string(x.size()) +
        "; expected rank 3, [B, T, I] with I = " + std::to_string(options_.input_size) + " (batch first)");
  if (x[2] != options_.input_size)
    throw_invalid_argument(
        type_name() + ": input of shape " + to_string(x) + " has " + std::to_string(x[2]) +
        " features; expected [B, T, I] with I = input_size = " + std::to_string(options_.input_size));
  if (x[0] < 1 || x[1] < 1)
    throw_invalid_argument(type_name() + ": input of shape " + to_string(x) +
                           " is empty; B and T must be at least 1");
  return {x[0], x[1]};
}

void Recurrent::check_state(const Var& s, const char* name, const Dims& dims) const {
  if (!s.defined()) return;
  const bool h = std::string(name) == "h0";  // h is P-dim with a projection, c stays H-dim
  const Shape want{static_cast<std::int64_t>(options_.num_layers) * num_directions(), dims.B,
                   h ? output_size() : options_.hidden_size};
  if (s.shape() != want)
    throw_invalid_argument(type_name() + ": initial state " + name + " has shape " + to_string(s.shape()) +
                           "; expected [L*D, B, " + (h ? "P" : "H") + "] = " + to_string(want));
}

Shape Recurrent::output_shape(const Shape& in) const {
  const Dims d = check_input(in);
  return {d.B, d.T, num_directions() * output_size()};
}

Var Recurrent::forward(const Var& x) { return forward_full(x).output; }

RecurrentOutput Recurrent::forward_full(const Var& x, const Var& h0, const Var& c0) {
  const Dims dims = check_input(x.shape());
  check_state(h0, "h0", dims);
  if (c0.defined() && options_.kind != CellKind::Lstm)
    throw_invalid_argument(type_name() + ": initial cell state c0 is for LSTM only (kind is " +
                           to_string(options_.kind) + ")");
  check_state(c0, "c0", dims);
  return fused_ ? forward_fused(x, h0, c0, dims) : forward_unfused(x, h0, c0, dims);
}

std::shared_ptr<RecurrentTrace> Recurrent::start_trace(const Dims& dims) {
  if (!trace_on_) return nullptr;
  auto trace = std::make_shared<RecurrentTrace>();
  const int D = num_directions();
  const Shape tbh{dims.T, dims.B, options_.hidden_size}, tbp{dims.T, dims.B, output_size()};
  for (int l = 0; l < options_.num_layers; ++l) {
    for (int d = 0; d < D; ++d) {
      RecurrentTrace::Stream s;
      s.layer = l;
      s.direction = d;
      s.h = Tensor(tbp);
      if (options_.kind == CellKind::Lstm) s.c = Tensor(tbh);
      if (options_.kind == CellKind::Lstm) s.dc = Tensor(tbh);
      for (const auto& name : gate_names(options_.kind)) s.gates.emplace_back(name, Tensor(tbh));
      s.dh = Tensor(tbp);
      trace->streams.push_back(std::move(s));
    }
  }
  trace_ = trace;
  return trace;
}

GRADLAB_END
