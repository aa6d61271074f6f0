// Sinusoidal and learned positional encodings.
#include "nn/positional.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ops/ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

std::string layer_label(const char* type, std::int64_t max_len, std::int64_t dim) {
  return std::string(type) + "(max_len=" + std::to_string(max_len) + ", dim=" + std::to_string(dim) + ")";
}

void check_sizes(const char* type, std::int64_t max_len, std::int64_t dim) {
  if (max_len <= 0 || dim <= 0)
    throw_invalid_argument(layer_label(type, max_len, dim) + ": max_len and dim must be positive");
}

// x must be [B, T, D] with D = dim and T <= max_len; returns T.
std::int64_t checked_length(const char* type, std::int64_t max_len, std::int64_t dim, const Shape& x) {
  const std::string label = layer_label(type, max_len, dim);
  if (x.size() != 3)
    throw_invalid_argument(label + ": expects input [batch, time, " + std::to_string(dim) + "], got " +
                           to_string(x));
  if (x[2] != dim)
    throw_invalid_argument(label + ": input " + to_string(x) + " has feature size " + std::to_string(x[2]) +
                           ", expected " + std::to_string(dim));
  if (x[1] > max_len)
    throw_invalid_argument(label + ": sequence length " + std::to_string(x[1]) + " of input " + to_string(x) +
                           " exceeds max_len " + std::to_string(max_len));
  return x[1];
}

}  // namespace

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(std::int64_t max_len, std::int64_t dim)
    : max_len_(max_len), dim_(dim) {
  check_sizes("SinusoidalPositionalEncoding", max_len, dim);
  table_ = Tensor({max_len_, dim_});
  for (std::int64_t pos = 0; pos < max_len_; ++pos)
    for (std::int64_t c = 0; c < dim_; ++c) {
      const std::int64_t two_i = c - c % 2;  // columns 2i and 2i+1 share a frequency
      const double angle = static_cast<double>(pos) / std::pow(10000.0, static_cast<double>(two_i) / static_cast<double>(dim_));
      table_[pos * dim_ + c] = static_cast<Scalar>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
}

Var SinusoidalPositionalEncoding::forward(const Var& x) {
  const std::int64_t T = checked_length("SinusoidalPositionalEncoding", max_len_, dim_, x.shape());
  Tensor pe({T, dim_});
  std::copy(table_.data(), table_.data() + T * dim_, pe.data());
  return add(x, Var(std::move(pe)));
}

Shape SinusoidalPositionalEncoding::output_shape(const Shape& in) const {
  checked_length("SinusoidalPositionalEncoding", max_len_, dim_, in);
  return in;
}

LearnedPositionalEncoding::LearnedPositionalEncoding(std::int64_t max_len, std::int64_t dim, Rng& rng)
    : max_len_(max_len), dim_(dim) {
  check_sizes("LearnedPositionalEncoding", max_len, dim);
  weight_ = register_parameter("weight", rng.normal_tensor({max_len_, dim_}, 0, 1));
}

// Rows 0..T-1 of the table, through the embedding op so the gradient lands on exactly
// those rows (and stays differentiable for create_graph).
Var LearnedPositionalEncoding::forward(const Var& x) {
  const std::int64_t T = checked_length("LearnedPositionalEncoding", max_len_, dim_, x.shape());
  Tensor positions({T});
  for (std::int64_t t = 0; t < T; ++t) positions[t] = static_cast<Scalar>(t);
  return add(x, embedding(weight_, positions));
}

Shape LearnedPositionalEncoding::output_shape(const Shape& in) const {
  checked_length("LearnedPositionalEncoding", max_len_, dim_, in);
  return in;
}

GRADLAB_END
