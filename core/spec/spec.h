// The experiment spec (JSON, versioned): data, model, loss, optimizer, training.
// parse_spec() checks everything it can before anything is built and throws SpecError
// listing every problem with its JSON pointer; docs/spec.md is the reference.
//
//   ExperimentSpec spec = parse_spec(R"({"version": 1, "data": {...}, "model": {...}, ...})");
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "spec/reader.h"
#include "tensor/tensor.h"

GRADLAB_BEGIN

inline constexpr int kSpecVersion = 1;

class SpecError : public std::invalid_argument {
 public:
  explicit SpecError(std::vector<SpecIssue> issues);
  SpecError(std::string pointer, std::string message) : SpecError(std::vector<SpecIssue>{{std::move(pointer), std::move(message)}}) {}
  const std::vector<SpecIssue>& issues() const { return issues_; }

 private:
  static std::string summary(const std::vector<SpecIssue>& issues);
  std::vector<SpecIssue> issues_;
};

// throw_spec_error(...) as one out-of-line call (support/throw.h says why).
[[noreturn]] void throw_spec_error(std::vector<SpecIssue> issues);
[[noreturn]] void throw_spec_error(std::string pointer, std::string message);

// One layer of the model's Sequential. `config` holds the validated fields with every
// default filled in; `body` the inner layers of a residual block.
struct LayerSpec {
  std::string type;
  std::string pointer;
  nlohmann::json config;
  std::vector<LayerSpec> body;
};

// A weight initialiser: torch.nn.init's name ("" = each layer's PyTorch default) and its
// scale fields as the spec gives them (init_std, init_bound, init_gain, init_a, init_mode,
// init_nonlinearity; docs/spec.md).
struct InitChoice {
  std::string name;
  nlohmann::json scale = nlohmann::json::object();
};

// The initialiser a layer's weights get: its own `init` with its own scale fields, or,
// when it has none, /model/init with the model's scale fields (each overridden by the
// layer's own).
InitChoice effective_init(const LayerSpec& layer, const InitChoice& model);

struct DataSpec {
  std::string dataset;     // a built-in dataset's name; empty when the spec carries a batch
  nlohmann::json options;  // that dataset's options, as given
  Tensor inputs, targets;  // an explicit batch ([N, ...] and [N, ...])
  bool has_batch() const { return inputs.defined(); }
};

struct LossSpec {
  std::string type = "mse";   // mse, cross_entropy, bce_with_logits, nll, output
  std::string reduction = "mean";
  Tensor seed;                // optional seed gradient for a non-scalar objective
  double scale = 1;           // the loss is scale * (the loss above): 0.5 for L = 1/2 (a - y)^2
  bool broadcast = false;     // mse: the output is broadcast against targets of a larger shape
};

struct NamedConfig {
  std::string type;
  nlohmann::json config;  // validated fields, defaults filled in
};

// /training/clamp: a gate of the model's first recurrent layer fixed to a constant while
// training and evaluating (Recurrent::clamp_gate), e.g. the LSTM's forget gate at 0.
struct GateClampSpec {
  std::string gate;            // "i", "f", "g", "o" (lstm) or "r", "z" (gru)
  double value = 0;            // [0, 1]; the LSTM's g: [-1, 1]
  int layer = -1, direction = -1;  // -1: all
};

struct TrainingSpec {
  std::int64_t steps = 100;
  std::int64_t batch_size = 32;
  double clip_grad_norm = 0;   // 0: off
  double clip_grad_value = 0;  // 0: off
  double l1 = 0, l2 = 0;       // explicit penalty terms added to the loss
  std::string l1_mode = "subgradient";  // or "proximal": soft-threshold after each step
  std::int64_t log_every = 10;
  std::int64_t eval_every = 0;  // 0: only at the end
  std::int64_t tbptt = 0;       // truncated BPTT chunk length; 0: whole sequences
  std::vector<GateClampSpec> clamps;  // /training/clamp (an object or a list of them)
  NamedConfig schedule{"constant", nlohmann::json::object()};
};

// Which inspection snapshots `gradlab run` writes, and how often (0: only at the end).
struct InspectionSpec {
  std::vector<std::string> snapshots;
  std::int64_t every = 0;
  // The loss_surface snapshot's window: {"x": [lo, hi], "y": [lo, hi], "resolution": N},
  // each optional (null: fitted around the path).
  nlohmann::json surface;
  // The step t of the diffusion snapshots diffusion_forward and diffusion_posterior
  // (0..T; -1: T / 2).
  std::int64_t diffusion_t = -1;
  // The feature_maps snapshot's example: its index in the test split (the training split
  // when there is no test split).
  std::int64_t example = 0;
};

struct ExperimentSpec {
  int version = kSpecVersion;
  std::string name;
  std::uint64_t seed = 0;
  DataSpec data;
  // "sequential" (layers + loss), "seq2seq" (encoder-decoder with attention), "gan" or
  // "diffusion" (layers: its noise network's hidden part); the last three keep their
  // validated fields in kind_config (docs/spec.md).
  std::string kind = "sequential";
  nlohmann::json kind_config = nlohmann::json::object();
  std::vector<LayerSpec> layers;
  std::string init;  // model-wide weight initialiser ("" = each layer's PyTorch default)
  nlohmann::json init_scale = nlohmann::json::object();  // its init_* fields (/model/init_std, ...)
  std::vector<std::pair<std::string, Tensor>> parameters;  // explicit values, PyTorch names
  LossSpec loss;
  NamedConfig optimizer{"sgd", nlohmann::json::object()};
  TrainingSpec training;
  InspectionSpec inspection;
  nlohmann::json json;  // the document as given (kept in checkpoints)
};

ExperimentSpec parse_spec(const std::string& text);
ExperimentSpec parse_spec(const nlohmann::json& document);

// Layer shapes without building anything: for an input of shape `in`, the output shape
// of each layer and its parameter count with the formula behind it (for the editor and
// for checking a spec against its data). Issues name the layer's JSON pointer.
struct LayerSummary {
  std::string pointer, type;
  Shape output;
  std::int64_t parameters = 0;
  std::string formula;  // e.g. "out*in + out = 8*2 + 8"
  // An estimate, in elements, of what one forward pass on this input keeps for backward
  // (the output and the layer's internal values: gates per step, attention weights
  // [heads, T, T], im2col columns...), and of its largest single tensor. Doubles: the
  // products of dimensions under their caps can exceed 64 bits.
  double kept = 0, largest = 0;
};
std::vector<LayerSummary> summarize_layers(const std::vector<LayerSpec>& layers, const Shape& in,
                                           std::vector<SpecIssue>& issues);

// The largest model a spec may describe: gradlab trains small networks, in a browser tab
// too, and a typo such as hidden_size 100000 should be an error, not an out-of-memory.
inline constexpr std::int64_t kMaxParameters = 20'000'000;
// The most layers a model may have, counting the layers inside residual blocks. Real
// networks here have tens; 1024 is ResNet-152's module count with room to spare, and it
// bounds the tape a step records (a few thousand nodes), so a typo'd generator script
// with 200,000 layers is an error instead of minutes of work per step. summarize_layers
// records an issue at /model/layers beyond it, before anything is allocated.
inline constexpr std::int64_t kMaxLayers = 1024;
// Records an issue at /model/layers when the summarised layers exceed kMaxParameters.
void check_model_size(const std::vector<LayerSummary>& summary, std::vector<SpecIssue>& issues);

// Activation memory. The parameter cap alone lets a small model meet a huge batch (65536
// rows through a 65536-wide layer is 2^32 floats): natively a bad_alloc mid-step, in the
// browser a corrupted heap. The wasm engine has 1 GiB in all, and backward needs about as
// much again as the forward pass keeps (the gradients of what it kept), so:
//  - one training step may keep at most kMaxStepActivationBytes (summary's `kept` at
//    `batch_rows`, the spec's batch_size: the same number in validate and the Session);
//  - evaluation runs a whole split in one forward pass (no tape: only a layer's input and
//    output live at once), so the largest tensor at `eval_rows` (all N examples, train +
//    test, an upper bound on either split) may be at most kMaxEvalTensorBytes.
// The summary must be for inputs of `summary_rows` rows (its estimates scale linearly).
inline constexpr double kMaxStepActivationBytes = 512.0 * 1024 * 1024;
inline constexpr double kMaxEvalTensorBytes = 256.0 * 1024 * 1024;
void check_activation_memory(const std::vector<LayerSummary>& summary, std::int64_t summary_rows, std::int64_t batch_rows,
                             std::int64_t eval_rows, const std::string& eval_pointer, std::vector<SpecIssue>& issues);
// "1.5 GiB", "384 MiB", "12 KiB": a byte count for messages.
std::string format_bytes(double bytes);

// Names accepted for layer "type".
const std::vector<std::string>& layer_types();

// A nested JSON array -> Tensor; records an issue at `pointer` for ragged or non-numeric data.
Tensor tensor_from_json(const nlohmann::json& value, const std::string& pointer, std::vector<SpecIssue>& issues);
nlohmann::json tensor_to_json(const Tensor& t);  // {"shape": [...], "data": [...]}

GRADLAB_END
