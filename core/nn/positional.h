// Positional encodings: add a vector per position to a sequence of feature vectors, so
// order-blind layers (attention) can tell positions apart. Fixed sinusoids or a learned table.
//
// Shape letters: B batch, T sequence length (T <= L), D model width (dim), L max_len.
//
//   SinusoidalPositionalEncoding pe(/*max_len=*/64, /*dim=*/16);
//   Var y = pe.forward(x);          // x [B, T, 16] -> y [B, T, 16], y = x + PE[:T]
#pragma once

#include "nn/module.h"
#include "tensor/rng.h"

GRADLAB_BEGIN

// Vaswani et al. 2017:  PE[pos, 2i] = sin(pos / 10000^(2i/D)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/D)).
// (An odd D ends with a sine column.) No parameters and no buffers: the table is a pure
// function of (L, D), so it is not saved in checkpoints.
// forward: x [B, T, D] -> x + PE[:T] (broadcast over B). T > L is an error.
class SinusoidalPositionalEncoding : public Layer {
 public:
  SinusoidalPositionalEncoding(std::int64_t max_len, std::int64_t dim);
  std::string type_name() const override { return "SinusoidalPositionalEncoding"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const Tensor& table() const { return table_; }  // PE, [L, D]

 private:
  std::int64_t max_len_, dim_;
  Tensor table_;
};

// A learned table, weight [L, D], initialised N(0, 1) as an nn.Embedding(L, D) would be.
// forward: x [B, T, D] -> x + weight[:T] (broadcast over B). T > L is an error.
class LearnedPositionalEncoding : public Layer {
 public:
  LearnedPositionalEncoding(std::int64_t max_len, std::int64_t dim, Rng& rng);
  std::string type_name() const override { return "LearnedPositionalEncoding"; }
  Var forward(const Var& x) override;
  Shape output_shape(const Shape& in) const override;
  const Var& weight() const { return weight_; }

 private:
  std::int64_t max_len_, dim_;
  Var weight_;
};

GRADLAB_END
