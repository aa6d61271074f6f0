// 2-D convolution and pooling on NCHW tensors (PyTorch's F.conv2d, F.max_pool2d,
// F.avg_pool2d, F.unfold, F.fold). No dilation, no groups, no ceil_mode.
//
// Shape letters: N batch, C input channels, O output channels, H x W input size,
// kh x kw kernel, sh x sw stride, ph x pw zero padding, Ho x Wo output size with
//   Ho = (H + 2*ph - kh) / sh + 1,   Wo = (W + 2*pw - kw) / sw + 1   (floor),
// K = C*kh*kw rows and P = Ho*Wo columns of an im2col matrix.
//
//   Var y = conv2d(x, weight, bias, /*stride=*/1, /*padding=*/{1, 0});
//   Var p = max_pool2d(y, /*kernel=*/2, /*stride=*/2);
//
// Every op here is twice differentiable (create_graph): conv2d's first-order backward is
// fused (gemm + col2im), and with create_graph it is rebuilt from im2col/col2im/bmm.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/var.h"

GRADLAB_BEGIN

// A height x width pair: `3` means 3x3, `{2, 1}` means 2 high, 1 wide.
struct Size2 {
  std::int64_t h = 0, w = 0;
  constexpr Size2() = default;
  constexpr Size2(std::int64_t both) : h(both), w(both) {}  // NOLINT: implicit on purpose
  constexpr Size2(std::int64_t h_, std::int64_t w_) : h(h_), w(w_) {}
  friend constexpr bool operator==(Size2 a, Size2 b) { return a.h == b.h && a.w == b.w; }
  // "(3, 2)", as PyTorch prints kernel_size. A member, not a to_string overload: with the
  // implicit constructor, to_string(5) or to_string({2, 3}) would quietly pick it.
  std::string str() const;
};

// x [N, C, H, W], weight [O, C, kh, kw], bias [O] or an undefined Var -> [N, O, Ho, Wo].
// y[n, o] = bias[o] + sum_{c,i,j} weight[o, c, i, j] * xpad[n, c, oh*sh + i, ow*sw + j]
Var conv2d(const Var& x, const Var& weight, const Var& bias = Var(), Size2 stride = 1, Size2 padding = 0);

// x [N, C, H, W] -> [N, C, Ho, Wo]: the largest value of each window; padding never wins.
// The gradient goes to the first maximum of each window in row-major order (ties, too).
// As PyTorch: stride defaults to the kernel in the layer (nn/conv.h), not here, and
// padding may be at most half the kernel, so every window holds a real element.
Var max_pool2d(const Var& x, Size2 kernel, Size2 stride, Size2 padding = 0);

// x [N, C, H, W] -> [N, C, Ho, Wo]: the mean of each window, zero padding counted in the
// divisor kh*kw (PyTorch's default count_include_pad=true). Padding at most half the kernel.
Var avg_pool2d(const Var& x, Size2 kernel, Size2 stride, Size2 padding = 0);

// x [N, C, H, W] -> cols [N, C*kh*kw, Ho*Wo] (F.unfold): row (c*kh + i)*kw + j, column
// oh*Wo + ow holds xpad[n, c, oh*sh + i, ow*sw + j]. Its adjoint is col2im.
Var im2col(const Var& x, Size2 kernel, Size2 stride, Size2 padding = 0);
// cols [N, C*kh*kw, Ho*Wo] -> [N, C, H, W] (F.fold): the adjoint of im2col, so entries
// that im2col copied from the same pixel add up there; padding entries are dropped.
Var col2im(const Var& cols, const Shape& x_shape, Size2 kernel, Size2 stride, Size2 padding = 0);

// Output shapes, with the checks the ops make: they throw std::invalid_argument naming the
// op, the shapes and sizes found, and what is allowed. Layers use them in output_shape.
Shape conv2d_output_shape(const Shape& x, const Shape& weight, Size2 stride, Size2 padding);
// `op` is "max_pool2d" or "avg_pool2d" (used in messages).
Shape pool2d_output_shape(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding);

GRADLAB_END
