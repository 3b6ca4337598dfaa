// Flink's math functions beyond abs/floor/ceil/round/mod: power, sqrt, exp,
// ln, log, log10, log2, sign, pi and truncate, and the decimal rounding that
// round(x, d) and truncate(x, d) share. Called from function_kernel(); the
// type checker has cast the arguments (float64, except sign and truncate).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "expr/function_kernels.h"

namespace eddy::expr {
namespace {

enum class Rounding { kHalfUp, kDown };

/// x to `digits` decimal places on its shortest decimal text (as Java's
/// BigDecimal.valueOf, which Flink uses), so that round(2.345, 2) is 2.35 and
/// truncate(0.3, 1) is 0.3, as written rather than as stored.
double decimal_places(double x, int64_t digits, Rounding rounding) {
  if (!std::isfinite(x) || x == 0) return x;
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  // buf: [-]D[.DDD]e(+|-)XX ; value = 0.D1D2... * 10^(exp + 1)
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  const bool negative = text[0] == '-';
  if (negative) text.remove_prefix(1);
  const size_t e_pos = text.find('e');
  std::string mantissa;
  for (char c : text.substr(0, e_pos))
    if (c != '.') mantissa += c;
  int exp10 = 0;
  std::string_view exp_text = text.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  // Significant digits to keep: those left of the decimal point plus `digits`.
  const int64_t keep = static_cast<int64_t>(exp10) + 1 + std::clamp<int64_t>(digits, -400, 400);
  if (keep >= static_cast<int64_t>(mantissa.size())) return x;
  if (keep < 0) return negative ? -0.0 : 0.0;
  const bool up = rounding == Rounding::kHalfUp && mantissa[static_cast<size_t>(keep)] >= '5';
  mantissa.resize(static_cast<size_t>(keep));
  int scale = exp10 + 1 - static_cast<int>(keep);  // value = mantissa * 10^scale
  if (up) {
    size_t k = mantissa.size();
    while (k > 0 && mantissa[k - 1] == '9') mantissa[--k] = '0';
    if (k == 0) mantissa.insert(mantissa.begin(), '1');
    else ++mantissa[k - 1];
  }
  if (mantissa.empty()) return negative ? -0.0 : 0.0;
  std::string number = (negative ? "-" : "") + mantissa + "e" + std::to_string(scale);
  double v = x;
  std::from_chars(number.data(), number.data() + number.size(), v);
  return v;
}

/// truncate(v, digits) of an int64: digits < 0 zeroes that many digits left
/// of the decimal point, toward zero.
int64_t truncate_int(int64_t v, int64_t digits) {
  if (digits >= 0) return v;
  if (digits < -18) return 0;
  int64_t p = 1;
  for (int64_t k = 0; k < -digits; ++k) p *= 10;
  return v / p * p;
}

template <class F>
void unary_double(const Column& x, size_t n, Column& out, F f) {
  out.doubles.resize(n);
  for (size_t i = 0; i < n; ++i) out.doubles[i] = f(x.doubles[i]);
}

}  // namespace

double round_digits(double x, int64_t digits) { return decimal_places(x, digits, Rounding::kHalfUp); }

Status math_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  out = Column(call.type);
  and_validity(args, n, out.valid);
  if (call.func == Func::kPi) {
    out.doubles.assign(n, M_PI);
    return Status::ok();
  }
  const Column& x = *args[0];
  switch (call.func) {
    case Func::kPower:
      out.doubles.resize(n);
      for (size_t i = 0; i < n; ++i) out.doubles[i] = std::pow(x.doubles[i], args[1]->doubles[i]);
      break;
    case Func::kSqrt: unary_double(x, n, out, [](double v) { return std::sqrt(v); }); break;
    case Func::kExp: unary_double(x, n, out, [](double v) { return std::exp(v); }); break;
    case Func::kLn: unary_double(x, n, out, [](double v) { return std::log(v); }); break;
    case Func::kLog10: unary_double(x, n, out, [](double v) { return std::log10(v); }); break;
    case Func::kLog2: unary_double(x, n, out, [](double v) { return std::log2(v); }); break;
    case Func::kLog:
      if (args.size() == 1) {
        unary_double(x, n, out, [](double v) { return std::log(v); });
      } else {  // log(base, x)
        out.doubles.resize(n);
        for (size_t i = 0; i < n; ++i) out.doubles[i] = std::log(args[1]->doubles[i]) / std::log(x.doubles[i]);
      }
      break;
    case Func::kSign:
      if (call.type == DataType::kInt64) {
        out.ints.resize(n);
        for (size_t i = 0; i < n; ++i) out.ints[i] = (x.ints[i] > 0) - (x.ints[i] < 0);
      } else {  // Java's Math.signum: NaN stays NaN, -0.0 stays -0.0
        unary_double(x, n, out, [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : v; });
      }
      break;
    case Func::kTruncate: {
      const Column* d = args.size() > 1 ? args[1] : nullptr;
      if (call.type == DataType::kInt64) {
        out.ints.resize(n);
        for (size_t i = 0; i < n; ++i) out.ints[i] = truncate_int(x.ints[i], d ? d->ints[i] : 0);
      } else {
        out.doubles.resize(n);
        for (size_t i = 0; i < n; ++i)
          out.doubles[i] = decimal_places(x.doubles[i], d ? d->ints[i] : 0, Rounding::kDown);
      }
      break;
    }
    default: return Status::internal(std::string("no math kernel for ") + func_name(call.func));
  }
  return Status::ok();
}

}  // namespace eddy::expr
