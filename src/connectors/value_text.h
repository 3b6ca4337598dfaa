// Values as output text, per PIPELINES.md "Types and values": the one place
// that decides how an int64, float64, bool, string or timestamp is written.
// Used by the CSV and JSONL writers (file and print sinks); no I/O here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/column.h"

namespace eddy {

/// Decimal integer.
void append_int64_text(std::string& out, int64_t v);

/// The shortest text that reads back to the same double (std::to_chars).
/// A value with neither a '.' nor an exponent gets ".0" ("3.0", "-0.0"), so a
/// float64 column never looks like an int64 one; "1e+300" and "0.1" stay as
/// they are. Every finite value is a valid JSON number. Non-finite values are
/// written "NaN", "Infinity", "-Infinity" (readable by the CSV parser); JSON has
/// no such numbers, so append_json_value writes them as null instead.
void append_float64_text(std::string& out, double v);

/// "true" / "false".
inline void append_bool_text(std::string& out, bool v) { out.append(v ? "true" : "false"); }

/// A JSON string literal (RFC 8259): quotes, '"' and '\\' escaped, control
/// characters as \n \r \t \b \f or \u00XX. Other bytes pass through unchanged.
void append_json_string(std::string& out, std::string_view s);

/// True when a CSV field needs quotes: it is empty (an unquoted empty field
/// reads back as NULL), contains ',', '"', CR or LF, or starts or ends with a
/// space or tab.
bool csv_needs_quotes(std::string_view s);

/// `s` as a CSV field: as is, or quoted with '"' doubled when csv_needs_quotes.
void append_csv_string(std::string& out, std::string_view s);

/// Formats column values; caches the date of the last timestamp so a column of
/// nearby timestamps costs a few digit stores per value instead of a calendar
/// conversion. One per writer (not shared between threads).
class ValueFormatter {
 public:
  /// "YYYY-MM-DD HH:MM:SS.fff" in UTC (the text of core/time_util.h).
  void append_timestamp(std::string& out, int64_t epoch_ms);

  /// Row `row` of `col` as a JSON value: numbers, true/false, strings and
  /// timestamps as JSON strings, NULL and non-finite floats as null.
  void append_json_value(std::string& out, const Column& col, size_t row);

  /// Row `row` of `col` as a CSV field: NULL is the empty field, strings are
  /// quoted when needed (an empty string as ""), timestamps unquoted.
  void append_csv_value(std::string& out, const Column& col, size_t row);

 private:
  int64_t cached_day_ = INT64_MIN;  // day (since 1970-01-01) whose text is in date_
  char date_[24] = {};              // "YYYY-MM-DD " of cached_day_
  size_t date_len_ = 0;
};

}  // namespace eddy
