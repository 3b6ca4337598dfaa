// Session windows: merging in src/operators/window_sessions.h, and session
// windows through WindowAggregateOperator on event time (docs/windows.md).
#include <doctest/doctest.h>

#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"
#include "operators/window_sessions.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Rows = std::vector<std::string>;

/// "[start, end) count" per session, count from a count(*) accumulator.
std::vector<std::string> describe(const SessionSet& set) {
  std::vector<std::string> out;
  for (const Session& s : set.sessions)
    out.push_back("[" + std::to_string(s.start) + ", " + std::to_string(s.end) + ") " +
                  std::to_string(s.acc.aggregates[0].count));
  return out;
}

/// Adds a record at `ts` to `set` and counts it in its session.
void add(SessionSet& set, int64_t ts, const AggregateEvaluator& aggs) {
  const size_t i = add_to_sessions(set, ts, 5, aggs);
  ++set.sessions[i].acc.aggregates[0].count;
}

WindowAggregateConfig count_and_sum(int64_t gap, int64_t lateness = 0) {
  return window_config(kInput, {"k"}, "ts", session(gap),
                       {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}}, lateness);
}

}  // namespace

TEST_CASE("a record far from every session opens a new one, kept in start order") {
  AggregateSpec count;
  AggregateEvaluator aggs({count});
  SessionSet set;
  add(set, 10, aggs);
  add(set, 20, aggs);
  add(set, 0, aggs);
  CHECK(describe(set) == Rows{"[0, 5) 1", "[10, 15) 1", "[20, 25) 1"});
}

TEST_CASE("a record overlapping a session extends it") {
  AggregateEvaluator aggs({AggregateSpec{}});
  SessionSet set;
  add(set, 10, aggs);
  add(set, 13, aggs);
  add(set, 8, aggs);
  CHECK(describe(set) == Rows{"[8, 18) 3"});
}

TEST_CASE("a record bridging the gap merges two sessions and their accumulators") {
  AggregateEvaluator aggs({AggregateSpec{}});
  SessionSet set;
  add(set, 10, aggs);
  add(set, 20, aggs);
  add(set, 21, aggs);
  add(set, 40, aggs);
  add(set, 16, aggs);  // [16, 21) overlaps [10, 15)? no; [20, 26)? yes
  CHECK(describe(set) == Rows{"[10, 15) 1", "[16, 26) 3", "[40, 45) 1"});
  add(set, 12, aggs);  // [12, 17) overlaps both [10, 15) and [16, 26)
  CHECK(describe(set) == Rows{"[10, 26) 5", "[40, 45) 1"});
}

TEST_CASE("sessions that touch merge, as Flink's TimeWindow.intersects has it") {
  AggregateEvaluator aggs({AggregateSpec{}});
  SessionSet set;
  add(set, 0, aggs);
  add(set, 11, aggs);
  CHECK(describe(set) == Rows{"[0, 5) 1", "[11, 16) 1"});
  add(set, 6, aggs);  // [6, 11) touches [11, 16) only
  CHECK(describe(set) == Rows{"[0, 5) 1", "[6, 16) 2"});
  add(set, 5, aggs);  // [5, 10) touches [0, 5) and overlaps [6, 16)
  CHECK(describe(set) == Rows{"[0, 16) 4"});
  add(set, 21, aggs);  // [21, 26) starts after [0, 16) ends: apart
  CHECK(describe(set) == Rows{"[0, 16) 4", "[21, 26) 1"});
  add(set, 16, aggs);  // exactly gap after 11: [16, 21) touches both sides
  CHECK(describe(set) == Rows{"[0, 26) 6"});
}

TEST_CASE("a session fires when the watermark reaches its last record plus the gap") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 5}})).is_ok());
  REQUIRE(h.watermark(14).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.watermark(15).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 15 | 2 | 3"});
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("session windows merge when an out-of-order record bridges the gap") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 15}})).is_ok());
  REQUIRE(h.watermark(5).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 4, 8}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());  // [0, 10) no longer exists: merged into [0, 25)
  CHECK(h.rows().empty());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 25 | 3 | 7"});
  CHECK(op.counters().windows_fired == 1);
}

TEST_CASE("a record exactly gap after the last one joins its session") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 10}, {"a", 4, 30}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 8, 20}})).is_ok());  // touches [0, 20) and [30, 40)
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 40 | 4 | 15"});
  // One millisecond more and they stay apart.
  WindowAggregateOperator op2(count_and_sum(10));
  OperatorHarness h2(op2);
  REQUIRE(h2.open().is_ok());
  REQUIRE(h2.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 11}})).is_ok());
  REQUIRE(h2.end_input().is_ok());
  CHECK(h2.rows() == Rows{"a | 0 | 10 | 1 | 1", "a | 11 | 21 | 1 | 2"});
}

TEST_CASE("one batch may open several sessions of a key in any order") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 30}, {"a", 2, 0}, {"a", 3, 5}, {"a", 4, 100}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 15 | 2 | 5", "a | 30 | 40 | 1 | 1", "a | 100 | 110 | 1 | 4"});
}

TEST_CASE("sessions are per key and fire independently") {
  WindowAggregateOperator op(count_and_sum(5));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"b", 2, 3}, {"a", 4, 3}})).is_ok());
  REQUIRE(h.watermark(8).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 8 | 2 | 5", "b | 3 | 8 | 1 | 2"});
}

TEST_CASE("a session that grew fires once at its new end, not at its old one") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 8}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.watermark(18).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 18 | 2 | 2"});
  REQUIRE(h.end_input().is_ok());
  CHECK(op.counters().windows_fired == 1);
}

TEST_CASE("a late session record is dropped: its own session would have fired") {
  WindowAggregateOperator op(count_and_sum(10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.watermark(20).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 10}, {"a", 1, 11}})).is_ok());  // 10 + 10 <= 20
  CHECK(op.counters().late_records == 1);
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 11 | 21 | 1 | 1"});
}

TEST_CASE("a record never joins a session past its lateness; it starts a new one, due at once") {
  WindowAggregateOperator op(count_and_sum(10, /*lateness=*/10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  REQUIRE(h.watermark(20).is_ok());  // [0, 10) fires (10 <= 20) and goes (10 + 10 <= 20)
  CHECK(h.rows() == Rows{"+I | a | 0 | 10 | 1 | 1"});
  // 5 overlaps the session that went but is not late (5 + 10 + 10 > 20); its
  // session [5, 15) ends before the watermark, so it fires at once.
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 5}})).is_ok());
  CHECK(op.counters().late_records == 0);
  CHECK(h.rows() == Rows{"+I | a | 0 | 10 | 1 | 1", "+I | a | 5 | 15 | 1 | 2"});
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"+I | a | 0 | 10 | 1 | 1", "+I | a | 5 | 15 | 1 | 2"});
}
