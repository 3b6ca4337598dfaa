// Duration and timestamp parsing/formatting without locale or time zone lookups.
#include "core/time_util.h"

#include <charconv>
#include <cstdio>

namespace eddy {

// Howard Hinnant's algorithms.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

namespace {

bool is_leap_year(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/// True for a date and time of day that exist: no February 30th, no 25th hour,
/// no leap second (as java.time, and so Flink, reads them).
bool valid_date_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t sec) {
  static constexpr int64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1) return false;
  const int64_t month_days = kDays[mo - 1] + (mo == 2 && is_leap_year(y) ? 1 : 0);
  return d <= month_days && h <= 23 && mi <= 59 && sec <= 59;
}

bool read_digits(std::string_view s, size_t& pos, size_t count, int64_t& out) {
  if (pos + count > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

}  // namespace

Result<int64_t> parse_duration_us(std::string_view text) {
  size_t end = 0;
  while (end < text.size() && (text[end] == ' ')) ++end;
  text.remove_prefix(end);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const auto too_long = [&] {
    return Status::invalid("duration '" + std::string(text) +
                           "' is longer than the limit of 100 years (876000h)");
  };
  if (ec == std::errc::result_out_of_range) return too_long();
  if (ec != std::errc() || value < 0)
    return Status::invalid("expected a duration such as 100us, 10ms, 2s, 5m or 1h, got '" +
                           std::string(text) + "'");
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  int64_t factor = 0;
  if (unit == "us") factor = 1;
  else if (unit == "ms") factor = 1000;
  else if (unit == "s") factor = 1000000;
  else if (unit == "m" || unit == "min") factor = 60000000;
  else if (unit == "h") factor = 3600000000LL;
  else
    return Status::invalid("expected a duration with a unit (us, ms, s, m, h), got '" +
                           std::string(text) + "'");
  int64_t us = 0;
  if (__builtin_mul_overflow(value, factor, &us) || us > kMaxDurationUs) return too_long();
  return us;
}

Result<int64_t> parse_timestamp_ms(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return Status::parse_error("empty timestamp");
  bool all_digits = true;
  for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') all_digits = false;
  if (all_digits) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  auto bad = [&] {
    return Status::parse_error("expected a timestamp 'YYYY-MM-DD HH:MM:SS[.fff]' or epoch "
                               "milliseconds, got '" + std::string(s) + "'");
  };
  size_t pos = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!read_digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-') return bad();
  if (!read_digits(s, pos, 2, mo) || pos >= s.size() || s[pos++] != '-') return bad();
  if (!read_digits(s, pos, 2, d)) return bad();
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return bad();
    ++pos;
    if (!read_digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':') return bad();
    if (!read_digits(s, pos, 2, mi) || pos >= s.size() || s[pos++] != ':') return bad();
    if (!read_digits(s, pos, 2, sec)) return bad();
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int64_t frac = 0;
      size_t digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac = frac * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return bad();
      for (size_t i = digits; i < 3; ++i) frac *= 10;
      ms = frac;
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
  }
  // An impossible date is malformed, not moved to a neighbouring day.
  if (pos != s.size() || !valid_date_time(y, mo, d, h, mi, sec)) return bad();
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
}

void append_timestamp_ms(std::string& out, int64_t epoch_ms) {
  // Floor division, written so that no value (INT64_MIN included) overflows.
  int64_t days = epoch_ms / 86400000;
  int64_t rem = epoch_ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%03lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600000),
                        static_cast<long long>(rem / 60000 % 60),
                        static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
  out.append(buf, static_cast<size_t>(n));
}

std::string format_timestamp_ms(int64_t epoch_ms) {
  std::string s;
  append_timestamp_ms(s, epoch_ms);
  return s;
}

std::string format_duration_us(int64_t us) {
  char buf[64];
  if (us >= 1000000) std::snprintf(buf, sizeof buf, "%.2fs", us / 1e6);
  else if (us >= 1000) std::snprintf(buf, sizeof buf, "%.1fms", us / 1e3);
  else std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(us));
  return buf;
}

}  // namespace eddy
