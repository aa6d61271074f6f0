// Text datasets (char_lm, next_word) and toy translation (dates, number_words): shapes,
// vocabularies, and that every example decodes to the intended text or mapping.
#include "data/text.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "data/dataset.h"
#include "data/vocab.h"
#include "support/check.h"

namespace gradlab {
namespace {

TEST(Text, BundledTextIsAFewKilobytesOfLowerCaseAscii) {
  const std::string text = bundled_text();
  EXPECT_GT(text.size(), 3000u);
  EXPECT_LT(text.size(), 12000u);
  for (char c : text) {
    EXPECT_FALSE(c >= 'A' && c <= 'Z');
    EXPECT_TRUE(c == '\n' || (c >= 32 && c < 127)) << int(c);
  }
  EXPECT_NE(text.find("humpty dumpty sat on a wall"), std::string::npos);
}

TEST(Text, WordTokensKeepApostrophesAndMarkSentenceEnds) {
  EXPECT_EQ(word_tokens("Couldn't put Humpty together again.\nYes, sir!"),
            (std::vector<std::string>{"couldn't", "put", "humpty", "together", "again", ".", "yes", "sir", "."}));
}

TEST(Text, CharLmTargetsAreInputsShiftedByOne) {
  DatasetOptions o;
  o.n_samples = 300;
  o.seq_len = 16;
  const Dataset d = make_dataset("char_lm", o);
  EXPECT_EQ(d.task, task::language_model);
  ASSERT_EQ(d.x_train.shape(), (Shape{240, 16}));
  ASSERT_EQ(d.y_train.shape(), (Shape{240, 16}));
  ASSERT_EQ(d.x_test.shape(), (Shape{60, 16}));
  const std::string text = bundled_text();
  EXPECT_EQ(d.vocab.size(), std::set<char>(text.begin(), text.end()).size());
  const std::size_t train_end = text.size() - static_cast<std::size_t>(text.size() * 0.2);
  for (int split = 0; split < 2; ++split) {
    const Tensor& x = split ? d.x_test : d.x_train;
    const Tensor& y = split ? d.y_test : d.y_train;
    for (std::int64_t i = 0; i < x.dim(0); ++i) {
      std::string in, next;
      for (std::int64_t t = 0; t < 16; ++t) {
        in += d.vocab[static_cast<std::size_t>(x[i * 16 + t])];
        next += d.vocab[static_cast<std::size_t>(y[i * 16 + t])];
      }
      EXPECT_EQ(in.substr(1), next.substr(0, 15));
      // The window and its last target sit in the text, on the right side of the split.
      const std::size_t at = split ? text.find(in + next.back(), train_end) : text.find(in + next.back());
      ASSERT_NE(at, std::string::npos) << in;
      if (!split) {
        EXPECT_LT(at + 16, train_end);
      }
    }
  }
}

TEST(Text, NextWordContextsAndTargetsFollowTheText) {
  DatasetOptions o;
  o.n_context = 2;
  o.seed = 9;
  const Dataset d = make_dataset("next_word", o);
  ASSERT_EQ(d.x_train.dim(1), 2);
  ASSERT_EQ(d.y_train.rank(), 1);
  EXPECT_EQ(d.vocab[0], "<pad>");
  EXPECT_EQ(d.vocab[1], "<bos>");
  EXPECT_EQ(d.vocab[2], "<eos>");
  // Every (w1, w2) -> w3 with real words occurs in some piece; count the piece starts and ends.
  std::vector<std::vector<std::string>> pieces;
  for (const auto& p : bundled_text_pieces()) pieces.push_back(word_tokens(p));
  std::int64_t starts = 0, ends = 0;
  for (std::int64_t i = 0; i < d.y_train.numel(); ++i) {
    const std::string a = d.vocab[static_cast<std::size_t>(d.x_train[2 * i])];
    const std::string b = d.vocab[static_cast<std::size_t>(d.x_train[2 * i + 1])];
    const std::string c = d.vocab[static_cast<std::size_t>(d.y_train[i])];
    if (a == "<bos>" && b == "<bos>") ++starts;
    if (c == "<eos>") ++ends;
    if (a == "<bos>" || c == "<eos>") continue;
    bool found = false;
    for (const auto& w : pieces)
      for (std::size_t k = 0; k + 2 < w.size() && !found; ++k) found = w[k] == a && w[k + 1] == b && w[k + 2] == c;
    EXPECT_TRUE(found) << a << " " << b << " -> " << c;
  }
  EXPECT_GT(starts, 0);
  EXPECT_GT(ends, 0);
  EXPECT_EQ(d.y_train.numel() + d.y_test.numel(), [&] {
    std::int64_t n = 0;
    for (const auto& w : pieces) n += static_cast<std::int64_t>(w.size()) + 1;
    return n;
  }());
}

const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};

int month_number(const std::string& m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i + 1;
  return -1;
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// context_order permutes each row's context words and nothing else: the same examples,
// targets and split; reversed_at_test changes only the test rows.
TEST(Text, NextWordContextOrders) {
  DatasetOptions o;
  o.seed = 5;
  o.n_context = 3;
  const Dataset natural = make_dataset("next_word", o);
  auto with = [&](const char* order) {
    DatasetOptions p = o;
    p.context_order = order;
    return make_dataset("next_word", p);
  };
  const Dataset reversed = with("reversed"), shuffled = with("shuffled"), at_test = with("reversed_at_test");
  ASSERT_EQ(reversed.x_train.shape(), natural.x_train.shape());
  std::int64_t moved = 0;
  for (std::int64_t i = 0; i < natural.x_train.dim(0); ++i) {
    for (std::int64_t k = 0; k < 3; ++k) EXPECT_EQ(reversed.x_train[i * 3 + k], natural.x_train[i * 3 + 2 - k]);
    std::multiset<double> a(natural.x_train.data() + i * 3, natural.x_train.data() + i * 3 + 3),
        b(shuffled.x_train.data() + i * 3, shuffled.x_train.data() + i * 3 + 3);
    EXPECT_EQ(a, b) << "row " << i << ": shuffled holds the same words";
    moved += !std::equal(natural.x_train.data() + i * 3, natural.x_train.data() + i * 3 + 3, shuffled.x_train.data() + i * 3);
    for (std::int64_t k = 0; k < 3; ++k) EXPECT_EQ(at_test.x_train[i * 3 + k], natural.x_train[i * 3 + k]);
  }
  EXPECT_GT(moved, natural.x_train.dim(0) / 2) << "most shuffled rows differ from the natural order";
  ASSERT_EQ(at_test.x_test.shape(), natural.x_train.shape());  // the training rows, reversed
  for (std::int64_t i = 0; i < natural.x_train.dim(0); ++i) {
    for (std::int64_t k = 0; k < 3; ++k) EXPECT_EQ(at_test.x_test[i * 3 + k], natural.x_train[i * 3 + 2 - k]);
    EXPECT_EQ(at_test.y_test[i], natural.y_train[i]);
  }
  for (std::int64_t i = 0; i < natural.y_train.numel(); ++i) EXPECT_EQ(shuffled.y_train[i], natural.y_train[i]);
  DatasetOptions bad = o;
  bad.context_order = "backwards";
  EXPECT_MESSAGE_HAS(make_dataset("next_word", bad), "option context_order = \"backwards\" is not allowed", "\"reversed_at_test\"");
}

TEST(Translation, DatesDecodeToTheIsoForm) {
  DatasetOptions o;
  o.n_samples = 600;
  const Dataset d = make_dataset("dates", o);
  EXPECT_EQ(d.task, task::seq2seq);
  ASSERT_EQ(d.x_train.shape(), (Shape{480, 6}));
  ASSERT_EQ(d.y_train.shape(), (Shape{480, 12}));
  EXPECT_EQ(token_id(d.vocab, "<pad>"), 0);
  EXPECT_EQ(token_id(d.target_vocab, "<bos>"), 1);
  EXPECT_EQ(token_id(d.target_vocab, "<eos>"), 2);
  std::set<std::string> formats, seen;
  for (int split = 0; split < 2; ++split) {
    const Tensor& x = split ? d.x_test : d.x_train;
    const Tensor& y = split ? d.y_test : d.y_train;
    for (std::int64_t i = 0; i < x.dim(0); ++i) {
      const auto src = decode_row(d.vocab, x, i);
      const auto tgt = decode_row(d.target_vocab, y, i);
      EXPECT_EQ(y[i * 12], 1);  // <bos> first
      int day = 0, month = 0;
      std::string year;
      if (src.size() == 3) {  // "3 march 2021"
        day = std::stoi(src[0]), month = month_number(src[1]), year = src[2];
        formats.insert("dmy");
      } else if (src.size() == 4) {  // "march 3 , 2021"
        EXPECT_EQ(src[2], ",");
        month = month_number(src[0]), day = std::stoi(src[1]), year = src[3];
        formats.insert("mdy");
      } else {  // "the 3rd of march 2021"
        ASSERT_EQ(src.size(), 5u);
        EXPECT_EQ(src[0], "the");
        EXPECT_EQ(src[2], "of");
        day = std::stoi(src[1]), month = month_number(src[3]), year = src[4];
        const std::string suffix = src[1].substr(src[1].size() - 2);
        EXPECT_EQ(suffix, day % 10 == 1 && day != 11   ? "st"
                          : day % 10 == 2 && day != 12 ? "nd"
                          : day % 10 == 3 && day != 13 ? "rd"
                                                       : "th");
        formats.insert("ordinal");
      }
      ASSERT_GE(month, 1);
      EXPECT_EQ(join_tokens(tgt, ""), year + "-" + two(month) + "-" + two(day));
      EXPECT_TRUE(seen.insert(join_tokens(tgt, "")).second) << "dates are distinct across train and test";
      const int y_num = std::stoi(year);
      EXPECT_TRUE(y_num >= 1950 && y_num <= 2049);
      const int days[] = {
          31, (y_num % 4 == 0 && (y_num % 100 != 0 || y_num % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
          31};
      EXPECT_LE(day, days[month - 1]);
    }
  }
  EXPECT_EQ(formats.size(), 3u);
}

TEST(Translation, AllDatesCanBeDrawnAndIncludeLeapDays) {
  DatasetOptions o;
  o.n_samples = 36525;  // every date 1950..2049
  o.test_fraction = 0;
  const Dataset d = make_dataset("dates", o);
  std::set<std::string> all;
  for (std::int64_t i = 0; i < d.y_train.dim(0); ++i)
    all.insert(join_tokens(decode_row(d.target_vocab, d.y_train, i), ""));
  EXPECT_EQ(all.size(), 36525u);
  EXPECT_EQ(all.count("2000-02-29"), 1u);
  EXPECT_EQ(all.count("1900-02-29"), 0u);
  EXPECT_EQ(*all.begin(), "1950-01-01");
  EXPECT_EQ(*all.rbegin(), "2049-12-31");
}

// An independent reading of British number words.
long parse_number_words(const std::vector<std::string>& words) {
  static const std::vector<std::string> ones = {
      "zero", "one",    "two",    "three",    "four",     "five",    "six",     "seven",     "eight",    "nine",
      "ten",  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const std::vector<std::string> tens = {"twenty", "thirty",  "forty",  "fifty",
                                                "sixty",  "seventy", "eighty", "ninety"};
  long total = 0, group = 0;
  for (const auto& w : words) {
    if (w == "and") continue;
    if (w == "hundred")
      group *= 100;
    else if (w == "thousand")
      total += group * 1000, group = 0;
    else {
      bool ok = false;
      for (std::size_t k = 0; k < ones.size(); ++k)
        if (w == ones[k]) group += static_cast<long>(k), ok = true;
      for (std::size_t k = 0; k < tens.size(); ++k)
        if (w == tens[k]) group += 20 + 10 * static_cast<long>(k), ok = true;
      EXPECT_TRUE(ok) << w;
    }
  }
  return total + group;
}

TEST(Translation, NumberWordsDecodeToTheirDigits) {
  DatasetOptions o;
  o.max_value = 120000;
  o.n_samples = 3000;
  const Dataset d = make_dataset("number_words", o);
  ASSERT_EQ(d.y_train.dim(1), 8);  // <bos> + 6 digits + <eos>
  std::set<long> seen;
  bool saw_and = false;
  for (std::int64_t i = 0; i < d.x_train.dim(0); ++i) {
    const auto words = decode_row(d.vocab, d.x_train, i);
    const auto digits = decode_row(d.target_vocab, d.y_train, i);
    const long value = parse_number_words(words);
    EXPECT_EQ(join_tokens(digits, ""), std::to_string(value));
    EXPECT_LE(value, 120000);
    EXPECT_TRUE(seen.insert(value).second);
    for (const auto& w : words) saw_and = saw_and || w == "and";
  }
  EXPECT_TRUE(saw_and);
}

TEST(Translation, NumberWordsExamples) {
  DatasetOptions o;
  o.max_value = 1005;
  o.n_samples = 1006;  // all of 0..1005
  o.test_fraction = 0;
  const Dataset d = make_dataset("number_words", o);
  std::map<std::string, std::string> pairs;
  for (std::int64_t i = 0; i < d.x_train.dim(0); ++i)
    pairs[join_tokens(decode_row(d.target_vocab, d.y_train, i), "")] = join_tokens(decode_row(d.vocab, d.x_train, i));
  EXPECT_EQ(pairs["0"], "zero");
  EXPECT_EQ(pairs["21"], "twenty one");
  EXPECT_EQ(pairs["305"], "three hundred and five");
  EXPECT_EQ(pairs["1000"], "one thousand");
  EXPECT_EQ(pairs["1005"], "one thousand and five");
  EXPECT_EQ(d.x_train.dim(1), 6);  // "seven hundred and seventy seven" + <eos>
}

TEST(Vocab, DecodeRowStopsAtEosAndRejectsBadIds) {
  const std::vector<std::string> v = {"<pad>", "<bos>", "<eos>", "a", "b"};
  const Tensor ids = Tensor::from({2, 5}, {1, 3, 4, 2, 0, 3, 9, 0, 0, 0});
  EXPECT_EQ(decode_row(v, ids, 0), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(decode_row(v, ids, 1), std::invalid_argument);
  EXPECT_THROW(decode_row(v, ids, 2), std::invalid_argument);
  EXPECT_THROW(token_id(v, "c"), std::invalid_argument);
}

}  // namespace
}  // namespace gradlab
