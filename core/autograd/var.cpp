#include "autograd/var.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "autograd/anomaly.h"
#include "autograd/node.h"
#include "kernels/kernels.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
thread_local bool g_grad_enabled = true;

Node& checked(const std::shared_ptr<Node>& node) {
  if (!node) throw_logic_error("use of an undefined Var");
  return *node;
}

// The one op autograd needs itself: summing gradients from several uses of a Var.
Var add_same_shape(const Var& a, const Var& b) {
  Tensor out = Tensor::empty(a.shape());  // the kernel writes every element
  kernels::add(out.data(), a.value().data(), b.value().data(), static_cast<std::size_t>(out.numel()));
  return record("accumulate", {a, b}, std::move(out), [](Grads& g, const Var& dy) {
    g.accumulate(0, dy);
    g.accumulate(1, dy);
  });
}

// What a dying node owns that can own other nodes: its inputs, its gradient, and the
// Vars its backward closure and hooks captured.
struct NodeRemains {
  std::vector<Var> inputs;
  Var grad;
  BackwardFn backward;
  std::vector<GradHook> hooks;
};

// The remains being freed by the outermost ~Node on this thread. A ~Node that runs
// inside it only queues its own, so the stack holds one node at a time however long
// the chain is.
thread_local std::vector<NodeRemains>* g_teardown = nullptr;

}  // namespace

Node::~Node() {
  NodeRemains remains{std::move(inputs), std::move(grad), std::move(backward), std::move(hooks)};
  if (g_teardown) {
    try {
      g_teardown->push_back(std::move(remains));
    } catch (...) {
      // No memory to queue them: `remains` frees them here, recursively.
    }
    return;
  }
  std::vector<NodeRemains> queue;
  g_teardown = &queue;
  remains = NodeRemains{};  // frees this node's remains; the ~Node calls inside queue theirs
  while (!queue.empty()) {
    NodeRemains next = std::move(queue.back());
    queue.pop_back();
    next = NodeRemains{};  // may queue more
  }
  g_teardown = nullptr;
}

bool grad_enabled() { return g_grad_enabled; }
GradModeGuard::GradModeGuard(bool enabled) : previous_(g_grad_enabled) { g_grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { g_grad_enabled = previous_; }

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  if (!value.defined()) throw_invalid_argument("Var from an undefined Tensor");
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

const Tensor& Var::value() const { return checked(node_).value; }
Tensor& Var::mutable_value() { return checked(node_).value; }
bool Var::requires_grad() const { return node_ && node_->requires_grad; }
void Var::set_requires_grad(bool on) {
  if (!is_leaf()) throw_logic_error("set_requires_grad on the output of op '" + std::string(op()) + "': only leaves");
  node_->requires_grad = on;
}
bool Var::is_leaf() const { return !checked(node_).backward; }
const char* Var::op() const { return checked(node_).op; }
const std::string& Var::name() const { return checked(node_).name; }
void Var::set_name(std::string name) { checked(node_).name = std::move(name); }

const Tensor& Var::grad() const {
  static const Tensor undefined;
  const Node& n = checked(node_);
  return n.grad.defined() ? n.grad.value() : undefined;
}
bool Var::has_grad() const { return node_ && node_->grad.defined(); }
Var Var::grad_var() const { return checked(node_).grad; }
void Var::zero_grad() { checked(node_).grad = Var(); }
void Var::set_grad(Tensor grad) {
  if (grad.shape() != shape())
    throw_invalid_argument("set_grad: gradient of shape " + to_string(grad.shape()) + " for a Var of shape " +
                           to_string(shape()));
  checked(node_).grad = Var(std::move(grad));
}
void Var::retain_grad() { checked(node_).retain_grad = true; }
void Var::register_hook(GradHook hook) { checked(node_).hooks.push_back(std::move(hook)); }

bool records(const std::vector<Var>& inputs) {
  return g_grad_enabled && std::any_of(inputs.begin(), inputs.end(), [](const Var& v) { return v.requires_grad(); });
}

Var record(const char* op, std::vector<Var> inputs, Tensor value, BackwardFn backward) {
  if (anomaly_enabled()) anomaly_detail::check_forward(op, inputs, value);
  const bool needs = records(inputs);
  Var out(std::move(value));
  out.node_->op = op;
  if (needs) {
    out.node_->requires_grad = true;
    out.node_->inputs = std::move(inputs);
    out.node_->backward = std::move(backward);
  }
  return out;
}

// The reverse sweep. Gradients wait in `pending` until every use of a node has
// contributed, which topological order guarantees.
class Engine {
 public:
  Engine(bool create_graph, const std::vector<Var>* capture) : create_graph_(create_graph), capture_(capture) {}

  std::vector<Var> run(const std::vector<Var>& roots, const std::vector<Var>& seeds) {
    std::vector<Node*> order = topological_order(roots);
    for (std::size_t i = 0; i < roots.size(); ++i) add_pending(roots[i].node(), seeds[i]);
    std::vector<Var> captured(capture_ ? capture_->size() : 0);
    GradModeGuard mode(create_graph_);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* node = *it;
      auto found = pending_.find(node);
      if (found == pending_.end()) continue;
      Var g = std::move(found->second);
      pending_.erase(found);
      if (!create_graph_) g = Var(g.value());  // keep no history
      std::optional<anomaly_detail::BackwardScope> anomaly;
      if (anomaly_enabled()) anomaly.emplace(node->op, g.value());
      for (auto& hook : node->hooks) hook(g.value());
      if (capture_) {
        for (std::size_t k = 0; k < capture_->size(); ++k)
          if ((*capture_)[k].node() == node) captured[k] = captured[k].defined() ? add_same_shape(captured[k], g) : g;
      } else if (!node->backward || node->retain_grad) {
        if (!node->grad.defined()) node->grad = create_graph_ ? g : Var(g.value().clone());
        else node->grad = add_same_shape(node->grad, g);
      }
      if (node->backward) {
        Var self;
        self.node_ = shared_from(node);
        Grads grads(node, self, create_graph_, this);
        node->backward(grads, g);
      }
    }
    return captured;
  }

  void add_pending(Node* node, const Var& g) {
    if (g.shape() != node->value.shape())
      throw_logic_error(std::string("backward of op '") + node->op + "' produced a gradient of shape " +
                        to_string(g.shape()) + " for a value of shape " + to_string(node->value.shape()));
    auto [it, inserted] = pending_.try_emplace(node, g);
    if (!inserted) it->second = add_same_shape(it->second, g);
  }

 private:
  std::shared_ptr<Node> shared_from(Node* node) {
    auto it = owners_.find(node);
    return it == owners_.end() ? nullptr : it->second;
  }

  std::vector<Node*> topological_order(const std::vector<Var>& roots) {
    std::vector<Node*> order;
    std::unordered_set<Node*> seen;
    std::vector<std::pair<Node*, std::size_t>> stack;  // (node, next input to visit)
    for (const Var& root : roots) {
      if (!root.requires_grad() || !seen.insert(root.node()).second) continue;
      owners_[root.node()] = root.node_;
      stack.emplace_back(root.node(), 0);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs.size()) {
          const Var& in = node->inputs[next++];
          if (in.requires_grad() && seen.insert(in.node()).second) {
            owners_[in.node()] = in.node_;
            stack.emplace_back(in.node(), 0);
          }
        } else {
          order.push_back(node);
          stack.pop_back();
        }
      }
    }
    return order;
  }

  bool create_graph_;
  const std::vector<Var>* capture_;
  std::unordered_map<Node*, Var> pending_;
  std::unordered_map<Node*, std::shared_ptr<Node>> owners_;
};

bool Grads::needs(int i) const { return node_->inputs.at(static_cast<std::size_t>(i)).requires_grad(); }
const Var& Grads::input(int i) const { return node_->inputs.at(static_cast<std::size_t>(i)); }
void Grads::accumulate(int i, const Var& g) {
  const Var& in = input(i);
  if (!in.requires_grad()) return;
  if (g.shape() != in.shape())
    throw_logic_error(std::string("backward of op '") + node_->op + "' gave input " + std::to_string(i) +
                      " a gradient of shape " + to_string(g.shape()) + ", expected " + to_string(in.shape()));
  if (anomaly_enabled()) anomaly_detail::check_gradient(node_->op, i, in, g.value());
  engine_->add_pending(in.node(), g);
}
void Grads::require_first_order() const {
  if (create_graph_)
    throw_logic_error(std::string("op '") + node_->op +
                      "' has a first-order backward only; create_graph (higher-order gradients) is not "
                      "supported through it");
}

namespace {
Tensor checked_seed(const Var& root, const Tensor* seed) {
  if (!root.requires_grad())
    throw_logic_error("backward() on a value that does not require grad: no parameter or input with "
                      "requires_grad contributes to it");
  if (!seed) {
    if (root.numel() != 1)
      throw_invalid_argument(
          "backward() needs a scalar (one-element) output, but this output has shape " + to_string(root.shape()) +
          ". The gradient of a non-scalar output is a Jacobian, not a vector: pass a seed gradient of shape " +
          to_string(root.shape()) + " to get the vector-Jacobian product (ones gives the gradient of the sum), "
          "or reduce the output to a scalar first (sum or mean)");
    return Tensor::ones(root.shape());
  }
  if (seed->shape() != root.shape())
    throw_invalid_argument("backward(): seed gradient of shape " + to_string(seed->shape()) +
                           " for an output of shape " + to_string(root.shape()) + "; they must match");
  return *seed;
}
}  // namespace

void Var::backward(bool create_graph) const {
  Tensor seed = checked_seed(*this, nullptr);
  Engine(create_graph, nullptr).run({*this}, {Var(seed)});
}

void Var::backward(const Tensor& seed, bool create_graph) const {
  Tensor s = checked_seed(*this, &seed);
  Engine(create_graph, nullptr).run({*this}, {Var(s)});
}

std::vector<Var> grad(const std::vector<Var>& outputs, const std::vector<Var>& inputs,
                      const std::vector<Tensor>& seeds, bool create_graph) {
  if (!seeds.empty() && seeds.size() != outputs.size())
    throw_invalid_argument("grad(): " + std::to_string(seeds.size()) + " seeds for " +
                           std::to_string(outputs.size()) + " outputs");
  std::vector<Var> seed_vars;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    seed_vars.emplace_back(checked_seed(outputs[i], seeds.empty() || !seeds[i].defined() ? nullptr : &seeds[i]));
  std::vector<Var> result = Engine(create_graph, &inputs).run(outputs, seed_vars);
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (!result[k].defined()) result[k] = Var(Tensor::zeros(inputs[k].shape()));
  return result;
}

GRADLAB_END
