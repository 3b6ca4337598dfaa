// Unit tests for TimestampTextCache (src/connectors/timestamp_text_cache.h):
// its fast path for a repeated date agrees with parse_timestamp_ms everywhere.
#include <doctest/doctest.h>

#include <string>

#include "connectors/timestamp_text_cache.h"

using namespace eddy;

namespace {

// Parses `s` with a cache warmed on `warm` and checks it against parse_timestamp_ms.
void check_agrees(TimestampTextCache& cache, const std::string& s) {
  int64_t ms = 0;
  auto expected = parse_timestamp_ms(s);
  CHECK_MESSAGE(cache.parse(s, ms) == expected.ok(), s);
  if (expected.ok()) CHECK_MESSAGE(ms == *expected, s);
}

}  // namespace

TEST_CASE("timestamps of a cached date read the same as parse_timestamp_ms") {
  TimestampTextCache cache;
  for (const char* s :
       {"2024-01-01 00:00:00.000", "2024-01-01 23:59:59.999", "2024-01-01 12:34:56.789",
        "2024-01-01 24:00:00.000", "2024-01-01 12:60:00.000", "2024-01-01 12:00:60.000",
        "2024-01-01 1a:00:00.000", "2024-01-01 12:00:00.0x0", "2024-01-01 12:00:00,000",
        "2024-01-01T12:00:00.000", "2024-01-01 12:00:00.5", "2024-01-01 12:00:00.12345",
        "2024-01-02 00:00:00.001", "2024-01-01 00:00:00.002", "1969-12-31 23:59:59.999",
        "1969-12-31 00:00:00.000", "2024-02-30 00:00:00.000", "2024-02-29 10:00:00.000",
        "1436918400000", "-5", "yesterday", ""})
    check_agrees(cache, s);
}

TEST_CASE("a date that fails to parse is never cached") {
  TimestampTextCache cache;
  int64_t ms = 0;
  CHECK_FALSE(cache.parse("2023-02-29 00:00:00.000", ms));
  CHECK_FALSE(cache.parse("2023-02-29 00:00:00.001", ms));
  CHECK(cache.parse("2023-02-28 00:00:00.001", ms));
  CHECK(ms == *parse_timestamp_ms("2023-02-28 00:00:00.001"));
}
