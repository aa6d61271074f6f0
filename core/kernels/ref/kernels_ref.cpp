// The scalar reference kernels: the specification every other variant is tested against.
// Accumulations run in double so the reference is the most accurate thing in the tree.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"

GRADLAB_BEGIN
namespace kernels::ref {

void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha,
          const Scalar* A, std::int64_t lda, const Scalar* B, std::int64_t ldb, Scalar beta, Scalar* C,
          std::int64_t ldc) {
  for (std::int64_t i = 0; i < M; ++i) {
    for (std::int64_t j = 0; j < N; ++j) {
      double acc = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        const double a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const double b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      Scalar& c = C[i * ldc + j];
      // beta == 0 overwrites, so uninitialised C (even NaN) is allowed, as in BLAS.
      c = static_cast<Scalar>(alpha * acc + (beta == 0 ? 0.0 : static_cast<double>(beta) * c));
    }
  }
}

void add(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
void sub(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}
void mul(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}
void div(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}
void axpy(Scalar* y, Scalar alpha, const Scalar* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}
void scale(Scalar* out, const Scalar* a, Scalar alpha, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = alpha * a[i];
}
void exp(Scalar* out, const Scalar* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(a[i]);
}
void log(Scalar* out, const Scalar* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::log(a[i]);
}
void tanh(Scalar* out, const Scalar* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(a[i]);
}
void sigmoid(Scalar* out, const Scalar* a, std::size_t n) {
  // Two branches so neither exp overflows.
  for (std::size_t i = 0; i < n; ++i) {
    const Scalar x = a[i];
    if (x >= 0) {
      out[i] = Scalar(1) / (Scalar(1) + std::exp(-x));
    } else {
      const Scalar e = std::exp(x);
      out[i] = e / (Scalar(1) + e);
    }
  }
}
void relu(Scalar* out, const Scalar* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] > 0 ? a[i] : Scalar(0);
}
void tanh_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * (Scalar(1) - y[i] * y[i]);
}
void sigmoid_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (Scalar(1) - y[i]);
}
Scalar sum(const Scalar* a, std::size_t n) {
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += a[i];
  return static_cast<Scalar>(acc);
}
Scalar dot(const Scalar* a, const Scalar* b, std::size_t n) {
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += static_cast<double>(a[i]) * b[i];
  return static_cast<Scalar>(acc);
}
void softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) {
  for (std::int64_t r = 0; r < R; ++r) {
    const Scalar* x = in + r * C;
    Scalar* y = out + r * C;
    const Scalar m = *std::max_element(x, x + C);
    double z = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      y[c] = std::exp(x[c] - m);
      z += y[c];
    }
    for (std::int64_t c = 0; c < C; ++c) y[c] = static_cast<Scalar>(y[c] / z);
  }
}
void log_softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) {
  for (std::int64_t r = 0; r < R; ++r) {
    const Scalar* x = in + r * C;
    Scalar* y = out + r * C;
    const Scalar m = *std::max_element(x, x + C);
    double z = 0;
    for (std::int64_t c = 0; c < C; ++c) z += std::exp(static_cast<double>(x[c] - m));
    const double lz = std::log(z);
    for (std::int64_t c = 0; c < C; ++c) y[c] = static_cast<Scalar>(x[c] - m - lz);
  }
}

}  // namespace kernels::ref
GRADLAB_END
