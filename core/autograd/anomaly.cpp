// Anomaly mode (see anomaly.h): the thread-local switch, the forward and gradient scans,
// and the messages that tell a created NaN/Inf (log of 0) from a propagated one.
#include "autograd/anomaly.h"
#include "tensor/finite.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

GRADLAB_BEGIN

namespace {
thread_local bool g_anomaly = false;
thread_local const char* g_backward_op = nullptr;  // the op whose backward is running
thread_local const Tensor* g_backward_dy = nullptr;

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Flat index -> "[i, j, k]" in `shape`.
std::string position(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t k = shape.size(); k-- > 0;) {
    const std::int64_t d = std::max<std::int64_t>(shape[k], 1);
    idx[k] = flat % d;
    flat /= d;
  }
  std::string s = "[";
  for (std::size_t k = 0; k < idx.size(); ++k) s += (k ? ", " : "") + std::to_string(idx[k]);
  return s + "]";
}

// The flat index into `in` that feeds output element `flat` when `in` broadcasts to `out`
// (an elementwise op), or -1 when it does not (a reduction, a product, a reshape...).
std::int64_t fed_index(std::int64_t flat, const Shape& in, const Shape& out) {
  if (in == out) return flat;
  if (in.size() > out.size()) return -1;
  try {
    if (broadcast_shapes(in, out) != out) return -1;
  } catch (const std::invalid_argument&) {
    return -1;
  }
  const std::vector<std::int64_t> strides = broadcast_strides(in, out);
  std::int64_t index = 0;
  for (std::size_t k = out.size(); k-- > 0;) {
    const std::int64_t d = std::max<std::int64_t>(out[k], 1);
    index += (flat % d) * strides[k];
    flat /= d;
  }
  return index;
}

std::string describe_input(int k, const Var& v) {
  std::string s = "input " + std::to_string(k);
  if (!v.name().empty()) return s + " ('" + v.name() + "')";
  if (v.is_leaf()) return s + " (a leaf: data or a constant)";
  return s + " (the output of op '" + v.op() + "')";
}

double largest() { return static_cast<double>(std::numeric_limits<Scalar>::max()); }

// Why an op turns finite inputs into `bad`; `first` is input 0's value at that element when
// known (elementwise ops), `second` input 1's.
std::string forward_hint(const std::string& op, double bad, const double* first, const double* second) {
  if (op == "log") {
    if (first && *first == 0) return "log(0) is -inf";
    if (first && *first < 0) return "the log of a negative number is NaN";
    return "log of zero is -inf, of a negative number NaN";
  }
  if (op == "sqrt") return "the square root of a negative number is NaN";
  if (op == "rsqrt") return "1/sqrt(x) is inf at 0 and NaN for x < 0";
  if (op == "exp")
    return "exp overflowed: e^x is beyond the largest finite number (" + number(largest()) + ") once x > " +
           number(std::log(largest()));
  if (op == "div") {
    if (second && *second == 0) return first && *first == 0 ? "0 / 0 is NaN" : "division by zero";
    return "division by zero or by a tiny number, or the quotient overflowed";
  }
  if (op == "pow")
    return "pow: a negative base with a fractional exponent is NaN, 0 to a negative power inf, or the result "
           "overflowed";
  if (std::isnan(bad)) return "the op's formula met an undefined case (such as inf - inf or 0 * inf)";
  return "the result overflowed (beyond +-" + number(largest()) + ")";
}

// Why an op's backward turns a finite incoming gradient into `bad`.
std::string backward_hint(const std::string& op) {
  if (op == "sqrt") return "the slope of sqrt, 1/(2 sqrt(x)), is infinite at x = 0";
  if (op == "rsqrt") return "the slope of 1/sqrt(x) is infinite at x = 0";
  if (op == "log") return "the slope of log, 1/x, is infinite at x = 0";
  if (op == "div") return "the slope of a / b involves 1/b and a/b^2, infinite at b = 0";
  if (op == "pow") return "the slope p x^(p-1) is infinite at x = 0 when p < 1";
  if (op == "norm") return "the slope of a norm involves dividing by it";
  return "the op's local slope is infinite there, or the gradient overflowed (beyond +-" + number(largest()) + ")";
}
}  // namespace

bool anomaly_enabled() { return g_anomaly; }
AnomalyModeGuard::AnomalyModeGuard(bool enabled) : previous_(g_anomaly) { g_anomaly = enabled; }
AnomalyModeGuard::~AnomalyModeGuard() { g_anomaly = previous_; }

namespace anomaly_detail {

namespace {
// throw NonFiniteOpError(...) as one out-of-line call (support/throw.h says why).
[[noreturn]] [[gnu::noinline]] void throw_non_finite_op(const std::string& message, NonFiniteOpError::Phase phase,
                                                        std::string op, Shape shape, std::int64_t index, double value,
                                                        int input, bool propagated, std::string source) {
  throw NonFiniteOpError(message, phase, std::move(op), std::move(shape), index, value, input, propagated,
                         std::move(source));
}
}  // namespace

void check_forward(const char* op, const std::vector<Var>& inputs, const Tensor& value) {
  if (g_backward_op) return;  // gradient arithmetic: its results are checked in check_gradient
  const std::int64_t i = first_non_finite(value);
  if (i < 0) return;
  const double bad = static_cast<double>(value[i]);
  const Shape& shape = value.shape();
  std::string head = "anomaly: op '" + std::string(op) + "' produced " + number(bad) + " at index " +
                     position(i, shape) + " of its output of shape " + to_string(shape);
  // Did a non-finite value come in? Elementwise inputs are read at the element that fed
  // `i`; any other input (a matrix product's, a reduction's) is scanned whole.
  std::vector<double> fed(inputs.size(), std::nan(""));
  std::vector<bool> known(inputs.size(), false);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& in = inputs[k].value();
    const std::int64_t j = fed_index(i, in.shape(), shape);
    std::int64_t at = j;
    if (j >= 0) {
      fed[k] = static_cast<double>(in[j]);
      known[k] = true;
      if (std::isfinite(fed[k])) continue;
    } else {
      at = first_non_finite(in);
      if (at < 0) continue;
    }
    const double v = static_cast<double>(in[at]);
    const std::string where = j >= 0 ? "there" : "at index " + position(at, in.shape()) + " of its " + to_string(in.shape());
    throw_non_finite_op(
        head + ", but did not create it: its " + describe_input(static_cast<int>(k), inputs[k]) + " already held " +
            number(v) + " " + where + " (a non-finite value propagated from earlier)",
        NonFiniteOpError::Phase::Forward, op, shape, i, bad, static_cast<int>(k), true, inputs[k].name());
  }
  std::string from = " from finite inputs";
  std::string values;
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (known[k]) values += (values.empty() ? "" : ", ") + std::string("input ") + std::to_string(k) + " = " + number(fed[k]);
  if (!values.empty()) from += " (" + values + " there)";
  const double* first = !inputs.empty() && known[0] ? &fed[0] : nullptr;
  const double* second = inputs.size() > 1 && known[1] ? &fed[1] : nullptr;
  throw_non_finite_op(head + from + ": " + forward_hint(op, bad, first, second), NonFiniteOpError::Phase::Forward, op,
                      shape, i, bad, -1, false, "");
}

BackwardScope::BackwardScope(const char* op, const Tensor& dy) : previous_op_(g_backward_op), previous_dy_(g_backward_dy) {
  g_backward_op = op;
  g_backward_dy = &dy;
}
BackwardScope::~BackwardScope() {
  g_backward_op = previous_op_;
  g_backward_dy = previous_dy_;
}

void check_gradient(const char* op, int i, const Var& input, const Tensor& grad) {
  const std::int64_t at = first_non_finite(grad);
  if (at < 0) return;
  const double bad = static_cast<double>(grad[at]);
  std::string msg = "anomaly: the backward of op '" + std::string(op) + "' produced " + number(bad) + " at index " +
                    position(at, grad.shape()) + " of the gradient for its " + describe_input(i, input) +
                    ", of shape " + to_string(grad.shape());
  const std::int64_t dy_bad = g_backward_dy ? first_non_finite(*g_backward_dy) : -1;
  if (dy_bad >= 0) {
    msg += ", from an incoming gradient that already held " + number(static_cast<double>((*g_backward_dy)[dy_bad])) +
           " at index " + position(dy_bad, g_backward_dy->shape()) +
           " (several finite gradients reaching one value can overflow when summed)";
    throw_non_finite_op(msg, NonFiniteOpError::Phase::Backward, op, grad.shape(), at, bad, i, true, "");
  }
  msg += " from a finite incoming gradient: " + backward_hint(op);
  throw_non_finite_op(msg, NonFiniteOpError::Phase::Backward, op, grad.shape(), at, bad, i, false, "");
}

}  // namespace anomaly_detail

GRADLAB_END
