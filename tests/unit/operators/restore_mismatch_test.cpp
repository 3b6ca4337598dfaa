// Keyed operators restored from the state of another pipeline (an aggregate
// added, aggregates reordered, another window length, a smaller top-n): the
// restore, or the first use of such state, is an error naming the operator,
// never a crash or silently wrong results. The planner refuses such restores
// first (checkpoint/savepoint_compatibility.h); this is the operators' own guard.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/keyed_aggregate_operator.h"
#include "operators/top_n_operator.h"
#include "operators/window_aggregate_operator.h"
#include "unit/temp_dir.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput = schema_of({{"k", DataType::kString},
                                    {"v", DataType::kInt64},
                                    {"x", DataType::kFloat64},
                                    {"ts", DataType::kTimestamp}});

KeyedAggregateConfig keyed(const std::vector<Call>& calls) {
  KeyedAggregateConfig c;
  c.input_schema = kInput;
  c.key_columns = {0};
  for (const Call& call : calls) {
    AggregateSpec a;
    a.output = call.output;
    a.function = call.function;
    if (!call.column.empty()) {
      a.input_column = kInput->index_of(call.column);
      a.input_type = kInput->field(static_cast<size_t>(a.input_column)).type;
    }
    a.output_type = *aggregate_result_type(a.function, a.input_type);
    c.aggregates.push_back(a);
  }
  c.output_schema = keyed_aggregate_output_schema(*kInput, c.key_columns, c.aggregates);
  return c;
}

OperatorContext named(const std::string& name, StateBackendOptions state = {}) {
  OperatorContext ctx;
  ctx.operator_name = name;
  ctx.state = std::move(state);
  return ctx;
}

RecordBatchPtr rows() {
  return batch_of(kInput, {{"a", 1, 2.5, 1000}, {"b", 2, 4.0, 2000}, {"a", 3, 1.5, 11000}});
}

/// Every key group of `from` restored into `into`, as the task runner does.
Status copy_state(KeyedStateBackend& from, KeyedStateBackend& into) {
  const KeyGroupRange r = from.key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg) {
    std::string bytes;
    EDDY_RETURN_IF_ERROR(from.snapshot_key_group(kg, bytes));
    EDDY_RETURN_IF_ERROR(into.restore_key_group(kg, bytes));
  }
  return Status::ok();
}

/// Runs `before` over rows(), restores its state into a fresh operator of
/// `after` and returns what on_state_restored said.
Status restore_keyed(const KeyedAggregateConfig& before, const KeyedAggregateConfig& after) {
  KeyedAggregateOperator first(before);
  OperatorHarness h1(first, named("totals"));
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(rows()).is_ok());
  KeyedAggregateOperator second(after);
  OperatorHarness h2(second, named("totals"));
  REQUIRE(h2.open().is_ok());
  REQUIRE(copy_state(*first.state_backend(), *second.state_backend()).is_ok());
  return second.on_state_restored();
}

const std::vector<Call> kCountSum = {{"n", F::kCountStar, ""}, {"total", F::kSum, "x"}};

}  // namespace

TEST_CASE("a keyed aggregate refuses restored state with fewer aggregates than it computes") {
  const Status st = restore_keyed(keyed(kCountSum), keyed({{"n", F::kCountStar, ""},
                                                           {"hi", F::kMax, "x"},
                                                           {"total", F::kSum, "x"}}));
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() ==
        "operator 'totals' cannot use the state it restored: the state holds 2 aggregates per key or window, "
        "the operator computes 3: it was taken by a pipeline with other aggregates");
}

TEST_CASE("a keyed aggregate refuses restored state of reordered aggregates") {
  const Status st = restore_keyed(keyed(kCountSum), keyed({{"total", F::kSum, "x"}, {"n", F::kCountStar, ""}}));
  // sum(x) may read count(*)'s state (it uses count too), but count(*) finds sum's float in it.
  CHECK(st.message().find("the state of aggregate 'n' (2 of 2) is that of another function or input type") !=
        std::string::npos);
  // The same aggregates restore, and go on from where they were.
  CHECK(restore_keyed(keyed(kCountSum), keyed(kCountSum)).is_ok());
}

TEST_CASE("a keyed aggregate on RocksDB refuses a key of another shape when it loads it") {
  test::TempDir dir;
  StateBackendOptions rocks;
  rocks.kind = StateBackendOptions::Kind::kRocksDb;
  KeyedAggregateOperator first(keyed(kCountSum));
  OperatorHarness h1(first, named("totals"));
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(rows()).is_ok());
  rocks.local_dir = dir.file("after");
  KeyedAggregateOperator second(keyed({{"n", F::kCountStar, ""}}));
  OperatorHarness h2(second, named("totals", rocks));
  REQUIRE(h2.open().is_ok());
  REQUIRE(copy_state(*first.state_backend(), *second.state_backend()).is_ok());
  REQUIRE(second.on_state_restored().is_ok());  // no scan of the database
  const Status st = h2.push(batch_of(kInput, {{"a", 9, 9.0, 20000}}));
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("operator 'totals' cannot use the state it restored: the state holds 2 aggregates") == 0);
}

TEST_CASE("a window refuses restored state of another aggregate list, tumbling or session") {
  for (const WindowSpec w : {tumbling(10000), session(5000)}) {
    CAPTURE(static_cast<int>(w.type));
    WindowAggregateOperator first(window_config(kInput, {"k"}, "ts", w, kCountSum));
    OperatorHarness h1(first, named("per_key"));
    REQUIRE(h1.open().is_ok());
    REQUIRE(h1.push(rows()).is_ok());
    WindowAggregateOperator second(
        window_config(kInput, {"k"}, "ts", w, {{"n", F::kCountStar, ""}, {"hi", F::kMax, "x"}, {"total", F::kSum, "x"}}));
    OperatorHarness h2(second, named("per_key"));
    REQUIRE(h2.open().is_ok());
    REQUIRE(copy_state(*first.state_backend(), *second.state_backend()).is_ok());
    const Status st = second.on_state_restored();
    CHECK(st.message() ==
          "operator 'per_key' cannot use the state it restored: the state holds 2 aggregates per key or window, "
          "the operator computes 3: it was taken by a pipeline with other aggregates");
  }
}

TEST_CASE("a window refuses restored slices that are not on its slice grid") {
  WindowAggregateOperator first(window_config(kInput, {"k"}, "ts", tumbling(10000), kCountSum));
  OperatorHarness h1(first, named("per_key"));
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(rows()).is_ok());  // slices ending at 10s and 20s
  WindowAggregateOperator second(window_config(kInput, {"k"}, "ts", tumbling(20000), kCountSum));
  OperatorHarness h2(second, named("per_key"));
  REQUIRE(h2.open().is_ok());
  REQUIRE(copy_state(*first.state_backend(), *second.state_backend()).is_ok());
  const Status st = second.on_state_restored();
  CHECK(st.message() ==
        "operator 'per_key' cannot use the state it restored: the state holds a slice ending at 10000 ms, which "
        "is no slice end of this window (slices of 20000 ms): it was taken by a window of another size or slide");
}

TEST_CASE("a top-n refuses restored groups larger than its n") {
  const SchemaPtr bids = schema_of({{"auction", DataType::kInt64}, {"price", DataType::kInt64}});
  auto config = [&](int64_t n) {
    TopNConfig c;
    c.input_schema = bids;
    c.output_schema = top_n_output_schema(bids, -1);
    c.n = n;
    c.order_column = 1;
    c.partition_columns = {0};
    return c;
  };
  TopNOperator first(config(3));
  OperatorHarness h1(first, named("best"));
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(batch_of(bids, {{1, 10}, {1, 20}, {1, 30}})).is_ok());
  TopNOperator second(config(2));
  OperatorHarness h2(second, named("best"));
  REQUIRE(h2.open().is_ok());
  REQUIRE(copy_state(*first.state_backend(), *second.state_backend()).is_ok());
  CHECK(second.on_state_restored().message() ==
        "operator 'best' cannot use the state it restored: a group holds 3 rows, more than n = 2: it was taken by "
        "a top_n with a larger n");
}
