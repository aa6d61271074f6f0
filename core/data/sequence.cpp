// Synthetic sequence tasks, x [N, T, F]:
//   copy, reverse    T = 2L + 1, F = S + 1 (S one-hot symbol channels + a delimiter channel);
//                    y [N, T]: 0 (blank) while reading, then symbol + 1 for the L answer steps
//   delayed_recall   F = S one-hot symbols; y [N, T]: symbol at t - lag, + 1 (0 while t < lag)
//   adding           F = 2 (values U(0, 1), markers with exactly two 1s); y [N, 1] the marked sum
//   parity           F = 1 bits; y [N, T] the running XOR
//   timing           F = 1 with a single cue; y [N, T] is 1 exactly lag steps after it
//   lookahead        F = 1 bits; y [N, T] is the next bit (0 at the last step)
//   order            F = S one-hot symbols (A, B, fillers); y [N] is 1 if A comes before B
#include "data/common.h"

GRADLAB_BEGIN
namespace data_detail {
namespace {

struct Builder {
  std::int64_t n, t, f;
  std::vector<double> x, y;
  Builder(std::int64_t n_, std::int64_t t_, std::int64_t f_, std::int64_t y_per_sample)
      : n(n_),
        t(t_),
        f(f_),
        x(static_cast<std::size_t>(n_ * t_ * f_), 0.0),
        y(static_cast<std::size_t>(n_ * y_per_sample), 0.0) {}
  double& at(std::int64_t i, std::int64_t step, std::int64_t feature) {
    return x[static_cast<std::size_t>((i * t + step) * f + feature)];
  }
  double& label(std::int64_t i, std::int64_t step) { return y[static_cast<std::size_t>(i * t + step)]; }
};

Dataset finish(Builder& b, const Resolved& r, const std::string& kind, std::int64_t classes, Shape y_shape) {
  Dataset d;
  d.task = kind;
  d.num_classes = classes;
  d.input_size = b.f;
  d.output_size = classes > 0 ? classes : y_shape.back();
  split_into(d, to_tensor({b.n, b.t, b.f}, b.x), to_tensor(std::move(y_shape), b.y), r.test_fraction);
  return d;
}

Dataset copy_or_reverse(const Resolved& r, bool reverse) {
  const std::int64_t n = r.n_samples, len = r.seq_len, s = r.num_symbols;
  Builder b(n, 2 * len + 1, s + 1, 2 * len + 1);
  Rng rng(r.seed);
  std::vector<int> symbols(static_cast<std::size_t>(len));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t k = 0; k < len; ++k) {
      symbols[static_cast<std::size_t>(k)] = static_cast<int>(rng.below(static_cast<std::uint32_t>(s)));
      b.at(i, k, symbols[static_cast<std::size_t>(k)]) = 1;
    }
    b.at(i, len, s) = 1;  // the delimiter: "now write"
    for (std::int64_t k = 0; k < len; ++k)
      b.label(i, len + 1 + k) = symbols[static_cast<std::size_t>(reverse ? len - 1 - k : k)] + 1;
  }
  Dataset d = finish(b, r, task::sequence_labelling, s + 1, {n, 2 * len + 1});
  d.description = std::string(reverse ? "Reverse " : "Copy ") + std::to_string(len) + " symbols out of " +
                  std::to_string(s) + " after a delimiter (T = " + std::to_string(2 * len + 1) + ").";
  return d;
}

Dataset delayed_recall(const Resolved& r) {
  const std::int64_t n = r.n_samples, t = r.seq_len, s = r.num_symbols;
  Builder b(n, t, s, t);
  Rng rng(r.seed);
  std::vector<int> symbols(static_cast<std::size_t>(t));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t k = 0; k < t; ++k) {
      symbols[static_cast<std::size_t>(k)] = static_cast<int>(rng.below(static_cast<std::uint32_t>(s)));
      b.at(i, k, symbols[static_cast<std::size_t>(k)]) = 1;
      if (k >= r.lag) b.label(i, k) = symbols[static_cast<std::size_t>(k - r.lag)] + 1;
    }
  }
  Dataset d = finish(b, r, task::sequence_labelling, s + 1, {n, t});
  d.description = "Recall the symbol seen " + std::to_string(r.lag) + " steps ago (T = " + std::to_string(t) + ").";
  return d;
}

Dataset adding(const Resolved& r) {
  const std::int64_t n = r.n_samples, t = r.seq_len, half = t / 2;
  Builder b(n, t, 2, 1);
  Rng rng(r.seed);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t k = 0; k < t; ++k) b.at(i, k, 0) = static_cast<Scalar>(rng.uniform());  // so y sums stored values
    // One marker in each half, as in Hochreiter & Schmidhuber (1997) and later benchmarks.
    const std::int64_t first = rng.below(static_cast<std::uint32_t>(half));
    const std::int64_t second = half + rng.below(static_cast<std::uint32_t>(t - half));
    b.at(i, first, 1) = 1;
    b.at(i, second, 1) = 1;
    b.y[static_cast<std::size_t>(i)] = b.at(i, first, 0) + b.at(i, second, 0);
  }
  Dataset d = finish(b, r, task::sequence_regression, 0, {n, 1});
  d.description = "Adding problem over " + std::to_string(t) +
                  " steps: sum the two marked values (predicting the mean 1 gives MSE 1/6).";
  return d;
}

Dataset bits_task(const Resolved& r) {
  const std::int64_t n = r.n_samples, t = r.seq_len;
  Builder b(n, t, 1, t);
  Rng rng(r.seed);
  for (std::int64_t i = 0; i < n; ++i) {
    if (r.name == "timing") {
      const std::int64_t cue = rng.below(static_cast<std::uint32_t>(t - r.lag));
      b.at(i, cue, 0) = 1;
      b.label(i, cue + r.lag) = 1;
      continue;
    }
    for (std::int64_t k = 0; k < t; ++k) b.at(i, k, 0) = rng.below(2);
    int running = 0;
    for (std::int64_t k = 0; k < t; ++k) {
      if (r.name == "parity") {
        running ^= static_cast<int>(b.at(i, k, 0));
        b.label(i, k) = running;
      } else {  // lookahead: the future bit; past the end reads as 0
        b.label(i, k) = k + 1 < t ? b.at(i, k + 1, 0) : 0;
      }
    }
  }
  Dataset d = finish(b, r, task::sequence_labelling, 2, {n, t});
  d.description =
      r.name == "parity" ? "Running parity (XOR) of random bits over " + std::to_string(t) + " steps."
      : r.name == "timing"
          ? "Spike exactly " + std::to_string(r.lag) + " steps after the cue (T = " + std::to_string(t) + ")."
          : "Label each step with the next bit: needs a bidirectional layer (T = " + std::to_string(t) + ").";
  return d;
}

// One A (symbol 0) and one B (symbol 1) at two distinct uniform positions, fillers 2..S-1
// elsewhere. Swapping A and B flips the label and keeps the distribution, so the labels are
// balanced and the multiset of tokens says nothing about the label.
Dataset order(const Resolved& r) {
  const std::int64_t n = r.n_samples, t = r.seq_len, s = r.num_symbols;
  Builder b(n, t, s, 1);
  Rng rng(r.seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t a = rng.below(static_cast<std::uint32_t>(t));
    std::int64_t bpos = rng.below(static_cast<std::uint32_t>(t - 1));
    if (bpos >= a) ++bpos;  // uniform over the other t - 1 positions
    for (std::int64_t k = 0; k < t; ++k) {
      const std::int64_t symbol = k == a ? 0 : k == bpos ? 1 : 2 + rng.below(static_cast<std::uint32_t>(s - 2));
      b.at(i, k, symbol) = 1;
    }
    b.y[static_cast<std::size_t>(i)] = a < bpos ? 1 : 0;
  }
  Dataset d = finish(b, r, task::sequence_classification, 2, {n});
  d.feature_names = {"A", "B"};
  for (std::int64_t k = 2; k < s; ++k) d.feature_names.push_back(std::string(1, static_cast<char>('a' + (k - 2) % 26)) +
                                                                  (k - 2 >= 26 ? std::to_string((k - 2) / 26) : std::string()));
  d.description = "Is A before B? One A and one B among " + std::to_string(t - 2) + " fillers (T = " + std::to_string(t) +
                  "); the same tokens either way, so only order tells.";
  return d;
}

}  // namespace

Dataset make_sequence(const Resolved& r) {
  if (r.name == "copy") return copy_or_reverse(r, false);
  if (r.name == "reverse") return copy_or_reverse(r, true);
  if (r.name == "delayed_recall") return delayed_recall(r);
  if (r.name == "adding") return adding(r);
  if (r.name == "order") return order(r);
  return bits_task(r);
}

}  // namespace data_detail
GRADLAB_END
