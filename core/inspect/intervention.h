// Interventions: change one thing inside a trained model, re-evaluate, put it back. Here:
// clamp gates of a Recurrent layer (Recurrent::clamp_gate) and compare the loss, e.g.
// "what does this LSTM lose if its forget gate is stuck at 0?".
//
//   auto r = clamp_intervention(lstm, {{.gate = "f", .value = 0}},
//                               [&] { return trainer.evaluate(x_test, y_test).loss; });
//   r.loss_before; r.loss_after;    // the layer has no clamps afterwards
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/function_ref.h"
#include "nn/recurrent.h"

GRADLAB_BEGIN

// One Recurrent::clamp_gate call: gate "i", "f", "g", "o" (LSTM) or "r", "z" (GRU);
// value in [0, 1] ([-1, 1] for g); layer / direction -1 means all.
struct GateClamp {
  std::string gate{};
  double value = 0;
  int layer = -1, direction = -1;
};

struct InterventionResult {
  std::vector<GateClamp> clamps;
  double loss_before = 0;  // with the layer as it was (including the clamps in `restore`)
  double loss_after = 0;   // with `clamps` applied on top
  double delta() const { return loss_after - loss_before; }
};

// Evaluates `loss` (any callable computing a number from the model; it may run forward
// only, or forward and backward) before and after applying `clamps`, then restores the
// layer: clear_clamps() and re-applies `restore`. Recurrent does not expose its current
// clamps, so pass in `restore` the clamps that were active before the call (none usually).
// The layer is restored also when `loss` or a clamp throws (a bad gate or value throws
// std::invalid_argument from clamp_gate, naming what is allowed).
InterventionResult clamp_intervention(Recurrent& layer, const std::vector<GateClamp>& clamps,
                                      FunctionRef<double()> loss, const std::vector<GateClamp>& restore = {});

// The loss for each clamp value of one gate (a slider's curve): one clamp_intervention per
// value, all sharing loss_before. Restores the layer the same way.
struct ClampSweep {
  std::string gate;
  int layer = -1, direction = -1;
  double loss_before = 0;
  std::vector<double> values, losses;
};
ClampSweep clamp_sweep(Recurrent& layer, const std::string& gate, const std::vector<double>& values,
                       FunctionRef<double()> loss, int layer_index = -1, int direction = -1,
                       const std::vector<GateClamp>& restore = {});

nlohmann::json to_json(const GateClamp& c);
nlohmann::json to_json(const InterventionResult& r);
nlohmann::json to_json(const ClampSweep& s);

GRADLAB_END
