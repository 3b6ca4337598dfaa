// The time units of TIMESTAMPADD and TIMESTAMPDIFF, read by the parser (a bare
// unit name as the first argument), the type checker and time_functions.cpp.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace eddy::expr {

enum class TimeUnit : uint8_t { kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

/// The unit called `name` (any case), if there is one.
inline std::optional<TimeUnit> parse_time_unit(std::string_view name) {
  static constexpr std::pair<std::string_view, TimeUnit> kUnits[] = {
      {"second", TimeUnit::kSecond}, {"minute", TimeUnit::kMinute},   {"hour", TimeUnit::kHour},
      {"day", TimeUnit::kDay},       {"week", TimeUnit::kWeek},       {"month", TimeUnit::kMonth},
      {"quarter", TimeUnit::kQuarter}, {"year", TimeUnit::kYear}};
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [n, u] : kUnits)
    if (lower == n) return u;
  return std::nullopt;
}

/// "SECOND", "MINUTE", ... for messages.
inline const char* time_unit_name(TimeUnit u) {
  static constexpr const char* kNames[] = {"SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"};
  return kNames[static_cast<int>(u)];
}

/// Milliseconds of a fixed-length unit; 0 for MONTH, QUARTER and YEAR.
inline int64_t time_unit_ms(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return 1000;
    case TimeUnit::kMinute: return 60000;
    case TimeUnit::kHour: return 3600000;
    case TimeUnit::kDay: return 86400000;
    case TimeUnit::kWeek: return 7 * int64_t{86400000};
    default: return 0;
  }
}

/// Months of a calendar unit (MONTH 1, QUARTER 3, YEAR 12); 0 for the others.
inline int64_t time_unit_months(TimeUnit u) {
  return u == TimeUnit::kMonth ? 1 : u == TimeUnit::kQuarter ? 3 : u == TimeUnit::kYear ? 12 : 0;
}

}  // namespace eddy::expr
