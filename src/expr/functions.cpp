// Scalar function kernels: math (abs, floor, ceil, round, mod), strings (lower,
// upper, length, substring, trim, concat) and greatest/least/nullif, and the
// dispatch to the other families (function_kernels.h). The type checker has
// already cast every argument to the type the kernel expects.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "expr/function_kernels.h"
#include "expr/kernels.h"
#include "expr/udf.h"

namespace eddy::expr {
namespace {

Status math_function(Func f, const std::vector<const Column*>& args, size_t n, Column& out) {
  const Column& x = *args[0];
  out = Column(x.type());
  if (f == Func::kRound && args.size() == 2) {
    out = Column(DataType::kFloat64);
    and_validity(args, n, out.valid);
    out.doubles.resize(n);
    for (size_t i = 0; i < n; ++i) out.doubles[i] = round_digits(x.doubles[i], args[1]->ints[i]);
    return Status::ok();
  }
  out.valid = x.valid;
  if (x.type() == DataType::kFloat64) {
    out.doubles.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const double v = x.doubles[i];
      switch (f) {
        case Func::kAbs: out.doubles[i] = std::fabs(v); break;
        case Func::kFloor: out.doubles[i] = std::floor(v); break;
        case Func::kCeil: out.doubles[i] = std::ceil(v); break;
        default: out.doubles[i] = std::round(v); break;
      }
    }
    return Status::ok();
  }
  // int64: floor, ceil and round are the identity.
  out.ints = x.ints;
  if (f != Func::kAbs) return Status::ok();
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = x.ints[i];
    if (v == std::numeric_limits<int64_t>::min() && !x.is_null(i))
      return Status::invalid("int64 overflow: abs(" + std::to_string(v) + ")");
    out.ints[i] = v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v;
  }
  return Status::ok();
}

Status substring(const std::vector<const Column*>& args, size_t n, Column& out) {
  const Column& s = *args[0];
  const Column& start = *args[1];
  const Column* len = args.size() > 2 ? args[2] : nullptr;
  for (size_t i = 0; len && i < n; ++i)
    if (len->ints[i] < 0 && !out.is_null(i)) return Status::invalid("negative substring length not allowed");
  build_strings(out, n, [&](size_t i, std::string& chars) {
    const std::string_view v = s.string_at(i);
    // Characters [first, last) in 0-based positions, clipped to the string.
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t first, last = kMax;
    if (__builtin_sub_overflow(start.ints[i], 1, &first)) first = std::numeric_limits<int64_t>::min();
    if (len && __builtin_add_overflow(first, len->ints[i], &last)) last = kMax;
    const int64_t from = first < 0 ? 0 : first;
    if (last <= from) return;
    const size_t b = char_offset(v, from);
    const size_t e = last == kMax ? v.size() : b + char_offset(v.substr(b), last - from);
    chars.append(v.data() + b, e - b);
  });
  return Status::ok();
}

/// trim/ltrim/rtrim: strips leading and/or trailing characters found in `set`.
void trim(Func f, const std::vector<const Column*>& args, size_t n, Column& out) {
  const Column& s = *args[0];
  const Column* set_col = args.size() > 1 ? args[1] : nullptr;
  std::vector<std::string_view> set;  // the characters of the current set
  build_strings(out, n, [&](size_t i, std::string& chars) {
    set.clear();
    const std::string_view set_text = set_col ? set_col->string_at(i) : std::string_view(" ");
    for (size_t k = 0; k < set_text.size();) {
      size_t e = k + 1;
      while (e < set_text.size() && is_continuation(static_cast<unsigned char>(set_text[e]))) ++e;
      set.push_back(set_text.substr(k, e - k));
      k = e;
    }
    std::string_view v = s.string_at(i);
    auto strip_front = [&]() {
      for (auto c : set)
        if (v.substr(0, c.size()) == c) {
          v.remove_prefix(c.size());
          return true;
        }
      return false;
    };
    auto strip_back = [&]() {
      for (auto c : set)
        if (v.size() >= c.size() && v.substr(v.size() - c.size()) == c) {
          v.remove_suffix(c.size());
          return true;
        }
      return false;
    };
    if (f != Func::kRtrim)
      while (!v.empty() && strip_front()) {
      }
    if (f != Func::kLtrim)
      while (!v.empty() && strip_back()) {
      }
    chars.append(v.data(), v.size());
  });
}

/// greatest/least: NULL arguments are ignored; NULL only when all are NULL.
void min_max(bool greatest, const std::vector<const Column*>& args, size_t n, Column& out) {
  const DataType t = args[0]->type();
  // pick[i] = index of the winning argument for row i, or -1.
  std::vector<int> pick(n, -1);
  for (size_t a = 0; a < args.size(); ++a) {
    const Column& c = *args[a];
    for (size_t i = 0; i < n; ++i) {
      if (c.is_null(i)) continue;
      if (pick[i] < 0) {
        pick[i] = static_cast<int>(a);
        continue;
      }
      const Column& w = *args[static_cast<size_t>(pick[i])];
      int cmp = 0;
      switch (t) {
        case DataType::kInt64:
        case DataType::kTimestamp: cmp = (c.ints[i] > w.ints[i]) - (c.ints[i] < w.ints[i]); break;
        case DataType::kFloat64: cmp = (c.doubles[i] > w.doubles[i]) - (c.doubles[i] < w.doubles[i]); break;
        case DataType::kBool: cmp = c.bools[i] - w.bools[i]; break;
        case DataType::kString: cmp = c.string_at(i).compare(w.string_at(i)); break;
      }
      if (greatest ? cmp > 0 : cmp < 0) pick[i] = static_cast<int>(a);
    }
  }
  out = Column(t);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (pick[i] < 0) out.append_null();
    else out.append_from(*args[static_cast<size_t>(pick[i])], i);
  }
}

Status nullif(const std::vector<const Column*>& args, size_t n, Column& out) {
  Column eq;
  compare_kernel(CmpOp::kEq, Operand{args[0], nullptr, args[0]->type()},
                 Operand{args[1], nullptr, args[1]->type()}, n, eq);
  out = *args[0];
  for (size_t i = 0; i < n; ++i) {
    if (!eq.is_null(i) && eq.bools[i]) {
      out.materialize_mask();
      out.valid[i] = 0;
    }
  }
  return Status::ok();
}

}  // namespace

Status function_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n,
                       Column& out) {
  switch (call.func) {
    case Func::kAbs:
    case Func::kFloor:
    case Func::kCeil:
    case Func::kRound: return math_function(call.func, args, n, out);
    case Func::kMod:
      return arith_kernel(ArithOp::kMod, call.type, Operand{args[0], nullptr, args[0]->type()},
                          Operand{args[1], nullptr, args[1]->type()}, n, out);
    case Func::kLength: {
      out = Column(DataType::kInt64);
      out.valid = args[0]->valid;
      out.ints.resize(n);
      for (size_t i = 0; i < n; ++i) out.ints[i] = char_count(args[0]->string_at(i));
      return Status::ok();
    }
    case Func::kLower:
    case Func::kUpper:
      return case_map_kernel(*args[0], call.func == Func::kUpper ? CaseMapping::kUpper
                                                                 : CaseMapping::kLower, n, out);
    case Func::kSubstring:
      out = Column(DataType::kString);
      and_validity(args, n, out.valid);
      return substring(args, n, out);
    case Func::kBtrim:
    case Func::kLtrim:
    case Func::kRtrim:
      out = Column(DataType::kString);
      and_validity(args, n, out.valid);
      trim(call.func, args, n, out);
      return Status::ok();
    case Func::kConcat:  // NULL arguments count as ''; the result is never NULL
      out = Column(DataType::kString);
      build_strings(out, n, [&](size_t i, std::string& chars) {
        for (const Column* a : args)
          if (!a->is_null(i)) append_text(*a, i, chars);
      });
      return Status::ok();
    case Func::kGreatest:
    case Func::kLeast: min_max(call.func == Func::kGreatest, args, n, out); return Status::ok();
    case Func::kNullIf: return nullif(args, n, out);
    case Func::kUdf: return call.udf->call(args, n, out);
    case Func::kCoalesce: break;
    case Func::kPower:
    case Func::kSqrt:
    case Func::kExp:
    case Func::kLn:
    case Func::kLog:
    case Func::kLog10:
    case Func::kLog2:
    case Func::kSign:
    case Func::kPi:
    case Func::kTruncate: return math_kernel(call, args, n, out);
    case Func::kConcatWs:
    case Func::kLpad:
    case Func::kRpad:
    case Func::kReplace:
    case Func::kInitcap:
    case Func::kReverse:
    case Func::kRepeat:
    case Func::kLocate:
    case Func::kInstr:
    case Func::kLeft:
    case Func::kRight:
    case Func::kSplitIndex:
    case Func::kMd5:
    case Func::kSha1:
    case Func::kSha256: return string_kernel(call, args, n, out);
    case Func::kRegexp:
    case Func::kRegexpExtract:
    case Func::kRegexpReplace: return regex_kernel(call, args, n, out);
    case Func::kDateFormat:
    case Func::kYear:
    case Func::kMonth:
    case Func::kDayOfMonth:
    case Func::kHour:
    case Func::kMinute:
    case Func::kSecond:
    case Func::kToTimestamp:
    case Func::kUnixTimestamp:
    case Func::kFromUnixtime:
    case Func::kTimestampAdd:
    case Func::kTimestampDiff: return time_kernel(call, args, n, out);
  }
  return Status::internal(std::string("function ") + func_name(call.func) + " has no kernel");
}

}  // namespace eddy::expr
