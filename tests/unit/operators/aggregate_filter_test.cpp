// FILTER (WHERE ...) on window aggregates: tumbling windows (rows added per
// slice) and sessions (rows added one at a time) count only the rows where
// the condition is TRUE, and a condition that fails on a row names the
// aggregate, the condition and the row.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "expr/expression.h"
#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

using Rows = std::vector<std::string>;

const SchemaPtr kBids =
    schema_of({{"k", DataType::kString}, {"price", DataType::kInt64}, {"ts", DataType::kTimestamp}});

/// window_config with a FILTER on aggregate `index`.
WindowAggregateConfig with_filter(WindowAggregateConfig c, size_t index, const std::string& condition) {
  auto cond = compile_expression(condition, *c.input_schema);
  REQUIRE(cond.ok());
  c.aggregates[index].filter = *cond;
  c.aggregates[index].filter_sql = condition;
  return c;
}

const std::vector<Call> kCalls = {{"all", F::kCountStar, ""}, {"cheap", F::kCountStar, ""}, {"top", F::kMax, "price"}};

}  // namespace

TEST_CASE("a tumbling window's aggregate with FILTER counts only the rows where the condition holds") {
  WindowAggregateConfig c = window_config(kBids, {"k"}, "ts", WindowSpec{WindowType::kTumbling, 10}, kCalls);
  c = with_filter(with_filter(c, 1, "price < 100"), 2, "price < 100");
  WindowAggregateOperator op(c);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kBids, {{"a", 5, 1}, {"a", 500, 2}, {"a", 50, 12}, {"a", nullptr, 13}, {"b", 700, 3}}))
              .is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 10 | 2 | 1 | 5", "a | 10 | 20 | 2 | 1 | 50", "b | 0 | 10 | 1 | 0 | NULL"});
}

TEST_CASE("a session window's aggregate with FILTER counts only the rows where the condition holds") {
  WindowAggregateConfig c = window_config(kBids, {"k"}, "ts", WindowSpec{WindowType::kSession, 0, 0, 5}, kCalls);
  c = with_filter(c, 1, "price < 100 AND k = 'a'");
  WindowAggregateOperator op(c);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kBids, {{"a", 5, 1}, {"a", 500, 2}, {"b", 50, 3}, {"a", 50, 4}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 1 | 9 | 3 | 2 | 500", "b | 3 | 8 | 1 | 0 | 50"});
}

TEST_CASE("a FILTER condition that fails on a row names the aggregate, the condition and the row") {
  WindowAggregateConfig c = window_config(kBids, {"k"}, "ts", WindowSpec{WindowType::kTumbling, 10}, kCalls);
  c = with_filter(c, 1, "100 / price > 1");
  WindowAggregateOperator op(c);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  const Status st = h.push(batch_of(kBids, {{"a", 5, 1}, {"a", 0, 2}}));
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().find("aggregate 'cheap'") != std::string::npos);
  CHECK(st.message().find("100 / price > 1") != std::string::npos);
  CHECK(st.message().find("division by zero") != std::string::npos);
}
