// Anomaly mode: an opt-in, thread-local check that every op's forward output and every
// gradient a backward pass produces is finite, so a NaN is caught where it is born rather
// than steps later in the loss. Off by default; off, it costs one thread-local read per op.
// (As torch.autograd.detect_anomaly, but the forward is checked too.)
//
//   try {
//     AnomalyModeGuard anomaly;        // on for this scope, this thread
//     Var y = log(x);                  // x = [1, 0, 2]: throws NonFiniteOpError
//   } catch (const NonFiniteOpError& e) {
//     e.op();                          // "log"
//     e.what();  // "anomaly: op 'log' produced -inf at index [1] of its output of shape [3]
//                //  from finite inputs (input 0 = 0 there): log(0) is -inf ..."
//   }
//
// Forward: record() scans each op's output; the first NaN/Inf names the op, the output
// shape, the index, and what the inputs held at that index: if they were finite, the op
// itself made the bad value (a log of 0, an overflow in exp); if not, it only propagated
// one (and the message says which input, e.g. parameter 'layers.0.weight'). Inside a
// backward pass the ops that compute gradients are not checked one by one; instead each
// gradient an op's backward hands to one of its inputs is checked, and the first
// non-finite one names that op (e.g. sqrt at 0, whose slope is infinite).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

class NonFiniteOpError : public std::runtime_error {
 public:
  enum class Phase { Forward, Backward };

  NonFiniteOpError(const std::string& message, Phase phase, std::string op, Shape shape, std::int64_t index,
                   double value, int input, bool propagated, std::string source)
      : std::runtime_error(message),
        phase_(phase),
        op_(std::move(op)),
        shape_(std::move(shape)),
        index_(index),
        value_(value),
        input_(input),
        propagated_(propagated),
        source_(std::move(source)) {}

  Phase phase() const { return phase_; }
  // The op whose output (Forward) or whose backward's gradient (Backward) went bad.
  const std::string& op() const { return op_; }
  // Forward: the op's output shape. Backward: the shape of the bad gradient (its input's).
  const Shape& shape() const { return shape_; }
  std::int64_t index() const { return index_; }  // flat row-major index of the first bad element
  double value() const { return value_; }         // NaN, inf or -inf
  // Backward: which input of the op got the bad gradient. Forward: the input that already
  // held a non-finite value there (propagated), or -1.
  int input() const { return input_; }
  // True when the bad value came in rather than being made here: a non-finite input
  // (forward) or a non-finite incoming gradient (backward).
  bool propagated() const { return propagated_; }
  // Forward, propagated: the name of the input it came from ("layers.0.weight"), if named.
  const std::string& source() const { return source_; }

 private:
  Phase phase_;
  std::string op_;
  Shape shape_;
  std::int64_t index_;
  double value_;
  int input_;
  bool propagated_;
  std::string source_;
};

// Anomaly mode for this thread (off by default).
bool anomaly_enabled();

class AnomalyModeGuard {
 public:
  explicit AnomalyModeGuard(bool enabled = true);
  ~AnomalyModeGuard();
  AnomalyModeGuard(const AnomalyModeGuard&) = delete;
  AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

 private:
  bool previous_;
};

// The hooks autograd calls (var.cpp); only while anomaly_enabled().
namespace anomaly_detail {
// In record(): throws NonFiniteOpError if `value` (the output of `op`) holds NaN/Inf.
// Does nothing inside a backward pass (see BackwardScope).
void check_forward(const char* op, const std::vector<Var>& inputs, const Tensor& value);
// Around one op's backward: which op is running it and the gradient it received.
class BackwardScope {
 public:
  BackwardScope(const char* op, const Tensor& dy);
  ~BackwardScope();
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;

 private:
  const char* previous_op_;
  const Tensor* previous_dy_;
};
// In Grads::accumulate: throws if the gradient `op`'s backward gives input `i` holds NaN/Inf.
void check_gradient(const char* op, int i, const Var& input, const Tensor& grad);
}  // namespace anomaly_detail

GRADLAB_END
