// Embedding gather and scatter-add: each records the other as its backward.
#include "ops/embedding.h"
#include "support/throw.h"
#include "tensor/strings.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

GRADLAB_BEGIN

namespace {

// Validated ids, shared between an op and the backward closures it records (so later
// writes to the caller's index tensor cannot change a recorded graph).
struct Ids {
  Shape shape;  // the indices' shape, "..."
  std::vector<std::int64_t> flat;
};
using IdsPtr = std::shared_ptr<const Ids>;

std::string number(Scalar v) { return format_g(v); }

IdsPtr checked_ids(const char* op, const Tensor& indices, std::int64_t V) {
  if (!indices.defined()) throw_invalid_argument(std::string(op) + ": indices are an undefined Tensor");
  auto ids = std::make_shared<Ids>();
  ids->shape = indices.shape();
  ids->flat.resize(static_cast<std::size_t>(indices.numel()));
  for (std::int64_t k = 0; k < indices.numel(); ++k) {
    const Scalar v = indices[k];
    if (!std::isfinite(v) || v != std::floor(v))
      throw_invalid_argument(std::string(op) + ": index at flat position " + std::to_string(k) + " is " +
                             number(v) + ", not an integer; ids must be whole numbers in [0, " +
                             std::to_string(V) + ")");
    if (v < 0 || v >= static_cast<Scalar>(V))
      throw_invalid_argument(std::string(op) + ": index at flat position " + std::to_string(k) + " is " +
                             number(v) + ", out of range [0, " + std::to_string(V) + ") for a table of " +
                             std::to_string(V) + " embeddings");
    ids->flat[static_cast<std::size_t>(k)] = static_cast<std::int64_t>(v);
  }
  return ids;
}

Var scatter(const Var& dy, const IdsPtr& ids, std::int64_t V);

// y[k, :] = weight[ids[k], :];  dweight += scatter(dy)
Var gather(const Var& weight, const IdsPtr& ids) {
  const std::int64_t E = weight.shape()[1];
  Shape out_shape = ids->shape;
  out_shape.push_back(E);
  Tensor y(out_shape);
  const Scalar* w = weight.value().data();
  Scalar* py = y.data();
  for (std::size_t k = 0; k < ids->flat.size(); ++k)
    std::copy(w + ids->flat[k] * E, w + (ids->flat[k] + 1) * E, py + static_cast<std::int64_t>(k) * E);
  return record("embedding", {weight}, std::move(y), [ids](Grads& g, const Var& dy) {
    g.accumulate(0, scatter(dy, ids, g.input(0).shape()[0]));
  });
}

// out[ids[k], :] += dy[k, :];  d(dy) += gather(d_out)
Var scatter(const Var& dy, const IdsPtr& ids, std::int64_t V) {
  const std::int64_t E = dy.shape().back();
  // Accumulate in double: a frequent id collects many rows.
  std::vector<double> acc(static_cast<std::size_t>(V * E), 0.0);
  const Scalar* pd = dy.value().data();
  for (std::size_t k = 0; k < ids->flat.size(); ++k) {
    double* row = acc.data() + ids->flat[k] * E;
    const Scalar* src = pd + static_cast<std::int64_t>(k) * E;
    for (std::int64_t e = 0; e < E; ++e) row[e] += src[e];
  }
  Tensor out({V, E});
  for (std::int64_t i = 0; i < out.numel(); ++i) out[i] = static_cast<Scalar>(acc[static_cast<std::size_t>(i)]);
  return record("embedding_backward", {dy}, std::move(out), [ids](Grads& g, const Var& d_out) {
    g.accumulate(0, gather(d_out, ids));
  });
}

}  // namespace

Var embedding(const Var& weight, const Tensor& indices) {
  if (weight.rank() != 2)
    throw_invalid_argument("embedding: weight must be [num_embeddings, embedding_dim], got " +
                           to_string(weight.shape()));
  return gather(weight, checked_ids("embedding", indices, weight.shape()[0]));
}

Var embedding_backward(const Var& dy, const Tensor& indices, std::int64_t num_embeddings) {
  if (num_embeddings < 0)
    throw_invalid_argument("embedding_backward: num_embeddings must be >= 0, got " + std::to_string(num_embeddings));
  IdsPtr ids = checked_ids("embedding_backward", indices, num_embeddings);
  Shape expected = ids->shape;
  expected.push_back(dy.rank() > 0 ? dy.shape().back() : 0);
  if (dy.rank() != static_cast<int>(expected.size()) || dy.shape() != expected)
    throw_invalid_argument("embedding_backward: dy of shape " + to_string(dy.shape()) +
                           " does not match indices of shape " + to_string(ids->shape) +
                           "; dy must be the indices' shape + [embedding_dim]");
  return scatter(dy, ids, num_embeddings);
}

GRADLAB_END
