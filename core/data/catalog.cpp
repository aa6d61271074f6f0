// The dataset catalog (names, task kinds, options with defaults and ranges), option
// validation with errors that name the option, and make_dataset's dispatch to the families.
#include <cmath>
#include <stdexcept>

#include "data/common.h"
#include "data/csv.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

using data_detail::format_number;
using data_detail::Resolved;

// Seeds travel through JSON, where integers above 2^53 lose precision.
constexpr double kMaxSeed = 9007199254740991.0;
// The most input values (N * T * F) a sequence or text dataset may allocate.
constexpr double kMaxInputValues = 20'000'000;

// The catalog is written as calls on this builder rather than as initializer lists of
// OptionSpec, which copied every option (strings and all) at every site: the same
// entries in a fraction of the code.
class Catalog {
 public:
  // A dataset; every one reads seed and test_fraction first.
  Catalog& dataset(const char* name, const char* task, const char* family, const char* description) {
    c_.push_back({name, task, family, description, {}});
    integer("seed", 0, 0, kMaxSeed, "seeds every random draw; same seed, same tensors");
    return number("test_fraction", 0.2, 0, 0.9, "share of the samples held out as the test set");
  }
  Catalog& option(const char* name, const char* type, double lo, double hi, double def, bool required, const char* help,
                  std::vector<std::string> choices = {}) {
    c_.back().options.push_back({name, type, lo, hi, def, required, std::move(choices), help});
    return *this;
  }
  Catalog& integer(const char* name, double def, double lo, double hi, const char* help) {
    return option(name, "integer", lo, hi, def, false, help);
  }
  Catalog& number(const char* name, double def, double lo, double hi, const char* help) {
    return option(name, "number", lo, hi, def, false, help);
  }
  Catalog& n_samples(double def, double hi = 100000) {
    return integer("n_samples", def, 1, hi, "number of samples N, train and test together");
  }
  std::vector<DatasetInfo> take() { return std::move(c_); }

 private:
  std::vector<DatasetInfo> c_;
};

std::vector<DatasetInfo> build_catalog() {
  const char* coord_noise = "std of Gaussian noise added to each coordinate (the points lie in about [-1, 1]^2)";
  const char* target_noise = "std of Gaussian noise added to the target";
  Catalog c;
  // 2-D classification and regression.
  c.dataset("circle", task::classification, "two_d", "Two classes: a disc inside a ring.")
      .n_samples(500)
      .number("noise", 0.05, 0, 1, coord_noise);
  c.dataset("xor", task::classification, "two_d", "Two classes by quadrant: x1 * x2 > 0 is class 0, otherwise class 1.")
      .n_samples(500)
      .number("noise", 0.05, 0, 1, coord_noise);
  c.dataset("gaussians", task::classification, "two_d", "C Gaussian blobs with centres evenly spaced on a circle of radius 0.7.")
      .n_samples(500)
      .number("noise", 0.15, 0, 1, "std of each blob")
      .integer("num_classes", 3, 2, 10, "number of blobs C");
  c.dataset("spiral", task::classification, "two_d", "C interleaved spiral arms, one class each.")
      .n_samples(500)
      .number("noise", 0.02, 0, 1, coord_noise)
      .integer("num_classes", 2, 2, 10, "number of arms C");
  c.dataset("moons", task::classification, "two_d", "Two interleaving half circles.")
      .n_samples(500)
      .number("noise", 0.05, 0, 1, coord_noise);
  c.dataset("sine", task::regression, "two_d", "y = sin(pi x) for x in [-1, 1].")
      .n_samples(500)
      .number("noise", 0.05, 0, 2, target_noise);
  c.dataset("polynomial", task::regression, "two_d",
            "y = c0 + c1 x + ... for x in [-1, 1]; without coefficients, a random polynomial per seed "
            "with its roots in [-0.9, 0.9], scaled to max |y| = 1.")
      .n_samples(500)
      .number("noise", 0.05, 0, 2, target_noise)
      .integer("degree", 3, 0, 10, "degree of the random polynomial (ignored with coefficients)")
      .option("coefficients", "numbers", 1, 11, 0, false, "c0, c1, ... (each in [-100, 100])");
  c.dataset("plane", task::regression, "two_d", "y = c0 + c1 x1 + c2 x2 for x in [-1, 1]^2.")
      .n_samples(500)
      .number("noise", 0.05, 0, 2, target_noise)
      .option("coefficients", "numbers", 3, 3, 0, false, "c0, c1, c2 (each in [-100, 100]; default 0, 1, -0.5)");
  c.dataset("hyperplane", task::regression, "two_d",
            "y = w . x + noise for x uniform in [-1, 1]^F, with weights w drawn from N(0, 1) per seed: "
            "linear regression with as many features as wanted (the cost of the closed form as F grows).")
      .n_samples(500)
      .number("noise", 0.1, 0, 2, target_noise)
      .integer("n_features", 8, 1, 2048, "number of input features F");
  // User data.
  // csv's task depends on csv_task and the target column: "" here, see dataset_task().
  c.dataset("csv", "", "user", "A table from CSV text: every column but the target is an input feature.")
      .option("csv_text", "text", 1, 50'000'000, 0, true, "the CSV text, header row first")
      .option("target_column", "text", 1, 1000, 0, true, "the header name of the target column")
      .option("csv_task", "choice", 0, 0, 0, false,
              "\"\" (auto: classification if the target is non-numeric or integral), classification "
              "or regression",
              {"", "classification", "regression"});
  c.dataset("points", task::classification, "user", "Labelled points clicked on the plane.")
      .option("points", "points", 1, 100000, 0, true, "(x, y, label) with |x|, |y| <= 1e6 and label in [0, 31]");
  // Sequences: x [N, T, F].
  const char* symbols_help = "alphabet size; inputs are one-hot over the symbols";
  c.dataset("copy", task::sequence_labelling, "sequence",
            "Read L symbols, see a delimiter, then write the L symbols back (T = 2L + 1 steps; label 0 "
            "means blank, s + 1 means symbol s).")
      .n_samples(1000)
      .integer("seq_len", 5, 1, 100, "pattern length L; T = 2L + 1")
      .integer("num_symbols", 8, 2, 64, symbols_help);
  c.dataset("reverse", task::sequence_labelling, "sequence",
            "Read L symbols, see a delimiter, then write them in reverse order (T = 2L + 1 steps).")
      .n_samples(1000)
      .integer("seq_len", 5, 1, 100, "pattern length L; T = 2L + 1")
      .integer("num_symbols", 8, 2, 64, symbols_help);
  c.dataset("delayed_recall", task::sequence_labelling, "sequence",
            "At step t output the symbol seen at step t - lag (label 0 before that, s + 1 for symbol s).")
      .n_samples(1000)
      .integer("seq_len", 20, 2, 1000, "steps T")
      .integer("lag", 3, 1, 999, "the delay, less than seq_len")
      .integer("num_symbols", 4, 2, 64, symbols_help);
  c.dataset("adding", task::sequence_regression, "sequence",
            "The adding problem: channel 0 holds U(0, 1) values, channel 1 marks one step in each half; "
            "the target is the sum of the two marked values.")
      .n_samples(1000)
      .integer("seq_len", 50, 2, 1000, "steps T");
  c.dataset("parity", task::sequence_labelling, "sequence", "Random bits; the label at step t is the XOR of bits 0..t.")
      .n_samples(1000)
      .integer("seq_len", 20, 1, 1000, "steps T");
  c.dataset("timing", task::sequence_labelling, "sequence",
            "One cue per sequence; label 1 exactly lag steps after the cue, else 0 (the task peephole LSTMs were "
            "proposed for; a plain LSTM solves it as well here: lessons/peephole.json).")
      .n_samples(1000)
      .integer("seq_len", 30, 2, 1000, "steps T")
      .integer("lag", 10, 1, 999, "steps from the cue to the spike, less than seq_len");
  c.dataset("lookahead", task::sequence_labelling, "sequence",
            "Random bits; the label at step t is the next bit x_{t+1} (0 at the last step): needs "
            "future context, so only a bidirectional layer can beat chance.")
      .n_samples(1000)
      .integer("seq_len", 20, 2, 1000, "steps T");
  c.dataset("order", task::sequence_classification, "sequence",
            "Each sequence holds one A and one B among filler symbols; the label is 1 if A comes before B, "
            "else 0. Both labels have the same tokens, so a model blind to order (a bag of tokens) stays "
            "at chance.")
      .n_samples(1000)
      .integer("seq_len", 8, 2, 1000, "steps T")
      .integer("num_symbols", 4, 3, 64, "alphabet size: A, B and num_symbols - 2 fillers, one-hot");
  // Text.
  c.dataset("char_lm", task::language_model, "text",
            "Next-character prediction over bundled nursery rhymes and fables (lower case); train windows "
            "from the first part of the text, test windows from the held-out end.")
      .n_samples(2000)
      .integer("seq_len", 32, 2, 256, "window length T");
  c.dataset("next_word", task::language_model, "text",
            "Predict the next word from the previous n_context words of the bundled text (<bos> pads "
            "the start of each piece, <eos> ends it); every position is one example.")
      .integer("n_context", 3, 1, 8, "number of previous words n")
      .option("context_order", "choice", 0, 0, 0, false,
              "the order of the context words in each input: natural (oldest first), reversed (in training "
              "and test alike), shuffled (a fresh order per example) or reversed_at_test (the test split "
              "is the training split with each context reversed)",
              {"natural", "reversed", "shuffled", "reversed_at_test"});
  // Toy translation.
  c.dataset("dates", task::seq2seq, "translation",
            "Dates written out (\"3 march 2021\", \"march 3 , 2021\", \"the 3rd of march 2021\") to ISO "
            "digits (\"2 0 2 1 - 0 3 - 0 3\"); distinct dates from 1950 to 2049.")
      .n_samples(2000, 36525);
  c.dataset("number_words", task::seq2seq, "translation",
            "Numbers in words (\"three hundred and five\") to digits (\"3 0 5\"); distinct numbers.")
      .n_samples(3000, 1000000)
      .integer("max_value", 9999, 1, 999999, "largest number; n_samples <= max_value + 1");
  // GAN targets.
  c.dataset("gan_ring", task::gan, "gan", "A ring of Gaussians on a circle of radius 2.")
      .n_samples(1000)
      .number("noise", 0.02, 0.001, 1, "std of each Gaussian")
      .integer("num_modes", 8, 1, 64, "number of Gaussians M");
  c.dataset("gan_grid", task::gan, "gan", "A grid of Gaussians spaced 2 apart, centred on 0.")
      .n_samples(1000)
      .number("noise", 0.05, 0.001, 1, "std of each Gaussian")
      .integer("grid_size", 5, 1, 10, "grid_size x grid_size Gaussians");
  c.dataset("gan_spiral", task::gan, "gan", "One spiral arm of radius up to 2 (no modes).")
      .n_samples(1000)
      .number("noise", 0.05, 0, 1, coord_noise);
  c.dataset("gan_moons", task::gan, "gan", "Two interleaving half circles, about 4 wide (no modes).")
      .n_samples(1000)
      .number("noise", 0.05, 0, 1, coord_noise);
  c.dataset("gan_points", task::gan, "gan", "Clicked points, each a mode, jittered by Gaussian noise.")
      .n_samples(1000)
      .number("noise", 0.05, 0.001, 1, "std of the jitter around each point")
      .option("points", "points", 1, 100000, 0, true, "the mode centres (labels are ignored)");
  // Images: x [N, 1, H, H].
  for (const char* name : {"shapes", "digits"}) {
    const bool digits = std::string(name) == "digits";
    c.dataset(name, task::classification, "images",
              digits ? "Digits 0-9 from a built-in 5x7 font, one per image at a random size, stroke and position, with pixel noise."
                     : "Ten shapes (square, circle, triangle, plus, x, horizontal bar, vertical bar, disc, diagonal, L corner), "
                       "one per image at a random size, stroke and position, with pixel noise.")
        .n_samples(1000, 20000)
        .number("noise", 0.1, 0, 1, "std of Gaussian noise added to each pixel (objects are 0.7 to 1 on 0)")
        .integer("image_size", 16, 12, 64, "H = W, the image side in pixels")
        .integer("shift", 0, 0, 32,
                 "s pixels: training objects are centred at H/2 - s/2, test objects at H/2 + s/2 on both axes (plus a "
                 "jitter of up to max(1, H/16) pixels), so the test split sits s pixels right and down of training; "
                 "at most image_size / 2");
  }
  return c.take();
}

// The options DatasetOptions can carry, in declaration order.
const std::vector<std::string>& all_option_names() {
  static const std::vector<std::string> names = {
      "seed",      "test_fraction", "n_samples", "noise",    "num_classes",   "seq_len",
      "lag",       "num_symbols",   "n_context", "degree",   "max_value",     "num_modes",
      "grid_size", "coefficients",  "points",    "csv_text", "target_column", "csv_task", "context_order",
      "n_features", "image_size", "shift"};
  return names;
}

// The integer options: where DatasetOptions holds them and where Resolved puts them.
struct IntField {
  const char* name;
  std::optional<int> DatasetOptions::*option;
  int Resolved::*resolved;
};
constexpr IntField kIntFields[] = {
    {"n_samples", &DatasetOptions::n_samples, &Resolved::n_samples},
    {"num_classes", &DatasetOptions::num_classes, &Resolved::num_classes},
    {"seq_len", &DatasetOptions::seq_len, &Resolved::seq_len},
    {"lag", &DatasetOptions::lag, &Resolved::lag},
    {"num_symbols", &DatasetOptions::num_symbols, &Resolved::num_symbols},
    {"n_context", &DatasetOptions::n_context, &Resolved::n_context},
    {"degree", &DatasetOptions::degree, &Resolved::degree},
    {"max_value", &DatasetOptions::max_value, &Resolved::max_value},
    {"num_modes", &DatasetOptions::num_modes, &Resolved::num_modes},
    {"grid_size", &DatasetOptions::grid_size, &Resolved::grid_size},
    {"n_features", &DatasetOptions::n_features, &Resolved::n_features},
    {"image_size", &DatasetOptions::image_size, &Resolved::image_size},
    {"shift", &DatasetOptions::shift, &Resolved::shift},
};

std::optional<double> numeric(const DatasetOptions& o, const std::string& name) {
  if (name == "seed") return static_cast<double>(o.seed);
  if (name == "test_fraction") return o.test_fraction;
  if (name == "noise") return o.noise;
  for (const auto& f : kIntFields)
    if (name == f.name) return o.*f.option ? std::optional<double>(*(o.*f.option)) : std::nullopt;
  return std::nullopt;
}

// seed and test_fraction always count as set: every dataset reads them.
bool is_set(const DatasetOptions& o, const std::string& name) {
  if (name == "coefficients") return !o.coefficients.empty();
  if (name == "points") return !o.points.empty();
  if (name == "csv_text") return !o.csv_text.empty();
  if (name == "target_column") return !o.target_column.empty();
  if (name == "csv_task") return !o.csv_task.empty();
  if (name == "context_order") return !o.context_order.empty();
  return numeric(o, name).has_value();
}

// seed and test_fraction are copied directly (a uint64 seed would not survive a double).
void set_numeric(Resolved& r, const std::string& name, double v) {
  if (name == "noise") r.noise = v;
  for (const auto& f : kIntFields)
    if (name == f.name) r.*f.resolved = static_cast<int>(v);
}

const DatasetInfo& find_info(const std::string& name) {
  for (const auto& info : dataset_catalog())
    if (info.name == name) return info;
  std::string known;
  for (const auto& info : dataset_catalog()) known += (known.empty() ? "" : ", ") + info.name;
  throw_invalid_argument("unknown dataset '" + name + "' (known: " + known + ")");
}

std::string range_text(const OptionSpec& s) {
  return std::string(s.type == "integer" ? "an integer" : "a number") + " from " + format_number(s.min) + " to " +
         format_number(s.max);
}

Resolved resolve(const DatasetInfo& info, const DatasetOptions& o) {
  Resolved r;
  r.name = info.name;
  r.seed = o.seed;
  r.test_fraction = o.test_fraction;
  for (const auto& spec : info.options) {
    if (spec.type == "integer" || spec.type == "number") {
      set_numeric(r, spec.name, numeric(o, spec.name).value_or(spec.default_value));
    }
  }
  r.coefficients = o.coefficients;
  r.points = o.points;
  r.csv_text = o.csv_text;
  r.target_column = o.target_column;
  r.csv_task = o.csv_task;
  r.context_order = o.context_order;
  return r;
}

// Cross-option checks, on resolved values; `fail` prefixes the dataset name.
template <class Fail>
void check_consistency(const DatasetInfo& info, const DatasetOptions& o, const Resolved& r, Fail fail) {
  const std::string& f = info.family;
  const std::string& n = info.name;
  const bool has_n = info.option("n_samples") != nullptr;
  if (has_n) {
    const std::int64_t n_test = data_detail::test_count(r.n_samples, r.test_fraction);
    if (r.n_samples - n_test < 1)
      fail("option test_fraction = " + format_number(r.test_fraction) +
           " leaves no training samples out of n_samples = " + std::to_string(r.n_samples) +
           " (allowed: test_fraction * n_samples rounding below n_samples)");
  }
  if ((n == "delayed_recall" || n == "timing") && r.lag >= r.seq_len)
    fail("option lag = " + std::to_string(r.lag) + " must be less than seq_len = " + std::to_string(r.seq_len));
  if (f == "sequence" || n == "char_lm") {
    // x [N, T, F]: bound the number of input values before anything is allocated.
    const bool symbols = info.option("num_symbols") != nullptr;
    const double t = n == "copy" || n == "reverse" ? 2.0 * r.seq_len + 1 : r.seq_len;
    const double features = n == "copy" || n == "reverse" ? r.num_symbols + 1.0
                            : symbols                     ? r.num_symbols
                            : n == "adding"               ? 2.0
                                                          : 1.0;
    const double values = static_cast<double>(r.n_samples) * t * features;
    if (values > kMaxInputValues)
      fail("options n_samples = " + std::to_string(r.n_samples) + " and seq_len = " + std::to_string(r.seq_len) +
           (symbols ? " with num_symbols = " + std::to_string(r.num_symbols) : std::string()) + " make " +
           format_number(values) + " input values (allowed: at most " + format_number(kMaxInputValues) + ")");
  }
  if (n == "hyperplane" && static_cast<double>(r.n_samples) * r.n_features > kMaxInputValues)
    fail("options n_samples = " + std::to_string(r.n_samples) + " and n_features = " + std::to_string(r.n_features) +
         " make " + format_number(static_cast<double>(r.n_samples) * r.n_features) + " input values (allowed: at most " +
         format_number(kMaxInputValues) + ")");
  if (n == "char_lm") data_detail::check_text_options(r);
  if (f == "images") {
    if (2 * r.shift > r.image_size)
      fail("option shift = " + std::to_string(r.shift) + " is more than half of image_size = " + std::to_string(r.image_size) +
           " (allowed: 0 to " + std::to_string(r.image_size / 2) + ")");
    const double values = static_cast<double>(r.n_samples) * r.image_size * r.image_size;
    if (values > kMaxInputValues)
      fail("options n_samples = " + std::to_string(r.n_samples) + " and image_size = " + std::to_string(r.image_size) +
           " make " + format_number(values) + " pixels (allowed: at most " + format_number(kMaxInputValues) + ")");
  }
  if (f == "translation") {
    const std::int64_t universe = data_detail::translation_universe(r);
    if (r.n_samples > universe)
      fail("option n_samples = " + std::to_string(r.n_samples) + " exceeds the " + std::to_string(universe) +
           " distinct " + (n == "dates" ? "dates" : "numbers (0 to max_value)") + " there are (allowed: at most " +
           std::to_string(universe) + ")");
  }
  if (n == "next_word") {
    const std::int64_t pairs = data_detail::next_word_pair_count();
    if (pairs - data_detail::test_count(pairs, r.test_fraction) < 1)
      fail("option test_fraction = " + format_number(r.test_fraction) + " leaves no training examples");
  }
  if (n == "polynomial" && o.degree && !o.coefficients.empty() &&
      *o.degree != static_cast<int>(o.coefficients.size()) - 1)
    fail("options degree = " + std::to_string(*o.degree) + " and coefficients (" +
         std::to_string(o.coefficients.size()) + " values) disagree (allowed: give one, or degree = count - 1)");
  for (std::size_t i = 0; i < o.coefficients.size(); ++i)
    if (!(std::fabs(o.coefficients[i]) <= 100))
      fail("option coefficients[" + std::to_string(i) + "] = " + format_number(o.coefficients[i]) +
           " is out of range (allowed: a number from -100 to 100)");
  for (std::size_t i = 0; i < o.points.size(); ++i) {
    const Point& p = o.points[i];
    if (!(std::fabs(p.x) <= 1e6) || !(std::fabs(p.y) <= 1e6))
      fail("option points[" + std::to_string(i) + "] = (" + format_number(p.x) + ", " + format_number(p.y) +
           ") is out of range (allowed: finite coordinates with |x|, |y| <= 1e6)");
    if (n == "points" && (p.label < 0 || p.label > 31))
      fail("option points[" + std::to_string(i) + "].label = " + std::to_string(p.label) +
           " is out of range (allowed: an integer from 0 to 31)");
  }
  if (n == "points") {
    const std::int64_t total = static_cast<std::int64_t>(o.points.size());
    if (total - data_detail::test_count(total, r.test_fraction) < 1)
      fail("option test_fraction = " + format_number(r.test_fraction) + " leaves none of the " + std::to_string(total) +
           " points for training");
  }
  if (n == "csv") {
    try {
      validate_csv_header(o.csv_text, o.target_column);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }
}

}  // namespace

const OptionSpec* DatasetInfo::option(const std::string& option_name) const {
  for (const auto& s : options)
    if (s.name == option_name) return &s;
  return nullptr;
}

const std::vector<DatasetInfo>& dataset_catalog() {
  static const std::vector<DatasetInfo> catalog = build_catalog();
  return catalog;
}

void validate_options(const std::string& name, const DatasetOptions& o) {
  const DatasetInfo& info = find_info(name);
  auto fail = [&](const std::string& what) { throw_invalid_argument("dataset '" + name + "': " + what); };
  for (const auto& option_name : all_option_names()) {
    if (!is_set(o, option_name) || info.option(option_name)) continue;
    std::string reads;
    for (const auto& s : info.options) reads += (reads.empty() ? "" : ", ") + s.name;
    fail("does not read option " + option_name + " (it reads: " + reads + ")");
  }
  for (const auto& spec : info.options) {
    const bool set = is_set(o, spec.name);
    if (spec.required && !set) fail("option " + spec.name + " is required (" + spec.help + ")");
    if (!set) continue;
    if (spec.type == "integer" || spec.type == "number") {
      const double v = *numeric(o, spec.name);
      if (!(v >= spec.min && v <= spec.max))
        fail("option " + spec.name + " = " + format_number(v) + " is out of range (allowed: " + range_text(spec) + ")");
    } else if (spec.type == "choice") {
      bool ok = false;
      std::string allowed;
      const std::string& chosen = spec.name == "csv_task" ? o.csv_task : o.context_order;
      for (const auto& c : spec.choices) {
        ok = ok || c == chosen;
        allowed += (allowed.empty() ? "\"" : ", \"") + c + "\"";
      }
      if (!ok) fail("option " + spec.name + " = \"" + chosen + "\" is not allowed (allowed: " + allowed + ")");
    } else {
      const double len = spec.name == "coefficients" ? static_cast<double>(o.coefficients.size())
                         : spec.name == "points"     ? static_cast<double>(o.points.size())
                         : spec.name == "csv_text"   ? static_cast<double>(o.csv_text.size())
                                                     : static_cast<double>(o.target_column.size());
      if (len < spec.min || len > spec.max) {
        const std::string unit = spec.type == "text" ? " characters" : spec.type == "points" ? " points" : " values";
        fail("option " + spec.name + " has " + format_number(len) + unit + " (allowed: " +
             (spec.min == spec.max ? "exactly " + format_number(spec.min)
                                   : format_number(spec.min) + " to " + format_number(spec.max)) +
             unit + ")");
      }
    }
  }
  check_consistency(info, o, resolve(info, o), fail);
}

std::string dataset_task(const std::string& name, const DatasetOptions& options) {
  validate_options(name, options);
  if (name == "csv") return csv_target_task(options.csv_text, options.target_column, options.csv_task);
  return find_info(name).task;
}

Dataset make_dataset(const std::string& name, const DatasetOptions& options) {
  validate_options(name, options);
  const DatasetInfo& info = find_info(name);
  const Resolved r = resolve(info, options);
  Dataset d;
  if (info.family == "two_d")
    d = data_detail::make_two_d(r);
  else if (info.family == "user")
    d = data_detail::make_user(r);
  else if (info.family == "sequence")
    d = data_detail::make_sequence(r);
  else if (info.family == "text")
    d = data_detail::make_text(r);
  else if (info.family == "translation")
    d = data_detail::make_translation(r);
  else if (info.family == "images")
    d = data_detail::make_images(r);
  else
    d = data_detail::make_gan(r);
  d.name = name;
  return d;
}

GRADLAB_END
