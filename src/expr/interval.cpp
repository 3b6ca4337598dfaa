// INTERVAL literal text -> milliseconds.
#include "expr/interval.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace eddy::expr {
namespace {

constexpr const char* kHint = "write e.g. INTERVAL '20' MINUTE or INTERVAL '1 hour 30 minutes'";

/// Milliseconds of a unit written in the text, 0 when it is not one.
int64_t unit_ms(std::string unit) {
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 's' && unit != "ms") unit.pop_back();
  if (unit == "ms" || unit == "millisecond" || unit == "msec") return 1;
  if (unit == "s" || unit == "second" || unit == "sec") return 1000;
  if (unit == "m" || unit == "minute" || unit == "min") return 60000;
  if (unit == "h" || unit == "hour" || unit == "hr") return 3600000;
  if (unit == "d" || unit == "day") return 86400000;
  return 0;
}

Result<int64_t> mask_ms(int mask) {
  switch (mask) {
    case kIntervalDay: return int64_t{86400000};
    case kIntervalHour: return int64_t{3600000};
    case kIntervalMinute: return int64_t{60000};
    case kIntervalSecond: return int64_t{1000};
    case 1 << 1:
    case 1 << 2:
      return Status(StatusCode::kParseError, "intervals of months or years have no fixed length; write days instead");
    default:
      return Status(StatusCode::kParseError, "interval ranges (such as HOUR TO MINUTE) are not supported; " +
                                                 std::string(kHint));
  }
}

/// `count` units of `ms` each, refused when not a whole millisecond or too large.
Result<int64_t> scaled(const std::string& count, int64_t ms) {
  char* end = nullptr;
  const double v = std::strtod(count.c_str(), &end);
  if (count.empty() || end != count.c_str() + count.size() || !std::isfinite(v))
    return Status(StatusCode::kParseError, "'" + count + "' is not a number of interval units; " + kHint);
  const double total = v * static_cast<double>(ms);
  if (std::fabs(total) >= 9.2e18) return Status(StatusCode::kParseError, "interval '" + count + "' is too long");
  const double whole = std::round(total);
  if (std::fabs(total - whole) > 1e-6)
    return Status(StatusCode::kParseError, "interval '" + count + "' is not a whole number of milliseconds");
  return static_cast<int64_t>(whole);
}

}  // namespace

Result<int64_t> interval_ms(std::string_view text, int unit_mask) {
  std::string s(text);
  if (unit_mask != 0) {
    EDDY_ASSIGN_OR_RETURN(int64_t ms, mask_ms(unit_mask));
    const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return scaled(b == std::string::npos ? "" : s.substr(b, e - b + 1), ms);
  }
  // Pairs of a number and a unit, "1 hour 30 minutes" or "250ms".
  int64_t total = 0;
  size_t i = 0, pairs = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i == s.size()) break;
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '-' || s[j] == '+')) ++j;
    const std::string count = s.substr(i, j - i);
    while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    const int64_t ms = unit_ms(s.substr(j, k - j));
    if (count.empty() || ms == 0)
      return Status(StatusCode::kParseError, "cannot read interval '" + s + "'; " + kHint);
    EDDY_ASSIGN_OR_RETURN(int64_t part, scaled(count, ms));
    if ((part > 0 && total > INT64_MAX - part) || (part < 0 && total < INT64_MIN - part))
      return Status(StatusCode::kParseError, "interval '" + s + "' is too long");
    total += part;
    ++pairs;
    i = k;
  }
  if (pairs == 0) return Status(StatusCode::kParseError, "empty interval; " + std::string(kHint));
  return total;
}

}  // namespace eddy::expr
