// The flat-object fast path of the JSON Lines reader (jsonl_flat.h).
//
// Every scan below stops at a byte outside its token's class, and '\n' is in
// none of them (a string with a raw newline is invalid JSON; whitespace inside
// a line is ' ', '\t' or '\r' here), so a scan never passes the end of its
// line and needs no bounds check: the caller guarantees each line ends in '\n'.
#include "connectors/jsonl_flat.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>

namespace eddy {
namespace {

inline void skip_space(const char*& p) {
  // Compact JSON has no spaces: one comparison settles the common case.
  while (static_cast<unsigned char>(*p) <= ' ' && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
}

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

/// A JSON string's content from `p` (just past its opening quote) to the
/// closing quote, when it has no escape and no control character, and is
/// valid UTF-8; `p` ends past the closing quote. False otherwise.
inline bool plain_string(const char*& p, std::string_view& s) {
  const char* start = p;
  unsigned char high = 0;
  for (;; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') break;
    if (c == '\\' || c < 0x20) return false;
    high |= c;
  }
  s = std::string_view(start, static_cast<size_t>(p - start));
  ++p;
  return (high & 0x80) == 0 || simdjson::validate_utf8(s.data(), s.size());
}

/// A literal's remaining bytes (after its first), compared one by one so a
/// mismatch (the line's '\n' at the latest) stops the read.
inline bool literal(const char*& p, const char* rest, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[1 + i] != rest[i]) return false;
  p += 1 + n;
  return true;
}

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// A JSON number at `p`, by its grammar. `integer` says it has neither
/// fraction nor exponent; `mantissa`/`scale` hold its digits and decimal
/// point when they fit 19 digits (`exact` then), for the fast conversion.
struct NumberText {
  const char* begin;
  const char* end;
  bool negative = false;
  bool integer = true;
  bool exact = true;       // digits fit `mantissa` and no exponent
  uint64_t mantissa = 0;
  int digits = 0;
  int scale = 0;           // digits after the decimal point
};

inline bool scan_number(const char*& p, NumberText& n) {
  n.begin = p;
  if (*p == '-') {
    n.negative = true;
    ++p;
  }
  if (*p == '0') {
    ++p;
    if (is_digit(*p)) return false;  // a leading zero
  } else if (is_digit(*p)) {
    for (; is_digit(*p); ++p, ++n.digits) n.mantissa = n.mantissa * 10 + static_cast<unsigned>(*p - '0');
  } else {
    return false;
  }
  if (*p == '.') {
    n.integer = false;
    ++p;
    if (!is_digit(*p)) return false;
    for (; is_digit(*p); ++p, ++n.digits, ++n.scale) n.mantissa = n.mantissa * 10 + static_cast<unsigned>(*p - '0');
  }
  if (*p == 'e' || *p == 'E') {
    n.integer = false;
    n.exact = false;
    ++p;
    if (*p == '+' || *p == '-') ++p;
    if (!is_digit(*p)) return false;
    while (is_digit(*p)) ++p;
  }
  if (n.digits > 19) n.exact = false;  // the mantissa wrapped: not used then
  n.end = p;
  return true;
}

/// The number as a double, correctly rounded: exactly from its digits when
/// both the digits and the power of ten are exact doubles (Clinger's fast
/// path), else by std::from_chars.
inline bool to_double(const NumberText& n, double& d) {
  if (n.exact && n.mantissa <= (uint64_t{1} << 53) && n.scale <= 22) {
    d = static_cast<double>(n.mantissa) / kPow10[n.scale];
    if (n.negative) d = -d;
    return true;
  }
  auto r = std::from_chars(n.begin, n.end, d);
  return r.ec == std::errc() && r.ptr == n.end;
}

}  // namespace

JsonFlatDecoder::JsonFlatDecoder(const Schema& schema) : schema_(schema), seen_(schema.size(), 0) {
  for (size_t c = 0; c < schema.size(); ++c) {
    types_.push_back(schema.field(c).type);
    for (char ch : schema.field(c).name)
      if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) usable_ = false;
  }
}

const char* JsonFlatDecoder::decode_lines(const char* p, const char* end, size_t max_rows, BatchBuilder& out,
                                          int64_t& lines) {
  while (p < end && out.num_rows() < max_rows) {
    const char* line = p;
    skip_space(p);
    if (*p == '\n') {  // a blank line
      ++p;
      ++lines;
      continue;
    }
    const size_t rows = out.num_rows();
    if (!decode_line(p, out)) {
      out.truncate_to(rows);
      return line;
    }
    out.commit_rows(1);
    ++lines;
  }
  return p;
}

// One line: `{`, fields, `}`, then only spaces before its '\n' (`p` ends past it).
bool JsonFlatDecoder::decode_line(const char*& p, BatchBuilder& out) {
  if (*p != '{') return false;
  ++p;
  if (++line_tag_ == 0) {  // the tag wrapped: old tags could match again
    std::fill(seen_.begin(), seen_.end(), 0);
    line_tag_ = 1;
  }
  skip_space(p);
  if (*p != '}') {
    for (;;) {
      if (*p != '"') return false;
      ++p;
      const int c = column_of_key(p);
      if (c == -2) return false;
      skip_space(p);
      if (*p != ':') return false;
      ++p;
      skip_space(p);
      if (!decode_value(p, c, out)) return false;
      skip_space(p);
      if (*p == ',') {
        ++p;
        skip_space(p);
        continue;
      }
      if (*p != '}') return false;
      break;
    }
  }
  ++p;
  skip_space(p);
  if (*p != '\n') return false;
  ++p;
  for (size_t c = 0; c < seen_.size(); ++c)
    if (seen_[c] != line_tag_) out.column(c).append_null();
  return true;
}

// The column of the key at `p` (past its opening quote; `p` ends past the
// closing one): -1 for a key not in the schema, -2 when the general parser
// must decide (an escape, invalid text, a key given twice).
int JsonFlatDecoder::column_of_key(const char*& p) {
  const size_t n = types_.size();
  int c = -1;
  const size_t next = static_cast<size_t>(last_match_ + 1) < n ? static_cast<size_t>(last_match_ + 1) : 0;
  const std::string& expected = schema_.field(next).name;
  size_t i = 0;
  while (i < expected.size() && p[i] == expected[i]) ++i;  // stops at the line's '\n' at the latest
  if (i == expected.size() && p[i] == '"') {
    p += i + 1;
    c = static_cast<int>(next);
  } else {
    std::string_view key;
    if (!plain_string(p, key)) return -2;
    for (size_t k = 0; k < n && c < 0; ++k) {
      const size_t col = next + k < n ? next + k : next + k - n;
      if (schema_.field(col).name == key) c = static_cast<int>(col);
    }
    if (c < 0) return -1;
  }
  if (seen_[static_cast<size_t>(c)] == line_tag_) return -2;
  seen_[static_cast<size_t>(c)] = line_tag_;
  last_match_ = c;
  return c;
}

// The value at `p` into column `column` (-1: checked and skipped). False for
// anything the general parser must take: nested values, escapes, a value of
// another type than the column's, a number it would read otherwise.
bool JsonFlatDecoder::decode_value(const char*& p, int column, BatchBuilder& out) {
  const DataType type = column >= 0 ? types_[static_cast<size_t>(column)] : DataType::kString;
  switch (*p) {
    case '"': {
      ++p;
      std::string_view s;
      if (!plain_string(p, s)) return false;
      if (column < 0) return true;
      Column& col = out.column(static_cast<size_t>(column));
      if (type == DataType::kString) {
        col.append_string(s);
        return true;
      }
      int64_t ms;
      if (type != DataType::kTimestamp || !timestamps_.parse(s, ms)) return false;
      col.append_int(ms);
      return true;
    }
    case 't':
    case 'f': {
      const bool value = *p == 't';
      if (!(value ? literal(p, "rue", 3) : literal(p, "alse", 4))) return false;
      if (column < 0) return true;
      if (type != DataType::kBool) return false;
      out.column(static_cast<size_t>(column)).append_bool(value);
      return true;
    }
    case 'n':
      if (!literal(p, "ull", 3)) return false;
      if (column >= 0) out.column(static_cast<size_t>(column)).append_null();
      return true;
    default: {
      NumberText n;
      if (!scan_number(p, n)) return false;
      if (column < 0) return true;
      Column& col = out.column(static_cast<size_t>(column));
      if (is_integer_backed(type)) {
        if (!n.integer || n.digits > 18) return false;  // fractions, exponents and big ones: the general way
        const auto v = static_cast<int64_t>(n.mantissa);
        col.append_int(n.negative ? -v : v);
        return true;
      }
      double d;
      if (type != DataType::kFloat64 || !to_double(n, d)) return false;
      col.append_double(d);
      return true;
    }
  }
}

}  // namespace eddy
