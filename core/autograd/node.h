// Node: what the tape stores per Var. Internal to autograd; ops use Var and record().
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

struct Node {
  Tensor value;
  Var grad;  // accumulated gradient (leaves, and non-leaves that retain it)
  bool requires_grad = false;
  bool retain_grad = false;
  const char* op = "leaf";
  std::string name;
  std::vector<Var> inputs;
  BackwardFn backward;
  std::vector<GradHook> hooks;
};

GRADLAB_END
