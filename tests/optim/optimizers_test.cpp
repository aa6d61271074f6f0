// The first steps of each optimizer on one- or two-element parameters whose gradients the
// test sets directly, against numbers worked out by hand from PyTorch's algorithm boxes
// (the arithmetic is in the comments; decimals rounded). f64 agrees to 1e-12, f32 to
// float precision.
#include "optim/optimizers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gradlab {
namespace {

constexpr double kTol = sizeof(Scalar) == 8 ? 1e-12 : 2e-6;

// A single parameter "w" with the given start values.
struct OneParam {
  explicit OneParam(std::initializer_list<double> values)
      : w(Tensor::from({static_cast<std::int64_t>(values.size())}, values), true) {}
  NamedParams params() const { return {{"w", w}}; }
  // Sets w's gradient and takes one step; returns w[i].
  double step(Optimizer& opt, std::initializer_list<double> grad, std::int64_t i = 0) {
    w.set_grad(Tensor::from(w.shape(), grad));
    opt.step();
    return w.value()[i];
  }
  double at(std::int64_t i) const { return w.value()[i]; }
  Var w;
};

double state_value(const Optimizer& opt, const std::string& entry, std::int64_t i = 0) {
  for (const auto& [name, t] : opt.state())
    if (name == entry) return t[i];
  ADD_FAILURE() << "no state entry " << entry;
  return std::nan("");
}

// ---- SGD ---------------------------------------------------------------------------

TEST(SGD, PlainStepIsLrTimesGradient) {
  OneParam p({1, 2});
  SGD opt(p.params(), {.lr = 0.1});
  p.step(opt, {0.5, -1});  // w = [1 - 0.1 * 0.5, 2 + 0.1 * 1] = [0.95, 2.1]
  EXPECT_NEAR(p.at(0), 0.95, kTol);
  EXPECT_NEAR(p.at(1), 2.1, kTol);
  p.step(opt, {1, 1});  // w = [0.85, 2.0]
  EXPECT_NEAR(p.at(0), 0.85, kTol);
  EXPECT_NEAR(p.at(1), 2.0, kTol);
  EXPECT_TRUE(opt.slot_names().empty());
}

TEST(SGD, WeightDecayAddsL2TermToTheGradient) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1, .weight_decay = 0.1});
  EXPECT_NEAR(p.step(opt, {1}), 0.89, kTol);    // g = 1 + 0.1 * 1 = 1.1;     w = 1 - 0.11 = 0.89
  EXPECT_NEAR(p.step(opt, {1}), 0.7811, kTol);  // g = 1 + 0.1 * 0.89 = 1.089; w = 0.89 - 0.1089
  EXPECT_EQ(p.w.grad()[0], Scalar(1));          // the parameter's own .grad is not changed
}

TEST(SGD, MomentumBufferStartsAtTheFirstGradient) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1, .momentum = 0.9});
  EXPECT_NEAR(p.step(opt, {1}), 0.9, kTol);     // b = 1;                  w = 1 - 0.1
  EXPECT_NEAR(p.step(opt, {2}), 0.61, kTol);    // b = 0.9 * 1 + 2 = 2.9;   w = 0.9 - 0.29
  EXPECT_NEAR(p.step(opt, {-1}), 0.449, kTol);  // b = 2.61 - 1 = 1.61;     w = 0.61 - 0.161
  EXPECT_NEAR(state_value(opt, "momentum_buffer.w"), 1.61, kTol);
}

TEST(SGD, DampeningIsNotAppliedOnTheFirstStep) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
  EXPECT_NEAR(p.step(opt, {1}), 0.9, kTol);   // b = g = 1 (PyTorch copies the first gradient), not 0.5
  EXPECT_NEAR(p.step(opt, {2}), 0.71, kTol);  // b = 0.9 * 1 + 0.5 * 2 = 1.9; w = 0.9 - 0.19
  EXPECT_NEAR(state_value(opt, "momentum_buffer.w"), 1.9, kTol);
}

TEST(SGD, NesterovLooksAheadAlongTheBuffer) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  EXPECT_NEAR(p.step(opt, {1}), 0.81, kTol);     // b = 1;    step g + 0.9 b = 1.9;            w = 1 - 0.19
  EXPECT_NEAR(p.step(opt, {2}), 0.349, kTol);    // b = 2.9;  step 2 + 0.9 * 2.9 = 4.61;       w = 0.81 - 0.461
  EXPECT_NEAR(p.step(opt, {-1}), 0.3041, kTol);  // b = 1.61; step -1 + 0.9 * 1.61 = 0.449;    w = 0.349 - 0.0449
  EXPECT_NEAR(state_value(opt, "momentum_buffer.w"), 1.61, kTol);  // the buffer itself is as without Nesterov
}

// ---- Adam / AdamW ------------------------------------------------------------------

// With lr 0.1, betas (0.9, 0.999), eps 1e-8 and gradients 2, 1, -1:
//   t=1: m = 0.2,   v = 0.004;     m^ = 0.2/0.1 = 2,  v^ = 0.004/0.001 = 4
//        w = 1 - 0.1 * 2 / (2 + 1e-8)                                           = 0.9000000005
//   t=2: m = 0.9*0.2 + 0.1*1 = 0.28,  v = 0.999*0.004 + 0.001*1 = 0.004996
//        w -= 0.1 * (0.28/0.19) / (sqrt(0.004996/0.001999) + 1e-8)              = 0.806782037209
//   t=3: m = 0.9*0.28 - 0.1 = 0.152,  v = 0.999*0.004996 + 0.001 = 0.005991004
//        w -= 0.1 * (0.152/0.271) / (sqrt(0.005991004/0.002997001) + 1e-8)     = 0.767111513562
TEST(Adam, FirstThreeStepsWithBiasCorrection) {
  OneParam p({1});
  Adam opt(p.params(), {.lr = 0.1});
  const double w1 = 1 - 0.1 * 2 / (2 + 1e-8);
  const double w2 = w1 - 0.1 * (0.28 / 0.19) / (std::sqrt(0.004996 / 0.001999) + 1e-8);
  const double w3 = w2 - 0.1 * (0.152 / 0.271) / (std::sqrt(0.005991004 / 0.002997001) + 1e-8);
  EXPECT_NEAR(p.step(opt, {2}), w1, kTol);
  EXPECT_NEAR(p.step(opt, {1}), w2, kTol);
  EXPECT_NEAR(p.step(opt, {-1}), w3, kTol);
  EXPECT_NEAR(w3, 0.767111513562, 1e-11);
  EXPECT_NEAR(state_value(opt, "exp_avg.w"), 0.152, kTol);
  EXPECT_NEAR(state_value(opt, "exp_avg_sq.w"), 0.005991004, kTol);
  EXPECT_EQ(state_value(opt, "step.w"), 3);
}

// Bias correction makes the first step lr * g / (|g| + eps) whatever the gradient's scale:
// without it the step would be lr * 0.1 g / sqrt(0.001 g^2) = 3.16 lr.
TEST(Adam, FirstStepIsLrWhateverTheGradientScale) {
  OneParam p({0, 0});
  Adam opt(p.params(), {.lr = 0.01});
  p.step(opt, {1e-3, -50});
  EXPECT_NEAR(p.at(0), -0.01 * 1e-3 / (1e-3 + 1e-8), kTol);  // -0.0099990001
  EXPECT_NEAR(p.at(1), 0.01 * 50 / (50 + 1e-8), kTol);       // 0.0099999999998
}

// Zero loss gradient, weight_decay 0.1, lr 0.1, w = 1.
//   Adam (L2 in the gradient): g = 0.1 w, which Adam then normalises away:
//     t=1: g = 0.1, m = 0.01, v = 1e-5;  w = 1 - 0.1 * (0.01/0.1) / (sqrt(1e-5/0.001) + 1e-8) = 0.90000001
//     t=2: g = 0.1 * w1 = 0.090000001, m = 0.9*0.01 + 0.1 g, v = 0.999e-5 + 0.001 g^2   -> 0.800412248082
//   AdamW (decoupled): w <- w (1 - 0.1 * 0.1) each step and the zero gradient adds nothing:
//     0.99, then 0.9801.
TEST(AdamW, DecoupledDecayDiffersFromAdamL2) {
  OneParam a({1}), b({1});
  Adam adam(a.params(), {.lr = 0.1, .weight_decay = 0.1});
  AdamW adamw(b.params(), {.lr = 0.1, .weight_decay = 0.1});

  const double a1 = 1 - 0.1 * (0.01 / 0.1) / (std::sqrt(1e-5 / 0.001) + 1e-8);
  const double g2 = 0.1 * a1, m2 = 0.9 * 0.01 + 0.1 * g2, v2 = 0.999 * 1e-5 + 0.001 * g2 * g2;
  const double a2 = a1 - 0.1 * (m2 / 0.19) / (std::sqrt(v2 / 0.001999) + 1e-8);
  EXPECT_NEAR(a.step(adam, {0}), a1, kTol);
  EXPECT_NEAR(a.step(adam, {0}), a2, kTol);
  EXPECT_NEAR(a2, 0.800412248082, 1e-11);

  EXPECT_NEAR(b.step(adamw, {0}), 0.99, kTol);
  EXPECT_NEAR(b.step(adamw, {0}), 0.9801, kTol);
  EXPECT_EQ(state_value(adamw, "exp_avg.w"), 0);  // the decay never enters the moments
}

TEST(AdamW, DecaysBeforeTheAdamStep) {
  OneParam p({1});
  AdamW opt(p.params(), {.lr = 0.1, .weight_decay = 0.1});
  EXPECT_NEAR(p.step(opt, {2}), 0.99 - 0.1 * 2 / (2 + 1e-8), kTol);  // 1 * (1 - 0.01) - 0.1 = 0.8900000005
}

TEST(AdamW, DefaultWeightDecayIsOneHundredth) {
  OneParam p({1});
  AdamW opt(p.params(), {});
  EXPECT_EQ(opt.options().weight_decay, 1e-2);
  EXPECT_EQ(opt.options().lr, 1e-3);
  EXPECT_NEAR(p.step(opt, {0}), 1 - 1e-3 * 1e-2, kTol);  // 0.99999
}

// ---- RMSProp -----------------------------------------------------------------------

// lr 0.01, alpha 0.99, eps 1e-8, gradients 2 then 1:
//   s1 = 0.01 * 4 = 0.04,  s2 = 0.99 * 0.04 + 0.01 * 1 = 0.0496
TEST(RMSProp, PlainSteps) {
  OneParam p({1});
  RMSProp opt(p.params(), {.lr = 0.01});
  const double w1 = 1 - 0.01 * 2 / (0.2 + 1e-8);                 // 0.900000005
  const double w2 = w1 - 0.01 * 1 / (std::sqrt(0.0496) + 1e-8);  // 0.855098681509
  EXPECT_NEAR(p.step(opt, {2}), w1, kTol);
  EXPECT_NEAR(p.step(opt, {1}), w2, kTol);
  EXPECT_NEAR(state_value(opt, "square_avg.w"), 0.0496, kTol);
  EXPECT_EQ(opt.slot_names(), (std::vector<std::string>{"square_avg"}));
}

// Centered: a1 = 0.01 * 2 = 0.02, a2 = 0.99 * 0.02 + 0.01 = 0.0298; the denominator uses
// the variance s - a^2: sqrt(0.04 - 0.0004) = sqrt(0.0396), then sqrt(0.0496 - 0.00088804).
TEST(RMSProp, CenteredSubtractsTheSquaredMeanGradient) {
  OneParam p({1});
  RMSProp opt(p.params(), {.lr = 0.01, .centered = true});
  const double w1 = 1 - 0.01 * 2 / (std::sqrt(0.0396) + 1e-8);                     // 0.899496223525
  const double w2 = w1 - 0.01 * 1 / (std::sqrt(0.0496 - 0.0298 * 0.0298) + 1e-8);  // 0.854187463374
  EXPECT_NEAR(p.step(opt, {2}), w1, kTol);
  EXPECT_NEAR(p.step(opt, {1}), w2, kTol);
  EXPECT_NEAR(state_value(opt, "grad_avg.w"), 0.0298, kTol);
}

// Momentum 0.9: the buffer starts at zero and accumulates g / d:
//   b1 = 2 / (0.2 + 1e-8) = 9.9999995,  w1 = 1 - 0.01 b1
//   b2 = 0.9 b1 + 1 / (sqrt(0.0496) + 1e-8) = 13.490131899,  w2 = w1 - 0.01 b2 = 0.765098686009
TEST(RMSProp, MomentumAccumulatesNormalisedSteps) {
  OneParam p({1});
  RMSProp opt(p.params(), {.lr = 0.01, .momentum = 0.9});
  const double b1 = 2 / (0.2 + 1e-8), b2 = 0.9 * b1 + 1 / (std::sqrt(0.0496) + 1e-8);
  EXPECT_NEAR(p.step(opt, {2}), 1 - 0.01 * b1, kTol);
  EXPECT_NEAR(p.step(opt, {1}), 1 - 0.01 * b1 - 0.01 * b2, kTol);
  EXPECT_NEAR(state_value(opt, "momentum_buffer.w"), b2, 20 * kTol);
  EXPECT_NEAR(1 - 0.01 * b1 - 0.01 * b2, 0.765098686009, 1e-11);
}

TEST(RMSProp, CenteredWithMomentumAndWeightDecay) {
  OneParam p({1});
  RMSProp opt(p.params(), {.lr = 0.01, .weight_decay = 0.5, .momentum = 0.9, .centered = true});
  // t=1: g = 1.5 + 0.5 * 1 = 2 -> as the centered case: d1 = sqrt(0.0396) + 1e-8, b1 = 2 / d1
  const double d1 = std::sqrt(0.0396) + 1e-8, b1 = 2 / d1, w1 = 1 - 0.01 * b1;  // b1 = 10.0503776
  EXPECT_NEAR(p.step(opt, {1.5}), w1, kTol);
  // t=2: g = 0.5 + 0.5 w1; s = 0.99 * 0.04 + 0.01 g^2; a = 0.02 + 0.01 (g - 0.02)
  const double g = 0.5 + 0.5 * w1, s = 0.99 * 0.04 + 0.01 * g * g, a = 0.02 + 0.01 * (g - 0.02);
  const double b2 = 0.9 * b1 + g / (std::sqrt(s - a * a) + 1e-8);
  EXPECT_NEAR(p.step(opt, {0.5}), w1 - 0.01 * b2, kTol);
  EXPECT_EQ(opt.slot_names(), (std::vector<std::string>{"square_avg", "momentum_buffer", "grad_avg"}));
}

// ---- Adagrad -----------------------------------------------------------------------

// lr 0.1, lr_decay 0.5, initial_accumulator_value 5, gradients 2, 4, 5:
//   t=1: clr = 0.1,             s = 5 + 4 = 9,    w = 1 - 0.1 * 2 / 3              = 0.933333333336
//   t=2: clr = 0.1 / 1.5,       s = 9 + 16 = 25,  w -= (0.1/1.5) * 4 / 5 = 0.05333  -> 0.880000000003
//   t=3: clr = 0.1 / 2 = 0.05,  s = 50,           w -= 0.05 * 5 / sqrt(50)          -> 0.844644660944
TEST(Adagrad, LrDecayAndInitialAccumulator) {
  OneParam p({1});
  Adagrad opt(p.params(), {.lr = 0.1, .lr_decay = 0.5, .initial_accumulator_value = 5});
  const double w1 = 1 - 0.1 * 2 / (3 + 1e-10);
  const double w2 = w1 - (0.1 / 1.5) * 4 / (5 + 1e-10);
  const double w3 = w2 - 0.05 * 5 / (std::sqrt(50.0) + 1e-10);
  EXPECT_NEAR(p.step(opt, {2}), w1, kTol);
  EXPECT_NEAR(p.step(opt, {4}), w2, kTol);
  EXPECT_NEAR(p.step(opt, {5}), w3, kTol);
  EXPECT_NEAR(w3, 0.844644660944, 1e-11);
  EXPECT_NEAR(state_value(opt, "sum.w"), 50, kTol);
}

TEST(Adagrad, WeightDecayEntersTheAccumulator) {
  OneParam p({2});
  Adagrad opt(p.params(), {.lr = 0.1, .weight_decay = 0.5});
  // g = 1 + 0.5 * 2 = 2, s = 4, w = 2 - 0.1 * 2 / (2 + 1e-10) = 1.9
  EXPECT_NEAR(p.step(opt, {1}), 2 - 0.1 * 2 / (2 + 1e-10), kTol);
  EXPECT_NEAR(state_value(opt, "sum.w"), 4, kTol);
}

// ---- What every optimizer shares ---------------------------------------------------

TEST(Optimizers, ParametersWithoutGradientAreSkipped) {
  Var a(Tensor::from({1}, {1}), true), b(Tensor::from({1}, {1}), true);
  Adam opt({{"a", a}, {"b", b}}, {.lr = 0.1});
  a.set_grad(Tensor::from({1}, {2}));
  opt.step();
  opt.step();  // a's second step, still with gradient 2: m = 0.38, v = 0.007996
  EXPECT_EQ(b.value()[0], Scalar(1));
  EXPECT_EQ(state_value(opt, "step.a"), 2);
  for (const auto& [name, t] : opt.state()) EXPECT_EQ(name.find(".b"), std::string::npos) << name;
  // b's first update uses its own t = 1, so its bias correction gives a step of ~lr.
  a.zero_grad();
  b.set_grad(Tensor::from({1}, {-3}));
  opt.step();
  EXPECT_NEAR(b.value()[0], 1 + 0.1 * 3 / (3 + 1e-8), kTol);
  EXPECT_EQ(state_value(opt, "step.b"), 1);
  EXPECT_EQ(state_value(opt, "step.a"), 2);
  EXPECT_EQ(opt.steps(), 3);
}

TEST(Optimizers, ZeroGradForgetsGradients) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1});
  p.w.set_grad(Tensor::from({1}, {1}));
  opt.zero_grad();
  EXPECT_FALSE(p.w.has_grad());
  opt.step();
  EXPECT_EQ(p.at(0), Scalar(1));
}

TEST(Optimizers, SetLrTakesEffectOnTheNextStep) {
  OneParam p({1});
  SGD opt(p.params(), {.lr = 0.1});
  opt.set_lr(0.5);
  EXPECT_EQ(opt.lr(), 0.5);
  EXPECT_NEAR(p.step(opt, {1}), 0.5, kTol);
  try {
    opt.set_lr(-1);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "SGD: lr = -1 is outside [0, inf)");
  }
  EXPECT_EQ(opt.lr(), 0.5);
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Optimizers, HyperParametersAreValidated) {
  OneParam p({1});
  const NamedParams ps = p.params();
  EXPECT_EQ(error_of([&] { Adam(ps, {.betas = {0.9, 1.5}}); }), "Adam: betas[1] = 1.5 is outside [0, 1)");
  EXPECT_EQ(error_of([&] { Adam(ps, {.betas = {1, 0.9}}); }), "Adam: betas[0] = 1 is outside [0, 1)");
  EXPECT_EQ(error_of([&] { Adam(ps, {.eps = -1e-8}); }), "Adam: eps = -1e-08 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { AdamW(ps, {.weight_decay = -0.1}); }), "AdamW: weight_decay = -0.1 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { SGD(ps, {.lr = std::nan("")}); }), "SGD: lr = nan is outside [0, inf)");
  EXPECT_EQ(error_of([&] { SGD(ps, {.momentum = -0.5}); }), "SGD: momentum = -0.5 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { SGD(ps, {.dampening = 2}); }), "SGD: dampening = 2 is outside [0, 1]");
  EXPECT_EQ(error_of([&] { SGD(ps, {.nesterov = true}); }),
            "SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum = 0, dampening = 0)");
  EXPECT_EQ(error_of([&] { SGD(ps, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}); }),
            "SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum = 0.9, dampening = 0.1)");
  EXPECT_EQ(error_of([&] { RMSProp(ps, {.alpha = 1.5}); }), "RMSProp: alpha = 1.5 is outside [0, 1]");
  EXPECT_EQ(error_of([&] { RMSProp(ps, {.momentum = -1}); }), "RMSProp: momentum = -1 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { RMSProp(ps, {.eps = std::numeric_limits<double>::infinity()}); }),
            "RMSProp: eps = inf is outside [0, inf)");
  EXPECT_EQ(error_of([&] { Adagrad(ps, {.lr_decay = -0.5}); }), "Adagrad: lr_decay = -0.5 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { Adagrad(ps, {.initial_accumulator_value = -1}); }),
            "Adagrad: initial_accumulator_value = -1 is outside [0, inf)");
  EXPECT_EQ(error_of([&] { Adagrad(ps, {.weight_decay = -1}); }), "Adagrad: weight_decay = -1 is outside [0, inf)");
}

TEST(Optimizers, ParameterListIsValidated) {
  Var a(Tensor::from({1}, {1}), true);
  EXPECT_EQ(error_of([&] {
              SGD({{"a", a}, {"a", Var(Tensor::from({1}, {1}), true)}}, {});
            }),
            "SGD: duplicate parameter name 'a'");
  EXPECT_EQ(error_of([&] { SGD({{"a", a}, {"b", a}}, {}); }), "SGD: parameters 'a' and 'b' are the same Var");
  EXPECT_EQ(error_of([&] { Adam({{"a", Var()}}, {}); }), "Adam: parameter 'a' is undefined");
}

}  // namespace
}  // namespace gradlab
