// Token <-> id helpers shared by the text and translation datasets and their users.
#include "data/vocab.h"
#include "support/throw.h"

#include <algorithm>
#include <stdexcept>

GRADLAB_BEGIN

std::int64_t token_id(const std::vector<std::string>& vocab, const std::string& token) {
  const auto it = std::find(vocab.begin(), vocab.end(), token);
  if (it == vocab.end())
    throw_invalid_argument("token \"" + token + "\" is not in the vocabulary (" + std::to_string(vocab.size()) +
                           " tokens)");
  return static_cast<std::int64_t>(it - vocab.begin());
}

std::vector<std::string> decode_row(const std::vector<std::string>& vocab, const Tensor& ids, std::int64_t row) {
  if (ids.rank() != 1 && ids.rank() != 2)
    throw_invalid_argument("decode_row needs ids of shape [N, L] or [L], got " + to_string(ids.shape()));
  const std::int64_t len = ids.dim(-1);
  const std::int64_t rows = ids.rank() == 2 ? ids.dim(0) : 1;
  if (row < 0 || row >= rows)
    throw_invalid_argument("decode_row: row " + std::to_string(row) + " is out of range (allowed: 0 to " +
                           std::to_string(rows - 1) + ")");
  const bool specials =
      vocab.size() > 2 && vocab[kPadId] == kPadToken && vocab[kBosId] == kBosToken && vocab[kEosId] == kEosToken;
  std::vector<std::string> out;
  for (std::int64_t k = 0; k < len; ++k) {
    const auto id = static_cast<std::int64_t>(ids[row * len + k]);
    if (id < 0 || id >= static_cast<std::int64_t>(vocab.size()))
      throw_invalid_argument("decode_row: id " + std::to_string(id) + " at position " + std::to_string(k) +
                             " is outside the vocabulary (allowed: 0 to " + std::to_string(vocab.size() - 1) +
                             ")");
    if (specials && id == kEosId) break;
    if (specials && (id == kPadId || id == kBosId)) continue;
    out.push_back(vocab[static_cast<std::size_t>(id)]);
  }
  return out;
}

std::string join_tokens(const std::vector<std::string>& tokens, const std::string& separator) {
  std::string s;
  for (std::size_t i = 0; i < tokens.size(); ++i) s += (i ? separator : "") + tokens[i];
  return s;
}

GRADLAB_END
