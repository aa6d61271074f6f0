// Toy translation for attention, exact and deterministic; distinct items, so no test item
// appears in training. x [N, S] source ids (tokens, <eos>, then <pad>), y [N, U] target ids
// (<bos>, tokens, <eos>, then <pad>); both vocabularies start <pad> = 0, <bos> = 1, <eos> = 2.
//   dates         "3 march 2021" | "march 3 , 2021" | "the 3rd of march 2021"  ->  "2 0 2 1 - 0 3 - 0 3"
//                 (reordering; the month word and the day each become two digits)
//   number_words  "three hundred and five" -> "3 0 5" ("and" maps to nothing, "hundred" to a place)
#include <algorithm>
#include <map>

#include "data/common.h"
#include "data/vocab.h"

GRADLAB_BEGIN
namespace data_detail {
namespace {

constexpr int kFirstYear = 1950, kLastYear = 2049;
const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Date {
  int year, month, day;
};

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2)), m, d};
}

std::string ordinal(int day) {
  const char* suffix = (day % 10 == 1 && day != 11)   ? "st"
                       : (day % 10 == 2 && day != 12) ? "nd"
                       : (day % 10 == 3 && day != 13) ? "rd"
                                                      : "th";
  return std::to_string(day) + suffix;
}

std::vector<std::string> specials() { return {kPadToken, kBosToken, kEosToken}; }

std::vector<std::string> digit_vocab(bool dash) {
  std::vector<std::string> v = specials();
  for (int i = 0; i < 10; ++i) v.push_back(std::to_string(i));
  if (dash) v.push_back("-");
  return v;
}

std::vector<std::string> digits_of(std::int64_t n, int width) {
  std::string s = std::to_string(n);
  while (static_cast<int>(s.size()) < width) s = "0" + s;
  std::vector<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

using Index = std::map<std::string, std::int64_t>;

Index index_of(const std::vector<std::string>& vocab) {
  Index index;
  for (std::size_t i = 0; i < vocab.size(); ++i) index.emplace(vocab[i], static_cast<std::int64_t>(i));
  return index;
}

// Appends tokens as ids (all are in the vocabulary by construction), then <eos> (source) or
// <bos>..<eos> (target), then pads to `length`.
void append_ids(std::vector<double>& out, const Index& vocab, const std::vector<std::string>& tokens, bool target,
                std::int64_t length) {
  const std::size_t start = out.size();
  if (target) out.push_back(kBosId);
  for (const auto& tok : tokens) out.push_back(static_cast<double>(vocab.at(tok)));
  out.push_back(kEosId);
  while (static_cast<std::int64_t>(out.size() - start) < length) out.push_back(kPadId);
}

Dataset assemble(const Resolved& r, std::vector<double>& xs, std::vector<double>& ys, std::int64_t s, std::int64_t u,
                 std::vector<std::string> source_vocab, std::vector<std::string> target_vocab) {
  Dataset d;
  d.task = task::seq2seq;
  const std::int64_t n = r.n_samples;
  split_into(d, to_tensor({n, s}, xs), to_tensor({n, u}, ys), r.test_fraction);
  d.vocab = std::move(source_vocab);
  d.target_vocab = std::move(target_vocab);
  d.input_size = static_cast<std::int64_t>(d.vocab.size());
  d.num_classes = d.output_size = static_cast<std::int64_t>(d.target_vocab.size());
  return d;
}

Dataset dates(const Resolved& r) {
  std::vector<std::string> source = specials();
  for (const char* w : {"the", "of", ","}) source.push_back(w);
  for (int day = 1; day <= 31; ++day) source.push_back(std::to_string(day));
  for (int day = 1; day <= 31; ++day) source.push_back(ordinal(day));
  for (const char* m : kMonths) source.push_back(m);
  for (int y = kFirstYear; y <= kLastYear; ++y) source.push_back(std::to_string(y));
  const std::vector<std::string> target = digit_vocab(true);
  const std::int64_t s = 6, u = 12;  // "the 3rd of march 2021 <eos>"; "<bos> 2 0 2 1 - 0 3 - 0 3 <eos>"

  const Index source_ids = index_of(source), target_ids = index_of(target);
  Rng rng(r.seed);
  const std::int64_t first = days_from_civil(kFirstYear, 1, 1);
  std::vector<double> xs, ys;
  for (std::int64_t index : sample_distinct(translation_universe(r), r.n_samples, rng)) {
    const Date date = civil_from_days(first + index);
    const std::string day = std::to_string(date.day), month = kMonths[date.month - 1], year = std::to_string(date.year);
    std::vector<std::string> words;
    switch (rng.below(3)) {
      case 0:
        words = {day, month, year};
        break;
      case 1:
        words = {month, day, ",", year};
        break;
      default:
        words = {"the", ordinal(date.day), "of", month, year};
        break;
    }
    std::vector<std::string> digits = digits_of(date.year, 4);
    digits.push_back("-");
    for (const auto& t : digits_of(date.month, 2)) digits.push_back(t);
    digits.push_back("-");
    for (const auto& t : digits_of(date.day, 2)) digits.push_back(t);
    append_ids(xs, source_ids, words, false, s);
    append_ids(ys, target_ids, digits, true, u);
  }
  Dataset d = assemble(r, xs, ys, s, u, std::move(source), target);
  d.description = "Dates in words to ISO digits, " + std::to_string(r.n_samples) + " distinct dates from " +
                  std::to_string(kFirstYear) + " to " + std::to_string(kLastYear) + ".";
  return d;
}

const char* const kOnes[] = {"zero",     "one",     "two",     "three",     "four",     "five",    "six",
                             "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
                             "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
const char* const kTens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

// British English: "one thousand and five", "three hundred and five", "twenty one".
void number_words(std::int64_t n, std::vector<std::string>& out) {
  if (n < 20) {
    out.emplace_back(kOnes[n]);
  } else if (n < 100) {
    out.emplace_back(kTens[n / 10]);
    if (n % 10) out.emplace_back(kOnes[n % 10]);
  } else if (n < 1000) {
    out.emplace_back(kOnes[n / 100]);
    out.emplace_back("hundred");
    if (n % 100) {
      out.emplace_back("and");
      number_words(n % 100, out);
    }
  } else {
    number_words(n / 1000, out);
    out.emplace_back("thousand");
    if (n % 1000) {
      if (n % 1000 < 100) out.emplace_back("and");
      number_words(n % 1000, out);
    }
  }
}

std::int64_t word_count(std::int64_t n) {
  if (n < 20) return 1;
  if (n < 100) return n % 10 ? 2 : 1;
  if (n < 1000) return n % 100 ? 3 + word_count(n % 100) : 2;
  const std::int64_t low = n % 1000;
  return word_count(n / 1000) + 1 + (low ? (low < 100 ? 1 : 0) + word_count(low) : 0);
}

Dataset numbers(const Resolved& r) {
  std::vector<std::string> source = specials();
  for (const char* w : kOnes) source.push_back(w);
  for (int t = 2; t < 10; ++t) source.push_back(kTens[t]);
  for (const char* w : {"hundred", "thousand", "and"}) source.push_back(w);
  const std::vector<std::string> target = digit_vocab(false);
  std::int64_t longest = 0;
  for (std::int64_t v = 0; v <= r.max_value; ++v) longest = std::max(longest, word_count(v));
  const std::int64_t s = longest + 1, u = static_cast<std::int64_t>(std::to_string(r.max_value).size()) + 2;

  const Index source_ids = index_of(source), target_ids = index_of(target);
  Rng rng(r.seed);
  std::vector<double> xs, ys;
  for (std::int64_t v : sample_distinct(translation_universe(r), r.n_samples, rng)) {
    std::vector<std::string> words;
    number_words(v, words);
    append_ids(xs, source_ids, words, false, s);
    append_ids(ys, target_ids, digits_of(v, 1), true, u);
  }
  Dataset d = assemble(r, xs, ys, s, u, std::move(source), target);
  d.description = "Numbers in words to digits, " + std::to_string(r.n_samples) + " distinct numbers from 0 to " +
                  std::to_string(r.max_value) + ".";
  return d;
}

}  // namespace

std::int64_t translation_universe(const Resolved& r) {
  if (r.name == "dates") return days_from_civil(kLastYear + 1, 1, 1) - days_from_civil(kFirstYear, 1, 1);
  return static_cast<std::int64_t>(r.max_value) + 1;
}

Dataset make_translation(const Resolved& r) { return r.name == "dates" ? dates(r) : numbers(r); }

}  // namespace data_detail
GRADLAB_END
