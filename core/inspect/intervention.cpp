#include "inspect/intervention.h"
#include "support/throw.h"

#include <cmath>

GRADLAB_BEGIN

namespace {

void apply(Recurrent& layer, const std::vector<GateClamp>& clamps) {
  for (const auto& c : clamps) layer.clamp_gate(c.gate, c.value, c.layer, c.direction);
}

// Puts the layer back to `restore` when it goes out of scope, also on an exception.
class ClampRestorer {
 public:
  ClampRestorer(Recurrent& layer, const std::vector<GateClamp>& restore) : layer_(layer), restore_(restore) {}
  ~ClampRestorer() {
    layer_.clear_clamps();
    try {
      apply(layer_, restore_);
    } catch (...) {  // a bad `restore` (already reported by the body): leave no clamps, never throw here
      layer_.clear_clamps();
    }
  }
  ClampRestorer(const ClampRestorer&) = delete;
  ClampRestorer& operator=(const ClampRestorer&) = delete;

 private:
  Recurrent& layer_;
  const std::vector<GateClamp>& restore_;
};

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

InterventionResult clamp_intervention(Recurrent& layer, const std::vector<GateClamp>& clamps,
                                      FunctionRef<double()> loss, const std::vector<GateClamp>& restore) {
  if (!loss) throw_invalid_argument("clamp_intervention: the loss callable is empty");
  InterventionResult r;
  r.clamps = clamps;
  ClampRestorer restorer(layer, restore);
  layer.clear_clamps();
  apply(layer, restore);  // also validates `restore` before anything is evaluated
  r.loss_before = loss();
  apply(layer, clamps);
  r.loss_after = loss();
  return r;
}

ClampSweep clamp_sweep(Recurrent& layer, const std::string& gate, const std::vector<double>& values,
                       FunctionRef<double()> loss, int layer_index, int direction,
                       const std::vector<GateClamp>& restore) {
  if (!loss) throw_invalid_argument("clamp_sweep: the loss callable is empty");
  ClampSweep s;
  s.gate = gate;
  s.layer = layer_index;
  s.direction = direction;
  s.values = values;
  ClampRestorer restorer(layer, restore);
  layer.clear_clamps();
  apply(layer, restore);
  s.loss_before = loss();
  for (double v : values) {
    layer.clear_clamps();
    apply(layer, restore);
    layer.clamp_gate(gate, v, layer_index, direction);
    s.losses.push_back(loss());
  }
  return s;
}

nlohmann::json to_json(const GateClamp& c) {
  nlohmann::json o;
  o["gate"] = c.gate;
  o["value"] = c.value;
  o["layer"] = c.layer;
  o["direction"] = c.direction;
  return o;
}

nlohmann::json to_json(const InterventionResult& r) {
  nlohmann::json clamps = nlohmann::json::array();
  for (const auto& c : r.clamps) clamps.push_back(to_json(c));
  nlohmann::json o;
  o["clamps"] = std::move(clamps);
  o["loss_before"] = number(r.loss_before);
  o["loss_after"] = number(r.loss_after);
  o["delta"] = number(r.delta());
  return o;
}

nlohmann::json to_json(const ClampSweep& s) {
  nlohmann::json losses = nlohmann::json::array();
  for (double v : s.losses) losses.push_back(number(v));
  nlohmann::json o;
  o["gate"] = s.gate;
  o["layer"] = s.layer;
  o["direction"] = s.direction;
  o["loss_before"] = number(s.loss_before);
  o["values"] = s.values;
  o["losses"] = std::move(losses);
  return o;
}

GRADLAB_END
