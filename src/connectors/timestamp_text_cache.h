// Reading the timestamps of a stream of records, most of which share their
// date with the record before: text of the shape 'YYYY-MM-DD HH:MM:SS.fff'
// whose date is the last one seen costs a few digit reads instead of a
// calendar conversion. Anything else goes to parse_timestamp_ms, and the fast
// path accepts exactly what it would.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/time_util.h"

namespace eddy {

class TimestampTextCache {
 public:
  /// Epoch milliseconds of `s` (as parse_timestamp_ms reads it); false when it is not a timestamp.
  bool parse(std::string_view s, int64_t& ms) {
    if (has_day_ && s.size() == 23 && std::memcmp(s.data(), day_text_, 11) == 0 &&
        time_of_day(s, ms)) {
      ms += day_ms_;
      return true;
    }
    auto full = parse_timestamp_ms(s);
    if (!full.ok()) return false;
    ms = *full;
    if (s.size() == 23 && s[10] == ' ') {  // remember the date for the next ones
      int64_t day = ms / kDayMs;
      if (ms % kDayMs < 0) --day;
      day_ms_ = day * kDayMs;
      std::memcpy(day_text_, s.data(), 11);
      has_day_ = true;
    }
    return true;
  }

 private:
  static constexpr int64_t kDayMs = 86400000;

  // "HH:MM:SS.fff" at s[11..23) as milliseconds since midnight.
  static bool time_of_day(std::string_view s, int64_t& ms) {
    if (s[13] != ':' || s[16] != ':' || s[19] != '.') return false;
    int64_t h, mi, sec, frac;
    if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec) ||
        !digits(s, 20, 3, frac))
      return false;
    if (h > 23 || mi > 59 || sec > 59) return false;
    ms = ((h * 60 + mi) * 60 + sec) * 1000 + frac;
    return true;
  }
  static bool digits(std::string_view s, size_t at, size_t n, int64_t& v) {
    v = 0;
    for (size_t i = at; i < at + n; ++i) {
      const unsigned d = static_cast<unsigned char>(s[i]) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
    return true;
  }

  bool has_day_ = false;
  char day_text_[11] = {};  // "YYYY-MM-DD " of day_ms_
  int64_t day_ms_ = 0;
};

}  // namespace eddy
