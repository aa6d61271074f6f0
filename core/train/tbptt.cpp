// Truncated BPTT (see tbptt.h): splitting the model, cutting batches into chunks, and
// carrying the recurrent state across chunk boundaries as a constant.
#include "support/throw.h"
#include "train/tbptt.h"

#include <algorithm>
#include <stdexcept>

GRADLAB_BEGIN

namespace {

// t [B, T, ...] -> [B, length, ...]: time steps [start, start + length), copied.
Tensor time_slice(const Tensor& t, std::int64_t start, std::int64_t length) {
  const std::int64_t B = t.dim(0), T = t.dim(1), inner = t.numel() / std::max<std::int64_t>(B * T, 1);
  Shape shape = t.shape();
  shape[1] = length;
  Tensor out(shape);
  for (std::int64_t b = 0; b < B; ++b) {
    const Scalar* src = t.data() + (b * T + start) * inner;
    std::copy(src, src + length * inner, out.data() + b * length * inner);
  }
  return out;
}

const char* kForm =
    "truncated BPTT (tbptt) needs a model of the form [recurrent layer, per-step layers...]: a recurrent layer "
    "(rnn, lstm, gru) first, then only layers that keep the time axis (linear, activations, dropout)";

}  // namespace

RecurrentStack find_recurrent_stack(Layer& model) {
  Layer* m = &model;
  // A wrapper whose only child is a Sequential is taken to run that Sequential (the spec's
  // model does exactly that).
  while (!m->as_sequential() && !m->as_recurrent()) {
    const auto children = m->named_children();
    Layer* inner = children.size() == 1 ? children[0].second->as_layer() : nullptr;
    if (!inner) throw_invalid_argument(std::string(kForm) + "; got a " + m->type_name());
    m = inner;
  }
  RecurrentStack stack;
  if (Recurrent* r = m->as_recurrent()) {
    stack.recurrent = r;
    return stack;
  }
  auto& seq = static_cast<Sequential&>(*m);
  if (seq.size() == 0 || !(stack.recurrent = seq.at(0)->as_recurrent()))
    throw_invalid_argument(std::string(kForm) + "; the first layer is " +
                           (seq.size() ? seq.at(0)->type_name() : std::string("missing")));
  for (std::size_t i = 1; i < seq.size(); ++i) {
    if (seq.at(i)->as_recurrent())
      throw_invalid_argument(std::string(kForm) + "; layer " + std::to_string(i) + " is a second recurrent layer " +
                             "(stack them with num_layers instead, so their states are carried together)");
    stack.head.push_back(seq.at(i).get());
  }
  return stack;
}

TruncatedBptt::TruncatedBptt(Layer& model, std::int64_t k) : stack_(find_recurrent_stack(model)), k_(k) {
  if (k < 1) throw_invalid_argument("tbptt = " + std::to_string(k) + ": the chunk length must be at least 1 (0 turns truncated BPTT off)");
  const RecurrentOptions& o = stack_.recurrent->options();
  if (o.bidirectional)
    throw_invalid_argument("truncated BPTT (tbptt) needs a recurrent layer that runs forward in time; a bidirectional " +
                           stack_.recurrent->type_name() + " reads the future of each chunk, which is cut off");
  // The head must keep the time axis: [B, k, D*H] -> [B, k, ...].
  Shape shape{1, k, stack_.recurrent->output_size()};
  for (std::size_t i = 0; i < stack_.head.size(); ++i) {
    Shape next = stack_.head[i]->output_shape(shape);
    if (next.size() < 3 || next[1] != k)
      throw_invalid_argument(std::string(kForm) + "; layer " + std::to_string(i + 1) + " (" +
                             stack_.head[i]->type_name() + ") turns " + to_string(shape) + " into " + to_string(next) +
                             ", dropping the time axis");
    shape = std::move(next);
  }
}

void TruncatedBptt::check_data(const Tensor& x, const Tensor& y) {
  if (x.rank() != 3)
    throw_invalid_argument("truncated BPTT (tbptt) needs sequence inputs [N, T, F]; inputs have shape " + to_string(x.shape()));
  if (y.rank() < 2 || y.dim(1) != x.dim(1))
    throw_invalid_argument("truncated BPTT (tbptt) needs one target per time step, [N, T] or [N, T, ...] with T = " +
                           std::to_string(x.dim(1)) + " (sequence labelling); targets have shape " +
                           to_string(y.shape()));
}

const TbpttChunk& TruncatedBptt::next_chunk(Batcher& batcher, const Tensor& x, const Tensor& y) {
  if (!batch_.x.defined() || next_start_ >= batch_.x.dim(1)) {
    batch_ = batcher.next(x, y);
    next_start_ = 0;
    h_ = Tensor();
    c_ = Tensor();
  }
  const std::int64_t T = batch_.x.dim(1);
  chunk_.start = next_start_;
  chunk_.length = std::min(k_, T - next_start_);
  chunk_.seq_len = T;
  chunk_.x = chunk_.length == T ? batch_.x : time_slice(batch_.x, chunk_.start, chunk_.length);
  chunk_.y = chunk_.length == T ? batch_.y : time_slice(batch_.y, chunk_.start, chunk_.length);
  chunk_.h0 = h_;
  chunk_.c0 = c_;
  next_start_ += chunk_.length;
  return chunk_;
}

Var TruncatedBptt::forward(const TbpttChunk& chunk) {
  // The carried state enters as a constant leaf: no gradient flows into the previous chunk.
  const Var h0 = chunk.h0.defined() ? Var(chunk.h0) : Var();
  const Var c0 = chunk.c0.defined() ? Var(chunk.c0) : Var();
  RecurrentOutput out = stack_.recurrent->forward_full(Var(chunk.x), h0, c0);
  pending_h_ = out.h_n;
  pending_c_ = out.c_n;
  Var y = out.output;
  for (Layer* layer : stack_.head) y = layer->forward(y);
  return y;
}

void TruncatedBptt::commit() {
  h_ = pending_h_.defined() ? pending_h_.value() : Tensor();
  c_ = pending_c_.defined() ? pending_c_.value() : Tensor();
  pending_h_ = Var();
  pending_c_ = Var();
}

void TruncatedBptt::reset() {
  batch_ = Batch();
  next_start_ = 0;
  h_ = c_ = Tensor();
  pending_h_ = pending_c_ = Var();
}

TruncatedBptt::State TruncatedBptt::state() const {
  return {batch_.x.defined() ? batch_.rows : std::vector<std::int64_t>{}, next_start_, h_, c_};
}

void TruncatedBptt::set_state(const State& state, const Tensor& x, const Tensor& y) {
  if (state.rows.empty()) {
    if (state.next_start != 0 || state.h.defined() || state.c.defined())
      throw_invalid_argument("truncated BPTT state: a position or carried state without sequences");
    reset();
    return;
  }
  for (std::int64_t r : state.rows)
    if (r < 0 || r >= x.dim(0))
      throw_invalid_argument("truncated BPTT state: row " + std::to_string(r) + " is outside the " + std::to_string(x.dim(0)) +
                             " training sequences");
  if (state.next_start < 0 || state.next_start > x.dim(1))
    throw_invalid_argument("truncated BPTT state: next_start " + std::to_string(state.next_start) + " is outside 0.." +
                           std::to_string(x.dim(1)));
  const RecurrentOptions& o = stack_.recurrent->options();
  const std::int64_t LD = static_cast<std::int64_t>(o.num_layers) * (o.bidirectional ? 2 : 1),
                     rows = static_cast<std::int64_t>(state.rows.size());
  const Shape carried_h = {LD, rows, stack_.recurrent->output_size()}, carried_c = {LD, rows, o.hidden_size};
  for (const Tensor* t : {&state.h, &state.c}) {
    const Shape& carried = t == &state.h ? carried_h : carried_c;  // h is P-dim with a projection
    if (t->defined() && t->shape() != carried)
      throw_invalid_argument("truncated BPTT state: carried state of shape " + to_string(t->shape()) + ", expected " +
                             to_string(carried));
  }
  batch_ = Batch{take_rows(x, state.rows), take_rows(y, state.rows), state.rows};
  next_start_ = state.next_start;
  h_ = state.h.defined() ? state.h.clone() : Tensor();
  c_ = state.c.defined() ? state.c.clone() : Tensor();
  pending_h_ = pending_c_ = Var();
}

GRADLAB_END
