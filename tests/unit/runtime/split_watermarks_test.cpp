// Unit tests of SplitWatermarks (a source subtask's watermark from its splits)
// and SplitAssignment (which subtask reads which split), both in src/runtime.
#include <doctest/doctest.h>

#include "operators/operator.h"
#include "runtime/split_assignment.h"
#include "runtime/split_watermarks.h"

using namespace eddy;

namespace {

constexpr int64_t kMs = 1000000;  // nanoseconds

Split split_named(const std::string& id) {
  Split s;
  s.id = id;
  return s;
}

std::vector<std::string> ids_of(const std::vector<Split>& splits) {
  std::vector<std::string> out;
  for (const auto& s : splits) out.push_back(s.id);
  return out;
}

}  // namespace

TEST_CASE("a source subtask's watermark is the least over its splits, each its max event time minus the bound") {
  SplitWatermarks w(/*out_of_orderness_ms=*/1000, /*idle_timeout_ns=*/0);
  w.add(0);
  w.add(0);
  w.on_records(0, 50000, 0);
  CHECK_FALSE(w.advance());  // split 1 has no records yet: it holds the watermark back
  w.on_records(1, 20000, 0);
  CHECK(w.advance() == 19000);
  w.on_records(1, 10000, 0);  // an older record does not lower its split's high
  CHECK_FALSE(w.advance());
  w.on_records(1, 30000, 0);
  CHECK(w.advance() == 29000);
  w.on_records(0, 40000, 0);
  CHECK_FALSE(w.advance());  // nothing moved the least
}

TEST_CASE("a finished split no longer holds the watermark back, and the watermark never goes back") {
  SplitWatermarks w(0, 0);
  w.add(0);
  w.add(0);
  w.on_records(0, 100, 0);
  w.on_records(1, 500, 0);
  CHECK(w.advance() == 100);
  w.remove(0);  // split 1 moves to index 0
  CHECK(w.count() == 1);
  CHECK(w.advance() == 500);
  w.add(0);  // a new split behind the others holds the watermark where it is
  w.on_records(1, 200, 0);
  CHECK_FALSE(w.advance());
  w.remove(0);
  CHECK_FALSE(w.advance());  // 200 < 500: it does not go back
  w.on_records(0, 700, 0);
  CHECK(w.advance() == 700);
}

TEST_CASE("an idle split stops holding the watermark back until its next records") {
  SplitWatermarks w(0, /*idle_timeout_ns=*/10 * kMs);
  w.add(0);
  w.add(0);
  w.on_records(0, 1000, 0);
  CHECK_FALSE(w.advance());  // split 1 has nothing yet
  CHECK(w.next_idle_ns() == 10 * kMs);
  CHECK_FALSE(w.on_nothing_read(1, 9 * kMs));  // not for long enough
  CHECK(w.on_nothing_read(1, 10 * kMs));
  CHECK_FALSE(w.on_nothing_read(1, 11 * kMs));  // turns idle once
  CHECK_FALSE(w.all_idle());
  CHECK(w.advance() == 1000);
  w.on_records(1, 400, 12 * kMs);  // active again, behind: it holds the watermark again
  w.on_records(0, 2000, 12 * kMs);
  CHECK_FALSE(w.advance());
  w.on_records(1, 3000, 13 * kMs);
  CHECK(w.advance() == 2000);
  CHECK(w.on_nothing_read(0, 40 * kMs));
  CHECK(w.on_nothing_read(1, 40 * kMs));
  CHECK(w.all_idle());
  CHECK_FALSE(w.advance());  // no live split: nothing moves it
  CHECK(w.next_idle_ns() == INT64_MAX);
}

TEST_CASE("without an idle timeout splits never turn idle, and event times near the bottom of int64 do not wrap") {
  SplitWatermarks w(5000, 0);
  w.add(0);
  CHECK_FALSE(w.on_nothing_read(0, INT64_MAX / 2));
  CHECK(w.next_idle_ns() == INT64_MAX);
  w.on_records(0, kNoWatermark + 10, 0);
  CHECK(w.advance() == kNoWatermark + 1);
  CHECK_FALSE(w.all_idle());
  SplitWatermarks none(0, 0);
  CHECK_FALSE(none.all_idle());  // no split: not idle, it is waiting for one
}

TEST_CASE("splits are dealt round robin in their order, whichever subtask asks first") {
  std::vector<Split> splits;
  for (const char* id : {"a", "b", "c", "d", "e"}) splits.push_back(split_named(id));
  SplitAssignment deal(splits, 2);
  CHECK(deal.next(1)->id == "b");  // subtask 1 asks first: still its own split
  CHECK(deal.next(1)->id == "d");
  CHECK_FALSE(deal.next(1).has_value());
  CHECK(deal.next(0)->id == "a");
  CHECK(ids_of(deal.remaining()) == std::vector<std::string>{"c", "e"});
  CHECK(deal.next(0)->id == "c");
  CHECK(deal.next(0)->id == "e");
  CHECK_FALSE(deal.next(0).has_value());
  CHECK_FALSE(deal.next(2).has_value());  // no such subtask
  CHECK(deal.remaining().empty());
}

TEST_CASE("the splits left deal the same way again at the same parallelism when each subtask has as many") {
  std::vector<Split> splits;
  for (const char* id : {"a", "b", "c", "d", "e", "f", "g"}) splits.push_back(split_named(id));
  SplitAssignment deal(splits, 3);  // 0: a d g   1: b e   2: c f
  CHECK(deal.next(0)->id == "a");
  CHECK(deal.next(1)->id == "b");
  CHECK(deal.next(2)->id == "c");
  CHECK(deal.next(0)->id == "d");
  const auto left = deal.remaining();
  CHECK(ids_of(left) == std::vector<std::string>{"g", "e", "f"});
  SplitAssignment again(left, 3);
  CHECK(again.next(0)->id == "g");
  CHECK(again.next(1)->id == "e");
  CHECK(again.next(2)->id == "f");
}

TEST_CASE("a batch's event-time high skips NULLs") {
  Column times(DataType::kTimestamp);
  times.append_int(5);
  times.append_null();
  times.append_int(9);
  times.append_int(3);
  CHECK(max_event_time(times, 4) == 9);
  CHECK(max_event_time(times, 2) == 5);
  Column nulls(DataType::kTimestamp);
  nulls.append_null();
  CHECK(max_event_time(nulls, 1) == INT64_MIN);
  Column plain(DataType::kTimestamp);
  plain.append_int(-7);
  CHECK(max_event_time(plain, 1) == -7);
}
