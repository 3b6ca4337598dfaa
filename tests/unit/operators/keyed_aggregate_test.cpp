// KeyedAggregateOperator: the unbounded GROUP BY changelog (op first: +I, then
// -U/+U once per key and batch), every aggregate with its NULL rules, the
// global key, key groups, counters and a snapshot/restore round trip of its
// state. Retraction and FILTER: keyed_aggregate_changelog_test.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/keyed_aggregate_operator.h"
#include "state/key_encoding.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

using Rows = std::vector<std::string>;

const SchemaPtr kInput = schema_of({{"k", DataType::kString},
                                    {"v", DataType::kInt64},
                                    {"x", DataType::kFloat64},
                                    {"s", DataType::kString},
                                    {"ts", DataType::kTimestamp}});

/// The config the planner builds: names resolved, types filled in.
KeyedAggregateConfig keyed_config(const std::vector<std::string>& keys,
                                  const std::vector<Call>& calls) {
  KeyedAggregateConfig c;
  c.input_schema = kInput;
  for (const auto& k : keys) {
    REQUIRE(kInput->index_of(k) >= 0);
    c.key_columns.push_back(kInput->index_of(k));
  }
  for (const Call& call : calls) {
    AggregateSpec a;
    a.output = call.output;
    a.function = call.function;
    if (!call.column.empty()) {
      a.input_column = kInput->index_of(call.column);
      REQUIRE(a.input_column >= 0);
      a.input_type = kInput->field(static_cast<size_t>(a.input_column)).type;
    }
    auto type = aggregate_result_type(a.function, a.input_type);
    REQUIRE(type.ok());
    a.output_type = *type;
    c.aggregates.push_back(a);
  }
  c.output_schema = keyed_aggregate_output_schema(*kInput, c.key_columns, c.aggregates);
  return c;
}

KeyedAggregateConfig count_and_sum() {
  return keyed_config({"k"}, {{"c", F::kCountStar, ""}, {"total", F::kSum, "v"}});
}

}  // namespace

TEST_CASE("a keyed aggregate emits +I for a new key and -U then +U when a later batch touches it") {
  KeyedAggregateOperator op(count_and_sum());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() == "op: string, k: string, c: int64, total: int64");

  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0.0, "", 0}, {"b", 2, 0.0, "", 0}})).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 1 | 1", "+I | b | 1 | 2"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"b", 5, 0.0, "", 0}, {"c", 7, 0.0, "", 0}})).is_ok());
  CHECK(h.rows() == Rows{"-U | b | 1 | 2", "+U | b | 2 | 7", "+I | c | 1 | 7"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 10, 0.0, "", 0}})).is_ok());
  CHECK(h.rows() == Rows{"-U | a | 1 | 1", "+U | a | 2 | 11"});
  CHECK(op.counters().keys_in_state == 3);
}

TEST_CASE(
    "a keyed aggregate emits each touched key once per batch, in one batch, with its latest "
    "values") {
  KeyedAggregateOperator op(count_and_sum());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0.0, "", 0},
                                   {"b", 2, 0.0, "", 0},
                                   {"a", 3, 0.0, "", 0},
                                   {"a", 4, 0.0, "", 0},
                                   {"b", 5, 0.0, "", 0}}))
              .is_ok());
  CHECK(h.main.size() == 1);
  CHECK(h.rows() == Rows{"+I | a | 3 | 8", "+I | b | 2 | 7"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0.0, "", 0}, {"a", 1, 0.0, "", 0}})).is_ok());
  CHECK(h.rows() == Rows{"-U | a | 3 | 8", "+U | a | 5 | 10"});
}

TEST_CASE("keyed aggregates follow the NULL rules of every aggregate function") {
  KeyedAggregateOperator op(keyed_config({"k"}, {{"all", F::kCountStar, ""},
                                                 {"nv", F::kCount, "v"},
                                                 {"dv", F::kCountDistinct, "v"},
                                                 {"sv", F::kSum, "v"},
                                                 {"sx", F::kSum, "x"},
                                                 {"lo", F::kMin, "s"},
                                                 {"hi", F::kMax, "ts"},
                                                 {"mx", F::kMax, "x"},
                                                 {"avg", F::kAvg, "v"}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "op: string, k: string, all: int64, nv: int64, dv: int64, sv: int64, sx: float64, lo: string, "
        "hi: timestamp, mx: float64, avg: float64");
  SUBCASE("a key with only NULL values has counts of 0 and NULL for the rest") {
    REQUIRE(h.push(batch_of(kInput, {{"a", nullptr, nullptr, nullptr, nullptr},
                                     {"a", nullptr, nullptr, nullptr, nullptr}}))
                .is_ok());
    CHECK(h.rows() == Rows{"+I | a | 2 | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL"});
  }
  SUBCASE("NULL values are skipped and count distinct keeps its value set across batches") {
    REQUIRE(h.push(batch_of(kInput, {{"a", 4, 1.5, "m", 30},
                                     {"a", nullptr, nullptr, nullptr, nullptr},
                                     {"a", 4, -2.0, "c", 10}}))
                .is_ok());
    CHECK(h.rows() == Rows{"+I | a | 3 | 2 | 1 | 8 | -0.500000 | c | 30 | 1.500000 | 4.000000"});
    h.clear_output();
    REQUIRE(h.push(batch_of(kInput, {{"a", 4, nullptr, "z", 5}, {"a", 1, 0.5, nullptr, nullptr}}))
                .is_ok());
    CHECK(h.rows() == Rows{"-U | a | 3 | 2 | 1 | 8 | -0.500000 | c | 30 | 1.500000 | 4.000000",
                           "+U | a | 5 | 4 | 2 | 13 | 0.000000 | c | 30 | 1.500000 | 3.250000"});
  }
}

TEST_CASE("a keyed aggregate without key columns keeps one global key") {
  KeyedAggregateOperator op(keyed_config({}, {{"c", F::kCountStar, ""}, {"m", F::kMax, "v"}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() == "op: string, c: int64, m: int64");
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0.0, "", 0}, {"b", 9, 0.0, "", 0}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"c", 3, 0.0, "", 0}})).is_ok());
  CHECK(h.rows() == Rows{"+I | 2 | 9", "-U | 2 | 9", "+U | 3 | 9"});
  CHECK(op.counters().keys_in_state == 1);
}

TEST_CASE("NULL is a key value of its own and keys of several columns keep their types") {
  KeyedAggregateOperator op(keyed_config({"k", "x"}, {{"c", F::kCountStar, ""}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{nullptr, 1, 1.5, "", 0},
                                   {"a", 1, 1.5, "", 0},
                                   {nullptr, 1, 1.5, "", 0},
                                   {"a", 1, nullptr, "", 0},
                                   {"a", 1, -0.0, "", 0},
                                   {"a", 1, 0.0, "", 0}}))
              .is_ok());
  CHECK(h.rows() == Rows{"+I | NULL | 1.500000 | 2", "+I | a | 1.500000 | 1", "+I | a | NULL | 1",
                         "+I | a | 0.000000 | 2"});
  CHECK(op.counters().keys_in_state == 4);
}

TEST_CASE("a keyed aggregate subtask refuses rows of key groups it does not own") {
  KeyedAggregateOperator op(count_and_sum());
  OperatorContext ctx;
  ctx.parallelism = 2;
  ctx.subtask_index = 0;
  ctx.max_parallelism = 8;
  OperatorHarness h(op, ctx);
  REQUIRE(h.open().is_ok());
  // Find one key of each subtask.
  const KeyGroupRange mine = key_group_range_for_subtask(8, 2, 0);
  std::string own, foreign;
  for (int i = 0; own.empty() || foreign.empty(); ++i) {
    const std::string k = "key" + std::to_string(i);
    auto b = batch_of(kInput, {{k, 1, 0.0, "", 0}});
    (mine.contains(key_group_of_row(*b, {0}, 0, 8)) ? own : foreign) = k;
  }
  CHECK(h.push(batch_of(kInput, {{own, 1, 0.0, "", 0}})).is_ok());
  const Status st = h.push(batch_of(kInput, {{foreign, 1, 0.0, "", 0}}));
  CHECK(st.code() == StatusCode::kInternal);
}

TEST_CASE("a keyed aggregate restored from a snapshot continues with -U/+U") {
  KeyedAggregateOperator first(count_and_sum());
  OperatorHarness h1(first);
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(batch_of(kInput, {{"a", 1, 0.0, "", 0}, {"b", 2, 0.0, "", 0}})).is_ok());
  KeyedStateBackend& saved = *first.state_backend();

  KeyedAggregateOperator second(count_and_sum());
  OperatorHarness h2(second);
  REQUIRE(h2.open().is_ok());
  const KeyGroupRange range = saved.key_groups();
  for (int32_t kg = range.start; kg <= range.end; ++kg) {
    std::string bytes;
    REQUIRE(saved.snapshot_key_group(kg, bytes).is_ok());
    REQUIRE(second.state_backend()->restore_key_group(kg, bytes).is_ok());
  }
  CHECK(second.counters().keys_in_state == 2);
  REQUIRE(h2.push(batch_of(kInput, {{"b", 3, 0.0, "", 0}, {"c", 4, 0.0, "", 0}})).is_ok());
  CHECK(h2.rows() == Rows{"-U | b | 1 | 2", "+U | b | 2 | 5", "+I | c | 1 | 4"});
}

TEST_CASE("a keyed aggregate config is validated against its input") {
  KeyedAggregateConfig bad_key = count_and_sum();
  bad_key.key_columns = {7};
  CHECK_FALSE(KeyedAggregateOperator::validate(bad_key).is_ok());

  KeyedAggregateConfig bad_sum = keyed_config({"k"}, {{"s", F::kSum, "v"}});
  bad_sum.aggregates[0].input_column = 3;  // a string column
  bad_sum.aggregates[0].input_type = DataType::kString;
  CHECK(KeyedAggregateOperator::validate(bad_sum).code() == StatusCode::kTypeError);

  KeyedAggregateConfig no_op = count_and_sum();
  no_op.output_schema =
      schema_of({{"k", DataType::kString}, {"c", DataType::kInt64}, {"total", DataType::kInt64}});
  CHECK_FALSE(KeyedAggregateOperator::validate(no_op).is_ok());
  KeyedAggregateOperator op(no_op);
  OperatorHarness h(op);
  CHECK_FALSE(h.open().is_ok());

  CHECK(KeyedAggregateOperator::validate(count_and_sum()).is_ok());
}
