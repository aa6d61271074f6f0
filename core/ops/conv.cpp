// conv2d via im2col + gemm, max/avg pooling, and im2col/col2im as ops of their own.
// Letters as in conv.h. Each tensor loop works on one image (or one channel plane) at a
// time; buffers are allocated once per call, never per pixel.
#include "ops/conv.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "kernels/kernels.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduction.h"
#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

std::string Size2::str() const {
  std::string out = std::to_string(h);  // appended, not "(" + ...: GCC 12 warns falsely on that
  out.insert(out.begin(), '(');
  return out.append(", ").append(std::to_string(w)).append(")");
}

namespace {

struct Geometry {
  std::int64_t N, C, H, W;    // input
  std::int64_t kh, kw, sh, sw, ph, pw;
  std::int64_t Ho, Wo;        // output
  std::int64_t K() const { return C * kh * kw; }
  std::int64_t P() const { return Ho * Wo; }
  Shape input_shape() const { return {N, C, H, W}; }
  Shape cols_shape() const { return {N, K(), P()}; }
  Shape pooled_shape() const { return {N, C, Ho, Wo}; }
};

[[noreturn]] void fail(const std::string& op, const std::string& what) {
  throw_invalid_argument(op + ": " + what);
}

// Checks x [N, C, H, W] against a window (kernel, stride, padding) and sizes the output.
// Pooling additionally limits padding to half the kernel, as PyTorch does.
Geometry geometry(const std::string& op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding, bool pooling) {
  if (x.size() != 4) fail(op, "input must be [N, C, H, W], got " + to_string(x));
  if (x[1] <= 0) fail(op, "input " + to_string(x) + " has no channels");
  if (kernel.h < 1 || kernel.w < 1) fail(op, "kernel size must be positive, got " + kernel.str());
  if (stride.h < 1 || stride.w < 1) fail(op, "stride must be positive, got " + stride.str());
  if (padding.h < 0 || padding.w < 0) fail(op, "padding must be non-negative, got " + padding.str());
  if (pooling && (2 * padding.h > kernel.h || 2 * padding.w > kernel.w))
    fail(op, "padding " + padding.str() + " must be at most half the kernel size " + kernel.str());
  const std::int64_t Hp = x[2] + 2 * padding.h, Wp = x[3] + 2 * padding.w;
  if (Hp < kernel.h || Wp < kernel.w)
    fail(op, "input " + to_string(x) + " padded by " + padding.str() + " is " + std::to_string(Hp) + "x" +
                 std::to_string(Wp) + ", smaller than the kernel " + kernel.str() +
                 ", so the output would be empty; need H + 2*ph >= kh and W + 2*pw >= kw");
  Geometry g{x[0], x[1], x[2], x[3], kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, 0, 0};
  g.Ho = (Hp - g.kh) / g.sh + 1;
  g.Wo = (Wp - g.kw) / g.sw + 1;
  return g;
}

// x [C, H, W] -> cols [K, P] for one image (zeros where the window hangs over the padding).
void im2col_image(const Geometry& g, const Scalar* x, Scalar* cols) {
  for (std::int64_t c = 0; c < g.C; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        Scalar* row = cols + ((c * g.kh + i) * g.kw + j) * g.P();
        const Scalar* plane = x + c * g.H * g.W;
        for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
          Scalar* out = row + oh * g.Wo;
          const std::int64_t ih = oh * g.sh - g.ph + i;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + g.Wo, Scalar(0));
            continue;
          }
          const Scalar* src = plane + ih * g.W;
          for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
            const std::int64_t iw = ow * g.sw - g.pw + j;
            out[ow] = (iw >= 0 && iw < g.W) ? src[iw] : Scalar(0);
          }
        }
      }
}

// cols [K, P] -> x [C, H, W] for one image, accumulating: the adjoint of im2col_image.
void col2im_image(const Geometry& g, const Scalar* cols, Scalar* x) {
  for (std::int64_t c = 0; c < g.C; ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const Scalar* row = cols + ((c * g.kh + i) * g.kw + j) * g.P();
        Scalar* plane = x + c * g.H * g.W;
        for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
          const std::int64_t ih = oh * g.sh - g.ph + i;
          if (ih < 0 || ih >= g.H) continue;
          const Scalar* in = row + oh * g.Wo;
          Scalar* dst = plane + ih * g.W;
          for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
            const std::int64_t iw = ow * g.sw - g.pw + j;
            if (iw >= 0 && iw < g.W) dst[iw] += in[ow];
          }
        }
      }
}

// The window of output (oh, ow) clipped to the real input: rows [h0, h1), columns [w0, w1).
struct Window {
  std::int64_t h0, h1, w0, w1;
};
Window window(const Geometry& g, std::int64_t oh, std::int64_t ow) {
  const std::int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  return {std::max<std::int64_t>(hs, 0), std::min(hs + g.kh, g.H), std::max<std::int64_t>(ws, 0),
          std::min(ws + g.kw, g.W)};
}

// im2col and col2im as Var ops: linear maps, each the other's adjoint, so each one's
// backward is the other and gradients of any order come for free.
Var col2im_op(const Var& cols, const Geometry& g);

Var im2col_op(const Var& x, const Geometry& g) {
  Tensor cols(g.cols_shape());
  const std::int64_t image = g.C * g.H * g.W, block = g.K() * g.P();
  for (std::int64_t n = 0; n < g.N; ++n) im2col_image(g, x.value().data() + n * image, cols.data() + n * block);
  return record("im2col", {x}, std::move(cols), [g](Grads& gr, const Var& dcols) { gr.accumulate(0, col2im_op(dcols, g)); });
}

Var col2im_op(const Var& cols, const Geometry& g) {
  Tensor x(g.input_shape());
  const std::int64_t image = g.C * g.H * g.W, block = g.K() * g.P();
  for (std::int64_t n = 0; n < g.N; ++n) col2im_image(g, cols.value().data() + n * block, x.data() + n * image);
  return record("col2im", {cols}, std::move(x), [g](Grads& gr, const Var& dx) { gr.accumulate(0, im2col_op(dx, g)); });
}

// y[k] = x[index[k]] and its adjoint dx[index[k]] += dy[k]: max pooling's routing.
using Index = std::shared_ptr<const std::vector<std::int64_t>>;
Var scatter_add_op(const Var& src, const Index& index, const Shape& shape);

Var gather_op(const Var& x, const Index& index, const Shape& shape) {
  Tensor y(shape);
  const Scalar* px = x.value().data();
  for (std::int64_t k = 0; k < y.numel(); ++k) y[k] = px[(*index)[static_cast<std::size_t>(k)]];
  return record("max_pool2d_gather", {x}, std::move(y), [index](Grads& gr, const Var& dy) {
    gr.accumulate(0, scatter_add_op(dy, index, gr.input(0).shape()));
  });
}

Var scatter_add_op(const Var& src, const Index& index, const Shape& shape) {
  Tensor y(shape);
  const Scalar* ps = src.value().data();
  for (std::int64_t k = 0; k < src.numel(); ++k) y[(*index)[static_cast<std::size_t>(k)]] += ps[k];
  return record("max_pool2d_backward", {src}, std::move(y), [index](Grads& gr, const Var& dy) {
    gr.accumulate(0, gather_op(dy, index, gr.input(0).shape()));
  });
}

// Average pooling and its adjoint (spreading each dy / (kh*kw) over its window).
Var avg_pool_adjoint_op(const Var& dy, const Geometry& g);

Var avg_pool_op(const Var& x, const Geometry& g) {
  Tensor y(g.pooled_shape());
  const Scalar scale = Scalar(1) / static_cast<Scalar>(g.kh * g.kw);
  const Scalar* px = x.value().data();
  Scalar* py = y.data();
  for (std::int64_t plane = 0; plane < g.N * g.C; ++plane, px += g.H * g.W)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh)
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        const Window win = window(g, oh, ow);
        Scalar total = 0;
        for (std::int64_t ih = win.h0; ih < win.h1; ++ih)
          for (std::int64_t iw = win.w0; iw < win.w1; ++iw) total += px[ih * g.W + iw];
        *py++ = total * scale;
      }
  return record("avg_pool2d", {x}, std::move(y), [g](Grads& gr, const Var& dy) { gr.accumulate(0, avg_pool_adjoint_op(dy, g)); });
}

Var avg_pool_adjoint_op(const Var& dy, const Geometry& g) {
  Tensor dx(g.input_shape());
  const Scalar scale = Scalar(1) / static_cast<Scalar>(g.kh * g.kw);
  const Scalar* pdy = dy.value().data();
  Scalar* pdx = dx.data();
  for (std::int64_t plane = 0; plane < g.N * g.C; ++plane, pdx += g.H * g.W)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh)
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        const Window win = window(g, oh, ow);
        const Scalar share = *pdy++ * scale;
        for (std::int64_t ih = win.h0; ih < win.h1; ++ih)
          for (std::int64_t iw = win.w0; iw < win.w1; ++iw) pdx[ih * g.W + iw] += share;
      }
  return record("avg_pool2d_backward", {dy}, std::move(dx), [g](Grads& gr, const Var& ddx) { gr.accumulate(0, avg_pool_op(ddx, g)); });
}

Geometry conv_geometry(const Shape& x, const Shape& weight, Size2 stride, Size2 padding) {
  if (x.size() != 4) fail("conv2d", "input must be [N, C, H, W], got " + to_string(x));
  if (weight.size() != 4) fail("conv2d", "weight must be [O, C, kh, kw], got " + to_string(weight));
  if (numel(weight) == 0) fail("conv2d", "weight " + to_string(weight) + " has an empty dimension");
  if (x[1] != weight[1])
    fail("conv2d", "input " + to_string(x) + " has " + std::to_string(x[1]) + " channels, but weight " +
                       to_string(weight) + " expects " + std::to_string(weight[1]));
  return geometry("conv2d", x, {weight[2], weight[3]}, stride, padding, /*pooling=*/false);
}

}  // namespace

Shape conv2d_output_shape(const Shape& x, const Shape& weight, Size2 stride, Size2 padding) {
  const Geometry g = conv_geometry(x, weight, stride, padding);
  return {g.N, weight[0], g.Ho, g.Wo};
}

Shape pool2d_output_shape(const char* op, const Shape& x, Size2 kernel, Size2 stride, Size2 padding) {
  return geometry(op, x, kernel, stride, padding, /*pooling=*/true).pooled_shape();
}

// y[n] (O x P) = W (O x K) * cols[n] (K x P) + b, one image at a time through one buffer.
//   dW (O x K) += sum_n dy[n] (O x P) * cols[n]^T (P x K)
//   dx[n]      += col2im(W^T (K x O) * dy[n] (O x P))
//   db[o]      += sum_{n,p} dy[n, o, p]
Var conv2d(const Var& x, const Var& weight, const Var& bias, Size2 stride, Size2 padding) {
  const Geometry g = conv_geometry(x.shape(), weight.shape(), stride, padding);
  const std::int64_t O = weight.shape()[0], K = g.K(), P = g.P();
  if (bias.defined() && bias.shape() != Shape{O})
    fail("conv2d", "bias must be [" + std::to_string(O) + "] for weight " + to_string(weight.shape()) + ", got " +
                       to_string(bias.shape()));
  Tensor y({g.N, O, g.Ho, g.Wo});
  Tensor cols({K, P});
  const std::int64_t image = g.C * g.H * g.W;
  for (std::int64_t n = 0; n < g.N; ++n) {
    im2col_image(g, x.value().data() + n * image, cols.data());
    Scalar* yn = y.data() + n * O * P;
    kernels::gemm(false, false, O, P, K, Scalar(1), weight.value().data(), K, cols.data(), P, Scalar(0), yn, P);
    if (bias.defined())
      for (std::int64_t o = 0; o < O; ++o) {
        const Scalar b = bias.value()[o];
        for (std::int64_t p = 0; p < P; ++p) yn[o * P + p] += b;
      }
  }
  std::vector<Var> inputs = {x, weight};
  if (bias.defined()) inputs.push_back(bias);
  const bool has_bias = bias.defined();
  return record("conv2d", std::move(inputs), std::move(y), [g, O, has_bias](Grads& gr, const Var& dy) {
    const std::int64_t K = g.K(), P = g.P();
    const bool needs_db = has_bias && gr.needs(2);
    const Var& xv = gr.input(0);
    const Var& wv = gr.input(1);
    if (gr.create_graph()) {  // the same formulas in ops, so they can be differentiated again
      Var dy3 = reshape(dy, {g.N, O, P});
      if (gr.needs(1))
        gr.accumulate(1, reshape(sum(bmm(dy3, im2col_op(xv, g), false, true), 0), wv.shape()));
      if (gr.needs(0)) {
        Var w3 = broadcast_to(reshape(wv, {1, O, K}), {g.N, O, K});
        gr.accumulate(0, col2im_op(bmm(w3, dy3, true, false), g));
      }
      if (needs_db) gr.accumulate(2, sum(sum(dy3, 2), 0));
      return;
    }
    const Scalar* pdy = dy.value().data();
    const std::int64_t image = g.C * g.H * g.W;
    if (gr.needs(1)) {
      Tensor dW(wv.shape());
      Tensor cols({K, P});
      for (std::int64_t n = 0; n < g.N; ++n) {
        im2col_image(g, xv.value().data() + n * image, cols.data());
        kernels::gemm(false, true, O, K, P, Scalar(1), pdy + n * O * P, P, cols.data(), P, Scalar(1), dW.data(), K);
      }
      gr.accumulate(1, std::move(dW));
    }
    if (gr.needs(0)) {
      Tensor dx(xv.shape());
      Tensor dcols({K, P});
      for (std::int64_t n = 0; n < g.N; ++n) {
        kernels::gemm(true, false, K, P, O, Scalar(1), wv.value().data(), K, pdy + n * O * P, P, Scalar(0),
                      dcols.data(), P);
        col2im_image(g, dcols.data(), dx.data() + n * image);
      }
      gr.accumulate(0, std::move(dx));
    }
    if (needs_db) {
      Tensor db({O});
      for (std::int64_t o = 0; o < O; ++o) {
        double total = 0;  // N*P terms: accumulate in double
        for (std::int64_t n = 0; n < g.N; ++n)
          for (std::int64_t p = 0; p < P; ++p) total += pdy[(n * O + o) * P + p];
        db[o] = static_cast<Scalar>(total);
      }
      gr.accumulate(2, std::move(db));
    }
  });
}

// y = max over the window; dx[argmax] += dy (the first maximum, scanning rows then columns).
Var max_pool2d(const Var& x, Size2 kernel, Size2 stride, Size2 padding) {
  const Geometry g = geometry("max_pool2d", x.shape(), kernel, stride, padding, /*pooling=*/true);
  Tensor y(g.pooled_shape());
  auto argmax = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(y.numel()));
  const Scalar* px = x.value().data();
  std::int64_t k = 0;
  for (std::int64_t plane = 0; plane < g.N * g.C; ++plane)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh)
      for (std::int64_t ow = 0; ow < g.Wo; ++ow, ++k) {
        const Window win = window(g, oh, ow);  // never empty: padding <= kernel / 2
        std::int64_t best = -1;
        for (std::int64_t ih = win.h0; ih < win.h1; ++ih)
          for (std::int64_t iw = win.w0; iw < win.w1; ++iw) {
            const std::int64_t at = (plane * g.H + ih) * g.W + iw;
            // Strictly greater keeps the first of equal maxima; NaN wins, as in PyTorch.
            if (best < 0 || px[at] > px[best] || (std::isnan(px[at]) && !std::isnan(px[best]))) best = at;
          }
        y[k] = px[best];
        (*argmax)[static_cast<std::size_t>(k)] = best;
      }
  Index index = argmax;
  return record("max_pool2d", {x}, std::move(y), [index](Grads& gr, const Var& dy) {
    gr.accumulate(0, scatter_add_op(dy, index, gr.input(0).shape()));
  });
}

// y = sum over the window / (kh*kw);  dx += dy / (kh*kw) over each window
Var avg_pool2d(const Var& x, Size2 kernel, Size2 stride, Size2 padding) {
  return avg_pool_op(x, geometry("avg_pool2d", x.shape(), kernel, stride, padding, /*pooling=*/true));
}

Var im2col(const Var& x, Size2 kernel, Size2 stride, Size2 padding) {
  return im2col_op(x, geometry("im2col", x.shape(), kernel, stride, padding, /*pooling=*/false));
}

Var col2im(const Var& cols, const Shape& x_shape, Size2 kernel, Size2 stride, Size2 padding) {
  const Geometry g = geometry("col2im", x_shape, kernel, stride, padding, /*pooling=*/false);
  if (cols.shape() != g.cols_shape())
    fail("col2im", "cols must be [N, C*kh*kw, Ho*Wo] = " + to_string(g.cols_shape()) + " for an output " +
                       to_string(x_shape) + " and kernel " + kernel.str() + ", got " + to_string(cols.shape()));
  return col2im_op(cols, g);
}

GRADLAB_END
