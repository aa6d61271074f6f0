// Embedding layer: a parameter table and the embedding op (ops/embedding.h).
#include "nn/embedding.h"

#include <stdexcept>

#include "ops/embedding.h"
#include "support/throw.h"

GRADLAB_BEGIN

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Rng& rng)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (num_embeddings_ <= 0 || embedding_dim_ <= 0)
    throw_invalid_argument("Embedding(" + std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_) +
                           "): num_embeddings and embedding_dim must be positive");
  weight_ = register_parameter("weight", rng.normal_tensor({num_embeddings_, embedding_dim_}, 0, 1));
}

Var Embedding::forward(const Var& ids) {
  try {
    return embedding(weight_, ids.value());
  } catch (const std::invalid_argument& e) {
    throw_invalid_argument("Embedding(" + std::to_string(num_embeddings_) + ", " +
                           std::to_string(embedding_dim_) + "): " + e.what());
  }
}

Shape Embedding::output_shape(const Shape& in) const {
  Shape out = in;
  out.push_back(embedding_dim_);
  return out;
}

GRADLAB_END
