// make_optimizer / make_schedule: names, each optimizer's own defaults, config fields
// passed through, and errors that list the known names.
#include "optim/factory.h"

#include <gtest/gtest.h>

#include "optim/optimizers.h"

namespace gradlab {
namespace {

NamedParams one_param() { return {{"w", Var(Tensor::from({2}, {1, 2}), true)}}; }

// The optimizer as its class T, whose kind() is `kind` (checked first: no dynamic_cast, the
// wasm build has no RTTI).
template <class T>
T& as(Optimizer& o, const std::string& kind) {
  if (o.kind() != kind) throw std::logic_error("expected a " + kind + " optimizer, got " + o.kind());
  return static_cast<T&>(o);
}

std::string message(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(MakeOptimizer, DefaultsAreEachOptimizersOwn) {
  EXPECT_EQ(optimizer_names(), (std::vector<std::string>{"sgd", "adam", "adamw", "rmsprop", "adagrad"}));
  auto sgd = make_optimizer("sgd", {}, one_param());
  EXPECT_EQ(sgd->kind(), "SGD");
  EXPECT_EQ(sgd->lr(), 1e-3);
  auto adam = make_optimizer("adam", {}, one_param());
  EXPECT_EQ(adam->kind(), "Adam");
  EXPECT_EQ(as<Adam>(*adam, "Adam").options().eps, 1e-8);
  EXPECT_EQ(as<Adam>(*adam, "Adam").options().weight_decay, 0);
  auto adamw = make_optimizer("adamw", {}, one_param());
  EXPECT_EQ(adamw->kind(), "AdamW");
  EXPECT_EQ(as<AdamW>(*adamw, "AdamW").options().weight_decay, 1e-2);
  auto rms = make_optimizer("rmsprop", {}, one_param());
  EXPECT_EQ(rms->kind(), "RMSProp");
  EXPECT_EQ(rms->lr(), 1e-2);
  EXPECT_EQ(as<RMSProp>(*rms, "RMSProp").options().alpha, 0.99);
  auto adagrad = make_optimizer("adagrad", {}, one_param());
  EXPECT_EQ(adagrad->kind(), "Adagrad");
  EXPECT_EQ(adagrad->lr(), 1e-2);
  EXPECT_EQ(as<Adagrad>(*adagrad, "Adagrad").options().eps, 1e-10);
}

TEST(MakeOptimizer, ConfigFieldsArePassedThrough) {
  OptimizerConfig c;
  c.lr = 0.5;
  c.momentum = 0.9;
  c.nesterov = true;
  c.weight_decay = 0.25;
  auto sgd = make_optimizer("sgd", c, one_param());
  const SGDOptions& o = as<SGD>(*sgd, "SGD").options();
  EXPECT_EQ(o.lr, 0.5);
  EXPECT_EQ(o.momentum, 0.9);
  EXPECT_TRUE(o.nesterov);
  EXPECT_EQ(o.weight_decay, 0.25);
  EXPECT_EQ(sgd->slot_names(), (std::vector<std::string>{"momentum_buffer"}));

  c = {};
  c.momentum = 0.5;
  c.centered = true;
  c.alpha = 0.9;
  auto rms = make_optimizer("rmsprop", c, one_param());
  EXPECT_EQ(rms->slot_names(), (std::vector<std::string>{"square_avg", "momentum_buffer", "grad_avg"}));
  EXPECT_EQ(as<RMSProp>(*rms, "RMSProp").options().alpha, 0.9);

  c = {};
  c.betas = {0.5, 0.75};
  c.eps = 1e-6;
  auto adam = make_optimizer("adam", c, one_param());
  EXPECT_EQ(as<Adam>(*adam, "Adam").options().betas[1], 0.75);
  EXPECT_EQ(as<Adam>(*adam, "Adam").options().eps, 1e-6);

  c = {};
  c.lr_decay = 0.125;
  c.initial_accumulator_value = 0.5;
  auto adagrad = make_optimizer("adagrad", c, one_param());
  EXPECT_EQ(as<Adagrad>(*adagrad, "Adagrad").options().lr_decay, 0.125);
  EXPECT_EQ(as<Adagrad>(*adagrad, "Adagrad").options().initial_accumulator_value, 0.5);
}

TEST(MakeOptimizer, ErrorsListNamesAndPassValidationThrough) {
  EXPECT_EQ(message([] { make_optimizer("Adam", {}, one_param()); }),
            "make_optimizer: unknown optimizer 'Adam' (known: sgd, adam, adamw, rmsprop, adagrad)");
  OptimizerConfig c;
  c.nesterov = true;
  EXPECT_EQ(message([&] { make_optimizer("sgd", c, one_param()); }),
            "SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum = 0, dampening = 0)");
  c = {};
  c.betas = {0.9, 1.5};
  EXPECT_EQ(message([&] { make_optimizer("adamw", c, one_param()); }), "AdamW: betas[1] = 1.5 is outside [0, 1)");
}

TEST(MakeSchedule, NamesAndValues) {
  EXPECT_EQ(schedule_names(), (std::vector<std::string>{"constant", "step", "exponential", "cosine"}));
  EXPECT_EQ(make_schedule("constant", {}, 0.1)->lr_at(50), 0.1);
  EXPECT_NEAR(make_schedule("step", {.step_size = 2, .gamma = 0.5}, 0.1)->lr_at(4), 0.025, 1e-15);
  EXPECT_NEAR(make_schedule("exponential", {.gamma = 0.5}, 0.1)->lr_at(3), 0.0125, 1e-15);
  EXPECT_NEAR(make_schedule("cosine", {.T_max = 4, .eta_min = 0.02}, 0.1)->lr_at(2), 0.06, 1e-15);  // halfway
  EXPECT_EQ(make_schedule("cosine", {.T_max = 4}, 0.1)->kind(), "CosineAnnealingLR");
}

TEST(MakeSchedule, Errors) {
  EXPECT_EQ(message([] { make_schedule("linear", {}, 0.1); }),
            "make_schedule: unknown schedule 'linear' (known: constant, step, exponential, cosine)");
  EXPECT_EQ(message([] { make_schedule("step", {}, 0.1); }), "StepLR: step_size = 0 is outside [1, inf)");
  EXPECT_EQ(message([] { make_schedule("cosine", {}, 0.1); }), "CosineAnnealingLR: T_max = 0 is outside [1, inf)");
}

}  // namespace
}  // namespace gradlab
