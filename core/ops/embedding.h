// Embedding lookup (a gather of weight rows by integer id) and its adjoint, the
// scatter-add. Each is the other's backward, so gradients of any order work through them.
//
// Shape letters: V vocabulary size (rows of the table), E embedding width; "..." is the
// indices' own shape (any rank, including a scalar []).
//
//   Var table(rng.normal_tensor({5, 3}, 0, 1), true);
//   Var rows = embedding(table, Tensor::from({2, 2}, {0, 4, 4, 1}));   // [2, 2, 3]
//   sum(rows).backward();    // table.grad() row 4 is 2 (used twice), rows 2, 3 are 0
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

// y[..., :] = weight[indices[...], :]
//   weight [V, E];  indices [...] holding integers (stored as Scalar) in [0, V);  y [..., E].
// dweight += embedding_backward(dy, indices, V): rows of dy add into the rows they were
// read from, so an id used twice gets the sum of both gradients. The indices get no
// gradient. Throws std::invalid_argument if weight is not rank 2, or naming the flat
// position and value of the first index that is not an integer or not in [0, V).
Var embedding(const Var& weight, const Tensor& indices);

// The adjoint of embedding: out[v, :] = sum of dy[..., :] over positions whose index is v.
//   dy [..., E];  indices [...];  out [V, E] (V = num_embeddings).
// Its own backward is embedding(d_out, indices), so it too is differentiable.
// Validates indices as embedding does, and that dy's shape is indices' shape + [E].
Var embedding_backward(const Var& dy, const Tensor& indices, std::int64_t num_embeddings);

GRADLAB_END
