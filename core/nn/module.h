// Module: a tree of named parameters, buffers and submodules, named as in a PyTorch
// state_dict ("layers.0.weight", "encoder.weight_ih_l0"). Layer is a Module with one
// input and one output, which is what Sequential chains.
//
//   auto net = std::make_shared<Sequential>();
//   net->add(std::make_shared<Linear>(2, 8, rng));
//   net->add(std::make_shared<Activation>("tanh"));
//   net->assign_names();                 // every parameter Var learns its dotted name
//   Var y = net->forward(x);             // x [B, 2] -> y [B, 8]
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"

GRADLAB_BEGIN

class Layer;
class Sequential;
class Recurrent;
class Conv2d;
class MultiheadAttention;

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string type_name() const = 0;

  // The concrete classes that callers look for, asked without dynamic_cast (the wasm build
  // compiles with -fno-rtti, docs/wasm.md "Sizes"): each of them answers for itself, every
  // other module with nullptr.
  virtual Layer* as_layer() { return nullptr; }
  virtual Sequential* as_sequential() { return nullptr; }
  virtual Recurrent* as_recurrent() { return nullptr; }
  virtual const Conv2d* as_conv2d() const { return nullptr; }
  virtual const MultiheadAttention* as_multihead_attention() const { return nullptr; }

  // Parameters in registration order, depth first, with dotted names.
  std::vector<std::pair<std::string, Var>> named_parameters() const;
  std::vector<Var> parameters() const;
  // Buffers (running statistics): tensors that are saved but not trained. The returned
  // Tensors share storage with the module's, so writing into them updates the module.
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }

  // The parameter with this dotted name; throws std::out_of_range listing the names there are.
  Var parameter(const std::string& dotted_name) const;
  std::int64_t num_parameters() const;

  // Copies values in (shapes must match exactly). Unknown or missing names, or a wrong
  // shape, throw std::invalid_argument naming the parameter; nothing is changed then.
  void load_state(const std::vector<std::pair<std::string, Tensor>>& state, bool strict = true);

  void train(bool on = true);
  bool training() const { return training_; }
  void zero_grad();
  // Sets every parameter Var's name to its dotted path (for messages and gradcheck).
  void assign_names(const std::string& prefix = "");

 protected:
  Var register_parameter(const std::string& name, Tensor init);
  Tensor register_buffer(const std::string& name, Tensor init);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    children_.emplace_back(name, module);
    return module;
  }
  // Replaces a registered parameter's value in place (same Var, new numbers).
  void set_parameter_value(const std::string& name, const Tensor& value);

 private:
  void collect_parameters(const std::string& prefix, std::vector<std::pair<std::string, Var>>& out) const;
  void collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

class Layer : public Module {
 public:
  Layer* as_layer() override { return this; }
  virtual Var forward(const Var& x) = 0;
  // The shape this layer outputs for an input of `in` (batch dims included); throws
  // std::invalid_argument naming what does not fit. Lets a spec be checked before any
  // numbers flow.
  virtual Shape output_shape(const Shape& in) const = 0;
};

GRADLAB_END
