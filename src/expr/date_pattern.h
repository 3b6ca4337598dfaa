// Date-time patterns in the style of Java's SimpleDateFormat/DateTimeFormatter,
// as Flink's DATE_FORMAT, TO_TIMESTAMP, UNIX_TIMESTAMP and FROM_UNIXTIME take
// them, formatted and parsed in UTC (eddy's session time zone). Compiled once
// per expression by the type checker when the pattern is a literal, else per
// distinct pattern by time_functions.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "expr/ast.h"

namespace eddy::expr {

/// Flink's default pattern for TO_TIMESTAMP, UNIX_TIMESTAMP and FROM_UNIXTIME.
constexpr std::string_view kDefaultDatePattern = "yyyy-MM-dd HH:mm:ss";

/// A compiled pattern. Letters: y (year; yy two digits), M (month; MMM Jan,
/// MMMM January), d (day of month), D (day of year), H (hour 0-23), h (hour
/// 1-12), a (AM/PM), m (minute), s (second), S (fraction of a second, one digit
/// per letter), E (EEE Mon, EEEE Monday). Text in '...' is literal ('' is a
/// quote); other characters that are not ASCII letters stand for themselves.
class DatePattern : public CallState {
 public:
  /// Refuses a letter outside the list above, naming it, and an unclosed quote.
  static Result<std::shared_ptr<const DatePattern>> compile(std::string_view pattern);

  /// Appends `epoch_ms` (UTC) as the pattern writes it.
  void format(int64_t epoch_ms, std::string& out) const;
  /// Reads `text`, which the pattern must match whole; fields it leaves out
  /// are 1970-01-01 00:00:00. False for text that does not match or names a
  /// date or time that does not exist (as java.time's strict parsing).
  bool parse(std::string_view text, int64_t& epoch_ms) const;

 private:
  struct Item {
    char letter = 0;   // 0: literal text
    int width = 0;     // how many times the letter repeats
    std::string text;  // the literal text
  };
  std::vector<Item> items_;
};

/// Flink's lenient default reading of a timestamp string: yyyy-M-d with an
/// optional " H:m:s" and an optional fraction of up to 9 digits (milliseconds
/// kept), in UTC.
bool parse_default_timestamp(std::string_view text, int64_t& epoch_ms);

}  // namespace eddy::expr
