// 2-D fields: evaluate a model of a 2-D input on a grid over a rectangle, for the
// background of a scatter plot. A classifier gives class probabilities and the predicted
// class per point (the decision boundary); a regressor its value; a GAN's discriminator or
// critic its score, and at given generated samples the gradient dD/dx that pulls them.
//
// Grid layout: nx points per row from x_min to x_max inclusive, ny rows from y_min (row
// 0, the bottom) to y_max (row ny - 1); point (row j, column k) is flat index j * nx + k.
// The model runs in eval mode (dropout off, batch norm on running statistics; its training
// flag is restored afterwards), in chunks of at most 4096 points, without recording a tape.
//
//   DecisionField f = decision_field(*net, {.x_min = -2, .x_max = 2, .y_min = -2, .y_max = 2,
//                                           .nx = 100, .ny = 100}, "softmax");
//   f.values;     // [100, 100, C] class probabilities
//   f.predicted;  // [100, 100] argmax class
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/module.h"
#include "train/objective.h"

GRADLAB_BEGIN

struct GridSpec {
  double x_min = -1, x_max = 1, y_min = -1, y_max = 1;  // finite, min < max
  int nx = 50, ny = 50;                                 // 2 .. 2048 each
};

// The grid's points [ny * nx, 2] in the layout above; throws std::invalid_argument for a
// bad rectangle or resolution.
Tensor grid_points(const GridSpec& grid);

// How raw model outputs [N, C] become the field's values:
//   "softmax"   logits -> class probabilities (cross_entropy);  predicted = argmax
//   "exp"       log-probabilities -> probabilities (nll after log_softmax);  predicted = argmax
//   "sigmoid"   logits -> probabilities per output (bce_with_logits); with C = 1 it is
//               p(class 1) and predicted = [p > 0.5], otherwise predicted = argmax
//   "identity"  the value itself (regression, a WGAN critic); no predicted class
const std::vector<std::string>& field_outputs();
// The transform that matches an objective: cross_entropy -> softmax, nll -> exp,
// bce_with_logits -> sigmoid, anything else -> identity.
std::string field_output_for(const Objective& objective);

struct DecisionField {
  GridSpec grid;
  std::string output;           // one of field_outputs()
  bool classification = false;  // output != "identity"
  std::int64_t channels = 0;    // C
  Tensor values;                // [ny, nx, C]
  Tensor predicted;             // [ny, nx] class index (classification only; undefined otherwise)
};

// `model` maps [N, 2] -> [N, C]. Throws std::invalid_argument if it does not, or for an
// unknown output (listing field_outputs()).
DecisionField decision_field(Layer& model, const GridSpec& grid, const std::string& output);

// A discriminator/critic D: [N, 2] -> [N, 1] (or [N]), on the grid. output "identity" gives
// the raw score (WGAN critic, or the logit of a GAN discriminator), "sigmoid" D's
// probability that x is real. With `with_gradient`, also dD/dx at every grid point.
struct CriticField {
  GridSpec grid;
  std::string output;
  Tensor values;    // [ny, nx]
  Tensor gradient;  // [ny, nx, 2] dD/dx (with_gradient only)
};
CriticField critic_field(Layer& critic, const GridSpec& grid, const std::string& output = "identity",
                         bool with_gradient = false);

// At given samples x [N, 2] (generated points G(z)): D(x) and its gradient dD/dx, by
// autograd::grad through the critic (a sum over the batch, exact because in eval mode the
// rows do not interact). The generator objective -D(G(z)) has gradient -dD/dx with respect
// to each sample, so a generator step moves samples along +dD/dx: `gradient` is the arrow
// to draw. (With output "sigmoid" it is d sigmoid(D)/dx, a positive multiple of the logit's
// gradient, so the same direction as the non-saturating loss -log D(G(z)) pulls.)
struct SampleGradients {
  std::string output;
  Tensor samples;   // [N, 2]
  Tensor values;    // [N] D(x)
  Tensor gradient;  // [N, 2] dD(x)/dx
};
SampleGradients critic_gradients(Layer& critic, const Tensor& samples, const std::string& output = "identity");

nlohmann::json to_json(const GridSpec& g);
nlohmann::json to_json(const DecisionField& f);
nlohmann::json to_json(const CriticField& f);
nlohmann::json to_json(const SampleGradients& s);

GRADLAB_END
