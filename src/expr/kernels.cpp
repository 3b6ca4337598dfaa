// Arithmetic, comparison and three-valued logic kernels. Each loop reads plain
// arrays through a column or constant "source" so the compiler emits one tight
// (vectorizable) loop per shape; error conditions are OR-ed into a flag inside
// the loop and only examined, row by row and respecting NULLs, when set.
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "expr/int_div.h"
#include "expr/kernels.h"

namespace eddy::expr {
namespace {

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();

template <class T>
struct ColSrc {
  const T* p;
  T operator[](size_t i) const { return p[i]; }
};
template <class T>
struct ConstSrc {
  T v;
  T operator[](size_t) const { return v; }
};

template <class T>
const T* values(const Column& c);
template <>
const int64_t* values<int64_t>(const Column& c) { return c.ints.data(); }
template <>
const double* values<double>(const Column& c) { return c.doubles.data(); }
template <>
const uint8_t* values<uint8_t>(const Column& c) { return c.bools.data(); }

template <class T>
T scalar_value(const Scalar& s);
template <>
int64_t scalar_value<int64_t>(const Scalar& s) { return s.i; }
template <>
double scalar_value<double>(const Scalar& s) { return s.d; }
template <>
uint8_t scalar_value<uint8_t>(const Scalar& s) { return s.i ? 1 : 0; }

/// Calls fn(source_a, source_b) with the sources matching the operand shapes.
template <class T, class Fn>
auto with_sources(const Operand& a, const Operand& b, Fn&& fn) {
  if (a.col && b.col) return fn(ColSrc<T>{values<T>(*a.col)}, ColSrc<T>{values<T>(*b.col)});
  if (a.col) return fn(ColSrc<T>{values<T>(*a.col)}, ConstSrc<T>{scalar_value<T>(*b.scalar)});
  if (b.col) return fn(ConstSrc<T>{scalar_value<T>(*a.scalar)}, ColSrc<T>{values<T>(*b.col)});
  return fn(ConstSrc<T>{scalar_value<T>(*a.scalar)}, ConstSrc<T>{scalar_value<T>(*b.scalar)});
}

/// out[i] = f(a[i], b[i], flag); returns the OR of the flags.
template <class T, class A, class B, class F>
EDDY_VECTORIZE uint64_t map2(A a, B b, T* out, size_t n, F f) {
  uint64_t flag = 0;
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], b[i], flag);
  return flag;
}

template <class T, class A, class F>
EDDY_VECTORIZE uint64_t map1(A a, T* out, size_t n, F f) {
  uint64_t flag = 0;
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], flag);
  return flag;
}

int64_t int_at(const Operand& o, size_t i) { return o.scalar ? o.scalar->i : o.col->ints[i]; }
double float_at(const Operand& o, size_t i) { return o.scalar ? o.scalar->d : o.col->doubles[i]; }

Status overflow(int64_t x, ArithOp op, int64_t y) {
  return Status::invalid("int64 overflow: " + std::to_string(x) + " " + arith_symbol(op) + " " +
                         std::to_string(y));
}

/// After a loop flagged trouble: the error of the first non-NULL row at
/// fault, or OK when every flagged row was NULL.
Status find_int_error(ArithOp op, const Operand& a, const Operand& b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (operand_null(a, i) || operand_null(b, i)) continue;
    const int64_t x = int_at(a, i), y = int_at(b, i);
    int64_t r;
    switch (op) {
      case ArithOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return overflow(x, op, y);
        break;
      case ArithOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) return overflow(x, op, y);
        break;
      case ArithOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) return overflow(x, op, y);
        break;
      case ArithOp::kDiv:
      case ArithOp::kMod:
        if (y == 0) return Status::invalid("division by zero");
        if (op == ArithOp::kDiv && x == kMin64 && y == -1) return overflow(x, op, y);
        break;
    }
  }
  return Status::ok();
}

Status find_float_error(const Operand& a, const Operand& b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!operand_null(a, i) && !operand_null(b, i) && float_at(b, i) == 0.0)
      return Status::invalid("division by zero");
  return Status::ok();
}

// Element operations. `flag` collects error conditions without branching.
struct AddI {
  int64_t operator()(int64_t x, int64_t y, uint64_t& flag) const {
    const int64_t r = static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
    flag |= static_cast<uint64_t>((x ^ r) & (y ^ r)) >> 63;
    return r;
  }
};
struct SubI {
  int64_t operator()(int64_t x, int64_t y, uint64_t& flag) const {
    const int64_t r = static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
    flag |= static_cast<uint64_t>((x ^ y) & (x ^ r)) >> 63;
    return r;
  }
};
struct MulI {
  int64_t operator()(int64_t x, int64_t y, uint64_t& flag) const {
    int64_t r;
    flag |= __builtin_mul_overflow(x, y, &r) ? 1 : 0;
    return r;
  }
};
struct DivI {
  int64_t operator()(int64_t x, int64_t y, uint64_t& flag) const {
    flag |= (y == 0) | ((x == kMin64) & (y == -1));
    const int64_t safe = (y == 0 || y == -1) ? 1 : y;  // x / -1 can trap
    const int64_t q = x / safe;
    return y == -1 ? static_cast<int64_t>(0 - static_cast<uint64_t>(x)) : q;
  }
};
struct ModI {
  int64_t operator()(int64_t x, int64_t y, uint64_t& flag) const {
    flag |= (y == 0);
    const int64_t safe = (y == 0 || y == -1) ? 1 : y;
    return y == -1 ? 0 : x % safe;
  }
};

EDDY_VECTORIZE bool any_negative(const int64_t* x, size_t n) {
  uint64_t bits = 0;
  for (size_t i = 0; i < n; ++i) bits |= static_cast<uint64_t>(x[i]);
  return static_cast<int64_t>(bits) < 0;
}

template <bool kPow2>
void div_loop(const ConstDivisor div, bool quotient, bool non_negative, const int64_t* x, int64_t* out,
              size_t n) {
  const ColSrc<int64_t> src{x};
  if (quotient && non_negative)
    map1(src, out, n, [div](int64_t v, uint64_t&) { return div.quotient<kPow2, true>(v); });
  else if (quotient)
    map1(src, out, n, [div](int64_t v, uint64_t&) { return div.quotient<kPow2, false>(v); });
  else if (non_negative)
    map1(src, out, n, [div](int64_t v, uint64_t&) { return div.remainder<kPow2, true>(v); });
  else
    map1(src, out, n, [div](int64_t v, uint64_t&) { return div.remainder<kPow2, false>(v); });
}

/// Division or remainder by a constant: no idiv, and no zero check per row.
Status int_div_by_const(ArithOp op, const Operand& a, int64_t d, size_t n, int64_t* out) {
  const int64_t* x = a.col->ints.data();
  if (d == 0) {
    for (size_t i = 0; i < n; ++i)
      if (!a.col->is_null(i)) return Status::invalid("division by zero");
    return Status::ok();
  }
  if (d == -1 && op == ArithOp::kDiv) {
    auto neg = [](int64_t v, uint64_t& flag) {
      flag |= v == kMin64;
      return static_cast<int64_t>(0 - static_cast<uint64_t>(v));
    };
    if (map1(ColSrc<int64_t>{x}, out, n, neg)) {
      Scalar s;
      s.i = d;
      return find_int_error(op, a, Operand{nullptr, &s, DataType::kInt64}, n);
    }
    return Status::ok();
  }
  const ConstDivisor div(d);
  // Ids, counters and prices are rarely negative: one cheap pass to check
  // lets the main loop skip the sign handling.
  const bool non_negative = !any_negative(x, n);
  const bool quotient = op == ArithOp::kDiv;
  if (div.is_pow2()) {
    div_loop<true>(div, quotient, non_negative, x, out, n);
  } else {
    div_loop<false>(div, quotient, non_negative, x, out, n);
  }
  return Status::ok();
}

Status int_arith(ArithOp op, const Operand& a, const Operand& b, size_t n, int64_t* out) {
  if ((op == ArithOp::kDiv || op == ArithOp::kMod) && a.col && b.scalar)
    return int_div_by_const(op, a, b.scalar->i, n, out);
  uint64_t flag = with_sources<int64_t>(a, b, [&](auto x, auto y) -> uint64_t {
    switch (op) {
      case ArithOp::kAdd: return map2(x, y, out, n, AddI{});
      case ArithOp::kSub: return map2(x, y, out, n, SubI{});
      case ArithOp::kMul: return map2(x, y, out, n, MulI{});
      case ArithOp::kDiv: return map2(x, y, out, n, DivI{});
      case ArithOp::kMod: return map2(x, y, out, n, ModI{});
    }
    return 0;
  });
  return flag ? find_int_error(op, a, b, n) : Status::ok();
}

Status float_arith(ArithOp op, const Operand& a, const Operand& b, size_t n, double* out) {
  uint64_t flag = with_sources<double>(a, b, [&](auto x, auto y) -> uint64_t {
    switch (op) {
      case ArithOp::kAdd: return map2(x, y, out, n, [](double p, double q, uint64_t&) { return p + q; });
      case ArithOp::kSub: return map2(x, y, out, n, [](double p, double q, uint64_t&) { return p - q; });
      case ArithOp::kMul: return map2(x, y, out, n, [](double p, double q, uint64_t&) { return p * q; });
      case ArithOp::kDiv:
        return map2(x, y, out, n, [](double p, double q, uint64_t& f) {
          f |= q == 0.0;
          return p / q;
        });
      case ArithOp::kMod:
        return map2(x, y, out, n, [](double p, double q, uint64_t& f) {
          f |= q == 0.0;
          return std::fmod(p, q);
        });
    }
    return 0;
  });
  return flag ? find_float_error(a, b, n) : Status::ok();
}

/// out[i] = a[i] op b[i] for every shape and operator, on arrays of T.
template <class T>
void compare_values(CmpOp op, const Operand& a, const Operand& b, size_t n, uint8_t* out) {
  with_sources<T>(a, b, [&](auto x, auto y) {
    switch (op) {
      case CmpOp::kEq: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p == q; }); break;
      case CmpOp::kNe: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p != q; }); break;
      case CmpOp::kLt: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p < q; }); break;
      case CmpOp::kLe: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p <= q; }); break;
      case CmpOp::kGt: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p > q; }); break;
      case CmpOp::kGe: map2(x, y, out, n, [](T p, T q, uint64_t&) -> uint8_t { return p >= q; }); break;
    }
    return 0;
  });
}

bool cmp_result(CmpOp op, int c) {
  switch (op) {
    case CmpOp::kEq: return c == 0;
    case CmpOp::kNe: return c != 0;
    case CmpOp::kLt: return c < 0;
    case CmpOp::kLe: return c <= 0;
    case CmpOp::kGt: return c > 0;
    case CmpOp::kGe: return c >= 0;
  }
  return false;
}

void compare_strings(CmpOp op, const Operand& a, const Operand& b, size_t n, uint8_t* out) {
  auto at = [](const Operand& o, size_t i) {
    return o.scalar ? std::string_view(o.scalar->s) : o.col->string_at(i);
  };
  if ((op == CmpOp::kEq || op == CmpOp::kNe) && (a.scalar || b.scalar)) {
    const Operand& c = a.scalar ? b : a;
    const std::string_view k = a.scalar ? a.scalar->s : b.scalar->s;
    const uint8_t eq = op == CmpOp::kEq;
    for (size_t i = 0; i < n; ++i) out[i] = (at(c, i) == k) ? eq : !eq;
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = cmp_result(op, at(a, i).compare(at(b, i)));
}

}  // namespace

Column null_column(DataType type, size_t n) {
  Column c = broadcast(type, Scalar{}, n);
  c.valid.assign(n, 0);
  return c;
}

Column broadcast(DataType type, const Scalar& value, size_t n) {
  Column c(type);
  switch (type) {
    case DataType::kInt64:
    case DataType::kTimestamp: c.ints.assign(n, value.i); break;
    case DataType::kFloat64: c.doubles.assign(n, value.d); break;
    case DataType::kBool: c.bools.assign(n, value.i ? 1 : 0); break;
    case DataType::kString:
      c.offsets.resize(n + 1);
      for (size_t i = 0; i <= n; ++i) c.offsets[i] = static_cast<uint32_t>(i * value.s.size());
      c.chars.reserve(n * value.s.size());
      for (size_t i = 0; i < n; ++i) c.chars.append(value.s);
      break;
  }
  if (value.is_null) c.valid.assign(n, 0);
  return c;
}

void combine_validity(const Operand& a, const Operand& b, size_t n, std::vector<uint8_t>& out) {
  const uint8_t* va = a.has_nulls() ? a.col->valid.data() : nullptr;
  const uint8_t* vb = b.has_nulls() ? b.col->valid.data() : nullptr;
  if (!va && !vb) {
    out.clear();
    return;
  }
  out.resize(n);
  if (va && vb) {
    for (size_t i = 0; i < n; ++i) out[i] = va[i] & vb[i];
  } else {
    const uint8_t* v = va ? va : vb;
    out.assign(v, v + n);
  }
}

Status arith_kernel(ArithOp op, DataType out_type, const Operand& a, const Operand& b, size_t n,
                    Column& out) {
  if (a.is_null_scalar() || b.is_null_scalar()) {
    out = null_column(out_type, n);
    return Status::ok();
  }
  out = Column(out_type);
  combine_validity(a, b, n, out.valid);
  if (out_type == DataType::kFloat64) {
    out.doubles.resize(n);
    return float_arith(op, a, b, n, out.doubles.data());
  }
  out.ints.resize(n);
  return int_arith(op, a, b, n, out.ints.data());
}

Status negate_kernel(const Column& a, size_t n, Column& out) {
  out = Column(a.type());
  out.valid = a.valid;
  if (a.type() == DataType::kFloat64) {
    out.doubles.resize(n);
    map1(ColSrc<double>{a.doubles.data()}, out.doubles.data(), n, [](double x, uint64_t&) { return -x; });
    return Status::ok();
  }
  out.ints.resize(n);
  const uint64_t flag = map1(ColSrc<int64_t>{a.ints.data()}, out.ints.data(), n, [](int64_t x, uint64_t& f) {
    f |= x == kMin64;
    return static_cast<int64_t>(0 - static_cast<uint64_t>(x));
  });
  if (flag)
    for (size_t i = 0; i < n; ++i)
      if (!a.is_null(i) && a.ints[i] == kMin64) return Status::invalid("int64 overflow: -(" + std::to_string(kMin64) + ")");
  return Status::ok();
}

void compare_kernel(CmpOp op, const Operand& a, const Operand& b, size_t n, Column& out) {
  if (a.is_null_scalar() || b.is_null_scalar()) {
    out = null_column(DataType::kBool, n);
    return;
  }
  out = Column(DataType::kBool);
  combine_validity(a, b, n, out.valid);
  out.bools.resize(n);
  uint8_t* dst = out.bools.data();
  switch (a.type) {
    case DataType::kInt64:
    case DataType::kTimestamp: compare_values<int64_t>(op, a, b, n, dst); break;
    case DataType::kFloat64: compare_values<double>(op, a, b, n, dst); break;
    case DataType::kBool: compare_values<uint8_t>(op, a, b, n, dst); break;
    case DataType::kString: compare_strings(op, a, b, n, dst); break;
  }
}

// Three-valued logic on (value, valid) pairs; NULL rows may hold any 0/1 value.
//   AND: valid when both are valid or either is a valid FALSE; value = a & b.
//   OR:  valid when both are valid or either is a valid TRUE;  value = a | b.
void and_kernel(const Column& a, const Column& b, size_t n, Column& out) {
  out = Column(DataType::kBool);
  out.bools.resize(n);
  const uint8_t* x = a.bools.data();
  const uint8_t* y = b.bools.data();
  uint8_t* v = out.bools.data();
  for (size_t i = 0; i < n; ++i) v[i] = x[i] & y[i];
  if (!a.has_nulls() && !b.has_nulls()) return;
  const std::vector<uint8_t> ones(a.has_nulls() && b.has_nulls() ? 0 : n, 1);
  const uint8_t* va = a.has_nulls() ? a.valid.data() : ones.data();
  const uint8_t* vb = b.has_nulls() ? b.valid.data() : ones.data();
  out.valid.resize(n);
  for (size_t i = 0; i < n; ++i) out.valid[i] = (va[i] & vb[i]) | (va[i] & !x[i]) | (vb[i] & !y[i]);
}

void or_kernel(const Column& a, const Column& b, size_t n, Column& out) {
  out = Column(DataType::kBool);
  out.bools.resize(n);
  const uint8_t* x = a.bools.data();
  const uint8_t* y = b.bools.data();
  uint8_t* v = out.bools.data();
  for (size_t i = 0; i < n; ++i) v[i] = x[i] | y[i];
  if (!a.has_nulls() && !b.has_nulls()) return;
  const std::vector<uint8_t> ones(a.has_nulls() && b.has_nulls() ? 0 : n, 1);
  const uint8_t* va = a.has_nulls() ? a.valid.data() : ones.data();
  const uint8_t* vb = b.has_nulls() ? b.valid.data() : ones.data();
  out.valid.resize(n);
  for (size_t i = 0; i < n; ++i) out.valid[i] = (va[i] & vb[i]) | (va[i] & x[i]) | (vb[i] & y[i]);
}

void not_kernel(const Column& a, size_t n, Column& out) {
  out = Column(DataType::kBool);
  out.valid = a.valid;
  out.bools.resize(n);
  for (size_t i = 0; i < n; ++i) out.bools[i] = a.bools[i] ^ 1;
}

void is_true_kernel(const Column& a, size_t n, Column& out) {
  out = Column(DataType::kBool);
  out.bools.resize(n);
  if (!a.has_nulls()) {
    out.bools.assign(a.bools.begin(), a.bools.begin() + static_cast<std::ptrdiff_t>(n));
    return;
  }
  for (size_t i = 0; i < n; ++i) out.bools[i] = a.bools[i] & a.valid[i];
}

namespace {

/// Branch-free compaction: every index is written, only kept ones advance.
template <class T, class Keep>
void select_rows(const T* x, const uint8_t* valid, size_t n, Keep keep, std::vector<uint32_t>& rows) {
  rows.resize(n);
  uint32_t* out = rows.data();
  size_t k = 0;
  if (valid) {
    for (size_t i = 0; i < n; ++i) {
      out[k] = static_cast<uint32_t>(i);
      k += keep(x[i]) & valid[i];
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      out[k] = static_cast<uint32_t>(i);
      k += keep(x[i]);
    }
  }
  rows.resize(k);
}

template <class T>
void select_compare_values(CmpOp op, const T* x, T c, const uint8_t* valid, size_t n,
                           std::vector<uint32_t>& rows) {
  switch (op) {
    case CmpOp::kEq: select_rows(x, valid, n, [c](T v) -> uint8_t { return v == c; }, rows); break;
    case CmpOp::kNe: select_rows(x, valid, n, [c](T v) -> uint8_t { return v != c; }, rows); break;
    case CmpOp::kLt: select_rows(x, valid, n, [c](T v) -> uint8_t { return v < c; }, rows); break;
    case CmpOp::kLe: select_rows(x, valid, n, [c](T v) -> uint8_t { return v <= c; }, rows); break;
    case CmpOp::kGt: select_rows(x, valid, n, [c](T v) -> uint8_t { return v > c; }, rows); break;
    case CmpOp::kGe: select_rows(x, valid, n, [c](T v) -> uint8_t { return v >= c; }, rows); break;
  }
}

}  // namespace

void select_compare(CmpOp op, const Column& x, const Scalar& c, size_t n, std::vector<uint32_t>& rows) {
  const uint8_t* valid = x.has_nulls() ? x.valid.data() : nullptr;
  if (c.is_null) {
    rows.clear();
  } else if (x.type() == DataType::kFloat64) {
    select_compare_values<double>(op, x.doubles.data(), c.d, valid, n, rows);
  } else if (is_integer_backed(x.type())) {
    select_compare_values<int64_t>(op, x.ints.data(), c.i, valid, n, rows);
  } else {
    Column bools;
    compare_kernel(op, Operand{&x, nullptr, x.type()}, Operand{nullptr, &c, x.type()}, n, bools);
    select_true_rows(bools, n, rows);
  }
}

void select_true_rows(const Column& c, size_t n, std::vector<uint32_t>& rows) {
  select_rows(c.bools.data(), c.has_nulls() ? c.valid.data() : nullptr, n, [](uint8_t v) { return v; },
              rows);
}

}  // namespace eddy::expr
