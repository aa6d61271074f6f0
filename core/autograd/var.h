// The tape: Var is a Tensor value with a place in a define-by-run graph. Ops build nodes
// with record(); backward() walks them in reverse and accumulates gradients into leaves.
//
//   Var w(Tensor::from({2}, {1, 2}), /*requires_grad=*/true);
//   Var loss = sum(w * w);          // ops from ops/ops.h
//   loss.backward();
//   w.grad();                        // [2, 4]
//
// Higher-order gradients: backward functions are written with Var ops, so with
// create_graph the gradient is itself a graph that can be differentiated again
// (grad() below, as torch.autograd.grad). Ops whose backward is tensor-only (fused
// recurrent cells) refuse create_graph with an error naming the op.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

GRADLAB_BEGIN

class Var;
class Grads;
struct Node;

// Backward of one op: given dL/d(output), accumulate dL/d(input i) for each input.
using BackwardFn = std::function<void(Grads& grads, const Var& dy)>;
// A hook sees the finished gradient of a Var during backward (for probes).
using GradHook = std::function<void(const Tensor& grad)>;

class Var {
 public:
  Var() = default;  // undefined
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const;
  // In-place access to a leaf's value for optimizers and initialisers; not recorded.
  Tensor& mutable_value();
  const Shape& shape() const { return value().shape(); }
  int rank() const { return value().rank(); }
  std::int64_t numel() const { return value().numel(); }
  Scalar item() const { return value().item(); }

  bool requires_grad() const;
  void set_requires_grad(bool on);  // leaves only
  bool is_leaf() const;
  const char* op() const;  // "leaf" for leaves
  const std::string& name() const;
  void set_name(std::string name);  // e.g. a parameter's dotted name, used in messages

  // Accumulated gradient (undefined until a backward reaches this Var).
  const Tensor& grad() const;
  bool has_grad() const;
  Var grad_var() const;  // the gradient as a Var (a graph after backward with create_graph)
  void zero_grad();      // forgets the gradient (as PyTorch's set_to_none)
  void set_grad(Tensor grad);  // for optimizers and clipping

  // Scalar (one-element) outputs only; anything else needs a seed (the gradient of a
  // vector is a Jacobian, so backward computes a vector-Jacobian product with the seed).
  void backward(bool create_graph = false) const;
  void backward(const Tensor& seed, bool create_graph = false) const;

  void retain_grad();  // keep .grad on a non-leaf too
  void register_hook(GradHook hook);

  Var detach() const { return Var(value()); }

  Node* node() const { return node_.get(); }
  bool same_node(const Var& other) const { return node_ == other.node_; }

 private:
  friend Var record(const char*, std::vector<Var>, Tensor, BackwardFn);
  friend class Engine;
  std::shared_ptr<Node> node_;
};

// Creates the output of an op. When grad mode is off or no input requires grad, the
// result is a plain constant and `backward` is dropped.
Var record(const char* op, std::vector<Var> inputs, Tensor value, BackwardFn backward);

// Handed to a BackwardFn: which inputs need a gradient, and where to put it.
class Grads {
 public:
  bool needs(int i) const;
  const Var& input(int i) const;
  const Var& output() const { return output_; }
  bool create_graph() const { return create_graph_; }
  // The gradient for input i, of exactly input i's shape (use sum_to_shape to undo
  // broadcasting first). Gradients from several uses of an input add up.
  void accumulate(int i, const Var& g);
  void accumulate(int i, Tensor g) { accumulate(i, Var(std::move(g))); }
  // For ops whose backward is tensor-only: throws if create_graph is on.
  void require_first_order() const;

 private:
  friend class Engine;
  Grads(Node* node, const Var& output, bool create_graph, class Engine* engine)
      : node_(node), output_(output), create_graph_(create_graph), engine_(engine) {}
  Node* node_;
  const Var& output_;
  bool create_graph_;
  class Engine* engine_;
};

// dL/d(inputs) for outputs seeded with `seeds` (undefined seed = scalar 1), without
// touching any .grad. With create_graph the results are graphs themselves (WGAN-GP).
// An input the outputs do not depend on gets a zero gradient.
std::vector<Var> grad(const std::vector<Var>& outputs, const std::vector<Var>& inputs,
                      const std::vector<Tensor>& seeds = {}, bool create_graph = false);

// Grad mode: thread-local, on by default. Off, ops record nothing.
bool grad_enabled();
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

GRADLAB_END
