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

#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

GRADLAB_BEGIN

class Var;
class Grads;
struct Node;

// A move-only std::function<void(Args...)>: each closure type costs one call and one
// destroy function (a std::function also instantiates copy, target and target_type for
// every one of the ops' few hundred lambdas: ~10 KB of the wasm module). Closures of up to
// three pointers that move without throwing live inside, as in libc++'s std::function;
// larger ones on the heap, so moving those is a pointer copy.
template <class Signature>
class MoveOnlyFunction;

template <class... Args>
class MoveOnlyFunction<void(Args...)> {
 public:
  MoveOnlyFunction() = default;
  MoveOnlyFunction(std::nullptr_t) {}
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, MoveOnlyFunction> &&
                                              std::is_invocable_v<std::decay_t<F>&, Args...>>>
  MoveOnlyFunction(F&& f) {
    using T = std::decay_t<F>;
    if constexpr (fits<T>) {
      ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
    } else {
      T* heap = new T(std::forward<F>(f));
      ::new (static_cast<void*>(storage_)) T*(heap);
    }
    ops_ = &kOps<T>;
  }
  MoveOnlyFunction(MoveOnlyFunction&& other) noexcept { take(other); }
  MoveOnlyFunction& operator=(MoveOnlyFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  MoveOnlyFunction(const MoveOnlyFunction&) = delete;
  MoveOnlyFunction& operator=(const MoveOnlyFunction&) = delete;
  ~MoveOnlyFunction() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  // const as std::function's: the closure itself is never const.
  void operator()(Args... args) const { ops_->call(const_cast<unsigned char*>(storage_), std::forward<Args>(args)...); }

 private:
  struct Ops {
    void (*call)(void* storage, Args... args);
    void (*move)(void* to, void* from);  // nullptr: the bytes move (heap pointer, trivial closure)
    void (*destroy)(void* storage);      // nullptr: nothing to do
  };
  static constexpr std::size_t kSize = 3 * sizeof(void*);
  template <class T>
  static constexpr bool fits =
      sizeof(T) <= kSize && alignof(T) <= alignof(void*) && std::is_nothrow_move_constructible_v<T>;
  template <class T>
  static T& target(void* storage) {
    if constexpr (fits<T>) return *std::launder(static_cast<T*>(storage));
    else return **std::launder(static_cast<T**>(storage));
  }
  template <class T>
  static void call(void* storage, Args... args) {
    target<T>(storage)(std::forward<Args>(args)...);
  }
  template <class T>
  static void move(void* to, void* from) {
    T& source = target<T>(from);
    ::new (to) T(std::move(source));
    source.~T();
  }
  template <class T>
  static void destroy(void* storage) {
    if constexpr (fits<T>) target<T>(storage).~T();
    else delete &target<T>(storage);
  }
  template <class T>
  static constexpr bool kBytewise = !fits<T> || std::is_trivially_copyable_v<T>;
  template <class T>
  static constexpr bool kTrivialEnd = fits<T> && std::is_trivially_destructible_v<T>;
  template <class T>
  static constexpr Ops kOps{&call<T>, kBytewise<T> ? nullptr : &move<T>, kTrivialEnd<T> ? nullptr : &destroy<T>};

  void take(MoveOnlyFunction& other) noexcept {
    ops_ = other.ops_;
    if (!ops_) return;
    if (ops_->move) ops_->move(storage_, other.storage_);
    else std::memcpy(storage_, other.storage_, kSize);
    other.ops_ = nullptr;
  }
  void reset() noexcept {
    if (ops_ && ops_->destroy) ops_->destroy(storage_);
    ops_ = nullptr;
  }

  alignas(void*) unsigned char storage_[kSize];
  const Ops* ops_ = nullptr;
};
// Backward of one op: given dL/d(output), accumulate dL/d(input i) for each input.
using BackwardFn = MoveOnlyFunction<void(Grads&, const Var&)>;
// A hook sees the finished gradient of a Var during backward (for probes).
using GradHook = MoveOnlyFunction<void(const Tensor& grad)>;

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
// Whether record() would keep a backward for these inputs: grad mode on and an input that
// requires grad. An op can skip what only its backward reads when it would not.
bool records(const std::vector<Var>& inputs);

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
