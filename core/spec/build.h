// Building an experiment from a validated spec: the dataset (or explicit batch), the
// model, optimizer, schedule and trainer. Problems that only show once the data is known
// (a model whose first layer does not fit the dataset) are SpecErrors with pointers,
// raised before the model is allocated.
#pragma once

#include <memory>

#include "data/dataset.h"
#include "nn/layers.h"
#include "spec/spec.h"
#include "train/supervised.h"

GRADLAB_BEGIN

// The model a spec describes: its layers under "layers", so parameter names read
// "layers.0.weight" as in a PyTorch module with self.layers = nn.Sequential(...).
class SpecModel : public Layer {
 public:
  explicit SpecModel(std::shared_ptr<Sequential> layers) : layers_(register_module("layers", std::move(layers))) {}
  std::string type_name() const override { return "Model"; }
  Var forward(const Var& x) override { return layers_->forward(x); }
  Shape output_shape(const Shape& in) const override { return layers_->output_shape(in); }
  Sequential& layers() { return *layers_; }

 private:
  std::shared_ptr<Sequential> layers_;
};

struct Experiment {
  ExperimentSpec spec;
  Dataset data;  // for an explicit batch: x_train = inputs, y_train = targets, no test split
  Rng dropout_rng{0, 0xd509};  // dropout masks (seeded from the spec; saved in checkpoints)
  std::shared_ptr<SpecModel> model;
  std::unique_ptr<SupervisedTrainer> trainer;
};

// DatasetOptions from the spec's data.options, checked against the dataset catalog;
// issues are recorded with pointers under /data.
DatasetOptions dataset_options(const DataSpec& data, std::vector<SpecIssue>& issues);

std::unique_ptr<Experiment> build_experiment(ExperimentSpec spec);

// A first `embedding` layer must have a row for every token id the data can hold: the
// dataset's whole vocabulary when it has one (a test or later batch may hold any token),
// else the largest id in the inputs + 1 (an explicit batch). Ids must be whole numbers
// >= 0. Issues at the layer's num_embeddings (or at /data/batch/inputs for a bad id). Called by
// check_model (session/validate.h), which validate and the Session share.
void check_token_inputs(const std::vector<LayerSpec>& layers, const Dataset& data, const std::string& inputs_pointer,
                        std::vector<SpecIssue>& issues);

// The spec's /model/layers as a Sequential (validated spec; `rng` initialises the
// parameters, `dropout_rng` is kept by Dropout layers), and its /optimizer over `params`:
// the pieces build_experiment uses, for model kinds that wrap the layers (diffusion).
std::shared_ptr<Sequential> build_layer_stack(const ExperimentSpec& spec, Rng& rng, Rng& dropout_rng);
std::unique_ptr<Optimizer> build_optimizer(const NamedConfig& optimizer, const NamedParams& params);
// /model/parameters into `model` (names and shapes checked first: SpecError at
// /model/parameters/NAME, nothing loaded).
void load_spec_parameters(const ExperimentSpec& spec, Module& model);

// The batch `grad` and `check` use: the explicit batch, or the first batch_size
// training examples.
std::pair<Tensor, Tensor> reference_batch(const Experiment& exp);

GRADLAB_END
