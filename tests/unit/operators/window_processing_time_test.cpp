// WindowAggregateOperator on processing time (docs/windows.md): a record's
// time is the clock when it arrives; windows fire by the host's timers, driven
// here by the harness's fake clock.
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

WindowAggregateConfig processing_time(WindowSpec w) {
  return window_config(kInput, {"k"}, "", w, {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}});
}

}  // namespace

TEST_CASE("processing-time windows take the clock as the record's time and fire by timer") {
  WindowAggregateOperator op(processing_time(tumbling(100)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 1050;
  // The ts column is ignored on processing time: even NULL is fine.
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, nullptr}, {"b", 2, 0}})).is_ok());
  h.timers.now = 1099;
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 5000}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{1100});  // one timer per window end
  REQUIRE(h.advance_time(1099).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.advance_time(1100).is_ok());
  CHECK(h.rows() == Rows{"a | 1000 | 1100 | 2 | 4", "b | 1000 | 1100 | 1 | 2"});
  CHECK(op.counters().skipped_records == 0);
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("watermarks do not fire processing-time windows, but the end of input does") {
  WindowAggregateOperator op(processing_time(sliding(100, 50)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 120;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  REQUIRE(h.watermark(1000000).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 50 | 150 | 1 | 1", "a | 100 | 200 | 1 | 1"});
}

TEST_CASE("processing-time sliding windows fire one after another as the clock moves") {
  WindowAggregateOperator op(processing_time(sliding(100, 50)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 120;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  h.timers.now = 160;
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 0}})).is_ok());
  REQUIRE(h.advance_time(150).is_ok());
  CHECK(h.rows() == Rows{"a | 50 | 150 | 1 | 1"});
  REQUIRE(h.advance_time(200).is_ok());
  CHECK(h.rows() == Rows{"a | 50 | 150 | 1 | 1", "a | 100 | 200 | 2 | 3"});
  REQUIRE(h.advance_time(260).is_ok());
  CHECK(h.rows() == Rows{"a | 50 | 150 | 1 | 1", "a | 100 | 200 | 2 | 3", "a | 150 | 250 | 1 | 2"});
  REQUIRE(h.end_input().is_ok());
  CHECK(op.counters().windows_fired == 3);
}

TEST_CASE("processing-time sessions close after gap without records") {
  WindowAggregateOperator op(processing_time(session(30)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 0;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  REQUIRE(h.advance_time(20).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 0}})).is_ok());
  REQUIRE(h.advance_time(30).is_ok());  // the session grew to [0, 50)
  CHECK(h.rows().empty());
  REQUIRE(h.advance_time(50).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 50 | 2 | 3"});
}

TEST_CASE("finish fires processing-time windows whose timers have not come") {
  WindowAggregateOperator op(processing_time(tumbling(1000)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 10;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  REQUIRE(h.finish_only().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 1000 | 1 | 1"});
}

TEST_CASE("a processing-time window needs the host's timer service") {
  WindowAggregateOperator op(processing_time(tumbling(1000)));
  OperatorContext ctx;  // timers stays null: not hosted by a TaskRunner
  CHECK(op.open(ctx).code() == StatusCode::kInvalidArgument);
}
