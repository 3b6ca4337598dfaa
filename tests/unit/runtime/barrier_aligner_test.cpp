// Unit tests of BarrierAligner (src/runtime): which channels a barrier blocks,
// when the alignment completes, a newer barrier overtaking, and channels that
// end during an alignment, over the channels of two inputs, in every order.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "runtime/barrier_aligner.h"

using namespace eddy;

TEST_CASE("an alignment completes when the last channel delivers the barrier") {
  BarrierAligner a(3);
  auto s = a.on_barrier(0, 5);
  CHECK(s.started);
  CHECK(s.block);
  CHECK_FALSE(s.aligned);
  CHECK(a.blocked(0));
  CHECK(a.aligning() == 5);
  s = a.on_barrier(2, 5);
  CHECK_FALSE(s.started);
  CHECK(s.block);
  CHECK_FALSE(s.aligned);
  s = a.on_barrier(1, 5);
  REQUIRE(s.aligned);
  CHECK(*s.aligned == 5);
  CHECK(a.release() == std::vector<int>{0, 1, 2});
  CHECK(a.aligning() == 0);
  CHECK_FALSE(a.blocked(0));
}

TEST_CASE("a savepoint barrier aligns like a checkpoint and keeps its sign") {
  BarrierAligner a(2);
  a.on_barrier(1, -4);
  auto s = a.on_barrier(0, -4);
  REQUIRE(s.aligned);
  CHECK(*s.aligned == -4);
  a.release();
  CHECK_FALSE(a.on_barrier(0, 3).started);  // older than savepoint 4: stale
  CHECK(a.on_barrier(0, 5).started);
}

TEST_CASE("a newer barrier overtakes the alignment and releases its channels") {
  BarrierAligner a(3);
  a.on_barrier(0, 1);
  a.on_barrier(1, 1);
  auto s = a.on_barrier(2, 2);
  CHECK(s.released == std::vector<int>{0, 1});
  CHECK(s.started);
  CHECK(s.block);
  CHECK(a.aligning() == 2);
  CHECK_FALSE(a.blocked(0));
  // The abandoned barrier's stragglers change nothing.
  s = a.on_barrier(0, 1);
  CHECK_FALSE(s.block);
  CHECK(s.released.empty());
  CHECK_FALSE(a.blocked(0));
  a.on_barrier(0, 2);
  s = a.on_barrier(1, 2);
  REQUIRE(s.aligned);
  CHECK(*s.aligned == 2);
}

TEST_CASE("barriers of a completed checkpoint or one a source injected are ignored") {
  BarrierAligner a(1);
  REQUIRE(a.on_barrier(0, 1).aligned);
  a.release();
  auto s = a.on_barrier(0, 1);
  CHECK_FALSE(s.started);
  CHECK_FALSE(s.block);
  a.on_triggered(7);
  CHECK_FALSE(a.on_barrier(0, 6).started);
  CHECK(a.on_barrier(0, 8).aligned);
}

TEST_CASE("an ended channel counts as aligned, also when it ends first") {
  BarrierAligner a(2);
  CHECK_FALSE(a.on_end_of_input(1));  // nothing being aligned
  auto s = a.on_barrier(0, 3);
  REQUIRE(s.aligned);  // channel 1 ended before: the barrier is everywhere
  CHECK(*s.aligned == 3);
}

namespace {

/// Channels 0..3: 0 and 1 of the left input, 2 and 3 of the right. Each
/// delivers either barrier 1 or its end of input (`ends`), in the order
/// `order`; the alignment must complete exactly at the last of them.
void check_order(const std::vector<int>& order, const std::set<int>& ends) {
  BarrierAligner a(4);
  int completions = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const int c = order[i];
    std::optional<int64_t> aligned;
    if (ends.count(c) > 0) {
      aligned = a.on_end_of_input(c);
      CHECK_FALSE(a.blocked(c));
    } else {
      auto s = a.on_barrier(c, 1);
      CHECK(s.released.empty());
      CHECK(s.block);
      aligned = s.aligned;
    }
    const bool last = i + 1 == order.size();
    const bool any_barrier_yet = std::any_of(order.begin(), order.begin() + static_cast<long>(i) + 1,
                                             [&](int ch) { return ends.count(ch) == 0; });
    // Only the last message completes it, and only once a barrier began it.
    CHECK(aligned.has_value() == (last && any_barrier_yet));
    if (aligned) {
      CHECK(*aligned == 1);
      ++completions;
      std::vector<int> expected;
      for (int ch = 0; ch < 4; ++ch)
        if (ends.count(ch) == 0) expected.push_back(ch);
      CHECK(a.release() == expected);
    }
  }
  CHECK(completions == (ends.size() < 4 ? 1 : 0));
}

}  // namespace

TEST_CASE("barriers and ends of input of both inputs complete the alignment once, in every order") {
  for (int mask = 0; mask < 16; ++mask) {
    std::set<int> ends;
    for (int c = 0; c < 4; ++c)
      if ((mask >> c) & 1) ends.insert(c);
    std::vector<int> order(4);
    std::iota(order.begin(), order.end(), 0);
    do {
      CAPTURE(mask);
      check_order(order, ends);
    } while (std::next_permutation(order.begin(), order.end()));
  }
}
