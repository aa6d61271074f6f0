// Computation graphs (inspect/graph.h): on L = (a*b + a)^2 and on a 1-2-1 sigmoid network of
// scalars, every node's gradient equals the hand-derived value and the chain rule over the
// graph's own edges (dL/d(input) = sum over its edges of dL/d(node) * local); the limit on
// graph size and the other errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "inspect/inspect.h"
#include "support/check.h"

namespace gradlab {
namespace {

constexpr bool kDouble = sizeof(Scalar) == 8;
constexpr double kTol = kDouble ? 1e-12 : 1e-5;

Var scalar(double v, const char* name, bool requires_grad = true) {
  Var x(Tensor::scalar(static_cast<Scalar>(v)), requires_grad);
  x.set_name(name);
  return x;
}

const GraphNode& named(const ComputationGraph& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.name == name) return n;
  throw std::out_of_range("no node named " + name);
}

// The chain rule over the graph: every differentiable node's gradient is the sum over its
// outgoing edges of grad(to) * local. Returns the largest violation.
double chain_rule_error(const ComputationGraph& g) {
  std::vector<double> sum(g.nodes.size(), 0.0);
  for (const auto& e : g.edges) {
    if (!e.has_local) continue;
    sum[static_cast<std::size_t>(e.from)] += g.nodes[static_cast<std::size_t>(e.to)].grad.item() * e.local;
  }
  double worst = 0;
  for (const auto& n : g.nodes) {
    if (!n.requires_grad || n.id == g.root) continue;
    worst = std::max(worst, std::fabs(n.grad.item() - sum[static_cast<std::size_t>(n.id)]));
  }
  return worst;
}

// a = 2, b = -3: u = a b = -6, v = u + a = -4, L = v^2 = 16.
// dL/dv = 2v = -8, dL/du = -8, dL/da = -8 b + -8 = 16, dL/db = -8 a = -16.
TEST(ComputationGraph, SquareOfABPlusA) {
  Var a = scalar(2, "a"), b = scalar(-3, "b");
  Var L = square(a * b + a);
  const ComputationGraph g = computation_graph(L);
  ASSERT_EQ(g.nodes.size(), 5u);  // a, b, mul, add, square
  EXPECT_EQ(g.root, 4);
  EXPECT_EQ(g.nodes[4].op, "square");
  EXPECT_NEAR(g.nodes[4].value.item(), 16, kTol);
  EXPECT_NEAR(g.nodes[4].grad.item(), 1, kTol);
  EXPECT_NEAR(named(g, "a").grad.item(), 16, kTol);
  EXPECT_NEAR(named(g, "b").grad.item(), -16, kTol);
  std::map<std::string, double> by_op;
  for (const auto& n : g.nodes) by_op[n.op] = n.grad.item();
  EXPECT_NEAR(by_op["mul"], -8, kTol);
  EXPECT_NEAR(by_op["add"], -8, kTol);
  // Inputs come before users, and the local derivatives are the textbook ones.
  for (const auto& n : g.nodes)
    for (int in : n.inputs) EXPECT_LT(in, n.id);
  std::map<std::pair<std::string, std::string>, double> local;  // (from, to op) -> d(to)/d(from)
  for (const auto& e : g.edges) {
    const GraphNode& from = g.nodes[static_cast<std::size_t>(e.from)];
    ASSERT_TRUE(e.has_local);
    local[{from.name.empty() ? from.op : from.name, g.nodes[static_cast<std::size_t>(e.to)].op}] = e.local;
  }
  EXPECT_EQ(g.edges.size(), 5u);                 // mul: a, b; add: mul, a; square: add
  EXPECT_NEAR((local[{"a", "mul"}]), -3, kTol);  // d(ab)/da = b
  EXPECT_NEAR((local[{"b", "mul"}]), 2, kTol);   // d(ab)/db = a
  EXPECT_NEAR((local[{"mul", "add"}]), 1, kTol);
  EXPECT_NEAR((local[{"a", "add"}]), 1, kTol);
  EXPECT_NEAR((local[{"add", "square"}]), -8, kTol);  // 2v
  EXPECT_LT(chain_rule_error(g), kTol);

  const nlohmann::json j = to_json(g);
  EXPECT_EQ(j["nodes"].size(), 5u);
  EXPECT_EQ(j["nodes"][4]["op"], "square");
  EXPECT_EQ(j["nodes"][0]["name"], "a");
  EXPECT_NEAR(j["nodes"][0]["grad"]["data"][0].get<double>(), 16, kTol);
  EXPECT_EQ(j["edges"][0].size(), 5u);  // from, to, slot, local, grad
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

// v * v: the same input in two slots, each with local derivative v; together 2v.
TEST(ComputationGraph, AnInputUsedTwiceHasTwoEdges) {
  Var a = scalar(1.5, "a");
  Var v = a * 2.0 + 1.0;  // 4
  Var L = v * v;
  const ComputationGraph g = computation_graph(L);
  int into_root = 0;
  for (const auto& e : g.edges)
    if (e.to == g.root) {
      ++into_root;
      EXPECT_NEAR(e.local, 4, kTol);
    }
  EXPECT_EQ(into_root, 2);
  EXPECT_EQ(g.nodes[static_cast<std::size_t>(g.root)].inputs.size(), 2u);
  EXPECT_NEAR(named(g, "a").grad.item(), 2 * 4 * 2, kTol);  // dL/da = 2v * 2
  EXPECT_LT(chain_rule_error(g), kTol);
}

// A 1-2-1 network on a scalar input: h_k = s(w_k x + b_k), y = v1 h1 + v2 h2 + c, L = (y - t)^2.
TEST(ComputationGraph, OneTwoOneSigmoidNet) {
  const double x = 0.5, w1 = 0.3, b1 = -0.1, w2 = -0.8, b2 = 0.2, v1 = 1.5, v2 = -0.7, c = 0.05, t = 1.0;
  Var X = scalar(x, "x", /*requires_grad=*/false);
  Var W1 = scalar(w1, "w1"), B1 = scalar(b1, "b1"), W2 = scalar(w2, "w2"), B2 = scalar(b2, "b2");
  Var V1 = scalar(v1, "v1"), V2 = scalar(v2, "v2"), C = scalar(c, "c");
  Var H1 = sigmoid(W1 * X + B1), H2 = sigmoid(W2 * X + B2);
  H1.set_name("h1");
  H2.set_name("h2");
  Var Y = V1 * H1 + V2 * H2 + C;
  Y.set_name("y");
  Var L = square(Y - t);
  // By hand.
  const double h1 = 1 / (1 + std::exp(-(w1 * x + b1))), h2 = 1 / (1 + std::exp(-(w2 * x + b2)));
  const double y = v1 * h1 + v2 * h2 + c, dy = 2 * (y - t);
  const double dh1 = dy * v1, dh2 = dy * v2;
  const double dz1 = dh1 * h1 * (1 - h1), dz2 = dh2 * h2 * (1 - h2);
  const std::map<std::string, double> expect{{"w1", dz1 * x}, {"b1", dz1},     {"w2", dz2 * x}, {"b2", dz2},
                                             {"v1", dy * h1}, {"v2", dy * h2}, {"c", dy},       {"h1", dh1},
                                             {"h2", dh2},     {"y", dy}};
  L.backward();  // the training backward first: the probe must not disturb .grad
  const double w1_grad = W1.grad().item();

  const ComputationGraph g = computation_graph(L);
  EXPECT_LE(g.nodes.size(), 30u);
  EXPECT_NEAR(g.nodes[static_cast<std::size_t>(g.root)].value.item(), (y - t) * (y - t), kTol);
  for (const auto& [name, value] : expect) EXPECT_NEAR(named(g, name).grad.item(), value, kTol) << name;
  EXPECT_FALSE(named(g, "x").requires_grad);
  EXPECT_FALSE(named(g, "x").grad.defined());  // data: not differentiated
  int sigmoid_edges = 0;
  for (const auto& e : g.edges) {
    if (e.from == named(g, "x").id) {
      EXPECT_FALSE(e.has_local);
    }
    if (e.to == named(g, "h1").id) {  // sigmoid's local derivative is h (1 - h)
      EXPECT_NEAR(e.local, h1 * (1 - h1), kTol);
      ++sigmoid_edges;
    }
  }
  EXPECT_EQ(sigmoid_edges, 1);
  EXPECT_LT(chain_rule_error(g), kTol);
  EXPECT_EQ(W1.grad().item(), w1_grad);  // untouched
  const nlohmann::json j = to_json(g);
  EXPECT_TRUE(j["nodes"][named(g, "x").id]["grad"].is_null());
  EXPECT_EQ(j["nodes"][named(g, "x").id]["requires_grad"], false);
  std::printf("  1-2-1 net: %zu nodes, %zu edges\n", g.nodes.size(), g.edges.size());
}

// Non-scalar nodes are shown, but edges to or from them carry no local derivative.
TEST(ComputationGraph, VectorNodesHaveNoScalarLocalDerivative) {
  Var w(Tensor::from({3}, {1, 2, 3}), true);
  w.set_name("w");
  Var L = sum(w * w);
  const ComputationGraph g = computation_graph(L);
  ASSERT_EQ(g.nodes.size(), 3u);
  for (const auto& e : g.edges) EXPECT_FALSE(e.has_local);
  EXPECT_TRUE(to_json(g)["edges"][0]["local"].is_null());
  const Tensor& dw = named(g, "w").grad;
  for (std::int64_t k = 0; k < 3; ++k) EXPECT_NEAR(dw[k], 2 * (k + 1), kTol);
}

TEST(ComputationGraph, RefusesBigGraphsAndNonScalarLosses) {
  Var a = scalar(0.1, "a");
  Var v = a;
  for (int k = 0; k < 40; ++k) v = v + a;  // 41 nodes
  try {
    computation_graph(v);
    FAIL() << "a graph of 41 nodes accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("41 nodes"), std::string::npos) << what;
    EXPECT_NE(what.find("limit of 30"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(computation_graph(v, {.max_nodes = 41}));
  EXPECT_THROW(computation_graph(v, {.max_nodes = 0}), std::invalid_argument);
  Var w(Tensor::from({2}, {1, 2}), true);
  EXPECT_THROW(computation_graph(w * w), std::invalid_argument);                   // not one number
  EXPECT_THROW(computation_graph(Var(Tensor::scalar(1))), std::invalid_argument);  // no grad
  EXPECT_THROW(computation_graph(Var()), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
