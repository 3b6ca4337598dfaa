// Unit tests of SubtaskActivity: the busy / backpressured / idle time split.
#include <doctest/doctest.h>

#include <string>

#include "runtime/subtask_activity.h"

using namespace eddy;

TEST_CASE("a subtask's time splits into busy, backpressured and idle by what it was doing") {
  SubtaskActivity a;
  a.enter(Activity::kIdle, 1000);
  a.enter(Activity::kProcessing, 1100);       // 100 idle
  a.enter(Activity::kBackpressured, 1400, 1, 3);  // 300 busy
  CHECK(a.current() == Activity::kBackpressured);
  CHECK(a.edge() == 1);
  CHECK(a.channel() == 3);
  a.enter(Activity::kFiringTimers, 1450);     // 50 backpressured
  a.enter(Activity::kSnapshotting, 1500, -1, -1, 7);  // 50 busy
  CHECK(a.aux() == 7);
  a.enter(Activity::kIdle, 1600);             // 100 busy
  CHECK(a.busy_ns(1700) == 450);
  CHECK(a.backpressured_ns(1700) == 50);
  CHECK(a.idle_ns(1700) == 200);  // 100 closed, 100 running
  CHECK(a.busy_ns(1700) + a.backpressured_ns(1700) + a.idle_ns(1700) == 700);
}

TEST_CASE("time spent waiting for the last barriers of an alignment counts as idle") {
  SubtaskActivity a;
  a.enter(Activity::kProcessing, 0);
  a.enter(Activity::kAligning, 10, -1, -1, 5);
  CHECK(a.current() == Activity::kAligning);
  CHECK(a.since_ns() == 10);
  CHECK(a.idle_ns(30) == 20);
  a.enter(Activity::kProcessing, 40);
  CHECK(a.idle_ns(50) == 30);
  CHECK(a.busy_ns(50) == 20);
}

TEST_CASE("nothing is counted before the first activity") {
  SubtaskActivity a;
  CHECK(a.current() == Activity::kIdle);
  CHECK(a.idle_ns(5000) == 0);
  a.enter(Activity::kProcessing, 4000);
  CHECK(a.busy_ns(5000) == 1000);
  CHECK(a.idle_ns(5000) == 0);
  CHECK(std::string(activity_name(Activity::kFiringTimers)) == "firing timers");
  CHECK(std::string(activity_name(a.current())) == "processing");
}
