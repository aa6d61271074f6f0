// 2-D datasets in the spirit of the TensorFlow playground, scaled to about [-1, 1]^2:
// classification (circle, xor, gaussians, spiral, moons: x [N, 2], y [N] with classes
// balanced to within one sample in each split) and regression (sine and polynomial:
// x [N, 1]; plane: x [N, 2]; y [N, 1]).
#include <cmath>
#include <stdexcept>

#include "data/common.h"

GRADLAB_BEGIN
namespace data_detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Xy {
  double x1, x2;
};

// One noiseless point of class `label` for the named classification dataset.
Xy sample_class(const Resolved& r, int label, Rng& rng) {
  const std::string& n = r.name;
  if (n == "circle") {
    const double radius = label == 0 ? rng.uniform(0, 0.5) : rng.uniform(0.7, 1.0);
    const double angle = rng.uniform(0, 2 * kPi);
    return {radius * std::cos(angle), radius * std::sin(angle)};
  }
  if (n == "xor") {
    // Class 0 in quadrants 1 and 3 (x1 * x2 > 0), class 1 in 2 and 4; a margin off the axes.
    const double s1 = rng.below(2) ? 1.0 : -1.0;
    const double s2 = label == 0 ? s1 : -s1;
    return {s1 * rng.uniform(0.05, 1.0), s2 * rng.uniform(0.05, 1.0)};
  }
  if (n == "gaussians") {
    const double angle = 2 * kPi * label / r.num_classes;
    return {0.7 * std::cos(angle), 0.7 * std::sin(angle)};  // the blob's spread is the noise
  }
  if (n == "spiral") {
    const double t = rng.uniform();
    const double radius = 0.05 + 0.95 * t;
    const double angle = 3.5 * kPi * t + 2 * kPi * label / r.num_classes;
    return {radius * std::cos(angle), radius * std::sin(angle)};
  }
  // moons (sklearn's make_moons), shifted and scaled by 2/3 to x1 in [-1, 1], x2 in [-0.5, 0.5].
  const double theta = rng.uniform(0, kPi);
  const double a = label == 0 ? std::cos(theta) : 1 - std::cos(theta);
  const double b = label == 0 ? std::sin(theta) : 0.5 - std::sin(theta);
  return {(a - 0.5) * (2.0 / 3.0), (b - 0.25) * (2.0 / 3.0)};
}

// n balanced samples: x [n, 2], y [n].
void classification_split(const Resolved& r, std::int64_t n, int classes, Rng& rng, Tensor& x, Tensor& y) {
  const std::vector<int> labels = balanced_labels(n, classes, rng);
  std::vector<double> xs, ys;
  xs.reserve(static_cast<std::size_t>(2 * n));
  for (int label : labels) {
    const Xy p = sample_class(r, label, rng);
    xs.push_back(p.x1 + rng.normal(0, r.noise));
    xs.push_back(p.x2 + rng.normal(0, r.noise));
    ys.push_back(label);
  }
  x = to_tensor({n, 2}, xs);
  y = to_tensor({n}, ys);
}

Dataset classification(const Resolved& r) {
  Dataset d;
  d.task = task::classification;
  d.num_classes = (r.name == "gaussians" || r.name == "spiral") ? r.num_classes : 2;
  d.input_size = 2;
  d.output_size = d.num_classes;
  d.feature_names = {"x1", "x2"};
  Rng rng(r.seed);
  const std::int64_t n_test = test_count(r.n_samples, r.test_fraction);
  const int c = static_cast<int>(d.num_classes);
  // Train and test are drawn separately so that each is balanced on its own.
  classification_split(r, r.n_samples - n_test, c, rng, d.x_train, d.y_train);
  classification_split(r, n_test, c, rng, d.x_test, d.y_test);
  d.description = r.name == "circle"      ? "Two classes: a disc inside a ring."
                  : r.name == "xor"       ? "Two classes by quadrant (XOR of the signs)."
                  : r.name == "gaussians" ? std::to_string(c) + " Gaussian blobs."
                  : r.name == "spiral"    ? std::to_string(c) + " interleaved spiral arms."
                                          : "Two interleaving moons.";
  d.description += ' ' + std::to_string(r.n_samples - n_test) + " train / " + std::to_string(n_test) +
                   " test points, noise " + format_number(r.noise) + '.';
  return d;
}

// Coefficients c0..cd of a random degree-d polynomial with roots in [-0.9, 0.9], scaled so
// max |p| over [-1, 1] is 1, with a random sign.
std::vector<double> random_polynomial(int degree, Rng& rng) {
  std::vector<double> c = {1.0};
  for (int i = 0; i < degree; ++i) {
    const double root = rng.uniform(-0.9, 0.9);
    std::vector<double> next(c.size() + 1, 0.0);  // c(x) * (x - root)
    for (std::size_t k = 0; k < c.size(); ++k) {
      next[k + 1] += c[k];
      next[k] -= root * c[k];
    }
    c = std::move(next);
  }
  double peak = 0;
  for (int i = 0; i <= 400; ++i) {
    const double x = -1 + i / 200.0;
    double p = 0;
    for (std::size_t k = c.size(); k-- > 0;) p = p * x + c[k];
    peak = std::max(peak, std::fabs(p));
  }
  const double scale = (rng.below(2) ? 1.0 : -1.0) / peak;
  for (double& v : c) v *= scale;
  return c;
}

// "c0 + c1 name1 - |c2| name2 ...": coefficient k multiplies names[k] ("" for the constant).
std::string terms_text(const std::vector<double>& c, const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (k > 0) s += c[k] < 0 ? " - " : " + ";
    s += format_number(k == 0 ? c[k] : std::fabs(c[k]));
    if (!names[k].empty()) s += ' ' + names[k];
  }
  return s;
}

std::vector<std::string> powers_of_x(std::size_t count) {
  std::vector<std::string> names(count);
  for (std::size_t k = 1; k < count; ++k) names[k] = k == 1 ? "x" : "x^" + std::to_string(k);
  return names;
}

Dataset regression(const Resolved& r) {
  Dataset d;
  d.task = task::regression;
  d.output_size = 1;
  Rng rng(r.seed);
  const std::int64_t n = r.n_samples;
  const bool plane = r.name == "plane";
  d.input_size = plane ? 2 : 1;
  d.feature_names = plane ? std::vector<std::string>{"x1", "x2"} : std::vector<std::string>{"x"};
  std::vector<double> coefficients = r.coefficients;
  if (r.name == "polynomial" && coefficients.empty()) coefficients = random_polynomial(r.degree, rng);
  if (plane && coefficients.empty()) coefficients = {0.0, 1.0, -0.5};
  std::vector<double> xs, ys;
  for (std::int64_t i = 0; i < n; ++i) {
    double target = 0;
    if (plane) {
      const double x1 = rng.uniform(-1, 1), x2 = rng.uniform(-1, 1);
      xs.insert(xs.end(), {x1, x2});
      target = coefficients[0] + coefficients[1] * x1 + coefficients[2] * x2;
    } else {
      const double x = rng.uniform(-1, 1);
      xs.push_back(x);
      if (r.name == "sine") {
        target = std::sin(kPi * x);
      } else {
        for (std::size_t k = coefficients.size(); k-- > 0;) target = target * x + coefficients[k];
      }
    }
    ys.push_back(target + rng.normal(0, r.noise));
  }
  split_into(d, to_tensor({n, d.input_size}, xs), to_tensor({n, 1}, ys), r.test_fraction);
  d.description = r.name == "sine" ? "y = sin(pi x)"
                  : plane          ? "y = " + terms_text(coefficients, {"", "x1", "x2"})
                                   : "y = " + terms_text(coefficients, powers_of_x(coefficients.size()));
  d.description += ", noise " + format_number(r.noise) + ".";
  return d;
}

// y = w . x + noise, x uniform in [-1, 1]^F, w ~ N(0, 1) drawn first from the seed.
Dataset hyperplane(const Resolved& r) {
  Dataset d;
  d.task = task::regression;
  d.output_size = 1;
  d.input_size = r.n_features;
  Rng rng(r.seed);
  const std::int64_t n = r.n_samples, F = r.n_features;
  std::vector<double> w(static_cast<std::size_t>(F));
  for (double& v : w) v = rng.normal(0, 1);
  for (std::int64_t f = 0; f < F; ++f) d.feature_names.push_back("x" + std::to_string(f + 1));
  std::vector<double> xs, ys;
  xs.reserve(static_cast<std::size_t>(n * F));
  for (std::int64_t i = 0; i < n; ++i) {
    double target = 0;
    for (std::int64_t f = 0; f < F; ++f) {
      const double x = rng.uniform(-1, 1);
      xs.push_back(x);
      target += w[static_cast<std::size_t>(f)] * x;
    }
    ys.push_back(target + rng.normal(0, r.noise));
  }
  split_into(d, to_tensor({n, F}, xs), to_tensor({n, 1}, ys), r.test_fraction);
  d.description = "y = w . x over " + std::to_string(F) + " features (w drawn from N(0, 1) by the seed), noise " +
                  format_number(r.noise) + ".";
  return d;
}

}  // namespace

Dataset make_two_d(const Resolved& r) {
  if (r.name == "hyperplane") return hyperplane(r);
  if (r.name == "sine" || r.name == "polynomial" || r.name == "plane") return regression(r);
  return classification(r);
}

}  // namespace data_detail
GRADLAB_END
