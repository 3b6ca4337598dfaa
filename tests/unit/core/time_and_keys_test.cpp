// Unit tests for durations, timestamps, hashing and key-group ranges (src/core).
#include <doctest/doctest.h>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "core/time_util.h"

using namespace eddy;

TEST_CASE("durations need a unit and convert to microseconds") {
  CHECK(*parse_duration_us("100us") == 100);
  CHECK(*parse_duration_us("10ms") == 10000);
  CHECK(*parse_duration_us("2s") == 2000000);
  CHECK(*parse_duration_us("5m") == 300000000);
  CHECK(*parse_duration_us("1h") == 3600000000LL);
  CHECK_FALSE(parse_duration_us("10").ok());
  CHECK_FALSE(parse_duration_us("ten seconds").ok());
}

TEST_CASE("durations beyond 100 years are refused instead of overflowing") {
  CHECK(*parse_duration_us("876000h") == kMaxDurationUs);
  CHECK(*parse_duration_us("3153600000000000us") == kMaxDurationUs);
  for (const char* text : {"876001h", "9999999999999h", "9223372036854775807us", "99999999999999999999s"}) {
    auto d = parse_duration_us(text);
    REQUIRE_FALSE(d.ok());
    CHECK_MESSAGE(d.status().message().find("longer than the limit of 100 years (876000h)") != std::string::npos,
                  d.status().message());
  }
}

TEST_CASE("timestamps read both forms and format as UTC with milliseconds") {
  CHECK(*parse_timestamp_ms("1970-01-01 00:00:00") == 0);
  CHECK(*parse_timestamp_ms("2024-01-01 00:00:00") == 1704067200000LL);
  CHECK(*parse_timestamp_ms("2024-01-01 00:00:01.5") == 1704067201500LL);
  CHECK(*parse_timestamp_ms("2024-01-01T00:00:01.123Z") == 1704067201123LL);
  CHECK(*parse_timestamp_ms("1704067200000") == 1704067200000LL);
  CHECK(format_timestamp_ms(1704067201123LL) == "2024-01-01 00:00:01.123");
  CHECK(format_timestamp_ms(-1) == "1969-12-31 23:59:59.999");
  CHECK(format_timestamp_ms(-86400000) == "1969-12-31 00:00:00.000");
  CHECK_FALSE(format_timestamp_ms(INT64_MIN).empty());  // no overflow on the extreme
  CHECK_FALSE(parse_timestamp_ms("2024-13-01 00:00:00").ok());
  CHECK_FALSE(parse_timestamp_ms("yesterday").ok());
}

TEST_CASE("impossible dates and times are malformed, not moved to another day") {
  for (const char* text : {"2024-02-30 00:00:00", "2023-02-29", "1900-02-29 12:00:00", "2024-04-31",
                           "2024-06-31T10:00:00", "2024-01-00", "2024-00-10", "2024-01-01 25:00:00",
                           "2024-01-01 24:00:00", "2024-01-01 00:61:00", "2024-01-01 00:00:60",
                           "2024-01-01 00:00:61.5"}) {
    CAPTURE(text);
    auto ts = parse_timestamp_ms(text);
    REQUIRE_FALSE(ts.ok());
    CHECK(ts.status().code() == StatusCode::kParseError);
  }
  // The last day of each month, leap days included, are fine.
  CHECK(*parse_timestamp_ms("2024-02-29 00:00:00") == 1709164800000LL);
  CHECK(*parse_timestamp_ms("2000-02-29") == 951782400000LL);
  CHECK(*parse_timestamp_ms("2023-02-28 23:59:59.999") == 1677628799999LL);
  CHECK(*parse_timestamp_ms("2024-04-30") == 1714435200000LL);
  CHECK(*parse_timestamp_ms("2024-12-31 23:59:59") == 1735689599000LL);
}

TEST_CASE("key-group ranges of all subtasks cover every key group exactly once") {
  for (int p : {1, 2, 3, 4, 7, 128}) {
    int32_t next = 0;
    for (int i = 0; i < p; ++i) {
      auto r = key_group_range_for_subtask(128, p, i);
      CHECK(r.start == next);
      for (int32_t kg = r.start; kg <= r.end; ++kg) CHECK(subtask_for_key_group(128, p, kg) == i);
      next = r.end + 1;
    }
    CHECK(next == 128);
  }
}

TEST_CASE("hashes are stable values, not process dependent") {
  CHECK(hash_int64(42) == hash_int64(42));
  CHECK(hash_int64(42) != hash_int64(43));
  CHECK(hash_bytes("abc") == hash_bytes(std::string("abc")));
  CHECK(hash_double(0.0) == hash_double(-0.0));
}
