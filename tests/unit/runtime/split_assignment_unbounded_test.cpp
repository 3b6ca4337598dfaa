// Unit tests for SplitAssignment with splits read together and added later
// (src/runtime/split_assignment.h): the kafka source's partitions, dealt to
// their owner, all handed out at once, and partitions found after the start.
#include <doctest/doctest.h>

#include "connectors/kafka_source.h"
#include "runtime/split_assignment.h"

using namespace eddy;

TEST_CASE("splits added to their owners are taken all at once") {
  SplitAssignment a(3);
  for (int32_t p = 0; p < 8; ++p) a.add(kafka_split("t", p, 0, INT64_MAX), p % 3);
  auto zero = a.take_all(0);
  REQUIRE(zero.size() == 3);
  CHECK(zero[0].index == 0);
  CHECK(zero[1].index == 3);
  CHECK(zero[2].index == 6);
  CHECK(a.take_all(0).empty());
  CHECK(a.take_all(2).size() == 2);
  CHECK(a.remaining().size() == 3);  // subtask 1's, not taken yet: kept in checkpoints
}

TEST_CASE("a subtask without a partition gets none, and a partition added later goes to its owner") {
  SplitAssignment a(4);  // parallelism 4, two partitions
  a.add(kafka_split("t", 0, 0, INT64_MAX), 0);
  a.add(kafka_split("t", 1, 0, INT64_MAX), 1);
  CHECK(a.take_all(3).empty());
  a.add(kafka_split("t", 3, 0, INT64_MAX), 3);  // discovered
  auto later = a.take_all(3);
  REQUIRE(later.size() == 1);
  CHECK(later[0].id == "t/3");
}

TEST_CASE("subtask numbers beyond the parallelism wrap instead of failing") {
  SplitAssignment a(2);
  a.add(kafka_split("t", 5, 0, INT64_MAX), 5);
  CHECK(a.take_all(1).size() == 1);
}
