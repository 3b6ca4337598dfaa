// Window arithmetic (src/operators/window_assigner.h) against docs/windows.md.
#include <doctest/doctest.h>

#include <initializer_list>

#include "operators/window_assigner.h"

using namespace eddy;

TEST_CASE("floor division rounds toward negative infinity") {
  CHECK(floor_div(7, 5) == 1);
  CHECK(floor_div(-1, 5) == -1);
  CHECK(floor_div(-5, 5) == -1);
  CHECK(floor_div(-6, 5) == -2);
  CHECK(floor_to(-1, 10) == -10);
  CHECK(floor_to(0, 10) == 0);
  CHECK(floor_to(-10, 10) == -10);
}

TEST_CASE("tumbling windows are their own slices, epoch-aligned also before 1970") {
  SliceAssigner a(10, 10);
  CHECK(a.slice() == 10);
  CHECK(a.slices_per_window() == 1);
  CHECK(a.slice_end(0) == 10);
  CHECK(a.slice_end(9) == 10);
  CHECK(a.slice_end(10) == 20);
  CHECK(a.slice_end(-1) == 0);
  CHECK(a.slice_end(-10) == 0);
  CHECK(a.slice_end(-11) == -10);
  CHECK(a.last_window_end(-1) == 0);
  CHECK(a.first_window_end_of_slice(0) == 0);
  CHECK(a.last_window_end_of_slice(0) == 0);
  CHECK(a.window_start(20) == 10);
}

TEST_CASE("sliding windows are cut into slices of gcd(size, slide)") {
  SliceAssigner a(10, 4);
  CHECK(a.slice() == 2);
  CHECK(a.slices_per_window() == 5);
  // 7 lies in [0, 10) and [4, 14): starts are multiples of 4 with start <= 7 < start + 10.
  CHECK(a.slice_end(7) == 8);
  CHECK(a.first_window_end_of_slice(8) == 10);
  CHECK(a.last_window_end_of_slice(8) == 14);
  CHECK(a.last_window_end(7) == 14);
  // The window ending at 14 is [4, 14): slices ending 6, 8, 10, 12, 14.
  CHECK(a.window_start(14) == 4);
  CHECK(a.first_slice_end(14) == 6);
  // Negative times: -3 lies in [-12, -2), [-8, 2) and [-4, 6).
  CHECK(a.slice_end(-3) == -2);
  CHECK(a.first_window_end_of_slice(-2) == -2);
  CHECK(a.last_window_end(-3) == 6);
}

TEST_CASE("the last window of a time ends at floor(t / slide) * slide + size") {
  SliceAssigner a(10, 5);
  CHECK(a.last_window_end(0) == 10);
  CHECK(a.last_window_end(4) == 10);
  CHECK(a.last_window_end(5) == 15);
  CHECK(a.last_window_end(-1) == 5);
}

TEST_CASE("the first window end after a time is the next start plus size") {
  SliceAssigner a(10, 5);
  CHECK(a.first_window_end_after(9) == 10);
  CHECK(a.first_window_end_after(10) == 15);
  CHECK(a.first_window_end_after(-1) == 0);
  CHECK(a.first_window_end_after(-100) == -95);
}

TEST_CASE("saturating addition clamps at the ends of int64") {
  CHECK(saturating_add(INT64_MAX, 1) == INT64_MAX);
  CHECK(saturating_add(INT64_MIN, -1) == INT64_MIN);
  CHECK(saturating_add(5, -7) == -2);
}

TEST_CASE("cumulating windows grow by their step from a start that is a multiple of their size") {
  const SliceAssigner a = SliceAssigner::cumulating(30, 10);
  CHECK(a.cumulating());
  CHECK(a.slice() == 10);
  CHECK(a.slide() == 10);
  CHECK(a.slices_per_window() == 3);
  // 12 lies in [0, 20) and [0, 30), not in [0, 10); the cycle [30, 60) starts afresh.
  CHECK(a.slice_end(12) == 20);
  CHECK(a.first_window_end_of_slice(20) == 20);
  CHECK(a.last_window_end_of_slice(20) == 30);
  CHECK(a.last_window_end(12) == 30);
  CHECK(a.last_window_end(30) == 60);
  // Every multiple of the step ends one window: [0, 10), [0, 20), [0, 30), [30, 40), ...
  CHECK(a.window_start(10) == 0);
  CHECK(a.window_start(20) == 0);
  CHECK(a.window_start(30) == 0);
  CHECK(a.window_start(40) == 30);
  CHECK(a.first_slice_end(30) == 10);
  CHECK(a.first_slice_end(40) == 40);
  CHECK(a.first_window_end_after(9) == 10);
  CHECK(a.first_window_end_after(10) == 20);
  CHECK(a.first_window_end_after(30) == 40);
}

TEST_CASE("cumulating windows before 1970 start at multiples of their size too") {
  const SliceAssigner a = SliceAssigner::cumulating(30, 10);
  // The cycle [-30, 0) has windows ending -20, -10 and 0; -5 lies in the last only.
  CHECK(a.slice_end(-5) == 0);
  CHECK(a.first_window_end_of_slice(0) == 0);
  CHECK(a.last_window_end(-5) == 0);
  CHECK(a.window_start(0) == -30);
  CHECK(a.window_start(-20) == -30);
  CHECK(a.last_window_end(-31) == -30);
  CHECK(a.window_start(-30) == -60);
}

TEST_CASE("a slice is done once the last window of its cycle (its window, when sliding) has ended") {
  const SliceAssigner cumulate = SliceAssigner::cumulating(30, 10);
  // Windows ending 10 and 20 leave the cycle [0, 30) open; 30 closes it.
  CHECK(cumulate.last_slice_done_by(10) == 0);
  CHECK(cumulate.last_slice_done_by(20) == 0);
  CHECK(cumulate.last_slice_done_by(30) == 30);
  CHECK(cumulate.last_slice_done_by(40) == 30);
  const SliceAssigner sliding(10, 4);
  // [4, 14) is the last window of the slice ending at 8: slices through 8 are done.
  CHECK(sliding.last_slice_done_by(14) == 8);
  CHECK(sliding.last_window_end_of_slice(8) == 14);
  CHECK(sliding.last_window_end_of_slice(10) == 18);
}

TEST_CASE("every window end between a slice's first and last holds the slice") {
  for (const SliceAssigner& a : {SliceAssigner::cumulating(40, 8), SliceAssigner(12, 4), SliceAssigner(9, 6)}) {
    for (int64_t s = -48; s <= 48; s += a.slice()) {
      for (int64_t end = a.first_window_end_of_slice(s); end <= a.last_window_end_of_slice(s); end += a.slide()) {
        CAPTURE(s);
        CAPTURE(end);
        CHECK(a.first_slice_end(end) <= s);
        CHECK(s <= end);
      }
      // The windows just outside do not hold it.
      const int64_t before = a.first_window_end_of_slice(s) - a.slide();
      const int64_t after = a.last_window_end_of_slice(s) + a.slide();
      CHECK(before < s);
      CHECK(a.first_slice_end(after) > s);
    }
  }
}
