// Unit tests of next_checkpoint_wait: the interval runs between triggers.
#include <doctest/doctest.h>

#include "checkpoint/checkpoint_interval.h"

using namespace eddy;
using namespace std::chrono;

TEST_CASE("the first periodic checkpoint waits a whole interval") {
  const auto now = steady_clock::now();
  CHECK(next_checkpoint_wait(std::nullopt, now, seconds(10)) == seconds(10));
}

TEST_CASE("the next checkpoint is due an interval after the last trigger, not after its end") {
  const auto t0 = steady_clock::now();
  // The last one took 3 s: 7 s are left of the interval.
  CHECK(next_checkpoint_wait(t0, t0 + seconds(3), seconds(10)) == seconds(7));
  // Exactly on time, and late: trigger at once.
  CHECK(next_checkpoint_wait(t0, t0 + seconds(10), seconds(10)) == microseconds::zero());
  CHECK(next_checkpoint_wait(t0, t0 + seconds(14), seconds(10)) == microseconds::zero());
}
