// Unit tests of WatermarkTracker (src/runtime): merging watermarks of input
// channels, idle channels, ended channels (docs/windows.md, Watermarks).
#include <doctest/doctest.h>

#include "runtime/watermark_tracker.h"

using namespace eddy;

TEST_CASE("the input watermark is the minimum over the channels and only advances") {
  WatermarkTracker t(3);
  CHECK_FALSE(t.on_watermark(0, 100));  // channels 1 and 2 have none yet
  CHECK_FALSE(t.on_watermark(1, 50));
  CHECK(t.on_watermark(2, 70) == std::optional<int64_t>(50));
  CHECK(t.on_watermark(1, 90) == std::optional<int64_t>(70));
  CHECK_FALSE(t.on_watermark(1, 60));  // a channel going backwards changes nothing
  CHECK(t.current() == 70);
  CHECK(t.on_watermark(2, 200) == std::optional<int64_t>(90));
}

TEST_CASE("an idle channel does not hold the watermark back") {
  WatermarkTracker t(2);
  CHECK_FALSE(t.on_watermark(0, 100));
  CHECK(t.on_idle(1, true) == std::optional<int64_t>(100));
  CHECK(t.on_watermark(0, 150) == std::optional<int64_t>(150));
  CHECK_FALSE(t.all_idle());
}

TEST_CASE("a channel that becomes active again holds the watermark until it catches up") {
  WatermarkTracker t(2);
  t.on_watermark(0, 100);
  t.on_idle(1, true);
  CHECK(t.current() == 100);
  CHECK_FALSE(t.on_idle(1, false));          // active, with no watermark yet
  CHECK_FALSE(t.on_watermark(0, 300));       // held by channel 1
  CHECK_FALSE(t.on_watermark(1, 80));        // behind: the output never goes back
  CHECK(t.current() == 100);
  CHECK(t.on_watermark(1, 250) == std::optional<int64_t>(250));
}

TEST_CASE("all channels idle makes the subtask idle, and nothing advances") {
  WatermarkTracker t(2);
  t.on_watermark(0, 10);
  t.on_watermark(1, 20);
  CHECK(t.on_idle(0, true) == std::optional<int64_t>(20));  // only channel 1 counts now
  CHECK_FALSE(t.all_idle());
  CHECK_FALSE(t.on_idle(1, true));
  CHECK(t.all_idle());
  CHECK(t.current() == 20);
}

TEST_CASE("an ended channel no longer counts") {
  WatermarkTracker t(2);
  t.on_watermark(0, 500);
  t.on_watermark(1, 40);
  CHECK(t.current() == 40);
  CHECK(t.on_finished(1) == std::optional<int64_t>(500));
  CHECK_FALSE(t.all_idle());
  t.on_idle(0, true);
  CHECK(t.all_idle());
}
