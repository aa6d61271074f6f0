// batch_norm: a fused per-channel forward and first-order backward, plus the same backward
// written with ops for create_graph. x is viewed as [N, C, S] with S = H*W (1 for [N, C]).
#include "ops/norm.h"

#include <cmath>
#include <stdexcept>

#include "ops/elementwise.h"
#include "ops/math.h"
#include "ops/reduction.h"
#include "ops/shape_ops.h"
#include "support/throw.h"

GRADLAB_BEGIN

namespace {

struct Layout {
  std::int64_t N, C, S;
  std::int64_t M() const { return N * S; }  // values per channel
  Shape stat_shape;                          // [1, C, 1, ...]: broadcasts against x
};

[[noreturn]] void fail(const std::string& what) { throw_invalid_argument("batch_norm: " + what); }

void check_per_channel(const char* what, const Shape& shape, std::int64_t C, const Shape& x) {
  if (shape != Shape{C})
    fail(std::string(what) + " must be [C] = [" + std::to_string(C) + "] for input " + to_string(x) + ", got " +
         to_string(shape));
}

Layout layout(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean, const Tensor& running_var,
              bool training, double momentum, double eps) {
  const Shape& s = x.shape();
  if (s.size() < 2) fail("input must be [N, C] or [N, C, H, W] (channels on dim 1), got " + to_string(s));
  if (s[1] < 1) fail("input " + to_string(s) + " has no channels");
  Layout l{s[0], s[1], 1, Shape(s.size(), 1)};
  for (std::size_t d = 2; d < s.size(); ++d) l.S *= s[d];
  l.stat_shape[1] = l.C;
  if (gamma.defined()) check_per_channel("weight (gamma)", gamma.shape(), l.C, s);
  if (beta.defined()) check_per_channel("bias (beta)", beta.shape(), l.C, s);
  if (running_mean.defined() != running_var.defined())
    fail("running_mean and running_var must both be given or both be undefined");
  if (running_mean.defined()) {
    check_per_channel("running_mean", running_mean.shape(), l.C, s);
    check_per_channel("running_var", running_var.shape(), l.C, s);
  }
  if (!(momentum >= 0 && momentum <= 1)) fail("momentum must be in [0, 1], got " + std::to_string(momentum));
  if (!(eps >= 0)) fail("eps must be non-negative, got " + std::to_string(eps));
  if (training && l.M() <= 1)
    fail("training needs more than 1 value per channel, got input " + to_string(s) + " (" + std::to_string(l.M()) +
         " per channel)");
  if (!training && !running_mean.defined()) fail("eval mode needs running_mean and running_var");
  return l;
}

}  // namespace

// y = xhat * gamma + beta,  xhat = (x - mean) * invstd,  per channel c, M values each.
//   dbeta  += sum dy
//   dgamma += sum dy * xhat
//   training: dx += gamma * invstd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M)
//   eval:     dx += gamma * invstd * dy
Var batch_norm(const Var& x, const Var& gamma, const Var& beta, Tensor running_mean, Tensor running_var,
               bool training, double momentum, double eps) {
  const Layout l = layout(x, gamma, beta, running_mean, running_var, training, momentum, eps);
  const std::int64_t N = l.N, C = l.C, S = l.S;
  const double M = static_cast<double>(l.M());
  const Scalar* px = x.value().data();
  auto at = [&](std::int64_t n, std::int64_t c) { return (n * C + c) * S; };  // start of a row of S

  Tensor mean({C}), invstd({C});
  for (std::int64_t c = 0; c < C; ++c) {
    if (!training) {
      mean[c] = running_mean[c];
      invstd[c] = static_cast<Scalar>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps));
      continue;
    }
    double total = 0, squares = 0;  // two passes in double: exact enough for the variance
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t s = 0; s < S; ++s) total += px[at(n, c) + s];
    const double mu = total / M;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t s = 0; s < S; ++s) {
        const double d = px[at(n, c) + s] - mu;
        squares += d * d;
      }
    const double var = squares / M;
    mean[c] = static_cast<Scalar>(mu);
    invstd[c] = static_cast<Scalar>(1.0 / std::sqrt(var + eps));
    if (running_mean.defined()) {
      running_mean[c] = static_cast<Scalar>((1 - momentum) * running_mean[c] + momentum * mu);
      running_var[c] = static_cast<Scalar>((1 - momentum) * running_var[c] + momentum * var * M / (M - 1));
    }
  }

  Tensor y(x.shape());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c) {
      const Scalar scale = invstd[c] * (gamma.defined() ? gamma.value()[c] : Scalar(1));
      const Scalar shift = beta.defined() ? beta.value()[c] : Scalar(0);
      for (std::int64_t s = 0; s < S; ++s) y[at(n, c) + s] = (px[at(n, c) + s] - mean[c]) * scale + shift;
    }

  std::vector<Var> inputs = {x};
  const int gi = gamma.defined() ? static_cast<int>(inputs.size()) : -1;
  if (gamma.defined()) inputs.push_back(gamma);
  const int bi = beta.defined() ? static_cast<int>(inputs.size()) : -1;
  if (beta.defined()) inputs.push_back(beta);

  return record("batch_norm", std::move(inputs), std::move(y),
                [l, mean, invstd, training, eps, gi, bi](Grads& g, const Var& dy) {
    const bool need_x = g.needs(0), need_gamma = gi >= 0 && g.needs(gi), need_beta = bi >= 0 && g.needs(bi);
    const Var& xv = g.input(0);
    const double M = static_cast<double>(l.M());

    if (g.create_graph()) {  // the formulas above with ops, so they can be differentiated again
      auto per_channel = [&](const Var& v) { return sum_to_shape(v, l.stat_shape); };
      Var inv, xhat;
      if (training) {  // the statistics are functions of x
        Var xc = xv - per_channel(xv) / M;
        inv = rsqrt(per_channel(xc * xc) / M + eps);
        xhat = xc * inv;
      } else {
        inv = Var(invstd.reshape(l.stat_shape));
        xhat = (xv - Var(mean.reshape(l.stat_shape))) * inv;
      }
      if (need_beta) g.accumulate(bi, reshape(per_channel(dy), {l.C}));
      if (need_gamma) g.accumulate(gi, reshape(per_channel(dy * xhat), {l.C}));
      if (need_x) {
        Var dxhat = gi >= 0 ? dy * reshape(g.input(gi), l.stat_shape) : dy;
        if (training) g.accumulate(0, inv * (dxhat - per_channel(dxhat) / M - xhat * (per_channel(dxhat * xhat) / M)));
        else g.accumulate(0, dxhat * inv);
      }
      return;
    }

    const std::int64_t N = l.N, C = l.C, S = l.S;
    const Scalar* px = xv.value().data();
    const Scalar* pdy = dy.value().data();
    Tensor dx = need_x ? Tensor(xv.shape()) : Tensor();
    Tensor dgamma({C}), dbeta({C});
    for (std::int64_t c = 0; c < C; ++c) {
      double sum_dy = 0, sum_dy_xhat = 0;
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t s = 0; s < S; ++s) {
          const std::int64_t i = (n * C + c) * S + s;
          sum_dy += pdy[i];
          sum_dy_xhat += pdy[i] * (static_cast<double>(px[i]) - mean[c]) * invstd[c];
        }
      dbeta[c] = static_cast<Scalar>(sum_dy);
      dgamma[c] = static_cast<Scalar>(sum_dy_xhat);
      if (!need_x) continue;
      const double k = static_cast<double>(invstd[c]) * (gi >= 0 ? g.input(gi).value()[c] : Scalar(1));
      const double mean_dy = training ? sum_dy / M : 0, mean_dy_xhat = training ? sum_dy_xhat / M : 0;
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t s = 0; s < S; ++s) {
          const std::int64_t i = (n * C + c) * S + s;
          const double xhat = (static_cast<double>(px[i]) - mean[c]) * invstd[c];
          dx[i] = static_cast<Scalar>(k * (pdy[i] - mean_dy - xhat * mean_dy_xhat));
        }
    }
    if (need_x) g.accumulate(0, std::move(dx));
    if (need_gamma) g.accumulate(gi, std::move(dgamma));
    if (need_beta) g.accumulate(bi, std::move(dbeta));
  });
}

// x [..., D] -> [..., D]; mean and var over the last axis, kept as [..., 1] to broadcast.
Var layer_norm(const Var& x, const Var& weight, const Var& bias, double eps) {
  const Shape& s = x.shape();
  if (s.empty() || s.back() < 1)
    throw_invalid_argument("layer_norm: input must be [..., D] with D >= 1, got " + to_string(s));
  const std::int64_t D = s.back();
  for (const auto& [name, v] : {std::pair<const char*, const Var*>{"weight", &weight}, {"bias", &bias}})
    if (v->defined() && v->shape() != Shape{D})
      throw_invalid_argument(std::string("layer_norm: ") + name + " must be [D] = [" + std::to_string(D) +
                             "] for input " + to_string(s) + ", got " + to_string(v->shape()));
  if (!(eps >= 0)) throw_invalid_argument("layer_norm: eps must be non-negative, got " + std::to_string(eps));
  Var xc = x - mean(x, -1, /*keepdim=*/true);
  Var y = xc * rsqrt(mean(xc * xc, -1, true) + eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

GRADLAB_END
