// 2-D target distributions for GANs: x [N, 2] real samples, y [N] the component that drew
// each (mode index; moon 0/1; 0 for the spiral), and for targets with modes the centres
// modes [M, 2] with their std in mode_std, for mode-coverage metrics.
//   gan_ring    M Gaussians evenly on a circle of radius 2 (default M = 8, std 0.02)
//   gan_grid    G x G Gaussians at -(G-1), -(G-1)+2, ..., G-1 on each axis (default G = 5, std 0.05)
//   gan_spiral  a Swiss-roll arm (t cos t, t sin t) for t in [1.5 pi, 4.5 pi], scaled to radius 2
//   gan_moons   two moons, x1 in [-2, 2], x2 in [-1, 1]
//   gan_points  user points as modes, each sample a random point plus Gaussian jitter
#include <cmath>

#include "data/common.h"

GRADLAB_BEGIN
namespace data_detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

Dataset make_gan(const Resolved& r) {
  Rng rng(r.seed);
  std::vector<double> centres;  // M x 2, empty when the target has no modes
  if (r.name == "gan_ring") {
    for (int k = 0; k < r.num_modes; ++k) {
      const double angle = 2 * kPi * k / r.num_modes;
      centres.insert(centres.end(), {2 * std::cos(angle), 2 * std::sin(angle)});
    }
  } else if (r.name == "gan_grid") {
    for (int i = 0; i < r.grid_size; ++i)
      for (int j = 0; j < r.grid_size; ++j)
        centres.insert(centres.end(), {2.0 * i - (r.grid_size - 1), 2.0 * j - (r.grid_size - 1)});
  } else if (r.name == "gan_points") {
    for (const Point& p : r.points) centres.insert(centres.end(), {p.x, p.y});
  }
  const auto m = static_cast<std::int64_t>(centres.size() / 2);
  const std::int64_t n = r.n_samples;
  std::vector<double> xs, ys;
  xs.reserve(static_cast<std::size_t>(2 * n));
  for (std::int64_t i = 0; i < n; ++i) {
    double x1 = 0, x2 = 0, component = 0;
    if (m > 0) {
      const std::int64_t k = rng.below(static_cast<std::uint32_t>(m));
      x1 = centres[static_cast<std::size_t>(2 * k)];
      x2 = centres[static_cast<std::size_t>(2 * k + 1)];
      component = static_cast<double>(k);
    } else if (r.name == "gan_spiral") {
      const double t = rng.uniform(1.5 * kPi, 4.5 * kPi);
      x1 = t * std::cos(t) * (2 / (4.5 * kPi));
      x2 = t * std::sin(t) * (2 / (4.5 * kPi));
    } else {  // gan_moons: the classification moons, twice the size
      const int moon = static_cast<int>(rng.below(2));
      const double theta = rng.uniform(0, kPi);
      const double a = moon == 0 ? std::cos(theta) : 1 - std::cos(theta);
      const double b = moon == 0 ? std::sin(theta) : 0.5 - std::sin(theta);
      x1 = (a - 0.5) * (4.0 / 3.0);
      x2 = (b - 0.25) * (4.0 / 3.0);
      component = moon;
    }
    xs.push_back(x1 + rng.normal(0, r.noise));
    xs.push_back(x2 + rng.normal(0, r.noise));
    ys.push_back(component);
  }
  Dataset d;
  d.task = task::gan;
  d.input_size = d.output_size = 2;
  d.feature_names = {"x1", "x2"};
  split_into(d, to_tensor({n, 2}, xs), to_tensor({n}, ys), r.test_fraction);
  if (m > 0) {
    d.modes = to_tensor({m, 2}, centres);
    d.mode_std = r.noise;
  }
  d.description = r.name == "gan_ring"
                      ? "A ring of " + std::to_string(m) + " Gaussians (radius 2, std " + format_number(r.noise) + ")."
                  : r.name == "gan_grid" ? "A " + std::to_string(r.grid_size) + "x" + std::to_string(r.grid_size) +
                                               " grid of Gaussians (std " + format_number(r.noise) + ")."
                  : r.name == "gan_points"
                      ? std::to_string(m) + " clicked points, jittered by std " + format_number(r.noise) + "."
                  : r.name == "gan_spiral" ? "A spiral arm (noise " + format_number(r.noise) + ")."
                                           : "Two moons (noise " + format_number(r.noise) + ").";
  return d;
}

}  // namespace data_detail
GRADLAB_END
