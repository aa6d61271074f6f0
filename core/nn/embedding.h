// Embedding: a learned table of word vectors, looked up by integer id (torch.nn.Embedding).
//
// Shape letters: V num_embeddings (vocabulary), E embedding_dim, B batch, n context length.
//
// Next-word prediction (Bengio et al. 2003) concatenates the previous n words' vectors:
//   ids [B, n] -> embedding -> [B, n, E] -> reshape({B, n * E}) -> Linear(n * E, H) ...
// The reshape keeps word order: columns [j*E, (j+1)*E) hold context word j, so the next
// layer sees *which* word came where (swapping two context words changes its output),
// unlike an average of the vectors.
//
//   Embedding emb(100, 16, rng);
//   Var ids(Tensor::from({2, 3}, {4, 8, 15, 16, 23, 42}));   // [B, n] = [2, 3]
//   Var x = reshape(emb.forward(ids), {2, 3 * 16});          // [2, 48]
#pragma once

#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// weight [V, E], initialised N(0, 1) as PyTorch.
// forward: ids [...] (integers stored as Scalar, in [0, V)) -> [..., E]. The ids receive
// no gradient; weight rows used twice accumulate both gradients.
class Embedding : public Layer {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Rng& rng);
  std::string type_name() const override { return "Embedding"; }
  Var forward(const Var& ids) override;
  Shape output_shape(const Shape& in) const override;  // in + [E]
  const Var& weight() const { return weight_; }
  std::int64_t num_embeddings() const { return num_embeddings_; }
  std::int64_t embedding_dim() const { return embedding_dim_; }

 private:
  std::int64_t num_embeddings_, embedding_dim_;
  Var weight_;
};

GRADLAB_END
