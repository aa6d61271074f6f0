// Helpers shared by the spec's .cpp files (not part of the public API).
#pragma once

#include "spec/spec.h"

GRADLAB_BEGIN

LayerSpec parse_layer(const nlohmann::json& j, const std::string& pointer, std::vector<SpecIssue>& issues, int depth = 0);

// The names "init" accepts ("default" first).
const std::vector<std::string>& init_names();
// Reads the optional init_* scale fields of a layer or the model into `c` (only those given).
void parse_init_scale(Reader& r, nlohmann::json& c);
// Every layer's own scale fields against the init it ends up with, and the model's against
// /model/init (at `pointer`): a field its init does not take is an issue at that field.
void check_init_scales(const std::vector<LayerSpec>& layers, const InitChoice& model, std::vector<SpecIssue>& issues);
void check_model_init_scale(const InitChoice& model, const std::string& pointer, std::vector<SpecIssue>& issues);
// A final_state layer learns hidden_size and bidirectional from the recurrent layer
// directly before it; anywhere else it is an issue at its pointer.
void link_final_states(std::vector<LayerSpec>& layers, std::vector<SpecIssue>& issues);

// The fields of model kinds other than "sequential", read from the model object.
void parse_seq2seq_model(Reader& model, nlohmann::json& config);
void parse_gan_model(Reader& model, nlohmann::json& config, std::vector<SpecIssue>& issues);
void parse_diffusion_model(Reader& model, nlohmann::json& config);

// /loss/seed against the objective it multiplies: one number ([]) for a loss, the model's
// output shape `out` for loss type "output" (its first, batch dimension compared only when
// `batch_known`: an explicit batch). An issue at /loss/seed otherwise.
void check_loss_seed(const LossSpec& loss, const Shape& out, bool batch_known, std::vector<SpecIssue>& issues);

GRADLAB_END
