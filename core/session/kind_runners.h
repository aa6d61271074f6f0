// Runners for the seq2seq and GAN model kinds (the supervised one is supervised_runner.h).
#pragma once

#include <memory>

#include "session/runner.h"

GRADLAB_BEGIN

std::unique_ptr<Runner> make_seq2seq_runner(const ExperimentSpec& spec);
std::unique_ptr<Runner> make_gan_runner(const ExperimentSpec& spec);

// The dataset a spec names, made with its options (issues under /data). required_task
// nullptr accepts any task; max_samples > 0 caps n_samples (for validation, which only
// needs the shapes).
struct Dataset;
Dataset spec_dataset(const ExperimentSpec& spec, const char* required_task, int max_samples = 0);

GRADLAB_END
