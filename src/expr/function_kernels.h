// What the scalar function kernels share: the kernels of each family (math,
// strings, regular expressions, time), which function_kernel() in
// functions.cpp dispatches to, and small helpers for writing result columns.
// Internal to src/expr/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.h"
#include "core/status.h"
#include "expr/ast.h"

namespace eddy::expr {

/// The longest string one row of repeat, lpad or rpad may make (16 MiB): a
/// batch's strings share one buffer with 32-bit offsets.
constexpr size_t kMaxResultBytes = size_t{16} << 20;

/// power, sqrt, exp, ln, log, log10, log2, sign, pi, truncate (math_functions.cpp).
Status math_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out);
/// round(x, digits) on the shortest decimal text of x (math_functions.cpp).
double round_digits(double x, int64_t digits);
/// Flink's string functions (string_functions.cpp).
Status string_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out);
/// regexp, regexp_extract, regexp_replace (regex_functions.cpp).
Status regex_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out);
/// date_format, year ... second, to_timestamp, unix_timestamp, from_unixtime,
/// timestampadd, timestampdiff (time_functions.cpp).
Status time_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out);

inline bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// Byte offset of character `k` (0-based) of `s`, or s.size() past the end.
inline size_t char_offset(std::string_view s, int64_t k) {
  size_t i = 0;
  for (; k > 0 && i < s.size(); --k) {
    ++i;
    while (i < s.size() && is_continuation(static_cast<unsigned char>(s[i]))) ++i;
  }
  return i;
}

/// The number of UTF-8 characters of `s`.
inline int64_t char_count(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += !is_continuation(c);
  return n;
}

/// Writes a string result: `emit(row, std::string& chars)` appends the value
/// of a non-NULL row. Validity must already be set on `out`.
template <class Emit>
void build_strings(Column& out, size_t n, Emit emit) {
  out.offsets.resize(n + 1);
  out.offsets[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!out.is_null(i)) emit(i, out.chars);
    out.offsets[i + 1] = static_cast<uint32_t>(out.chars.size());
  }
}

/// Sets `out` to the AND of the arguments' validity (empty when all are valid).
inline void and_validity(const std::vector<const Column*>& args, size_t n, std::vector<uint8_t>& out) {
  out.clear();
  for (const Column* a : args) {
    if (!a->has_nulls()) continue;
    if (out.empty()) {
      out = a->valid;
    } else {
      for (size_t i = 0; i < n; ++i) out[i] &= a->valid[i];
    }
  }
}

/// Marks row `i` of the `n` rows of `out` NULL (a result that is NULL for
/// some non-NULL input); a string kernel then appends nothing for the row.
inline void set_null(Column& out, size_t i, size_t n) {
  if (out.valid.empty()) out.valid.assign(n, 1);
  out.valid[i] = 0;
}

}  // namespace eddy::expr
