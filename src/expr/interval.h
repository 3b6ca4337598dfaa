// INTERVAL literals (`INTERVAL '20' MINUTE`, `INTERVAL '1 hour 30 minutes'`)
// as the int64 milliseconds that timestamps are added to and compared with
// (PIPELINES.md "Expressions": ts + 1000). Called by parse_sql.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eddy::expr {

/// PostgreSQL's field mask for the unit after the literal (typmods of the
/// interval type): 0 when none was written.
constexpr int kIntervalDay = 1 << 3;
constexpr int kIntervalHour = 1 << 10;
constexpr int kIntervalMinute = 1 << 11;
constexpr int kIntervalSecond = 1 << 12;

/// The milliseconds of an interval: `text` is a number of `unit_mask` units
/// ("20" MINUTE, "1.5" SECOND), or, without a unit, number-unit pairs
/// ("1 hour 30 minutes", "250 ms"; units millisecond, second, minute, hour,
/// day, singular, plural or abbreviated). Months and years (no fixed length),
/// unit ranges (HOUR TO MINUTE), fractions of a millisecond and values beyond
/// int64 are refused with kParseError and a message saying what to write.
Result<int64_t> interval_ms(std::string_view text, int unit_mask);

}  // namespace eddy::expr
