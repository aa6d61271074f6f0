// Node: what the tape stores per Var. Internal to autograd; ops use Var and record().
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

struct Node {
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Iterative: a chain of 200,000 ops would otherwise free itself by recursion (each
  // node's inputs drop the last reference to the node before) and overflow the stack.
  ~Node();

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
