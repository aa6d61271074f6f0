// The text bundled for char_lm and next_word (nursery rhymes and Aesop fables, public domain;
// see text_corpus.cpp for the sources) and the tokenisers those datasets use.
//
//   std::string text = bundled_text();             // lower case, pieces joined by "\n\n"
//   auto words = word_tokens("Jack fell down!");   // {"jack", "fell", "down", "."}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tensor/scalar.h"

GRADLAB_BEGIN

// The pieces (one rhyme or fable each) in their original case and punctuation.
const std::vector<std::string_view>& bundled_text_pieces();

// What char_lm reads: every piece in lower case, joined by blank lines.
std::string bundled_text();

// What next_word reads from one piece: lower-case words (letters and inner apostrophes);
// "." stands for every sentence end (. ! ?); other punctuation is dropped.
std::vector<std::string> word_tokens(std::string_view piece);

GRADLAB_END
