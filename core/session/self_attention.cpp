// The self_attention snapshot: for a model with MultiheadAttention layers (alone or inside
// transformer_encoder_layer), every head's attention map [T x T] for one example (the first
// of the test split, else of the training split), with its tokens on both axes, its target
// and the model's prediction. The view draws one heatmap per head.
#include <algorithm>

#include "inspect/inspect.h"
#include "session/supervised_runner.h"

GRADLAB_BEGIN

namespace {

// A label per step of one example x [T, F] or [T]: the feature name of a one-hot step
// ("A", "B", "a" ... for the order task), the vocabulary entry of a token id, or the
// position ("0", "1", ...) when the steps are neither.
std::vector<std::string> step_tokens(const Dataset& d, const Tensor& x) {
  std::vector<std::string> out;
  const std::int64_t T = x.dim(1);
  if (x.rank() == 2 && !d.vocab.empty()) {  // token ids [1, T]
    for (std::int64_t t = 0; t < T; ++t) {
      const auto id = static_cast<std::int64_t>(x[t]);
      out.push_back(id >= 0 && id < static_cast<std::int64_t>(d.vocab.size()) ? d.vocab[static_cast<std::size_t>(id)] : "?");
    }
    return out;
  }
  if (x.rank() != 3 || x.dim(2) != static_cast<std::int64_t>(d.feature_names.size())) return {};
  const std::int64_t F = x.dim(2);
  for (std::int64_t t = 0; t < T; ++t) {
    const Scalar* row = x.data() + t * F;
    const std::int64_t hot = std::max_element(row, row + F) - row;
    const bool one_hot = std::count(row, row + F, Scalar(0)) == F - 1 && row[hot] == Scalar(1);
    if (!one_hot) return {};
    out.push_back(d.feature_names[static_cast<std::size_t>(hot)]);
  }
  return out;
}

}  // namespace

bool SupervisedRunner::self_attention_available() const { return has_self_attention(*exp_->model); }

nlohmann::json SupervisedRunner::self_attention_snapshot() {
  const Dataset& d = exp_->data;
  const auto [x, y, test] = first_examples(d, 1);
  const Tensor out = eval_forward(x);  // and every attention layer keeps its weights
  const std::vector<std::string> tokens = step_tokens(d, x);
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& m : self_attention_maps(*exp_->model, 0, tokens)) layers.push_back(to_json(m));
  nlohmann::json o;
  o["split"] = test ? "test" : "train";
  o["index"] = 0;
  o["tokens"] = tokens;
  o["target"] = tensor_json(y);
  o["output"] = tensor_json(out);
  o["layers"] = layers;
  return o;
}

GRADLAB_END
