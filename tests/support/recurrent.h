// Shared helpers of the recurrent-layer tests (tests/nn/recurrent*_test.cpp): one loss over
// every output, a forward/backward that collects every gradient, and the comparison of a
// layer against a golden case (PyTorch-named parameters, inputs, loss weights, outputs and
// gradients, as tests/golden/recurrent.mjs and recurrent_torch.py write them).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "nn/recurrent.h"
#include "support/check.h"
#include "support/golden.h"  // tensor_of

namespace gradlab::test {

// Every output, h_n and c_n element with its own weight.
inline Var recurrent_loss(const RecurrentOutput& r) {
  Var loss = weighted_sum(r.output) + weighted_sum(r.h_n);
  if (r.c_n.defined()) loss = loss + weighted_sum(r.c_n);
  return loss;
}

struct RecurrentRun {
  Tensor output, h_n, c_n;
  double loss = 0;
  std::vector<std::pair<std::string, Tensor>> grads;  // every parameter, then "x", "h0", "c0"
};

// One forward and backward of recurrent_loss, from zeroed gradients.
inline RecurrentRun run_recurrent(Recurrent& m, Var& x, Var h0 = Var(), Var c0 = Var()) {
  m.zero_grad();
  x.zero_grad();
  if (h0.defined()) h0.zero_grad();
  if (c0.defined()) c0.zero_grad();
  RecurrentOutput r = m.forward_full(x, h0, c0);
  Var loss = recurrent_loss(r);
  loss.backward();
  RecurrentRun out{r.output.value(), r.h_n.value(), r.c_n.defined() ? r.c_n.value() : Tensor(), loss.item(), {}};
  for (auto& [n, v] : m.named_parameters()) out.grads.emplace_back(n, v.grad());
  out.grads.emplace_back("x", x.grad());
  if (h0.defined()) out.grads.emplace_back("h0", h0.grad());
  if (c0.defined()) out.grads.emplace_back("c0", c0.grad());
  return out;
}

// Finite differences against backward on both paths, for every parameter, x, h0 and c0
// (random and non-zero, so their gradients and h0's role in dW_hh are checked too), and
// for the parameters again with zero initial states (no h0 input at all: another branch).
inline void expect_gradcheck_both_paths(Recurrent& m, Rng& rng, std::int64_t B, std::int64_t T,
                                        const GradCheckOptions& check = default_gradcheck_options()) {
  const RecurrentOptions& o = m.options();
  const bool lstm = o.kind == CellKind::Lstm;
  const std::int64_t LD = o.num_layers * m.num_directions();
  Var x = random_var(rng, {B, T, o.input_size});
  Var h0 = random_var(rng, {LD, B, m.output_size()});
  Var c0 = lstm ? random_var(rng, {LD, B, o.hidden_size}) : Var();
  std::vector<Var> inputs = m.parameters();
  inputs.push_back(x);
  inputs.push_back(h0);
  if (lstm) inputs.push_back(c0);
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "unfused");
    m.set_fused(fused);
    EXPECT_TRUE(gradcheck_passes([&] { return recurrent_loss(m.forward_full(x, h0, c0)); }, inputs, check));
    EXPECT_TRUE(gradcheck_passes([&] { return recurrent_loss(m.forward_full(x)); }, m.parameters(), check));
  }
}

// The fused and the unfused path give the same outputs (with PyTorch's shapes: output
// [B, T, D*P], h_n [L*D, B, P], c_n [L*D, B, H]), loss and gradients.
inline void expect_fused_matches_unfused(Recurrent& m, Rng& rng, std::int64_t B, std::int64_t T) {
  const RecurrentOptions& o = m.options();
  const std::int64_t LD = o.num_layers * m.num_directions(), P = m.output_size(), H = o.hidden_size;
  Var x = random_var(rng, {B, T, o.input_size});
  Var h0 = random_var(rng, {LD, B, P});
  Var c0 = o.kind == CellKind::Lstm ? random_var(rng, {LD, B, H}) : Var();
  m.set_fused(true);
  RecurrentRun a = run_recurrent(m, x, h0, c0);
  m.set_fused(false);
  RecurrentRun b = run_recurrent(m, x, h0, c0);
  const double tol = sizeof(Scalar) == 8 ? 1e-12 : 1e-5;
  EXPECT_EQ(a.output.shape(), (Shape{B, T, m.num_directions() * P}));
  EXPECT_EQ(a.h_n.shape(), (Shape{LD, B, P}));
  EXPECT_LE(max_abs_diff(a.output, b.output), tol);
  EXPECT_LE(max_abs_diff(a.h_n, b.h_n), tol);
  if (a.c_n.defined()) {
    EXPECT_EQ(a.c_n.shape(), (Shape{LD, B, H}));
    EXPECT_LE(max_abs_diff(a.c_n, b.c_n), tol);
  }
  EXPECT_NEAR(a.loss, b.loss, tol * 10);
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (std::size_t k = 0; k < a.grads.size(); ++k) {
    ASSERT_TRUE(a.grads[k].second.defined()) << a.grads[k].first;
    EXPECT_LE(max_abs_diff(a.grads[k].second, b.grads[k].second), tol * 10) << a.grads[k].first;
  }
}

// A clamped gate passes no gradient to its rows [lo, hi) of any weight or bias, while the
// other rows do get one (peepholes, x, h0 and c0 are not looked at).
inline void expect_gate_rows_without_gradient(const RecurrentRun& r, std::int64_t lo, std::int64_t hi) {
  for (const auto& [name, grad] : r.grads) {
    if (name == "x" || name == "h0" || name == "c0" || name.rfind("weight_peephole", 0) == 0) continue;
    const std::int64_t cols = grad.rank() == 2 ? grad.dim(1) : 1;
    double gate_rows = 0, other_rows = 0;
    for (std::int64_t k = 0; k < grad.numel(); ++k) {
      const std::int64_t row = k / cols;
      (row >= lo && row < hi ? gate_rows : other_rows) += std::fabs(grad[k]);
    }
    EXPECT_EQ(gate_rows, 0.0) << name;
    EXPECT_GT(other_rows, 0.0) << name;
  }
}

// max|ours - golden| / max(1, max|golden|) <= tol; returns that error.
inline double expect_matches(const Tensor& ours, const nlohmann::json& want, const std::string& what, double tol) {
  const Tensor g = tensor_of(want);
  EXPECT_EQ(ours.shape(), g.shape()) << what;
  if (ours.shape() != g.shape()) return INFINITY;
  double scale = 1;
  for (std::int64_t k = 0; k < g.numel(); ++k) scale = std::max(scale, std::fabs(double(g[k])));
  const double err = max_abs_diff(ours, g) / scale;
  EXPECT_LE(err, tol) << what;
  return err;
}

// A layer built with `options` gets the case's parameters (strictly: every name and shape
// must match), runs x (and h0, c0 if given) on both paths, and must match the case's
// output, h_n, c_n, loss and every gradient. Returns the worst relative error.
inline double expect_golden_case(const nlohmann::json& c, const RecurrentOptions& options, double tol) {
  const std::string name = c.at("name");
  Rng rng(0);
  Recurrent m(options, rng);
  std::vector<std::pair<std::string, Tensor>> state;
  for (const auto& [n, t] : c.at("params").items()) state.emplace_back(n, tensor_of(t));
  m.load_state(state);
  Var x(tensor_of(c.at("x")), true);
  Var h0 = c.contains("h0") ? Var(tensor_of(c.at("h0")), true) : Var();
  Var c0 = c.contains("c0") ? Var(tensor_of(c.at("c0")), true) : Var();
  const nlohmann::json& w = c.at("loss_weights");
  double worst = 0;
  for (bool fused : {true, false}) {
    SCOPED_TRACE(name + (fused ? " fused" : " unfused"));
    m.set_fused(fused);
    m.zero_grad();
    x.zero_grad();
    if (h0.defined()) h0.zero_grad();
    if (c0.defined()) c0.zero_grad();
    RecurrentOutput r = m.forward_full(x, h0, c0);
    Var loss = sum(r.output * Var(tensor_of(w.at("output")))) + sum(r.h_n * Var(tensor_of(w.at("h_n"))));
    if (r.c_n.defined()) loss = loss + sum(r.c_n * Var(tensor_of(w.at("c_n"))));
    loss.backward();
    worst = std::max(worst, expect_matches(r.output.value(), c.at("output"), "output", tol));
    worst = std::max(worst, expect_matches(r.h_n.value(), c.at("h_n"), "h_n", tol));
    if (options.kind == CellKind::Lstm) worst = std::max(worst, expect_matches(r.c_n.value(), c.at("c_n"), "c_n", tol));
    const double want_loss = c.at("loss");
    EXPECT_NEAR(loss.item(), want_loss, tol * std::max(1.0, std::fabs(want_loss)));
    const nlohmann::json& grads = c.at("grads");
    EXPECT_EQ(grads.size(), m.named_parameters().size() + 1 + (h0.defined() ? 1 : 0) + (c0.defined() ? 1 : 0));
    for (auto& [n, v] : m.named_parameters()) worst = std::max(worst, expect_matches(v.grad(), grads.at(n), "d" + n, tol));
    worst = std::max(worst, expect_matches(x.grad(), grads.at("x"), "dx", tol));
    if (h0.defined()) worst = std::max(worst, expect_matches(h0.grad(), grads.at("h0"), "dh0", tol));
    if (c0.defined()) worst = std::max(worst, expect_matches(c0.grad(), grads.at("c0"), "dc0", tol));
  }
  return worst;
}

}  // namespace gradlab::test
