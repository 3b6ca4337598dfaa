// CAST kernels and the text form of values (CAST(x AS text), `||`, concat()).
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "core/time_util.h"
#include "expr/kernels.h"

namespace eddy::expr {
namespace {

std::string_view trim_space(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

Status bad_value(std::string_view text, DataType to) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown += "...";
  return Status::invalid("cannot cast '" + shown + "' to " + type_name(to));
}

bool parse_int(std::string_view s, int64_t& v) {
  s = trim_space(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool parse_float(std::string_view s, double& v) {
  s = trim_space(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool parse_bool(std::string_view s, uint8_t& v) {
  s = trim_space(s);
  std::string l(s);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "t" || l == "yes" || l == "y" || l == "on" || l == "1") {
    v = 1;
    return true;
  }
  if (l == "false" || l == "f" || l == "no" || l == "n" || l == "off" || l == "0") {
    v = 0;
    return true;
  }
  return false;
}

/// float64 -> int64 as Flink casts DOUBLE to BIGINT, with Java's (long):
/// toward zero; beyond the range, its nearest end; NaN is 0.
int64_t float_to_int64(double d) {
  if (d >= 9223372036854775808.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  if (std::isnan(d)) return 0;
  return static_cast<int64_t>(d);  // truncates
}

void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
  } else if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    out.append(buf, p);
  }
}

Status from_string(const Column& in, DataType to, size_t n, Column& out) {
  for (size_t i = 0; i < n; ++i) {
    const bool null = in.is_null(i);
    const std::string_view s = in.string_at(i);
    switch (to) {
      case DataType::kInt64: {
        int64_t v = 0;
        if (!null && !parse_int(s, v)) return bad_value(s, to);
        out.ints[i] = v;
        break;
      }
      case DataType::kFloat64: {
        double v = 0;
        if (!null && !parse_float(s, v)) return bad_value(s, to);
        out.doubles[i] = v;
        break;
      }
      case DataType::kBool: {
        uint8_t v = 0;
        if (!null && !parse_bool(s, v)) return bad_value(s, to);
        out.bools[i] = v;
        break;
      }
      case DataType::kTimestamp: {
        int64_t v = 0;
        if (!null) {
          auto ts = parse_timestamp_ms(trim_space(s));
          if (!ts.ok()) return bad_value(s, to);
          v = *ts;
        }
        out.ints[i] = v;
        break;
      }
      case DataType::kString: break;
    }
  }
  return Status::ok();
}

/// To int64: float_to_int64. To timestamp (epoch milliseconds, an eddy
/// extension: Flink refuses numbers to TIMESTAMP): toward zero too, but NaN and
/// values out of range are errors rather than a time at the end of the range.
Status from_float(const Column& in, DataType to, size_t n, Column& out) {
  const double* x = in.doubles.data();
  int64_t* v = out.ints.data();
  for (size_t i = 0; i < n; ++i) v[i] = float_to_int64(x[i]);
  if (to == DataType::kInt64) return Status::ok();
  for (size_t i = 0; i < n; ++i) {
    if (in.is_null(i) || (x[i] > -9223372036854775808.0 && x[i] < 9223372036854775808.0)) continue;
    std::string text;
    append_double(text, x[i]);
    return Status::invalid("cannot cast " + text + " to " + type_name(to) + ": out of range");
  }
  return Status::ok();
}

}  // namespace

bool cast_allowed(DataType from, DataType to) {
  if (from == to || to == DataType::kString || from == DataType::kString) return true;
  switch (from) {
    case DataType::kInt64: return true;
    case DataType::kFloat64: return to != DataType::kBool;
    case DataType::kBool: return to == DataType::kInt64;
    case DataType::kTimestamp: return to != DataType::kBool;
    case DataType::kString: return true;
  }
  return false;
}

void append_text(const Column& col, size_t row, std::string& out) {
  switch (col.type()) {
    case DataType::kInt64: {
      char buf[24];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, col.ints[row]);
      out.append(buf, p);
      break;
    }
    case DataType::kFloat64: append_double(out, col.doubles[row]); break;
    case DataType::kBool: out += col.bools[row] ? "true" : "false"; break;
    case DataType::kString: out += col.string_at(row); break;
    case DataType::kTimestamp: append_timestamp_ms(out, col.ints[row]); break;
  }
}

Status cast_kernel(const Column& in, DataType to, size_t n, Column& out) {
  const DataType from = in.type();
  out = Column(to);
  out.valid = in.valid;
  if (to == DataType::kString) {
    out.offsets.resize(n + 1);
    for (size_t i = 0; i < n; ++i) {
      if (!in.is_null(i)) append_text(in, i, out.chars);
      out.offsets[i + 1] = static_cast<uint32_t>(out.chars.size());
    }
    return Status::ok();
  }
  switch (to) {
    case DataType::kInt64:
    case DataType::kTimestamp: out.ints.resize(n); break;
    case DataType::kFloat64: out.doubles.resize(n); break;
    case DataType::kBool: out.bools.resize(n); break;
    case DataType::kString: break;
  }
  if (from == DataType::kString) return from_string(in, to, n, out);
  if (from == DataType::kFloat64) {
    if (to == DataType::kFloat64) {
      out.doubles.assign(in.doubles.begin(), in.doubles.begin() + static_cast<std::ptrdiff_t>(n));
      return Status::ok();
    }
    return from_float(in, to, n, out);
  }
  if (from == DataType::kBool) {  // to int64 (or bool)
    for (size_t i = 0; i < n; ++i) {
      if (to == DataType::kBool) out.bools[i] = in.bools[i];
      else out.ints[i] = in.bools[i];
    }
    return Status::ok();
  }
  // int64 or timestamp
  const int64_t* x = in.ints.data();
  switch (to) {
    case DataType::kInt64:
    case DataType::kTimestamp: out.ints.assign(x, x + n); break;
    case DataType::kFloat64:
      for (size_t i = 0; i < n; ++i) out.doubles[i] = static_cast<double>(x[i]);
      break;
    case DataType::kBool:
      for (size_t i = 0; i < n; ++i) out.bools[i] = x[i] != 0;
      break;
    case DataType::kString: break;
  }
  return Status::ok();
}

}  // namespace eddy::expr
