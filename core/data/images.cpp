// Image classification made in memory: x [N, 1, H, H] grey images (H = image_size), y [N]
// in 0..9, classes balanced to within one sample over all N.
//   shapes  square, circle, triangle, plus, x_cross, horizontal_bar, vertical_bar, disc,
//           diagonal, corner (an L), drawn as outlines or strokes
//   digits  0..9 from a built-in 5x7 bitmap font, scaled by nearest neighbour
// Each image: one object whose bounding box has side S, a random integer in
// [round(0.4 H), round(0.5 H)]; a stroke s of 1 or 2 (2 only when S >= 10): lines s + 1 pixels
// wide for the shapes (about; the disc is filled), s for the digits; brightness
// uniform in [0.7, 1] on a 0 background; then Gaussian pixel noise of std `noise`.
// Placement (the `shift` option, s pixels, 0 <= s <= H/2): the object's centre is at
// (H/2 - s/2 + jx, H/2 - s/2 + jy) in the training split and (H/2 + s/2 + jx, H/2 + s/2 + jy)
// in the test split, jx, jy uniform integers in [-J, J] with J = max(1, H/16), the box then
// moved the least needed to lie inside the image. So s = 0 gives the same distribution in
// both splits, and s > 0 moves the test objects s pixels right and s pixels down from
// where training saw them (s = H/2: training in the top-left quarter, test in the bottom-right).
#include <algorithm>
#include <array>
#include <cmath>

#include "data/common.h"

GRADLAB_BEGIN
namespace data_detail {
namespace {

// 5 columns x 7 rows per digit, '#' set.
constexpr const char* kFont[10][7] = {
    {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "},  // 0
    {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "},  // 1
    {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"},  // 2
    {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "},  // 3
    {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "},  // 4
    {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "},  // 5
    {"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "},  // 6
    {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "},  // 7
    {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "},  // 8
    {" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "},  // 9
};

bool font_pixel(int digit, int row, int col) { return kFont[digit][row][col] == '#'; }

// Is the point (u, v) in [-1, 1]^2 (v down) on shape `label` drawn with half-width w?
bool on_shape(int label, double u, double v, double w) {
  const double r = std::sqrt(u * u + v * v);
  switch (label) {
    case 0: return std::max(std::fabs(u), std::fabs(v)) >= 1 - 2 * w;  // square outline
    case 1: return std::fabs(r - (1 - w)) <= w;                        // circle outline
    case 2: {                                                          // triangle, apex up
      // Edges: the base v = 1, and the two sides from (0, -1) to (+-1, 1): |u| = (v + 1) / 2.
      const double side = (v + 1) / 2 - std::fabs(u);  // > 0 inside
      if (side < 0 || v > 1) return false;
      return side * 2 / std::sqrt(5.0) <= 2 * w || v >= 1 - 2 * w;
    }
    case 3: return std::fabs(u) <= w || std::fabs(v) <= w;                        // plus
    case 4: return std::fabs(u - v) <= 1.4 * w || std::fabs(u + v) <= 1.4 * w;  // x cross
    case 5: return std::fabs(v) <= w;                                             // horizontal bar
    case 6: return std::fabs(u) <= w;                                             // vertical bar
    case 7: return r <= 1;                                                        // filled disc
    case 8: return std::fabs(u + v) <= 1.4 * w;                                   // diagonal "/"
    default: return u <= -1 + 2 * w || v >= 1 - 2 * w;                            // corner "L"
  }
}

constexpr std::array<const char*, 10> kShapeNames = {"square", "circle",  "triangle",     "plus",     "x_cross",
                                                     "horizontal_bar", "vertical_bar", "disc", "diagonal", "corner"};

}  // namespace

Dataset make_images(const Resolved& r) {
  Rng rng(r.seed);
  const int H = r.image_size;
  const std::int64_t n = r.n_samples;
  const std::int64_t n_train = n - test_count(n, r.test_fraction);
  const std::vector<int> labels = balanced_labels(n, 10, rng);
  const int s_min = static_cast<int>(std::lround(0.4 * H)), s_max = static_cast<int>(std::lround(0.5 * H));
  const int jitter = std::max(1, H / 16);
  std::vector<double> xs(static_cast<std::size_t>(n * H * H), 0.0), ys;
  for (std::int64_t k = 0; k < n; ++k) {
    const int label = labels[static_cast<std::size_t>(k)];
    const int S = s_min + static_cast<int>(rng.below(static_cast<std::uint32_t>(s_max - s_min + 1)));
    const int stroke = S >= 10 ? 1 + static_cast<int>(rng.below(2)) : 1;
    const double brightness = rng.uniform(0.7, 1.0);
    const double centre = H / 2.0 + (k < n_train ? -0.5 : 0.5) * r.shift;
    int top_left[2];
    for (int& t : top_left) {
      const int j = static_cast<int>(rng.below(static_cast<std::uint32_t>(2 * jitter + 1))) - jitter;
      t = std::clamp(static_cast<int>(std::lround(centre + j - S / 2.0)), 0, H - S);
    }
    double* img = xs.data() + k * H * H;
    const bool digit = r.name == "digits";
    const int width = digit ? std::max(3, static_cast<int>(std::lround(S * 5.0 / 7.0))) : S;
    const int left = top_left[0] + (S - width) / 2;
    for (int py = 0; py < S; ++py)
      for (int px = 0; px < width; ++px) {
        bool on;
        if (digit) {
          // Nearest neighbour into the 5x7 glyph; a stroke of 2 also takes the pixel to the left.
          auto at = [&](int x) { return x >= 0 && font_pixel(label, py * 7 / S, x * 5 / width); };
          on = at(px) || (stroke == 2 && px > 0 && at(px - 1));
        } else {
          const double half = S / 2.0;
          const double u = (px + 0.5 - half) / half, v = (py + 0.5 - half) / half;
          on = on_shape(label, u, v, stroke / (2.0 * half) + 0.5 / half);
        }
        if (on) img[(top_left[1] + py) * H + left + px] = brightness;
      }
    ys.push_back(label);
  }
  if (r.noise > 0)
    for (double& p : xs) p += rng.normal(0, r.noise);
  Dataset d;
  d.task = task::classification;
  d.num_classes = d.output_size = 10;
  d.input_size = static_cast<std::int64_t>(H) * H;
  if (r.name == "digits") {
    for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  } else {
    for (const char* c : kShapeNames) d.class_names.emplace_back(c);
  }
  split_into(d, to_tensor({n, 1, H, H}, xs), to_tensor({n}, ys), r.test_fraction);
  d.description = std::string(r.name == "digits" ? "Digits 0-9" : "Ten shapes") + " on " + std::to_string(H) + "x" +
                  std::to_string(H) + " images" +
                  (r.shift > 0 ? ", test objects " + std::to_string(r.shift) + " px right and down of the training ones"
                               : std::string()) +
                  ".";
  return d;
}

}  // namespace data_detail
GRADLAB_END
