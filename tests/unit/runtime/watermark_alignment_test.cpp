// Unit tests for watermark alignment (src/runtime/watermark_alignment.h).
#include <doctest/doctest.h>

#include <cstdint>

#include "runtime/watermark_alignment.h"

using namespace eddy;

TEST_CASE("the limit is the slowest active subtask's watermark plus the drift") {
  WatermarkAlignment a(3, 1000);
  CHECK(a.limit() == INT64_MAX);  // nobody has a watermark yet: nothing to align with
  CHECK(a.report(0, 5000, true));
  CHECK(a.limit() == 6000);
  CHECK(a.report(1, 2000, true));
  CHECK(a.limit() == 3000);
  CHECK_FALSE(a.report(2, INT64_MIN, true));  // active without a watermark holds no one back
  CHECK(a.limit() == 3000);
  CHECK(a.report(1, 4500, true));
  CHECK(a.limit() == 5500);
  CHECK(a.report(1, 7000, true));
  CHECK(a.limit() == 6000);  // now subtask 0 is the slowest
}

TEST_CASE("an idle or finished subtask no longer holds the others back") {
  WatermarkAlignment a(2, 500);
  a.report(0, 10000, true);
  a.report(1, 100, true);
  CHECK(a.limit() == 600);
  CHECK(a.report(1, 100, false));
  CHECK(a.limit() == 10500);
  CHECK(a.report(0, 12000, false));
  CHECK(a.limit() == INT64_MAX);  // all idle: no limit
  CHECK(a.report(1, 100, true));  // active again, still behind: holds the other back again
  CHECK(a.limit() == 600);
}

TEST_CASE("watermarks never go back and out-of-range subtasks are ignored") {
  WatermarkAlignment a(2, 0);
  a.report(0, 700, true);
  a.report(0, 300, true);
  CHECK(a.limit() == 700);
  CHECK_FALSE(a.report(2, 1, true));
  CHECK_FALSE(a.report(-1, 1, true));
  CHECK(a.limit() == 700);
}

TEST_CASE("a limit near the end of time does not wrap") {
  WatermarkAlignment a(1, 1000);
  a.report(0, INT64_MAX - 10, true);
  CHECK(a.limit() == INT64_MAX);
}
