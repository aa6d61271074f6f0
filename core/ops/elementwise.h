// Elementwise arithmetic with NumPy/PyTorch broadcasting.
//   a, b: any shapes that broadcast; the result has the broadcast shape.
#pragma once

#include "autograd/var.h"

GRADLAB_BEGIN

Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var neg(const Var& x);
Var add_scalar(const Var& x, double s);  // x + s
Var mul_scalar(const Var& x, double s);  // x * s

// Sums g over the dimensions that broadcasting stretched, giving `shape` back: the one
// helper every broadcasting backward uses. Differentiable (its backward is broadcast_to).
Var sum_to_shape(const Var& g, const Shape& shape);
// Stretches x to `shape` by broadcasting. Differentiable (its backward is sum_to_shape).
Var broadcast_to(const Var& x, const Shape& shape);

// A constant (no gradient) Var of x's shape and value v, for formulas like 1 - y*y.
Var constant(const Shape& shape, double v);

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator-(const Var& x) { return neg(x); }
inline Var operator+(const Var& a, double s) { return add_scalar(a, s); }
inline Var operator+(double s, const Var& a) { return add_scalar(a, s); }
inline Var operator-(const Var& a, double s) { return add_scalar(a, -s); }
inline Var operator-(double s, const Var& a) { return add_scalar(neg(a), s); }
inline Var operator*(const Var& a, double s) { return mul_scalar(a, s); }
inline Var operator*(double s, const Var& a) { return mul_scalar(a, s); }
inline Var operator/(const Var& a, double s) { return mul_scalar(a, 1.0 / s); }

GRADLAB_END
