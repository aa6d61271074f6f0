// The wasm simd128 kernels other than GEMM (gemm_simd128.cpp): elementwise maps, reductions
// and row softmax. Each loop is a SIMD body over f32x4 and a `// leftovers` tail that uses
// the scalar twin of the same operation (simd128.h), so an element gets the same bits
// whether it falls in the body or the tail. Without __wasm_simd128__ only the scalar code is
// compiled: the portable fallback that native tests check. The f64 build forwards to ref.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"
#include "kernels/simd128/simd128.h"

GRADLAB_BEGIN
namespace kernels::simd128 {

#if defined(GRADLAB_DOUBLE) && GRADLAB_DOUBLE
// SIMD kernels are float only: in the f64 build every simd128 kernel is the reference.
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, Scalar alpha, const Scalar* A,
          std::int64_t lda, const Scalar* B, std::int64_t ldb, Scalar beta, Scalar* C, std::int64_t ldc) {
  ref::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void add(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { ref::add(out, a, b, n); }
void sub(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { ref::sub(out, a, b, n); }
void mul(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { ref::mul(out, a, b, n); }
void div(Scalar* out, const Scalar* a, const Scalar* b, std::size_t n) { ref::div(out, a, b, n); }
void axpy(Scalar* y, Scalar alpha, const Scalar* x, std::size_t n) { ref::axpy(y, alpha, x, n); }
void scale(Scalar* out, const Scalar* a, Scalar alpha, std::size_t n) { ref::scale(out, a, alpha, n); }
void exp(Scalar* out, const Scalar* a, std::size_t n) { ref::exp(out, a, n); }
void log(Scalar* out, const Scalar* a, std::size_t n) { ref::log(out, a, n); }
void tanh(Scalar* out, const Scalar* a, std::size_t n) { ref::tanh(out, a, n); }
void sigmoid(Scalar* out, const Scalar* a, std::size_t n) { ref::sigmoid(out, a, n); }
void relu(Scalar* out, const Scalar* a, std::size_t n) { ref::relu(out, a, n); }
void tanh_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) { ref::tanh_backward(dx, y, dy, n); }
void sigmoid_backward(Scalar* dx, const Scalar* y, const Scalar* dy, std::size_t n) {
  ref::sigmoid_backward(dx, y, dy, n);
}
Scalar sum(const Scalar* a, std::size_t n) { return ref::sum(a, n); }
Scalar dot(const Scalar* a, const Scalar* b, std::size_t n) { return ref::dot(a, b, n); }
void softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) { ref::softmax_rows(out, in, R, C); }
void log_softmax_rows(Scalar* out, const Scalar* in, std::int64_t R, std::int64_t C) {
  ref::log_softmax_rows(out, in, R, C);
}

#else  // float

using namespace simd128_detail;

namespace {

// An elementwise operation is a small struct with a scalar and (under wasm) an f32x4 form.
template <class Op>
void map1(float* out, const float* a, std::size_t n, Op op) {
  std::size_t i = 0;
#if defined(__wasm_simd128__)
  for (; i + 4 <= n; i += 4) vst(out + i, op(vld(a + i)));
#endif
  // leftovers
  for (; i < n; ++i) out[i] = op(a[i]);
}

template <class Op>
void map2(float* out, const float* a, const float* b, std::size_t n, Op op) {
  std::size_t i = 0;
#if defined(__wasm_simd128__)
  for (; i + 4 <= n; i += 4) vst(out + i, op(vld(a + i), vld(b + i)));
#endif
  // leftovers
  for (; i < n; ++i) out[i] = op(a[i], b[i]);
}

#if defined(__wasm_simd128__)
#define GRADLAB_SIMD_OP1(expr) \
  f32x4 operator()(f32x4 a) const { return expr; }
#define GRADLAB_SIMD_OP2(expr) \
  f32x4 operator()(f32x4 a, f32x4 b) const { return expr; }
#else
#define GRADLAB_SIMD_OP1(expr)
#define GRADLAB_SIMD_OP2(expr)
#endif

struct Add {
  float operator()(float a, float b) const { return a + b; }
  GRADLAB_SIMD_OP2(vadd(a, b))
};
struct Sub {
  float operator()(float a, float b) const { return a - b; }
  GRADLAB_SIMD_OP2(vsub(a, b))
};
struct Mul {
  float operator()(float a, float b) const { return a * b; }
  GRADLAB_SIMD_OP2(vmul(a, b))
};
struct Div {
  float operator()(float a, float b) const { return a / b; }
  GRADLAB_SIMD_OP2(vdiv(a, b))
};
struct Axpy {  // a = y, b = x
  float alpha;
  float operator()(float a, float b) const { return a + alpha * b; }
  GRADLAB_SIMD_OP2(vadd(a, vmul(vsplat(alpha), b)))
};
struct Scale {
  float alpha;
  float operator()(float a) const { return alpha * a; }
  GRADLAB_SIMD_OP1(vmul(vsplat(alpha), a))
};
struct Relu {  // NaN and -0 give +0, as in ref
  float operator()(float a) const { return 0.0f < a ? a : 0.0f; }
  GRADLAB_SIMD_OP1(wasm_f32x4_pmax(vsplat(0.0f), a))
};
struct Exp {  // k: VConsts::load()
  VConsts k;
  float operator()(float a) const { return exp1(a); }
  GRADLAB_SIMD_OP1(exp4(a, k))
};
struct Tanh {  // k: VConsts::load()
  VConsts k;
  float operator()(float a) const { return tanh1(a); }
  GRADLAB_SIMD_OP1(tanh4(a, k))
};
struct Sigmoid {  // k: VConsts::load()
  VConsts k;
  float operator()(float a) const { return sigmoid1(a); }
  GRADLAB_SIMD_OP1(sigmoid4(a, k))
};
struct TanhBackward {  // a = y, b = dy
  float operator()(float a, float b) const { return b * (1.0f - a * a); }
  GRADLAB_SIMD_OP2(vmul(b, vsub(vsplat(1.0f), vmul(a, a))))
};
struct SigmoidBackward {  // a = y, b = dy
  float operator()(float a, float b) const { return b * a * (1.0f - a); }
  GRADLAB_SIMD_OP2(vmul(vmul(b, a), vsub(vsplat(1.0f), a)))
};

#undef GRADLAB_SIMD_OP1
#undef GRADLAB_SIMD_OP2

// Reductions keep 16 float partial sums (4 x f32x4) for at most kBlock elements, then add
// them into a double, so the float rounding error does not grow with n.
constexpr std::size_t kBlock = 1024;

}  // namespace

void add(float* out, const float* a, const float* b, std::size_t n) { map2(out, a, b, n, Add{}); }
void sub(float* out, const float* a, const float* b, std::size_t n) { map2(out, a, b, n, Sub{}); }
void mul(float* out, const float* a, const float* b, std::size_t n) { map2(out, a, b, n, Mul{}); }
void div(float* out, const float* a, const float* b, std::size_t n) { map2(out, a, b, n, Div{}); }
void axpy(float* y, float alpha, const float* x, std::size_t n) { map2(y, y, x, n, Axpy{alpha}); }
void scale(float* out, const float* a, float alpha, std::size_t n) { map1(out, a, n, Scale{alpha}); }
void exp(float* out, const float* a, std::size_t n) { map1(out, a, n, Exp{VConsts::load()}); }
// No SIMD log yet: nothing hot calls it (losses take log of a few values per row).
void log(float* out, const float* a, std::size_t n) { ref::log(out, a, n); }
void tanh(float* out, const float* a, std::size_t n) { map1(out, a, n, Tanh{VConsts::load()}); }
void sigmoid(float* out, const float* a, std::size_t n) { map1(out, a, n, Sigmoid{VConsts::load()}); }
void relu(float* out, const float* a, std::size_t n) { map1(out, a, n, Relu{}); }
void tanh_backward(float* dx, const float* y, const float* dy, std::size_t n) { map2(dx, y, dy, n, TanhBackward{}); }
void sigmoid_backward(float* dx, const float* y, const float* dy, std::size_t n) {
  map2(dx, y, dy, n, SigmoidBackward{});
}

float sum(const float* a, std::size_t n) {
  double total = 0;
  std::size_t i = 0;
#if defined(__wasm_simd128__)
  while (i + 16 <= n) {
    const std::size_t end = std::min(n, i + kBlock);
    f32x4 s0 = vsplat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 16 <= end; i += 16) {
      s0 = vadd(s0, vld(a + i));
      s1 = vadd(s1, vld(a + i + 4));
      s2 = vadd(s2, vld(a + i + 8));
      s3 = vadd(s3, vld(a + i + 12));
    }
    total += hsum(s0) + hsum(s1) + hsum(s2) + hsum(s3);
  }
#endif
  // leftovers
  for (; i < n; ++i) total += a[i];
  return static_cast<float>(total);
}

float dot(const float* a, const float* b, std::size_t n) {
  double total = 0;
  std::size_t i = 0;
#if defined(__wasm_simd128__)
  while (i + 16 <= n) {
    const std::size_t end = std::min(n, i + kBlock);
    f32x4 s0 = vsplat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 16 <= end; i += 16) {
      s0 = vmadd(vld(a + i), vld(b + i), s0);
      s1 = vmadd(vld(a + i + 4), vld(b + i + 4), s1);
      s2 = vmadd(vld(a + i + 8), vld(b + i + 8), s2);
      s3 = vmadd(vld(a + i + 12), vld(b + i + 12), s3);
    }
    total += hsum(s0) + hsum(s1) + hsum(s2) + hsum(s3);
  }
#endif
  // leftovers
  for (; i < n; ++i) total += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(total);
}

namespace {

// Largest value of a row (a NaN anywhere makes the whole row NaN later, through z).
float row_max(const float* x, std::int64_t C) {
  float m = x[0];
  std::int64_t c = 0;
#if defined(__wasm_simd128__)
  if (C >= 4) {
    f32x4 vm = vld(x);
    for (c = 4; c + 4 <= C; c += 4) vm = wasm_f32x4_pmax(vm, vld(x + c));
    vm = wasm_f32x4_pmax(vm, wasm_i32x4_shuffle(vm, vm, 2, 3, 0, 1));
    vm = wasm_f32x4_pmax(vm, wasm_i32x4_shuffle(vm, vm, 1, 0, 3, 2));
    m = wasm_f32x4_extract_lane(vm, 0);
  }
#endif
  // leftovers
  for (; c < C; ++c) m = m < x[c] ? x[c] : m;
  return m;
}

// z = sum_c exp(x[c] - m) in double (the order ref uses per lane pair, then the leftovers);
// when y is given, also y[c] = exp(x[c] - m) in float. Shared by softmax and log-softmax.
double exp_shifted_sum(const float* x, float m, std::int64_t C, float* y, [[maybe_unused]] const VConsts& k) {
  double z = 0;
  std::int64_t c = 0;
#if defined(__wasm_simd128__)
  const f32x4 vm = vsplat(m);
  v128_t zlo = wasm_f64x2_splat(0.0), zhi = zlo;
  for (; c + 4 <= C; c += 4) {
    const f32x4 e = exp4(vsub(vld(x + c), vm), k);
    if (y) vst(y + c, e);
    zlo = wasm_f64x2_add(zlo, promote_lo(e));
    zhi = wasm_f64x2_add(zhi, promote_hi(e));
  }
  const v128_t zs = wasm_f64x2_add(zlo, zhi);
  z = wasm_f64x2_extract_lane(zs, 0) + wasm_f64x2_extract_lane(zs, 1);
#endif
  // leftovers
  for (; c < C; ++c) {
    const float e = exp1(x[c] - m);
    if (y) y[c] = e;
    z += e;
  }
  return z;
}

}  // namespace

// As ref: y = exp(x - m) in float, z = their sum in double, out = y / z rounded once.
void softmax_rows(float* out, const float* in, std::int64_t R, std::int64_t C) {
  if (C <= 0) return;
  const VConsts k = VConsts::load();
  for (std::int64_t r = 0; r < R; ++r) {
    const float* x = in + r * C;
    float* y = out + r * C;
    const double z = exp_shifted_sum(x, row_max(x, C), C, y, k);
    std::int64_t c = 0;
#if defined(__wasm_simd128__)
    const v128_t vz = wasm_f64x2_splat(z);
    for (; c + 4 <= C; c += 4) {
      const f32x4 e = vld(y + c);
      vst(y + c, demote(wasm_f64x2_div(promote_lo(e), vz), wasm_f64x2_div(promote_hi(e), vz)));
    }
#endif
    // leftovers
    for (; c < C; ++c) y[c] = static_cast<float>(y[c] / z);
  }
}

// As ref: z = sum of exp(x - m) in double, out = (x - m) - log z rounded once.
void log_softmax_rows(float* out, const float* in, std::int64_t R, std::int64_t C) {
  if (C <= 0) return;
  const VConsts k = VConsts::load();
  for (std::int64_t r = 0; r < R; ++r) {
    const float* x = in + r * C;
    float* y = out + r * C;
    const float m = row_max(x, C);
    const double lz = std::log(exp_shifted_sum(x, m, C, nullptr, k));
    std::int64_t c = 0;
#if defined(__wasm_simd128__)
    const f32x4 vm = vsplat(m);
    const v128_t vlz = wasm_f64x2_splat(lz);
    for (; c + 4 <= C; c += 4) {
      const f32x4 d = vsub(vld(x + c), vm);
      vst(y + c, demote(wasm_f64x2_sub(promote_lo(d), vlz), wasm_f64x2_sub(promote_hi(d), vlz)));
    }
#endif
    // leftovers
    for (; c < C; ++c) y[c] = static_cast<float>(static_cast<double>(x[c] - m) - lz);
  }
}

#endif  // float

}  // namespace kernels::simd128
GRADLAB_END
