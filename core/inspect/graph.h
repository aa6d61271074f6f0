// The computation graph of a tiny network, for the "watch backprop" view: every node of
// the tape behind a scalar loss with its op, value and gradient dL/d(node), and every edge
// with its local derivative d(node)/d(input), so a student can check the chain rule by
// hand: dL/d(input) = sum over the input's edges of dL/d(node) * local.
//
// This probe walks the tape itself (autograd/node.h: each Var's Node lists its inputs),
// which is internal to autograd; nothing else in inspect does.
//
//   Var a(Tensor::scalar(2), true), b(Tensor::scalar(-3), true);
//   a.set_name("a"); b.set_name("b");
//   Var L = square(a * b + a);
//   ComputationGraph g = computation_graph(L);
//   g.nodes.back().grad;   // dL/dL = 1 (the root comes last)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

struct GraphNode {
  int id = 0;        // position in `nodes` (inputs come before the nodes that use them)
  std::string op;    // "leaf" for leaves, else the op name ("mul", "sigmoid", ...)
  std::string name;  // the Var's name if it has one (parameters: their dotted name)
  Shape shape;
  Tensor value;
  bool requires_grad = false;
  Tensor grad;              // dL/d(node); undefined for nodes that do not require grad (data, constants)
  std::vector<int> inputs;  // ids, one per input slot (a Var used twice appears twice)
  // The time step of an unrolled recurrent net's node, or -1: from a name ending in
  // "[t]" (Recurrent::set_step_labels names them "h[2]", "a[2]", ...), else, for an
  // unnamed op, the step all its users agree on (the matmul inside "hh[2]").
  int step = -1;
};

// One input slot of one node: `to` = op(..., `from` in slot `slot`, ...).
struct GraphEdge {
  int from = 0, to = 0, slot = 0;
  // d(to)/d(from) through this slot alone (the other inputs held fixed), when both are
  // one-element tensors and `from` requires grad; otherwise has_local is false.
  bool has_local = false;
  double local = 0;
  // The gradient flowing along this edge into `from`: `to`'s backward through this slot
  // applied to dL/d(to), shaped like `from`. A node's grad is the sum of its out-edges'.
  // Undefined when `from` does not require grad.
  Tensor grad;
};

// A differentiable leaf used by several ops (a recurrent weight, used once per time step):
// its gradient as the sum of what flows along each of its edges.
struct SharedLeaf {
  int node = 0;
  std::vector<int> edges;  // indices into ComputationGraph::edges, in node order (step order)
  Tensor sum;              // the edges' grads added up (in double, stored as Scalar)
  double max_abs_difference = 0;  // max |sum - grad| over elements: 0 up to rounding
};

struct ComputationGraph {
  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  int root = 0;  // the loss (the last node)
  std::vector<SharedLeaf> shared_leaves;  // every differentiable leaf with two or more edges
};

struct GraphOptions {
  int max_nodes = 30;  // 1..200; bigger graphs are refused (a picture of them is unreadable)
};

// `loss` must be a one-element Var that requires grad. Gradients come from autograd::grad
// over every node (no .grad is touched, so it can run before or after the training
// backward); each local derivative from re-running that node's own backward with a seed of
// 1 on fresh copies of its inputs. Throws std::invalid_argument naming the node count and
// the limit when the graph is larger than max_nodes, or when `loss` is not a scalar.
ComputationGraph computation_graph(const Var& loss, const GraphOptions& options = {});

// "h[12]" -> 12; -1 for a name that does not end in "[digits]".
int step_of_name(const std::string& name);

nlohmann::json to_json(const GraphNode& n);
nlohmann::json to_json(const GraphEdge& e);
nlohmann::json to_json(const SharedLeaf& s, const ComputationGraph& g);
nlohmann::json to_json(const ComputationGraph& g);

GRADLAB_END
