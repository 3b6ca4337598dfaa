// WindowAggregateOperator with cumulating windows (Flink's CUMULATE): windows
// from a start that is a multiple of the size, growing by the step, each
// fired when the watermark (or the clock) passes its end (docs/windows.md).
#include <doctest/doctest.h>

#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Rows = std::vector<std::string>;

/// count(*) and sum(v) per k, on event time (`ts`) or processing time ("").
WindowAggregateConfig counts(WindowSpec w, const std::string& time = "ts", int64_t lateness = 0) {
  return window_config(kInput, {"k"}, time, w, {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}}, lateness);
}

}  // namespace

TEST_CASE("each cumulating window holds every record of its cycle so far, and fires at its end") {
  WindowAggregateOperator op(counts(cumulate(30, 10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 3}, {"a", 2, 25}, {"b", 4, 12}, {"a", 8, 31}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1"});
  h.clear_output();
  // [0, 20): b joins; a's window grows although a had no record in [10, 20).
  REQUIRE(h.watermark(20).is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 20 | 1 | 1", "b | 0 | 20 | 1 | 4"});
  h.clear_output();
  REQUIRE(h.watermark(40).is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 30 | 2 | 3", "a | 30 | 40 | 1 | 8", "b | 0 | 30 | 1 | 4"});
  // The cycle [0, 30) is over: only a's slice of [30, 40) stays.
  CHECK(op.counters().keys_in_state == 1);
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 30 | 50 | 1 | 8", "a | 30 | 60 | 1 | 8"});
  CHECK(op.counters().windows_fired == 8);
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("a watermark that jumps fires a key's due cumulating windows in end order") {
  WindowAggregateOperator op(counts(cumulate(20, 5)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 6}, {"a", 2, 17}, {"a", 4, 21}})).is_ok());
  REQUIRE(h.watermark(25).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1", "a | 0 | 15 | 1 | 1", "a | 0 | 20 | 2 | 3",
                         "a | 20 | 25 | 1 | 4"});
}

TEST_CASE("a record is late once the last window of its cycle is due") {
  WindowAggregateOperator op(counts(cumulate(30, 10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 25}})).is_ok());
  REQUIRE(h.watermark(20).is_ok());
  // Time 5 is in windows ending 10, 20 (fired) and 30 (open): not late, and
  // it counts in the open one only.
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 5}})).is_ok());
  CHECK(op.counters().late_records == 0);
  REQUIRE(h.watermark(30).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 30 | 2 | 3"});
  REQUIRE(h.push(batch_of(kInput, {{"a", 4, 29}})).is_ok());
  CHECK(op.counters().late_records == 1);
}

TEST_CASE("with allowed lateness a record updates the fired cumulating windows that hold it") {
  WindowAggregateOperator op(counts(cumulate(30, 10), "ts", 10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}})).is_ok());
  REQUIRE(h.watermark(20).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 0 | 10 | 1 | 1", "+I | a | 0 | 20 | 1 | 1"});
  h.clear_output();
  // 15 is in [0, 20) (fired: -U/+U) and [0, 30) (open: it just takes it).
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 15}})).is_ok());
  CHECK(h.rows() == Rows{"-U | a | 0 | 20 | 1 | 1", "+U | a | 0 | 20 | 2 | 3"});
  h.clear_output();
  REQUIRE(h.watermark(30).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 0 | 30 | 2 | 3"});
}

TEST_CASE("processing-time cumulating windows fire by timer at each window end") {
  WindowAggregateOperator op(counts(cumulate(100, 50), ""));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 1020;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, nullptr}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{1050, 1100});
  REQUIRE(h.advance_time(1050).is_ok());
  CHECK(h.rows() == Rows{"a | 1000 | 1050 | 1 | 1"});
  h.timers.now = 1070;
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, nullptr}})).is_ok());
  REQUIRE(h.advance_time(1100).is_ok());
  CHECK(h.rows() == Rows{"a | 1000 | 1050 | 1 | 1", "a | 1000 | 1100 | 2 | 3"});
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("a cumulating window's size must be a multiple of its step") {
  CHECK(WindowAggregateOperator::validate(counts(cumulate(30, 10))).is_ok());
  CHECK(WindowAggregateOperator::validate(counts(cumulate(10, 10))).is_ok());
  const Status off_grid = WindowAggregateOperator::validate(counts(cumulate(25, 10)));
  CHECK(off_grid.message().find("must be a multiple of its step") != std::string::npos);
  CHECK_FALSE(WindowAggregateOperator::validate(counts(cumulate(30, 0))).is_ok());
  const Status steps = WindowAggregateOperator::validate(counts(cumulate(86400000, 1000)));
  CHECK(steps.message().find("spans 86400 slices") != std::string::npos);
}
