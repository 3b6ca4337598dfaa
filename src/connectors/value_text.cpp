// Output text of values: shortest floats, JSON string escaping, CSV quoting and
// a date-caching timestamp formatter.
#include "connectors/value_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/time_util.h"

namespace eddy {
namespace {

constexpr int64_t kMsPerDay = 86400000;

// Floor division, so times before 1970 land on the right day.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void put2(char* p, int64_t v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// True for bytes that JSON strings must escape.
inline bool json_escaped(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void append_int64_text(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_float64_text(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append(std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
    return;
  }
  char buf[40];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  const size_t n = static_cast<size_t>(res.ptr - buf);
  out.append(buf, n);
  // Integral values come out as "3" or "-0"; keep them recognisably float.
  if (std::memchr(buf, '.', n) == nullptr && std::memchr(buf, 'e', n) == nullptr) out.append(".0");
}

void append_json_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!json_escaped(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

bool csv_needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' || s.back() == '\t') return true;
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  return false;
}

void append_csv_string(std::string& out, std::string_view s) {
  if (!csv_needs_quotes(s)) {
    out.append(s.data(), s.size());
    return;
  }
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '"') continue;
    out.append(s.data() + run, i + 1 - run);  // the quote itself, then its double
    out.push_back('"');
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void ValueFormatter::append_timestamp(std::string& out, int64_t epoch_ms) {
  if (epoch_ms < INT64_MIN + kMsPerDay) {  // day * kMsPerDay below would overflow
    append_timestamp_ms(out, epoch_ms);
    return;
  }
  const int64_t day = floor_div(epoch_ms, kMsPerDay);
  if (day != cached_day_) {
    // A calendar conversion once per distinct day; the date is the text before
    // the space of core's formatting, so both always agree.
    const std::string text = format_timestamp_ms(day * kMsPerDay);
    const size_t space = text.find(' ');
    date_len_ = std::min(space + 1, sizeof date_);
    std::memcpy(date_, text.data(), date_len_);
    cached_day_ = day;
  }
  const int64_t rem = epoch_ms - day * kMsPerDay;  // 0 .. 86399999
  char t[12] = {0, 0, ':', 0, 0, ':', 0, 0, '.', 0, 0, 0};
  put2(t, rem / 3600000);
  put2(t + 3, rem / 60000 % 60);
  put2(t + 6, rem / 1000 % 60);
  const int64_t ms = rem % 1000;
  t[9] = static_cast<char>('0' + ms / 100);
  put2(t + 10, ms % 100);
  out.append(date_, date_len_);
  out.append(t, sizeof t);
}

void ValueFormatter::append_json_value(std::string& out, const Column& col, size_t row) {
  if (col.is_null(row)) {
    out.append("null");
    return;
  }
  switch (col.type()) {
    case DataType::kInt64: append_int64_text(out, col.ints[row]); break;
    case DataType::kFloat64:
      if (std::isfinite(col.doubles[row])) append_float64_text(out, col.doubles[row]);
      else out.append("null");
      break;
    case DataType::kBool: append_bool_text(out, col.bools[row] != 0); break;
    case DataType::kString: append_json_string(out, col.string_at(row)); break;
    case DataType::kTimestamp:
      out.push_back('"');
      append_timestamp(out, col.ints[row]);
      out.push_back('"');
      break;
  }
}

void ValueFormatter::append_csv_value(std::string& out, const Column& col, size_t row) {
  if (col.is_null(row)) return;
  switch (col.type()) {
    case DataType::kInt64: append_int64_text(out, col.ints[row]); break;
    case DataType::kFloat64: append_float64_text(out, col.doubles[row]); break;
    case DataType::kBool: append_bool_text(out, col.bools[row] != 0); break;
    case DataType::kString: append_csv_string(out, col.string_at(row)); break;
    case DataType::kTimestamp: append_timestamp(out, col.ints[row]); break;
  }
}

}  // namespace eddy
