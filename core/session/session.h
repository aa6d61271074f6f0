// Session: the one coarse facade over the engine. The CLI and the wasm bindings call
// only this: create from spec JSON, train, read metrics, parameters and gradients, check
// gradients, take inspection snapshots, save and load checkpoints. Plain data and JSON
// out; no I/O.
//
//   Session s(spec_text);            // throws SpecError (every issue with its JSON pointer)
//   auto metrics = s.train(100);     // 100 steps: [{"step": 1, "loss": ...}, ...]
//   std::string ckpt = s.checkpoint_json();
#pragma once

#include <stdexcept>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/function_ref.h"
#include "autograd/gradcheck.h"
#include "spec/spec.h"

GRADLAB_BEGIN

class Runner;

struct ParamInfo {
  std::string name;  // PyTorch state_dict name
  Shape shape;
  std::int64_t count = 0;
};

// A slice of the data an experiment trains on (Session::data). Inputs and targets are
// row-major with the dataset's layout (data/dataset.h): [R, ...] for the first R rows.
struct DataView {
  std::string task;          // the dataset's task kind ("batch" for an explicit batch)
  std::int64_t total_rows = 0;  // rows the split has (R <= total_rows)
  Shape input_shape, target_shape;
  std::vector<Scalar> inputs, targets;
  std::vector<std::string> source_vocab, target_vocab;  // token datasets only (else empty)
};

// Session::sample: text from a language model (char_lm, next_word).
struct SampleOptions {
  std::string prompt;         // characters (char_lm) or space-separated words (next_word)
  std::int64_t length = 200;  // tokens to generate, 1..10000
  double temperature = 1;     // 0: greedy (argmax); else softmax(logits / temperature), up to 100
  std::uint64_t seed = 0;     // the draws (same seed, same text)
};

// Thrown by Session::update when the new spec differs in fields that need a fresh
// session (model, data, seed, loss...): pointers() names each; nothing was changed.
class NeedsReset : public std::invalid_argument {
 public:
  explicit NeedsReset(std::vector<std::string> pointers);
  const std::vector<std::string>& pointers() const { return pointers_; }

 private:
  std::vector<std::string> pointers_;
};

// A checkpoint that does not load (Session::load_checkpoint, from_checkpoint): a
// SpecError whose pointers point into the checkpoint document ("/spec/seed",
// "/buffers/layers.1.running_var/data/0"), so a caller can name the checkpoint file.
class CheckpointError : public SpecError {
 public:
  using SpecError::SpecError;
};

// One step's or one evaluation's numbers, flat: {"step", "loss", "accuracy", ...}.
// Numbers that are not finite (or do not apply) are null.
using Metrics = nlohmann::json;

class Session {
 public:
  explicit Session(const std::string& spec_json);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const ExperimentSpec& spec() const { return spec_; }
  std::int64_t steps_done() const;
  std::int64_t planned_steps() const { return spec_.training.steps; }

  // One training step / n steps; `progress` sees each step's metrics and may return
  // false to stop early. A step that stops being finite throws NonFiniteError
  // (train/supervised.h) and leaves the state as it was before that step.
  Metrics step();
  std::vector<Metrics> train(std::int64_t n, FunctionRef<bool(const Metrics&)> progress = {});
  // "train" or "test" ({"n": 0} when there is no test split).
  Metrics evaluate(const std::string& split);

  std::vector<ParamInfo> params() const;
  std::int64_t total_params() const;

  // Parameter values in model order, copied (PyTorch names and layouts).
  std::vector<std::pair<std::string, Tensor>> parameter_values() const;

  // One forward/backward on the spec's batch (its explicit batch, or the first
  // batch_size training examples) without updating: loss, outputs, every parameter's
  // gradient and the input gradient, as JSON with PyTorch names and layouts.
  std::string grad_json();
  // The gradients of that same pass, in model order (copies).
  std::vector<std::pair<std::string, Tensor>> gradients();
  // Finite-difference check of every parameter on the same batch. Meaningful in the
  // double build; the float build's differences are only good to a few digits.
  GradCheckResult check_gradients(GradCheckOptions options = {});

  // Inspection: the snapshot names this experiment offers, and one as JSON; an unknown
  // name's error lists them.
  std::vector<std::string> snapshot_names() const;
  nlohmann::json snapshot(const std::string& what);

  // Interventions: force a gate of the first recurrent layer to a constant in forward and
  // backward ("i", "f", "g", "o" for LSTM; "r", "z" for GRU; layer/direction -1 = all),
  // then train or evaluate to watch the effect; clear_clamps() undoes them (those of the
  // spec's /training/clamp too, which the constructor applies).
  void clamp_gate(const std::string& gate, double value, int layer = -1, int direction = -1);
  void clear_clamps();

  // The first max_rows rows (0..1e6) of the "train" or "test" split, with the
  // vocabularies of token datasets.
  DataView data(const std::string& split, std::int64_t max_rows) const;

  // Text from a language model (data char_lm or next_word): `length` new tokens after the
  // prompt, the model run on the last T tokens (the training window) each time. Returns
  // {"text", "tokens", "prompt_tokens"}; text is the new tokens joined (characters as
  // they are, words with spaces, <eos> as a line break). Throws std::invalid_argument for
  // other experiments and naming prompt characters/words outside the vocabulary.
  nlohmann::json sample(const SampleOptions& options);

  // GAN only: one update of "discriminator" or "generator" (step() does critic_steps of
  // the first, then one of the second); the metrics as step()'s, NaN fields null.
  Metrics step_player(const std::string& player);

  // Applies a changed spec without starting over: optimizer hyper-parameters (a new
  // optimizer type starts a fresh optimizer state, keeping the parameters), clipping,
  // L1/L2, truncated BPTT, schedule, steps, batch size, logging and inspection fields, and
  // for GANs each player's optimizer, critic_steps, clip_value and gp_lambda (for diffusion
  // models the optimizer and clip_grad_norm). Returns the
  // JSON pointers that changed. Any other difference throws NeedsReset naming them all; an
  // invalid spec throws SpecError; either way nothing changes. Afterwards the session is
  // what from_checkpoint() of its own checkpoint would be: checkpoint_json() carries the
  // new spec and resuming it is bit-exact. Gate clamps are cleared, then the new spec's
  // /training/clamp applied.
  std::vector<std::string> update(const std::string& spec_json);

  // The whole training state: format version, the spec, step, parameters, buffers,
  // optimizer, batch order and RNG state. Loading it into a session of the same spec and
  // continuing gives the run that never stopped, bit for bit.
  std::string checkpoint_json() const;
  // Validates everything first; on any error (CheckpointError, with a pointer into the
  // checkpoint) the session is unchanged. The checkpoint's own spec must equal this
  // session's except in name, description, lesson, inspection, training.steps,
  // training.log_every and training.eval_every; every other difference is named.
  void load_checkpoint(const std::string& text);
  static Session from_checkpoint(const std::string& text);

 private:
  void load_checkpoint_document(const nlohmann::json& checkpoint);  // load_checkpoint's body
  ExperimentSpec spec_;
  std::unique_ptr<Runner> runner_;
};

GRADLAB_END
