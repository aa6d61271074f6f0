// Vocabularies for token datasets: a std::vector<std::string> whose index is the token id.
// Token datasets that need them put <pad> = 0, <bos> = 1, <eos> = 2 first (next_word,
// dates, number_words); char_lm has no special tokens.
//
//   token_id(d.target_vocab, "<eos>");                 // 2
//   decode_row(d.target_vocab, d.y_train, 0);           // {"2", "0", "2", "1", "-", ...}
#pragma once

#include <string>
#include <vector>

#include "tensor/tensor.h"

GRADLAB_BEGIN

inline constexpr const char* kPadToken = "<pad>";
inline constexpr const char* kBosToken = "<bos>";
inline constexpr const char* kEosToken = "<eos>";
inline constexpr std::int64_t kPadId = 0, kBosId = 1, kEosId = 2;

// The id of `token`; throws std::invalid_argument if it is not in the vocabulary.
std::int64_t token_id(const std::vector<std::string>& vocab, const std::string& token);

// Row `row` of an id tensor [N, L] (or all of a 1-D tensor [L] with row 0) as tokens:
// <bos> and <pad> are skipped and decoding stops at <eos>. Throws on an id outside the vocabulary.
std::vector<std::string> decode_row(const std::vector<std::string>& vocab, const Tensor& ids, std::int64_t row);

// Tokens joined with `separator` ("" for characters, " " for words).
std::string join_tokens(const std::vector<std::string>& tokens, const std::string& separator = " ");

GRADLAB_END
