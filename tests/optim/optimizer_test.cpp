// The Optimizer base: state export -> import into a fresh optimizer -> continuing gives
// the same numbers bit for bit as never stopping (every optimizer, every state slot, a
// parameter that only sometimes has a gradient); import errors name the entry and leave
// the optimizer unchanged.
#include "optim/optimizer.h"

#include <gtest/gtest.h>

#include "ops/ops.h"
#include "optim/factory.h"
#include "optim/optimizers.h"
#include "tensor/rng.h"

namespace gradlab {
namespace {

// A small regression: loss_k = sum((tanh(x W^T + b) - target)^2), plus on odd steps
// sum(c * c) + sum(c * x[0]), so "c" has no gradient on even steps (and is skipped).
// W [2, 3], b [2], c [3], x [4, 3], target [4, 2].
struct Problem {
  explicit Problem(const NamedTensors& values) {
    for (const auto& [name, t] : values) params.emplace_back(name, Var(t.clone(), true));
    Rng rng(7);
    x = Var(rng.uniform_tensor({4, 3}, -1, 1));
    target = Var(rng.uniform_tensor({4, 2}, -0.5, 0.5));
  }
  static NamedTensors initial_values() {
    Rng rng(3);
    return {{"W", rng.uniform_tensor({2, 3}, -1, 1)},
            {"b", rng.uniform_tensor({2}, -1, 1)},
            {"c", rng.uniform_tensor({3}, -1, 1)}};
  }
  NamedTensors values() const {
    NamedTensors out;
    for (const auto& [name, v] : params) out.emplace_back(name, v.value().clone());
    return out;
  }
  void train(Optimizer& opt, int from, int to) {
    for (int k = from; k < to; ++k) {
      opt.zero_grad();
      const Var& W = params[0].second;
      const Var& b = params[1].second;
      const Var& c = params[2].second;
      Var d = sub(tanh(linear(x, W, b)), target);
      Var loss = sum(mul(d, d));
      if (k % 2 == 1) loss = add(loss, add(sum(mul(c, c)), sum(mul(c, select(x, 0, 0)))));
      loss.backward();
      opt.step();
    }
  }
  NamedParams params;
  Var x, target;
};

struct Case {
  std::string name;
  OptimizerConfig config;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  OptimizerConfig c;
  c.lr = 0.1;
  out.push_back({"sgd", c});
  c.momentum = 0.9;
  c.nesterov = true;
  out.push_back({"sgd", c});
  c.nesterov = false;
  c.dampening = 0.3;  // a resumed buffer taken for a first one would differ here
  c.weight_decay = 0.01;
  out.push_back({"sgd", c});
  c = {};
  c.lr = 0.05;
  c.weight_decay = 0.01;
  out.push_back({"adam", c});
  out.push_back({"adamw", c});
  c.momentum = 0.5;
  c.centered = true;
  out.push_back({"rmsprop", c});
  c = {};
  c.lr = 0.1;
  c.lr_decay = 0.1;
  c.initial_accumulator_value = 0.1;
  c.weight_decay = 0.01;
  out.push_back({"adagrad", c});
  return out;
}

void expect_bitwise_equal(const NamedTensors& a, const NamedTensors& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first) << what;
    ASSERT_EQ(a[i].second.shape(), b[i].second.shape()) << what << " " << a[i].first;
    for (std::int64_t j = 0; j < a[i].second.numel(); ++j)
      EXPECT_EQ(a[i].second[j], b[i].second[j]) << what << " " << a[i].first << "[" << j << "]";
  }
}

TEST(OptimizerState, ResumeFromExportedStateIsBitForBit) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    // Uninterrupted: 9 steps.
    Problem straight(Problem::initial_values());
    auto opt = make_optimizer(c.name, c.config, straight.params);
    straight.train(*opt, 0, 9);

    // Interrupted after 4 steps: export parameters and state, rebuild everything fresh.
    Problem first(Problem::initial_values());
    auto opt1 = make_optimizer(c.name, c.config, first.params);
    first.train(*opt1, 0, 4);
    const NamedTensors saved_values = first.values();
    const NamedTensors saved_state = opt1->state();
    opt1.reset();

    Problem resumed(saved_values);
    auto opt2 = make_optimizer(c.name, c.config, resumed.params);
    opt2->load_state(saved_state);
    EXPECT_EQ(opt2->steps(), 4);
    resumed.train(*opt2, 4, 9);

    expect_bitwise_equal(resumed.values(), straight.values(), "parameters");
    expect_bitwise_equal(opt2->state(), opt->state(), "state");
    // And the run did move: the comparison is not between two untouched copies.
    EXPECT_NE(straight.values()[0].second[0], Problem::initial_values()[0].second[0]);
  }
}

TEST(OptimizerState, NamesFollowParametersAndSkipUntouchedOnes) {
  Problem p(Problem::initial_values());
  Adam opt(p.params, {.lr = 0.01});
  std::vector<std::string> names;
  for (const auto& [n, t] : opt.state()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"step"}));

  p.train(opt, 0, 1);  // step 0 is even: c has no gradient
  names.clear();
  for (const auto& [n, t] : opt.state()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"step", "step.W", "exp_avg.W", "exp_avg_sq.W", "step.b", "exp_avg.b",
                                             "exp_avg_sq.b"}));
  p.train(opt, 1, 2);
  const NamedTensors s = opt.state();
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s[0].second.shape(), Shape{});
  EXPECT_EQ(s[0].second.item(), Scalar(2));
  EXPECT_EQ(s[1].second.item(), Scalar(2));  // step.W
  EXPECT_EQ(s[7].first, "step.c");
  EXPECT_EQ(s[7].second.item(), Scalar(1));
  EXPECT_EQ(s[9].first, "exp_avg_sq.c");
  EXPECT_EQ(s[9].second.shape(), Shape{3});
}

TEST(OptimizerState, ExportAndImportCopy) {
  Var w(Tensor::from({2}, {1, 2}), true);
  SGD opt({{"w", w}}, {.lr = 0.1, .momentum = 0.9});
  w.set_grad(Tensor::from({2}, {1, 1}));
  opt.step();
  NamedTensors s = opt.state();
  s[1].second[0] = 100;  // momentum_buffer.w
  EXPECT_EQ(opt.state()[1].second[0], Scalar(1));
  opt.load_state(s);
  s[1].second[0] = -7;
  EXPECT_EQ(opt.state()[1].second[0], Scalar(100));
}

std::string import_error(Optimizer& opt, const NamedTensors& state) {
  try {
    opt.load_state(state);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OptimizerState, ImportErrorsNameTheEntryAndChangeNothing) {
  Var w(Tensor::from({2}, {1, 2}), true), v(Tensor::from({3}, {1, 2, 3}), true);
  Adam opt({{"w", w}, {"v", v}}, {.lr = 0.1});
  w.set_grad(Tensor::from({2}, {1, -1}));
  v.set_grad(Tensor::from({3}, {1, 2, 3}));
  opt.step();
  opt.step();
  const NamedTensors before = opt.state();

  const Tensor count = Tensor::scalar(1);
  const Tensor w_like = Tensor::full({2}, 0.5), v_like = Tensor::full({3}, 0.5);
  const NamedTensors good_w = {{"step.w", count}, {"exp_avg.w", w_like}, {"exp_avg_sq.w", w_like}};
  auto with = [&](NamedTensors extra) {
    NamedTensors s = {{"step", Tensor::scalar(5)}};
    s.insert(s.end(), good_w.begin(), good_w.end());
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  };

  EXPECT_EQ(import_error(opt, with({{"momentum_buffer.v", v_like}})),
            "Adam: unexpected state entry 'momentum_buffer.v' (this Adam keeps 'step', 'step.<param>', "
            "'exp_avg.<param>', 'exp_avg_sq.<param>')");
  EXPECT_EQ(import_error(opt, with({{"lr", count}})),
            "Adam: unexpected state entry 'lr' (this Adam keeps 'step', 'step.<param>', 'exp_avg.<param>', "
            "'exp_avg_sq.<param>')");
  EXPECT_EQ(import_error(opt, with({{"exp_avg.u", v_like}})),
            "Adam: state entry 'exp_avg.u' names no parameter (parameters: w, v)");
  EXPECT_EQ(import_error(opt, with({{"step.v", count}, {"exp_avg.v", w_like}, {"exp_avg_sq.v", v_like}})),
            "Adam: state entry 'exp_avg.v' has shape [2] but parameter 'v' has shape [3]");
  EXPECT_EQ(import_error(opt, with({{"step.v", count}, {"exp_avg.v", v_like}})),
            "Adam: state for parameter 'v' is incomplete: has 'step.v' but not 'exp_avg_sq.v'");
  EXPECT_EQ(import_error(opt, with({{"exp_avg.w", w_like}})), "Adam: duplicate state entry 'exp_avg.w'");
  EXPECT_EQ(
      import_error(opt, with({{"step.v", Tensor::from({1}, {1})}, {"exp_avg.v", v_like}, {"exp_avg_sq.v", v_like}})),
      "Adam: state entry 'step.v' has shape [1], expected [] (a count)");
  const std::string frac =
      import_error(opt, with({{"step.v", Tensor::scalar(1.5)}, {"exp_avg.v", v_like}, {"exp_avg_sq.v", v_like}}));
  EXPECT_EQ(frac.rfind("Adam: state entry 'step.v' = 1.5 is not a whole number in [0, ", 0), 0u) << frac;
  const std::string neg = import_error(opt, {{"step", Tensor::scalar(-1)}});
  EXPECT_EQ(neg.rfind("Adam: state entry 'step' = -1 is not a whole number", 0), 0u) << neg;
  EXPECT_EQ(import_error(opt, good_w), "Adam: state has no 'step' entry");

  expect_bitwise_equal(opt.state(), before, "after failed imports");
  EXPECT_EQ(opt.steps(), 2);

  // A valid partial state: v has none, so its next update is its first (t = 1).
  opt.load_state(with({}));
  EXPECT_EQ(opt.steps(), 5);
  EXPECT_EQ(opt.state().size(), 4u);
}

TEST(OptimizerState, StateOfOneConfigurationDoesNotFitAnother) {
  Var w(Tensor::from({1}, {1}), true);
  SGD with_momentum({{"w", w}}, {.lr = 0.1, .momentum = 0.9});
  w.set_grad(Tensor::from({1}, {1}));
  with_momentum.step();
  SGD plain({{"w", w}}, {.lr = 0.1});
  EXPECT_EQ(import_error(plain, with_momentum.state()),
            "SGD: unexpected state entry 'momentum_buffer.w' (this SGD keeps 'step')");
  RMSProp centered({{"w", w}}, {.centered = true});
  RMSProp not_centered({{"w", w}}, {});
  centered.step();
  EXPECT_EQ(import_error(not_centered, centered.state()),
            "RMSProp: unexpected state entry 'grad_avg.w' (this RMSProp keeps 'step', 'step.<param>', "
            "'square_avg.<param>')");
}

}  // namespace
}  // namespace gradlab
