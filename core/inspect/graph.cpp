#include "inspect/graph.h"

#include <stdexcept>
#include <unordered_map>

#include "autograd/node.h"
#include "inspect/json.h"

GRADLAB_BEGIN

namespace {

// Every Var reachable from `root` through node inputs, inputs before users (iterative DFS,
// so a deep tape does not overflow the stack while it is being counted).
std::vector<Var> topological(const Var& root) {
  std::vector<Var> order;
  std::unordered_map<Node*, bool> seen;
  std::vector<std::pair<Var, std::size_t>> stack{{root, 0}};
  seen[root.node()] = true;
  while (!stack.empty()) {
    auto& [var, next] = stack.back();
    const std::vector<Var>& inputs = var.node()->inputs;
    if (next < inputs.size()) {
      const Var in = inputs[next++];
      if (seen.emplace(in.node(), true).second) stack.emplace_back(in, 0);
    } else {
      order.push_back(var);
      stack.pop_back();
    }
  }
  return order;
}

// d(node)/d(input slot k) for every slot, with the other inputs held fixed: the node's
// backward re-recorded on fresh leaf copies of its inputs and run with a seed of 1.
std::vector<double> local_derivatives(const Var& node) {
  const Node* n = node.node();
  std::vector<Var> copies;
  for (const Var& in : n->inputs) copies.emplace_back(in.value(), in.requires_grad());
  GradModeGuard grad_on(true);
  const Var replay = record(n->op, copies, n->value, n->backward);
  std::vector<Var> wanted;
  for (const Var& c : copies)
    if (c.requires_grad()) wanted.push_back(c);
  std::vector<double> out(copies.size(), 0.0);
  if (wanted.empty()) return out;
  const std::vector<Var> g = grad({replay}, wanted);
  for (std::size_t k = 0, w = 0; k < copies.size(); ++k)
    if (copies[k].requires_grad()) out[k] = g[w++].value()[0];
  return out;
}

}  // namespace

ComputationGraph computation_graph(const Var& loss, const GraphOptions& options) {
  if (options.max_nodes < 1 || options.max_nodes > 200)
    throw std::invalid_argument("computation_graph: max_nodes = " + std::to_string(options.max_nodes) +
                                " is outside the allowed 1..200");
  if (!loss.defined() || loss.numel() != 1)
    throw std::invalid_argument(
        "computation_graph: the loss must be a one-element Var, got " +
        (loss.defined() ? "shape " + to_string(loss.shape()) : std::string("an undefined Var")));
  if (!loss.requires_grad())
    throw std::invalid_argument(
        "computation_graph: the loss does not require grad (no input with requires_grad "
        "reaches it, or it was computed with grad mode off), so it has no graph");
  const std::vector<Var> order = topological(loss);
  if (static_cast<int>(order.size()) > options.max_nodes)
    throw std::invalid_argument("computation_graph: the graph has " + std::to_string(order.size()) +
                                " nodes, more than the limit of " + std::to_string(options.max_nodes) +
                                " (this view is for tiny networks of scalars)");

  std::unordered_map<Node*, int> id;
  for (std::size_t k = 0; k < order.size(); ++k) id[order[k].node()] = static_cast<int>(k);
  std::vector<Var> differentiable;
  for (const Var& v : order)
    if (v.requires_grad()) differentiable.push_back(v);
  const std::vector<Var> grads = grad({loss}, differentiable);

  ComputationGraph g;
  g.root = id.at(loss.node());
  std::size_t next_grad = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Var& v = order[k];
    GraphNode n;
    n.id = static_cast<int>(k);
    n.op = v.op();
    n.name = v.name();
    n.shape = v.shape();
    n.value = v.value().clone();
    n.requires_grad = v.requires_grad();
    if (n.requires_grad) n.grad = grads[next_grad++].value().clone();
    for (const Var& in : v.node()->inputs) n.inputs.push_back(id.at(in.node()));
    if (!v.node()->inputs.empty()) {
      const bool scalars = v.numel() == 1;
      std::vector<double> local;
      bool any_scalar_input = false;
      for (const Var& in : v.node()->inputs)
        any_scalar_input = any_scalar_input || (in.numel() == 1 && in.requires_grad());
      if (scalars && any_scalar_input) local = local_derivatives(v);
      for (std::size_t slot = 0; slot < v.node()->inputs.size(); ++slot) {
        const Var& in = v.node()->inputs[slot];
        GraphEdge e;
        e.from = id.at(in.node());
        e.to = n.id;
        e.slot = static_cast<int>(slot);
        e.has_local = scalars && in.numel() == 1 && in.requires_grad();
        if (e.has_local) e.local = local[slot];
        g.edges.push_back(e);
      }
    }
    g.nodes.push_back(std::move(n));
  }
  return g;
}

nlohmann::json to_json(const GraphNode& n) {
  return {{"id", n.id},
          {"op", n.op},
          {"name", n.name},
          {"shape", n.shape},
          {"value", tensor_json(n.value)},
          {"requires_grad", n.requires_grad},
          {"grad", tensor_json(n.grad)},
          {"inputs", n.inputs}};
}

nlohmann::json to_json(const GraphEdge& e) {
  return {{"from", e.from},
          {"to", e.to},
          {"slot", e.slot},
          {"local", e.has_local ? nlohmann::json(e.local) : nlohmann::json(nullptr)}};
}

nlohmann::json to_json(const ComputationGraph& g) {
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (const auto& n : g.nodes) nodes.push_back(to_json(n));
  for (const auto& e : g.edges) edges.push_back(to_json(e));
  return {{"root", g.root}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

GRADLAB_END
