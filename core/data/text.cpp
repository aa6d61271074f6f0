// Text datasets over the bundled corpus:
//   char_lm    x [N, T] character ids, y [N, T] the next character of each (x shifted by one);
//              train windows from the first (1 - test_fraction) of the text, test windows from the rest
//   next_word  x [N, n] the previous n word ids (<bos> before a piece starts), y [N] the next
//              word id (<eos> after a piece ends); all positions, shuffled, split by test_fraction
#include "data/text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "data/common.h"
#include "data/vocab.h"
#include "support/throw.h"

GRADLAB_BEGIN

std::string bundled_text() {
  std::string text;
  for (const auto& piece : bundled_text_pieces()) {
    if (!text.empty()) text += "\n\n";
    text += piece;
  }
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> word_tokens(std::string_view piece) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '\'') word.pop_back();
    if (!word.empty()) words.push_back(word);
    word.clear();
  };
  for (char ch : piece) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c)) {
      word += static_cast<char>(std::tolower(c));
    } else if (c == '\'' && !word.empty()) {
      word += '\'';
    } else {
      flush();
      if (c == '.' || c == '!' || c == '?') words.push_back(".");
    }
  }
  flush();
  return words;
}

namespace data_detail {
namespace {

struct Regions {
  std::int64_t train_end, length;  // train [0, train_end), test [train_end, length)
};

Regions char_regions(std::int64_t length, double test_fraction) {
  return {length - static_cast<std::int64_t>(static_cast<double>(length) * test_fraction), length};
}

Dataset char_lm(const Resolved& r) {
  const std::string text = bundled_text();
  std::vector<std::string> vocab;
  std::map<char, int> ids;
  for (char c : text) ids.emplace(c, 0);
  for (auto& [c, id] : ids) {
    id = static_cast<int>(vocab.size());
    vocab.emplace_back(1, c);
  }
  const std::int64_t t = r.seq_len;
  const std::int64_t n_test = test_count(r.n_samples, r.test_fraction);
  const std::int64_t n_train = r.n_samples - n_test;
  const Regions regions = char_regions(static_cast<std::int64_t>(text.size()), r.test_fraction);
  Rng rng(r.seed);
  // A window at offset o: x = text[o, o + T), y = text[o + 1, o + T + 1), inside [begin, end).
  auto windows = [&](std::int64_t count, std::int64_t begin, std::int64_t end, Tensor& x, Tensor& y) {
    std::vector<double> xs, ys;
    xs.reserve(static_cast<std::size_t>(count * t));
    ys.reserve(static_cast<std::size_t>(count * t));
    for (std::int64_t i = 0; i < count; ++i) {
      const std::int64_t o = begin + rng.below(static_cast<std::uint32_t>(end - begin - t));
      for (std::int64_t k = 0; k < t; ++k) {
        xs.push_back(ids[text[static_cast<std::size_t>(o + k)]]);
        ys.push_back(ids[text[static_cast<std::size_t>(o + k + 1)]]);
      }
    }
    x = to_tensor({count, t}, xs);
    y = to_tensor({count, t}, ys);
  };
  Dataset d;
  d.task = task::language_model;
  windows(n_train, 0, regions.train_end, d.x_train, d.y_train);
  windows(n_test, regions.train_end, regions.length, d.x_test, d.y_test);
  d.vocab = std::move(vocab);
  d.num_classes = d.input_size = d.output_size = static_cast<std::int64_t>(d.vocab.size());
  d.description = "Next character over " + std::to_string(text.size()) + " characters of nursery rhymes and fables (" +
                  std::to_string(d.num_classes) + " distinct), windows of " + std::to_string(t) + ".";
  return d;
}

struct WordPairs {
  std::vector<std::string> vocab;
  std::vector<std::vector<std::int64_t>> pieces;  // word ids per piece
};

WordPairs word_pieces() {
  std::vector<std::vector<std::string>> tokens;
  std::map<std::string, std::int64_t> ids;
  for (const auto& piece : bundled_text_pieces()) {
    tokens.push_back(word_tokens(piece));
    for (const auto& w : tokens.back()) ids.emplace(w, 0);
  }
  WordPairs p;
  p.vocab = {kPadToken, kBosToken, kEosToken};
  for (auto& [w, id] : ids) {
    id = static_cast<std::int64_t>(p.vocab.size());
    p.vocab.push_back(w);
  }
  for (const auto& words : tokens) {
    p.pieces.emplace_back();
    for (const auto& w : words) p.pieces.back().push_back(ids[w]);
  }
  return p;
}

Dataset next_word(const Resolved& r) {
  const WordPairs p = word_pieces();
  const std::int64_t n_ctx = r.n_context;
  std::vector<double> xs, ys;
  for (const auto& piece : p.pieces) {
    const auto m = static_cast<std::int64_t>(piece.size());
    for (std::int64_t i = 0; i <= m; ++i) {  // i == m predicts <eos>
      for (std::int64_t k = i - n_ctx; k < i; ++k)
        xs.push_back(static_cast<double>(k < 0 ? kBosId : piece[static_cast<std::size_t>(k)]));
      ys.push_back(static_cast<double>(i < m ? piece[static_cast<std::size_t>(i)] : kEosId));
    }
  }
  const auto n = static_cast<std::int64_t>(ys.size());
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  Rng rng(r.seed);
  shuffle(order, rng);
  // The context order (option context_order): a permutation of each row's n positions.
  Rng order_rng(r.seed ^ 0x636f6e74657874ULL);  // its own stream: the examples stay the same
  std::vector<std::int64_t> positions(static_cast<std::size_t>(n_ctx));
  std::vector<double> xs_shuffled, ys_shuffled;
  for (std::int64_t i : order) {
    for (std::int64_t k = 0; k < n_ctx; ++k) positions[static_cast<std::size_t>(k)] = k;
    if (r.context_order == "reversed") std::reverse(positions.begin(), positions.end());
    if (r.context_order == "shuffled") shuffle(positions, order_rng);
    for (std::int64_t k : positions) xs_shuffled.push_back(xs[static_cast<std::size_t>(i * n_ctx + k)]);
    ys_shuffled.push_back(ys[static_cast<std::size_t>(i)]);
  }
  Dataset d;
  d.task = task::language_model;
  split_into(d, to_tensor({n, n_ctx}, xs_shuffled), to_tensor({n}, ys_shuffled), r.test_fraction);
  if (r.context_order == "reversed_at_test") {
    // An order that differs between training and use, on examples the model has seen: the
    // "test" split is the training split with each context reversed, so the only thing it
    // measures is the order (held-out next words would mostly be unseen contexts).
    d.x_test = d.x_train.clone();
    d.y_test = d.y_train.clone();
    for (std::int64_t row = 0; row < d.x_test.dim(0); ++row) std::reverse(d.x_test.data() + row * n_ctx, d.x_test.data() + (row + 1) * n_ctx);
  }
  d.vocab = p.vocab;
  d.num_classes = d.input_size = d.output_size = static_cast<std::int64_t>(d.vocab.size());
  d.description = "Next word from the previous " + std::to_string(n_ctx) + " words (" + std::to_string(n) +
                  " examples, " + std::to_string(d.num_classes) + " tokens).";
  return d;
}

}  // namespace

void check_text_options(const Resolved& r) {
  const auto length = static_cast<std::int64_t>(bundled_text().size());
  const Regions regions = char_regions(length, r.test_fraction);
  const std::int64_t need = r.seq_len + 1;
  const std::string prefix = "dataset 'char_lm': option seq_len = " + std::to_string(r.seq_len) + " needs windows of " +
                             std::to_string(need) + " characters, but ";
  if (regions.train_end < need)
    throw_invalid_argument(prefix + "the training part of the text has only " + std::to_string(regions.train_end) +
                           " (allowed: seq_len <= " + std::to_string(regions.train_end - 1) +
                           ", or a smaller test_fraction)");
  if (test_count(r.n_samples, r.test_fraction) > 0 && regions.length - regions.train_end < need)
    throw_invalid_argument(prefix + "the held-out part (test_fraction " + format_number(r.test_fraction) +
                           ") has only " + std::to_string(regions.length - regions.train_end) +
                           " (allowed: seq_len <= " + std::to_string(regions.length - regions.train_end - 1) +
                           ", or a larger test_fraction)");
}

std::int64_t next_word_pair_count() {
  std::int64_t n = 0;
  for (const auto& piece : bundled_text_pieces()) n += static_cast<std::int64_t>(word_tokens(piece).size()) + 1;
  return n;
}

Dataset make_text(const Resolved& r) { return r.name == "char_lm" ? char_lm(r) : next_word(r); }

}  // namespace data_detail
GRADLAB_END
