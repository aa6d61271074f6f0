// Truncated backpropagation through time: a long sequence is trained in chunks of k steps,
// one optimizer update per chunk, with the hidden (and cell) state carried forward from one
// chunk to the next as a constant, so gradients stop at chunk boundaries and the memory of
// a step grows with k, not with T. (PyTorch's word_language_model does the same with
// repackage_hidden.) SupervisedTrainer uses it when TrainConfig::tbptt = k > 0.
//
// Shape letters: N samples, B batch, T sequence length, k chunk length, F input features,
// L layers, H hidden size.
//
// Models: [Recurrent, per-step layers...] (a Sequential, or a module whose only child is one,
// as a spec's model), where the per-step layers keep the time axis ([B, k, H] -> [B, k, ...],
// e.g. Linear, activations, Dropout). Data: x [N, T, F] with per-step targets [N, T, ...]
// (sequence labelling). The recurrent layer must run forward in time (not bidirectional).
//
//   TruncatedBptt tbptt(*model, /*k=*/10);
//   const TbpttChunk& c = tbptt.next_chunk(batcher, x_train, y_train);  // steps [c.start, c.start + c.length)
//   Var out = tbptt.forward(c);        // the model on the chunk, starting from the carried state
//   objective.loss(out, c.y).backward();  optimizer.step();
//   tbptt.commit();                    // carry this chunk's final state (detached) into the next
#pragma once

#include <cstdint>
#include <vector>

#include "data/batcher.h"
#include "nn/layers.h"
#include "nn/recurrent.h"

GRADLAB_BEGIN

// The parts of a [Recurrent, per-step layers...] model.
struct RecurrentStack {
  Recurrent* recurrent = nullptr;
  std::vector<Layer*> head;  // applied in order to the recurrent output [B, k, H]
};

// Finds the stack in `model` (see above); throws std::invalid_argument saying which form is
// needed and what was found.
RecurrentStack find_recurrent_stack(Layer& model);

// One chunk of a batch of sequences.
struct TbpttChunk {
  Tensor x, y;                // [B, length, F] and [B, length, ...]: time steps [start, start + length)
  Tensor h0, c0;              // [L, B, H] carried in from the previous chunk; undefined (zeros) at start 0
  std::int64_t start = 0;     // first time step of the chunk
  std::int64_t length = 0;    // k, or fewer for the last chunk of a sequence
  std::int64_t seq_len = 0;   // T
  bool last() const { return start + length >= seq_len; }
};

class TruncatedBptt {
 public:
  // Throws std::invalid_argument unless k >= 1 and `model` is a recurrent stack as above.
  // The model must outlive this object.
  TruncatedBptt(Layer& model, std::int64_t k);

  // Throws std::invalid_argument unless x is [N, T, F] and y is [N, T, ...] (per-step targets).
  static void check_data(const Tensor& x, const Tensor& y);

  // The chunk the next update trains on: the next k steps of the current batch, or the
  // first k of a fresh batch from `batcher` once the current sequences are done.
  const TbpttChunk& next_chunk(Batcher& batcher, const Tensor& x, const Tensor& y);
  // The model on `chunk`, starting from its carried state: [B, length, ...]. Remembers the
  // final state for commit(). Calling it again (to re-run a chunk) is fine.
  Var forward(const TbpttChunk& chunk);
  // Carries the final state of the latest forward into the next chunk, as a constant.
  void commit();
  // Forgets the current batch and state: the next chunk starts fresh sequences.
  void reset();

  // Where the walk through the current sequences stands, for checkpoints: the dataset rows
  // being worked through (empty: none yet), the next chunk's first step, and the carried
  // state (undefined: zeros).
  struct State {
    std::vector<std::int64_t> rows;
    std::int64_t next_start = 0;
    Tensor h, c;
  };
  State state() const;
  // Restores a state() against the same data; throws std::invalid_argument naming what
  // does not fit (a row out of range, a start beyond the sequence, a state of the wrong
  // shape) and changes nothing then.
  void set_state(const State& state, const Tensor& x, const Tensor& y);

  std::int64_t k() const { return k_; }
  const RecurrentStack& stack() const { return stack_; }
  const TbpttChunk& current() const { return chunk_; }

 private:
  RecurrentStack stack_;
  std::int64_t k_;
  Batch batch_;                // the sequences being worked through (undefined before the first)
  std::int64_t next_start_ = 0;
  Tensor h_, c_;               // state for the next chunk (undefined: zeros)
  Var pending_h_, pending_c_;  // h_n, c_n of the latest forward
  TbpttChunk chunk_;
};

GRADLAB_END
