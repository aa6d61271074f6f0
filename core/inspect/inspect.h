// Inspection probes: plain-data snapshots of values, gradients and the tape, each with a
// to_json for the session to hand out unchanged. One header per probe family:
//   params.h            value/gradient statistics and histograms per named parameter
//   recurrent_probe.h   per-step gradient norms, gate maps, saturation, step Jacobians
//   intervention.h      clamp gates of a trained recurrent layer and compare the loss
//   attention_map.h     attention weights of one batch element with tokens
//   field.h             decision boundaries and GAN critic fields on a 2-D grid
//   graph.h             the computation graph of a tiny scalar network (chain rule view)
//   gradcheck_report.h  finite-difference gradient check per parameter
//   conv_linear.h       a conv layer as its dense, sparse, tied Linear matrix
#pragma once

#include "inspect/attention_map.h"
#include "inspect/conv_linear.h"
#include "inspect/field.h"
#include "inspect/gradcheck_report.h"
#include "inspect/graph.h"
#include "inspect/intervention.h"
#include "inspect/json.h"
#include "inspect/params.h"
#include "inspect/recurrent_probe.h"
