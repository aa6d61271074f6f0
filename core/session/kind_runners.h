// Runners for the seq2seq, GAN and diffusion model kinds (the supervised one is supervised_runner.h).
#pragma once

#include <memory>

#include "session/runner.h"

GRADLAB_BEGIN

std::unique_ptr<Runner> make_seq2seq_runner(const ExperimentSpec& spec);
std::unique_ptr<Runner> make_gan_runner(const ExperimentSpec& spec);
std::unique_ptr<Runner> make_diffusion_runner(const ExperimentSpec& spec);

// The dataset a spec names, made with its options (issues under /data). required_task
// nullptr accepts any task; max_samples > 0 caps n_samples (for validation, which only
// needs the shapes).
struct Dataset;
Dataset spec_dataset(const ExperimentSpec& spec, const char* required_task, int max_samples = 0);

// The 2-D points a diffusion model learns (a gan target or a 2-D classification set's
// inputs; SpecError at /data/dataset otherwise), and its noise network summarised: the
// spec's layers on [B, 2 + time_embed_dim] -> [B, H], then out = Linear(H, 2), issues at
// their pointers; H goes to *hidden.
Dataset diffusion_dataset(const ExperimentSpec& spec, int max_samples = 0);
std::vector<LayerSummary> diffusion_layers(const ExperimentSpec& spec, const Dataset& d, std::vector<SpecIssue>& issues,
                                           std::int64_t* hidden);

GRADLAB_END
