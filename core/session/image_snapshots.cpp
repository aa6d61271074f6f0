// The snapshots of image models (SupervisedRunner): the first conv layer's filters, the
// feature maps of one example per layer, a grid of test images with predicted and true
// labels, and the first conv layer as its dense, sparse, tied Linear matrix.
#include <algorithm>

#include "data/batcher.h"
#include "inspect/inspect.h"
#include "nn/conv.h"
#include "ops/ops.h"
#include "session/supervised_runner.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {
constexpr std::int64_t kGridImages = 64;  // images the image_predictions grid shows

// The first top-level conv2d layer and its index, or {nullptr, 0}.
std::pair<const Conv2d*, std::size_t> first_conv(SpecModel& model) {
  for (std::size_t i = 0; i < model.layers().size(); ++i)
    if (const Conv2d* c = model.layers().at(i)->as_conv2d()) return {c, i};
  return {nullptr, 0};
}

// Runs the model in evaluation mode without a tape on x, keeping every layer's output.
std::vector<Tensor> eval_outputs(SpecModel& model, const Tensor& x) {
  NoGradGuard no_grad;
  struct Restore {
    SpecModel& m;
    ~Restore() {
      m.layers().set_trace(false);
      m.train(true);
    }
  } restore{model};
  model.train(false);
  model.layers().set_trace(true);
  model.forward(Var(x));
  std::vector<Tensor> outs;
  for (const Var& v : model.layers().outputs()) outs.push_back(v.value());
  return outs;
}

nlohmann::json labels_json(const Tensor& t) {
  nlohmann::json j = nlohmann::json::array();
  for (std::int64_t i = 0; i < t.numel(); ++i) j.push_back(static_cast<std::int64_t>(t[i]));
  return j;
}
}  // namespace

bool SupervisedRunner::has_conv() const { return first_conv(*exp_->model).first != nullptr; }

bool SupervisedRunner::has_images() const { return exp_->data.x_train.rank() == 4; }

nlohmann::json SupervisedRunner::filters_snapshot() {
  const auto [conv, index] = first_conv(*exp_->model);
  if (!conv) throw_invalid_argument("filters: the model has no conv2d layer");
  const Tensor& w = conv->weight().value();
  double lo = w[0], hi = w[0];  // a conv weight has at least one entry
  for (std::int64_t i = 1; i < w.numel(); ++i) {
    lo = std::min(lo, static_cast<double>(w[i]));
    hi = std::max(hi, static_cast<double>(w[i]));
  }
  nlohmann::json o;
  o["layer"] = "layers." + std::to_string(index);
  o["pointer"] = exp_->spec.layers.at(index).pointer;
  o["description"] = conv->describe();
  o["weight"] = tensor_json(w);
  o["bias"] = conv->bias().defined() ? tensor_json(conv->bias().value()) : nlohmann::json(nullptr);
  o["min"] = lo;
  o["max"] = hi;
  return o;
}

nlohmann::json SupervisedRunner::feature_maps_snapshot() {
  const Dataset& d = exp_->data;
  const bool test = d.x_test.defined() && d.x_test.numel() > 0;
  const Tensor& xs = test ? d.x_test : d.x_train;
  const Tensor& ys = test ? d.y_test : d.y_train;
  const std::int64_t k = exp_->spec.inspection.example;
  if (k >= xs.dim(0))
    throw_spec_error("/inspection/example", "example " + std::to_string(k) + " of the " + (test ? "test" : "training") +
                                                " split, which has " + std::to_string(xs.dim(0)) + " examples (allowed: 0 to " +
                                                std::to_string(xs.dim(0) - 1) + ")");
  const Tensor x = take_rows(xs, {k});
  const auto outs = eval_outputs(*exp_->model, x);
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < outs.size(); ++l) {
    if (outs[l].rank() != 4) continue;
    Shape maps = outs[l].shape();
    maps.erase(maps.begin());
    nlohmann::json& layer = layers.emplace_back();
    layer["index"] = l;
    layer["name"] = "layers." + std::to_string(l);
    layer["type"] = exp_->spec.layers.at(l).type;
    layer["maps"] = tensor_json(outs[l].reshape(maps));
  }
  Shape image = x.shape();
  image.erase(image.begin());
  nlohmann::json j;
  j["split"] = test ? "test" : "train";
  j["example"] = k;
  j["input"] = tensor_json(x.reshape(image));
  j["target"] = ys.rank() == 1 ? nlohmann::json(static_cast<double>(ys[k])) : nlohmann::json(nullptr);
  j["layers"] = std::move(layers);
  const Tensor& out = outs.back();
  if (exp_->trainer->objective().is_classification() && out.rank() == 2)
    j["predicted"] = static_cast<std::int64_t>(argmax(out, 1)[0]);
  return j;
}

nlohmann::json SupervisedRunner::image_predictions_snapshot() {
  const Dataset& d = exp_->data;
  const ExampleRows rows = first_examples(d, kGridImages);
  const auto outs = eval_outputs(*exp_->model, rows.x);
  const Tensor& out = outs.back();
  nlohmann::json j;
  j["split"] = rows.test ? "test" : "train";
  j["images"] = tensor_json(rows.x);
  j["targets"] = labels_json(rows.y);
  j["class_names"] = d.class_names;
  if (exp_->trainer->objective().is_classification() && out.rank() == 2 && rows.y.rank() == 1) {
    const Tensor pred = argmax(out, 1);
    std::int64_t right = 0;
    for (std::int64_t i = 0; i < pred.numel(); ++i) right += pred[i] == rows.y[i];
    j["predicted"] = labels_json(pred);
    j["accuracy"] = static_cast<double>(right) / static_cast<double>(std::max<std::int64_t>(pred.numel(), 1));
  } else {
    j["predicted"] = nullptr;
    j["accuracy"] = nullptr;
  }
  return j;
}

// The first conv layer on the grad batch: its input, its output and the gradient reaching
// its output from one forward/backward (training state kept), against M x + b and dM.
nlohmann::json SupervisedRunner::conv_as_linear_snapshot() {
  const auto found = first_conv(*exp_->model);
  const Conv2d* conv = found.first;
  const std::size_t index = found.second;
  if (!conv) throw_invalid_argument("conv_as_linear: the model has no conv2d layer");
  return traced_grad_pass([&](const SupervisedTrainer::Pass& pass) {
    const auto& outputs = exp_->model->layers().outputs();
    const Tensor& input = index == 0 ? pass.inputs.value() : outputs.at(index - 1).value();
    const Var& output = outputs.at(index);
    const Tensor dy = output.has_grad() ? output.grad() : Tensor::zeros(output.shape());
    const Tensor dW = conv->weight().has_grad() ? conv->weight().grad() : Tensor::zeros(conv->weight().shape());
    return to_json(compare_conv_linear(*conv, "layers." + std::to_string(index), input, output.value(), dy, dW));
  });
}

GRADLAB_END
