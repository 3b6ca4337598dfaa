// Durations ("10ms", "2s") and timestamps (epoch ms <-> "YYYY-MM-DD HH:MM:SS.fff" UTC)
// as PIPELINES.md defines them. Used by the pipeline parser, connectors and sinks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eddy {

/// The longest duration parse_duration_us accepts: 100 years of 365 days
/// (876000h). Durations become timers and clock offsets in nanoseconds, which
/// hold about 292 years from the epoch; this keeps every such sum in range.
constexpr int64_t kMaxDurationUs = int64_t{876000} * 3600 * 1000000;

/// Parses "100us", "10ms", "2s", "5m", "1h" into microseconds. A unit is
/// required; negative values and values above kMaxDurationUs are refused.
Result<int64_t> parse_duration_us(std::string_view text);

/// Parses "YYYY-MM-DD HH:MM:SS[.fff]" (also with 'T' between date and time)
/// or an integer of epoch milliseconds, both UTC. The date and time must exist
/// (proleptic Gregorian calendar, hours 0-23, minutes and seconds 0-59): a
/// February 30th or a 25th hour is a parse error, never another day.
Result<int64_t> parse_timestamp_ms(std::string_view text);

/// Days since 1970-01-01 of a date of the proleptic Gregorian calendar
/// (month 1-12, day 1-31; not checked).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
/// The date `z` days after 1970-01-01.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);

/// "YYYY-MM-DD HH:MM:SS.fff" in UTC.
std::string format_timestamp_ms(int64_t epoch_ms);
/// Appends the same text to `out` without a temporary string.
void append_timestamp_ms(std::string& out, int64_t epoch_ms);

/// "1.5s", "250ms", "3us": a human rendering for summaries.
std::string format_duration_us(int64_t us);

}  // namespace eddy
