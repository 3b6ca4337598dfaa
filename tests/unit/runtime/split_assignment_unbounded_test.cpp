// Unit tests for SplitAssignment with splits read together and added later
// (src/runtime/split_assignment.h): the kafka source's partitions, dealt to
// their owner, all handed out at once, and partitions found after the start.
#include <doctest/doctest.h>

#include "connectors/kafka_source.h"
#include "runtime/split_assignment.h"
#include "runtime/split_dealer.h"

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

// -- SplitDealer (src/runtime/split_dealer.h): the source coordinator's logic ---------

namespace {
SplitReading kafka_reading(bool unbounded) {
  SplitReading r;
  r.together = true;
  r.unbounded = unbounded;
  r.discovery_interval_ms = unbounded ? 1000 : 0;
  return r;
}
int32_t by_partition(const Split& s, int32_t p) { return s.index % p; }
std::vector<Split> partitions(const std::string& topic, int32_t n) {
  std::vector<Split> out;
  for (int32_t p = 0; p < n; ++p) out.push_back(kafka_split(topic, p, 0, INT64_MAX));
  return out;
}
}  // namespace

TEST_CASE("a dealer hands file-like splits out one at a time, round robin, and ends a subtask without any") {
  SplitDealer d(SplitReading{}, 2, nullptr);
  std::vector<Split> files;
  for (int i = 0; i < 3; ++i) {
    Split s;
    s.id = "f" + std::to_string(i);
    files.push_back(s);
  }
  d.start(files);
  auto a = d.request(0);
  REQUIRE(a.splits.size() == 1);
  CHECK(a.splits[0].id == "f0");
  CHECK(d.request(1).splits[0].id == "f1");
  CHECK(d.request(0).splits[0].id == "f2");
  auto none = d.request(1);
  CHECK(none.splits.empty());
  CHECK_FALSE(none.wait);  // bounded: the subtask ends its input
}

TEST_CASE("a dealer hands a kafka subtask all its partitions at once; one without partitions waits") {
  SplitDealer d(kafka_reading(true), 4, by_partition);
  d.start(partitions("t", 2));  // parallelism 4 > 2 partitions
  auto zero = d.request(0);
  REQUIRE(zero.splits.size() == 1);
  CHECK(zero.splits[0].id == "t/0");
  auto three = d.request(3);
  CHECK(three.splits.empty());
  CHECK(three.wait);  // unbounded: it stays, idle, for partitions found later
  SplitDealer b(kafka_reading(false), 4, by_partition);
  b.start(partitions("t", 2));
  CHECK_FALSE(b.request(3).wait);  // bounded (scan.bounded.mode): it ends
}

TEST_CASE("partitions found later go at once to an owner that reads, and wait for one that has not asked") {
  SplitDealer d(kafka_reading(true), 4, by_partition);
  d.start(partitions("t", 2));
  d.request(0);
  d.request(1);
  d.request(3);  // waiting
  std::vector<Split> found = partitions("t", 6);  // t/0, t/1 known; t/2..t/5 new
  auto now = d.discovered(found);
  REQUIRE(now.size() == 3);  // t/3 -> 3, t/4 -> 0, t/5 -> 1; t/2's owner 2 has not asked
  CHECK(now[0].first == 3);
  CHECK(now[0].second.id == "t/3");
  CHECK(now[1].first == 0);
  CHECK(now[2].first == 1);
  auto later = d.request(2);
  REQUIRE(later.splits.size() == 1);
  CHECK(later.splits[0].id == "t/2");
  CHECK(d.discovered(partitions("t", 6)).empty());  // nothing new the second time
  CHECK(d.known().size() == 6);
}

TEST_CASE("a checkpoint keeps what is not handed out, and a restore deals resumed partitions to their owners") {
  SplitDealer d(kafka_reading(true), 2, by_partition);
  d.start(partitions("t", 4));
  d.request(0);  // takes t/0 and t/2
  auto left = d.unassigned();
  REQUIRE(left.size() == 2);  // t/1 and t/3, for subtask 1
  // Restored at parallelism 3: resumed t/0 (offset 5) and t/2, plus the two never handed out.
  std::vector<Split> resumed = {kafka_split("t", 0, 5, INT64_MAX), kafka_split("t", 2, 9, INT64_MAX)};
  SplitDealer r(kafka_reading(true), 3, by_partition);
  r.restore(resumed, left);
  auto zero = r.request(0);  // t/0 (resumed at 5) and t/3 (never read)
  REQUIRE(zero.splits.size() == 2);
  CHECK(zero.splits[0].id == "t/0");
  CHECK(zero.splits[0].position == 5);
  CHECK(zero.splits[1].id == "t/3");
  CHECK(r.request(1).splits[0].id == "t/1");
  CHECK(r.request(2).splits[0].position == 9);
  CHECK(r.unassigned().empty());
  CHECK(r.discovered(partitions("t", 4)).empty());  // restored ones are known
}
