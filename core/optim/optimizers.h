// SGD, Adam, AdamW, RMSProp and Adagrad with PyTorch's update equations, defaults and
// state names (torch.optim, single-tensor path). g is the gradient, p the parameter, t the
// parameter's own step count (1 on its first update); all arithmetic is elementwise.
//
//   SGD sgd(net->named_parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
//   AdamW adamw(net->named_parameters(), {.lr = 1e-3, .weight_decay = 0.01});
//
// Every hyper-parameter is validated on construction; errors name the optimizer and the
// parameter, e.g. "Adam: betas[1] = 1.5 is outside [0, 1)".
#pragma once

#include <array>

#include "optim/optimizer.h"

GRADLAB_BEGIN

// g <- g + weight_decay p
// b <- g on the first update, else momentum b + (1 - dampening) g     (slot momentum_buffer)
// g <- g + momentum b if nesterov, else b                              (when momentum != 0)
// p <- p - lr g
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;   // [0, inf)
  double dampening = 0;  // [0, 1]
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
};

class SGD : public Optimizer {
 public:
  SGD(NamedParams params, SGDOptions options);
  const SGDOptions& options() const { return options_; }

 protected:
  void init_state(const Tensor& value, ParamState& state) const override;
  void update(Tensor& value, const Tensor& grad, ParamState& state) override;

 private:
  SGDOptions options_;
};

// g <- g + weight_decay p                   (Adam: L2 folded into the gradient)
// p <- p (1 - lr weight_decay)              (AdamW: decoupled decay, instead of the line above)
// m <- lerp(m, g, 1 - beta1)                (slot exp_avg)
// v <- beta2 v + (1 - beta2) g^2            (slot exp_avg_sq)
// p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};  // each in [0, 1)
  double eps = 1e-8;
  double weight_decay = 0;
};
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class Adam : public Optimizer {
 public:
  Adam(NamedParams params, AdamOptions options);
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::string kind, NamedParams params, AdamOptions options, bool decoupled);
  void update(Tensor& value, const Tensor& grad, ParamState& state) override;

 private:
  AdamOptions options_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(NamedParams params, AdamWOptions options);
};

// g <- g + weight_decay p
// s <- alpha s + (1 - alpha) g^2                        (slot square_avg)
// centered: a <- lerp(a, g, 1 - alpha), d = sqrt(s - a^2) + eps   (slot grad_avg)
//           otherwise d = sqrt(s) + eps
// momentum > 0: b <- momentum b + g / d, p <- p - lr b  (slot momentum_buffer, starts at 0)
//           otherwise p <- p - lr g / d
struct RMSPropOptions {
  double lr = 1e-2;
  double alpha = 0.99;  // [0, 1]
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSProp : public Optimizer {
 public:
  RMSProp(NamedParams params, RMSPropOptions options);
  const RMSPropOptions& options() const { return options_; }

 protected:
  void update(Tensor& value, const Tensor& grad, ParamState& state) override;

 private:
  RMSPropOptions options_;
};

// g <- g + weight_decay p
// clr = lr / (1 + (t - 1) lr_decay)
// s <- s + g^2                       (slot sum, starts at initial_accumulator_value)
// p <- p - clr g / (sqrt(s) + eps)
struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(NamedParams params, AdagradOptions options);
  const AdagradOptions& options() const { return options_; }

 protected:
  void init_state(const Tensor& value, ParamState& state) const override;
  void update(Tensor& value, const Tensor& grad, ParamState& state) override;

 private:
  AdagradOptions options_;
};

GRADLAB_END
