// Conv2d, MaxPool2d, AvgPool2d, Flatten: thin layers over ops/conv.h. Shape errors are
// re-raised with the layer's PyTorch-style description in front.
#include "nn/conv.h"

#include <cmath>
#include <stdexcept>

#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

void check_window(const std::string& who, Size2 kernel, Size2 stride, Size2 padding, bool pooling) {
  if (kernel.h < 1 || kernel.w < 1) throw_invalid_argument(who + ": kernel_size must be positive");
  if (stride.h < 1 || stride.w < 1) throw_invalid_argument(who + ": stride must be positive");
  if (padding.h < 0 || padding.w < 0) throw_invalid_argument(who + ": padding must be non-negative");
  if (pooling && (2 * padding.h > kernel.h || 2 * padding.w > kernel.w))
    throw_invalid_argument(who + ": padding must be at most half the kernel size");
}

// Runs an op-level shape check, putting the layer's description in front of its message.
template <class F>
Shape with_layer_name(const std::string& who, F f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw_invalid_argument(who + ": " + e.what());
  }
}

std::string pool_description(const char* type, Size2 kernel, Size2 stride, Size2 padding) {
  return std::string(type) + "(kernel_size=" + kernel.str() + ", stride=" + stride.str() +
         ", padding=" + padding.str() + ")";
}

}  // namespace

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel, Size2 stride, Size2 padding, Rng& rng,
               bool bias)
    : in_(in_channels), out_(out_channels), kernel_(kernel), stride_(stride), padding_(padding) {
  if (in_ <= 0 || out_ <= 0)
    throw_invalid_argument(describe() + ": in_channels and out_channels must be positive");
  check_window(describe(), kernel_, stride_, padding_, /*pooling=*/false);
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_ * kernel_.h * kernel_.w));
  weight_ = register_parameter("weight", rng.uniform_tensor({out_, in_, kernel_.h, kernel_.w}, -bound, bound));
  if (bias) bias_ = register_parameter("bias", rng.uniform_tensor({out_}, -bound, bound));
}

std::string Conv2d::describe() const {
  return "Conv2d(" + std::to_string(in_) + ", " + std::to_string(out_) + ", kernel_size=" + kernel_.str() +
         ", stride=" + stride_.str() + ", padding=" + padding_.str() + ")";
}

Shape Conv2d::output_shape(const Shape& in) const {
  if (in.size() != 4 || in[1] != in_)
    throw_invalid_argument(describe() + " expects input [N, " + std::to_string(in_) + ", H, W], got " +
                           to_string(in));
  return with_layer_name(describe(), [&] { return conv2d_output_shape(in, weight_.shape(), stride_, padding_); });
}

Var Conv2d::forward(const Var& x) {
  output_shape(x.shape());  // the layer's own message for a misfit, before the op's
  return conv2d(x, weight_, bias_, stride_, padding_);
}

MaxPool2d::MaxPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding)
    : kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding) {
  check_window(pool_description("MaxPool2d", kernel_, stride_, padding_), kernel_, stride_, padding_, true);
}

Shape MaxPool2d::output_shape(const Shape& in) const {
  return with_layer_name(pool_description("MaxPool2d", kernel_, stride_, padding_),
                  [&] { return pool2d_output_shape("max_pool2d", in, kernel_, stride_, padding_); });
}

Var MaxPool2d::forward(const Var& x) {
  output_shape(x.shape());
  return max_pool2d(x, kernel_, stride_, padding_);
}

AvgPool2d::AvgPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding)
    : kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding) {
  check_window(pool_description("AvgPool2d", kernel_, stride_, padding_), kernel_, stride_, padding_, true);
}

Shape AvgPool2d::output_shape(const Shape& in) const {
  return with_layer_name(pool_description("AvgPool2d", kernel_, stride_, padding_),
                  [&] { return pool2d_output_shape("avg_pool2d", in, kernel_, stride_, padding_); });
}

Var AvgPool2d::forward(const Var& x) {
  output_shape(x.shape());
  return avg_pool2d(x, kernel_, stride_, padding_);
}

Shape Flatten::output_shape(const Shape& in) const {
  if (in.size() < 2)
    throw_invalid_argument("Flatten expects [N, ...] with at least 2 dimensions, got " + to_string(in));
  std::int64_t features = 1;
  for (std::size_t d = 1; d < in.size(); ++d) features *= in[d];
  return {in[0], features};
}

Var Flatten::forward(const Var& x) { return reshape(x, output_shape(x.shape())); }

Unflatten::Unflatten(int dim, std::vector<std::int64_t> unflattened_size) : dim_(dim), sizes_(std::move(unflattened_size)) {
  if (sizes_.empty()) throw_invalid_argument(describe() + ": unflattened_size needs at least one size");
  int inferred = 0;
  for (std::int64_t s : sizes_) {
    if (s == -1) ++inferred;
    else if (s < 1) throw_invalid_argument(describe() + ": sizes must be positive, or -1 once (inferred)");
  }
  if (inferred > 1) throw_invalid_argument(describe() + ": at most one size may be -1");
}

std::string Unflatten::describe() const {
  std::string s = "Unflatten(dim=" + std::to_string(dim_) + ", unflattened_size=(";
  for (std::size_t i = 0; i < sizes_.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes_[i]);
  return s + (sizes_.size() == 1 ? ",))" : "))");
}

Shape Unflatten::output_shape(const Shape& in) const {
  const int rank = static_cast<int>(in.size());
  const int d = dim_ < 0 ? dim_ + rank : dim_;
  if (d < 1 || d >= rank)
    throw_invalid_argument(describe() + ": dim " + std::to_string(dim_) + " for an input of shape " + to_string(in) +
                           " (allowed: 1 to " + std::to_string(rank - 1) + ", or -" + std::to_string(rank - 1) +
                           " to -1; the batch dimension 0 stays)");
  std::int64_t known = 1;
  for (std::int64_t s : sizes_)
    if (s != -1) known *= s;
  std::vector<std::int64_t> sizes = sizes_;
  for (std::int64_t& s : sizes)
    if (s == -1) s = known > 0 && in[d] % known == 0 ? in[d] / known : -1;
  std::int64_t product = 1;
  for (std::int64_t s : sizes) product *= s;
  if (product != in[d])
    throw_invalid_argument(describe() + ": the sizes multiply to " + (product < 0 ? std::string("no whole number") : std::to_string(product)) +
                           " but dimension " + std::to_string(d) + " of the input " + to_string(in) + " is " +
                           std::to_string(in[d]) + " (allowed: sizes whose product is " + std::to_string(in[d]) + ")");
  Shape out(in.begin(), in.begin() + d);
  out.insert(out.end(), sizes.begin(), sizes.end());
  out.insert(out.end(), in.begin() + d + 1, in.end());
  return out;
}

Var Unflatten::forward(const Var& x) { return reshape(x, output_shape(x.shape())); }

GRADLAB_END
