#include "inspect/graph.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "autograd/node.h"
#include "inspect/json.h"
#include "support/throw.h"

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

// What `node`'s backward sends along each input slot when dL/d(node) = dnode: re-recorded on
// fresh leaf copies of its inputs and run with that seed (undefined for slots that need none).
std::vector<Tensor> slot_gradients(const Var& node, const Tensor& dnode) {
  const Node* n = node.node();
  std::vector<Var> copies;
  for (const Var& in : n->inputs) copies.emplace_back(in.value(), in.requires_grad());
  GradModeGuard grad_on(true);
  // The node's own closure, called in place (a BackwardFn is not copyable); `node` outlives the replay.
  const BackwardFn* backward = &n->backward;
  const Var replay = record(n->op, copies, n->value, [backward](Grads& g, const Var& dy) { (*backward)(g, dy); });
  std::vector<Var> wanted;
  for (const Var& c : copies)
    if (c.requires_grad()) wanted.push_back(c);
  std::vector<Tensor> out(copies.size());
  if (wanted.empty()) return out;
  const std::vector<Var> g = grad({replay}, wanted, {dnode});
  for (std::size_t k = 0, w = 0; k < copies.size(); ++k)
    if (copies[k].requires_grad()) out[k] = g[w++].value().clone();
  return out;
}

// d(node)/d(input slot k) for every slot of a scalar node, with the other inputs held fixed:
// what its backward sends along each slot for a seed of 1 (0 for slots that need none).
std::vector<double> local_derivatives(const Var& node) {
  const std::vector<Tensor> g = slot_gradients(node, Tensor::ones(node.value().shape()));
  std::vector<double> out(g.size(), 0.0);
  for (std::size_t k = 0; k < g.size(); ++k)
    if (g[k].defined()) out[k] = g[k][0];
  return out;
}

}  // namespace

int step_of_name(const std::string& name) {
  if (name.size() < 3 || name.back() != ']') return -1;
  const auto open = name.rfind('[');
  if (open == std::string::npos || open + 2 > name.size() - 1) return -1;
  int step = 0;
  for (std::size_t k = open + 1; k + 1 < name.size(); ++k) {
    if (name[k] < '0' || name[k] > '9' || step > 100'000'000) return -1;
    step = step * 10 + (name[k] - '0');
  }
  return step;
}

ComputationGraph computation_graph(const Var& loss, const GraphOptions& options) {
  if (options.max_nodes < 1 || options.max_nodes > 200)
    throw_invalid_argument("computation_graph: max_nodes = " + std::to_string(options.max_nodes) +
                           " is outside the allowed 1..200");
  if (!loss.defined() || loss.numel() != 1)
    throw_invalid_argument(
        "computation_graph: the loss must be a one-element Var, got " +
        (loss.defined() ? "shape " + to_string(loss.shape()) : std::string("an undefined Var")));
  if (!loss.requires_grad())
    throw_invalid_argument(
        "computation_graph: the loss does not require grad (no input with requires_grad "
        "reaches it, or it was computed with grad mode off), so it has no graph");
  const std::vector<Var> order = topological(loss);
  if (static_cast<int>(order.size()) > options.max_nodes)
    throw_invalid_argument("computation_graph: the graph has " + std::to_string(order.size()) +
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
    n.step = step_of_name(n.name);
    if (!v.node()->inputs.empty()) {
      const std::vector<Tensor> flows = n.requires_grad ? slot_gradients(v, n.grad) : std::vector<Tensor>(n.inputs.size());
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
        e.grad = flows[slot];
        g.edges.push_back(e);
      }
    }
    g.nodes.push_back(std::move(n));
  }

  std::vector<std::vector<int>> out_edges(g.nodes.size());
  for (std::size_t k = 0; k < g.edges.size(); ++k) out_edges[static_cast<std::size_t>(g.edges[k].from)].push_back(static_cast<int>(k));
  // Unnamed ops take the step their users agree on (users come later: walk backwards), so
  // the pieces an op is built from (linear's reshape and matmul inside "hh[2]", a slice
  // feeding "i[2]") belong to its step, while h[1] read by step 2 keeps step 1.
  for (std::size_t k = g.nodes.size(); k-- > 0;) {
    GraphNode& n = g.nodes[k];
    if (n.step >= 0 || n.op == "leaf" || !n.name.empty()) continue;
    int agreed = -1;
    bool conflict = false;
    for (int e : out_edges[k]) {
      const int s_user = g.nodes[static_cast<std::size_t>(g.edges[static_cast<std::size_t>(e)].to)].step;
      conflict = conflict || s_user < 0 || (agreed >= 0 && s_user != agreed);
      agreed = s_user;
    }
    n.step = conflict ? -1 : agreed;
  }

  // Leaves used more than once: the gradient as the sum of its edges' (the chain rule's
  // sum over paths; for a recurrent weight, BPTT's sum over time steps).
  for (const GraphNode& n : g.nodes) {
    const auto& es = out_edges[static_cast<std::size_t>(n.id)];
    if (n.op != "leaf" || !n.requires_grad || es.size() < 2) continue;
    SharedLeaf leaf;
    leaf.node = n.id;
    leaf.edges = es;
    std::vector<double> total(static_cast<std::size_t>(n.value.numel()), 0.0);
    for (int e : es)
      for (std::size_t i = 0; i < total.size(); ++i) total[i] += g.edges[static_cast<std::size_t>(e)].grad[static_cast<std::int64_t>(i)];
    leaf.sum = Tensor(n.shape);
    for (std::size_t i = 0; i < total.size(); ++i) {
      leaf.sum[static_cast<std::int64_t>(i)] = static_cast<Scalar>(total[i]);
      leaf.max_abs_difference = std::max(leaf.max_abs_difference, std::fabs(total[i] - n.grad[static_cast<std::int64_t>(i)]));
    }
    g.shared_leaves.push_back(std::move(leaf));
  }
  return g;
}

nlohmann::json to_json(const GraphNode& n) {
  nlohmann::json o;
  o["id"] = n.id;
  o["op"] = n.op;
  o["name"] = n.name;
  o["shape"] = n.shape;
  o["value"] = tensor_json(n.value);
  o["requires_grad"] = n.requires_grad;
  o["grad"] = tensor_json(n.grad);
  o["inputs"] = n.inputs;
  o["step"] = n.step < 0 ? nlohmann::json(nullptr) : nlohmann::json(n.step);
  return o;
}

nlohmann::json to_json(const GraphEdge& e) {
  nlohmann::json o;
  o["from"] = e.from;
  o["to"] = e.to;
  o["slot"] = e.slot;
  o["local"] = e.has_local ? nlohmann::json(e.local) : nlohmann::json(nullptr);
  o["grad"] = tensor_json(e.grad);
  return o;
}

nlohmann::json to_json(const SharedLeaf& s, const ComputationGraph& g) {
  const GraphNode& n = g.nodes.at(static_cast<std::size_t>(s.node));
  nlohmann::json contributions = nlohmann::json::array();
  for (int k : s.edges) {
    const GraphEdge& e = g.edges.at(static_cast<std::size_t>(k));
    const int step = g.nodes.at(static_cast<std::size_t>(e.to)).step;
    nlohmann::json& c = contributions.emplace_back();
    c["edge"] = k;
    c["to"] = e.to;
    c["step"] = step < 0 ? nlohmann::json(nullptr) : nlohmann::json(step);
    c["grad"] = tensor_json(e.grad);
  }
  nlohmann::json o;
  o["node"] = s.node;
  o["name"] = n.name;
  o["grad"] = tensor_json(n.grad);
  o["contributions"] = std::move(contributions);
  o["sum"] = tensor_json(s.sum);
  o["max_abs_difference"] = s.max_abs_difference;
  return o;
}

nlohmann::json to_json(const ComputationGraph& g) {
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array(), shared = nlohmann::json::array();
  for (const auto& n : g.nodes) nodes.push_back(to_json(n));
  for (const auto& e : g.edges) edges.push_back(to_json(e));
  for (const auto& s : g.shared_leaves) shared.push_back(to_json(s, g));
  int max_step = -1;
  for (const auto& n : g.nodes) max_step = std::max(max_step, n.step);
  nlohmann::json o;
  o["root"] = g.root;
  o["nodes"] = std::move(nodes);
  o["edges"] = std::move(edges);
  o["steps"] = max_step + 1;
  o["shared_leaves"] = std::move(shared);
  return o;
}

GRADLAB_END
