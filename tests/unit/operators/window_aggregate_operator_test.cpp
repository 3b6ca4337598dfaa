// WindowAggregateOperator on event time: tumbling and sliding windows, firing
// by watermark, lateness, end of input, keys, counters and output batching
// (docs/windows.md). Sessions and processing time have their own files.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput = schema_of({{"k", DataType::kString},
                                    {"n", DataType::kInt64},
                                    {"v", DataType::kInt64},
                                    {"x", DataType::kFloat64},
                                    {"ts", DataType::kTimestamp}});

/// count(*) and sum(v) per k.
WindowAggregateConfig count_and_sum(WindowSpec w, int64_t lateness = 0, bool late_output = false) {
  return window_config(kInput, {"k"}, "ts", w, {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}},
                       lateness, late_output);
}

using Rows = std::vector<std::string>;

}  // namespace

TEST_CASE("a tumbling window fires once the watermark reaches its end") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 1},
                                   {"a", 0, 2, 0.0, 9},
                                   {"b", 0, 5, 0.0, 5},
                                   {"a", 0, 3, 0.0, 10}}))
              .is_ok());
  REQUIRE(h.watermark(9).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 10 | 2 | 3", "b | 0 | 10 | 1 | 5"});
  CHECK(h.main.size() == 1);  // both windows in one batch
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 10 | 20 | 1 | 3"});
  CHECK(op.output_schema()->to_string() ==
        "k: string, window_start: timestamp, window_end: timestamp, c: int64, s: int64");
}

TEST_CASE("tumbling windows are epoch-aligned for negative timestamps") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, -1},
                                   {"a", 0, 2, 0.0, -10},
                                   {"a", 0, 4, 0.0, -11},
                                   {"a", 0, 8, 0.0, 0}}))
              .is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | -20 | -10 | 1 | 4", "a | -10 | 0 | 2 | 3", "a | 0 | 10 | 1 | 8"});
}

TEST_CASE("a sliding window combines its slices and each record counts in every window holding it") {
  // size 10, slide 5: a record at 2 is in [-5, 5) and [0, 10), one at 7 in [0, 10) and [5, 15).
  WindowAggregateOperator op(count_and_sum(sliding(10, 5)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 2}, {"a", 0, 10, 0.0, 7}, {"a", 0, 100, 0.0, 12}}))
              .is_ok());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows() == Rows{"a | -5 | 5 | 1 | 1", "a | 0 | 10 | 2 | 11"});
  h.clear_output();
  REQUIRE(h.watermark(15).is_ok());
  CHECK(h.rows() == Rows{"a | 5 | 15 | 2 | 110"});
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 10 | 20 | 1 | 100"});
  CHECK(op.counters().windows_fired == 4);
}

TEST_CASE("sliding windows whose slide does not divide the size use gcd slices") {
  // size 10, slide 4: slices of 2 ms.
  WindowAggregateOperator op(count_and_sum(sliding(10, 4)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 7}, {"a", 0, 2, 0.0, 3}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  // 3 is in [-4, 6) and [0, 10); 7 in [0, 10) and [4, 14).
  CHECK(h.rows() == Rows{"a | -4 | 6 | 1 | 2", "a | 0 | 10 | 2 | 3", "a | 4 | 14 | 1 | 1"});
}

TEST_CASE("a key's windows keep firing while its slices last, even with gaps in the data") {
  WindowAggregateOperator op(count_and_sum(sliding(6, 2)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 0}, {"a", 0, 2, 0.0, 20}})).is_ok());
  REQUIRE(h.watermark(100).is_ok());
  CHECK(h.rows() == Rows{"a | -4 | 2 | 1 | 1", "a | -2 | 4 | 1 | 1", "a | 0 | 6 | 1 | 1",
                         "a | 16 | 22 | 1 | 2", "a | 18 | 24 | 1 | 2", "a | 20 | 26 | 1 | 2"});
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("an out-of-order record moves its key's timer back to an earlier window") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 25}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 2, 0.0, 5}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 2"});
  REQUIRE(h.watermark(30).is_ok());
  REQUIRE(h.end_input().is_ok());
  // The timer left at 30 by the first record and the one set after [0, 10)
  // fired both point at [20, 30): it still fires once.
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 2", "a | 20 | 30 | 1 | 1"});
}

TEST_CASE("sliding windows without records in them do not fire") {
  WindowAggregateOperator op(count_and_sum(sliding(10, 5)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 0}, {"a", 0, 2, 0.0, 100}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | -5 | 5 | 1 | 1", "a | 0 | 10 | 1 | 1", "a | 95 | 105 | 1 | 2",
                         "a | 100 | 110 | 1 | 2"});
}

TEST_CASE("every window fires exactly once over many watermarks") {
  WindowAggregateOperator op(count_and_sum(sliding(4, 2)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  for (int t = 0; t < 20; ++t) {
    REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, t}, {"b", 0, 1, 0.0, t}})).is_ok());
    REQUIRE(h.watermark(t).is_ok());
    REQUIRE(h.watermark(t).is_ok());  // a repeated watermark changes nothing
  }
  REQUIRE(h.end_input().is_ok());
  REQUIRE(h.finish_only().is_ok());  // a second end changes nothing
  auto rows = h.sorted_rows();
  // Windows [-2, 2) .. [18, 22) per key: 11 each, every one once.
  CHECK(rows.size() == 22);
  CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());
  CHECK(std::count(rows.begin(), rows.end(), "a | 0 | 4 | 4 | 4") == 1);
  CHECK(std::count(rows.begin(), rows.end(), "b | -2 | 2 | 2 | 2") == 1);
  CHECK(std::count(rows.begin(), rows.end(), "b | 18 | 22 | 2 | 2") == 1);
}

TEST_CASE("late records are dropped and counted") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 5}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 2, 0.0, 9}, {"a", 0, 4, 0.0, 10}})).is_ok());
  CHECK(op.counters().late_records == 1);
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1", "a | 10 | 20 | 1 | 4"});
  CHECK(h.side.empty());
}

TEST_CASE("with late_output, late records go unchanged to side output 0") {
  WindowAggregateOperator op(count_and_sum(tumbling(10), 0, /*late_output=*/true));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.watermark(20).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 7, 2, 0.5, 9}, {"b", 8, 3, 1.5, 25}, {"c", 9, 4, 2.5, 19}})).is_ok());
  CHECK(h.side_rows(0) == Rows{"a | 7 | 2 | 0.500000 | 9", "c | 9 | 4 | 2.500000 | 19"});
  CHECK(h.side.at(0).front()->schema == kInput);
  CHECK(op.counters().late_records == 2);
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"b | 20 | 30 | 1 | 3"});
}

// Allowed lateness (fired windows updated by -U/+U) is in window_lateness_test.cpp.

TEST_CASE("the end of input fires every open window") {
  WindowAggregateOperator op(count_and_sum(sliding(10, 5)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 1000}, {"b", 0, 2, 0.0, -1000}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 1000 | 1010 | 1 | 1", "a | 995 | 1005 | 1 | 1",
                                "b | -1000 | -990 | 1 | 2", "b | -1005 | -995 | 1 | 2"});
  CHECK(op.counters().keys_in_state == 0);
  // Records after the end are late.
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 5000}})).is_ok());
  CHECK(op.counters().late_records == 1);
}

TEST_CASE("finish without the end-of-time watermark fires every open window too") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 1}})).is_ok());
  REQUIRE(h.finish_only().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1"});
}

TEST_CASE("windows keyed by several columns keep the key columns in key_by order") {
  auto config = window_config(kInput, {"n", "k"}, "ts", tumbling(10), {{"c", F::kCountStar, ""}});
  WindowAggregateOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0, 0.0, 1},
                                   {"a", 2, 0, 0.0, 1},
                                   {"a", 1, 0, 0.0, 2},
                                   {"b", 1, 0, 0.0, 3},
                                   {nullptr, 1, 0, 0.0, 3},
                                   {"a", nullptr, 0, 0.0, 4}}))
              .is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "n: int64, k: string, window_start: timestamp, window_end: timestamp, c: int64");
  CHECK(h.sorted_rows() == Rows{"1 | NULL | 0 | 10 | 1", "1 | a | 0 | 10 | 2", "1 | b | 0 | 10 | 1",
                                "2 | a | 0 | 10 | 1", "NULL | a | 0 | 10 | 1"});
}

TEST_CASE("windows without key_by aggregate every record under one key") {
  auto config = window_config(kInput, {}, "ts", tumbling(10),
                              {{"c", F::kCountStar, ""}, {"m", F::kMax, "k"}});
  WindowAggregateOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0, 0.0, 1}, {"z", 2, 0, 0.0, 2}, {"m", 3, 0, 0.0, 12}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(op.output_schema()->to_string() == "window_start: timestamp, window_end: timestamp, c: int64, m: string");
  CHECK(h.rows() == Rows{"0 | 10 | 2 | z", "10 | 20 | 1 | m"});
}

TEST_CASE("every aggregate runs through the operator with NULLs and int64 and float64 inputs") {
  auto config = window_config(kInput, {"k"}, "ts", tumbling(10),
                              {{"c", F::kCount, "v"},
                               {"d", F::kCountDistinct, "n"},
                               {"si", F::kSum, "v"},
                               {"sf", F::kSum, "x"},
                               {"ai", F::kAvg, "v"},
                               {"af", F::kAvg, "x"},
                               {"lo", F::kMin, "ts"},
                               {"hi", F::kMax, "x"}});
  WindowAggregateOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 1, 0.5, 3}, {"a", 1, nullptr, nullptr, 1}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 4, 2.0, 8}, {"b", nullptr, nullptr, nullptr, 2}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.sorted_rows() ==
        Rows{"a | 0 | 10 | 2 | 2 | 5 | 2.500000 | 2.500000 | 1.250000 | 1 | 2.000000",
             "b | 0 | 10 | 0 | 0 | NULL | NULL | NULL | NULL | 2 | NULL"});
}

TEST_CASE("records with a NULL event time are skipped and counted apart from late ones") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, nullptr}, {"a", 0, 2, 0.0, 1}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 2"});
  CHECK(op.counters().skipped_records == 1);
  CHECK(op.counters().late_records == 0);
}

TEST_CASE("counters report late records, fired windows and keys in state") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.counters().keys_in_state == 0);
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 1}, {"b", 0, 1, 0.0, 1}, {"c", 0, 1, 0.0, 15}})).is_ok());
  CHECK(op.counters().keys_in_state == 3);
  REQUIRE(h.watermark(10).is_ok());
  CHECK(op.counters().windows_fired == 2);
  CHECK(op.counters().keys_in_state == 1);
  REQUIRE(h.push(batch_of(kInput, {{"a", 0, 1, 0.0, 2}})).is_ok());
  CHECK(op.counters().late_records == 1);
  REQUIRE(h.end_input().is_ok());
  CHECK(op.counters().windows_fired == 3);
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE("many windows firing at once come out in batches of at most 1024 rows") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  std::vector<Row> rows;
  for (int i = 0; i < 2500; ++i) rows.push_back({"key" + std::to_string(i), 0, 1, 0.0, i % 10});
  REQUIRE(h.push(batch_of(kInput, rows)).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  REQUIRE(h.main.size() == 3);
  CHECK(h.main[0]->num_rows == 1024);
  CHECK(h.main[1]->num_rows == 1024);
  CHECK(h.main[2]->num_rows == 452);
  CHECK(op.counters().windows_fired == 2500);
}

TEST_CASE("a subtask keeps the state of its own key groups and refuses others") {
  WindowAggregateOperator op(count_and_sum(tumbling(10)));
  OperatorContext ctx;
  ctx.parallelism = 2;
  ctx.subtask_index = 1;
  ctx.max_parallelism = 8;
  OperatorHarness h(op, ctx);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.state_backend() != nullptr);
  const KeyGroupRange range = op.state_backend()->key_groups();
  CHECK(range.start == 4);
  CHECK(range.end == 7);
  // Find one key of each side.
  std::string mine, other;
  for (int i = 0; mine.empty() || other.empty(); ++i) {
    auto b = batch_of(kInput, {{"k" + std::to_string(i), 0, 0, 0.0, 0}});
    std::vector<uint64_t> hashes;
    hash_rows(*b, {0}, hashes);
    (range.contains(key_group_for_hash(hashes[0], 8)) ? mine : other) = "k" + std::to_string(i);
  }
  REQUIRE(h.push(batch_of(kInput, {{mine, 0, 3, 0.0, 1}})).is_ok());
  CHECK(h.push(batch_of(kInput, {{other, 0, 3, 0.0, 1}})).code() == StatusCode::kInternal);
}

TEST_CASE("invalid configs are refused with a reason") {
  CHECK(WindowAggregateOperator::validate(count_and_sum(sliding(10, 5))).is_ok());
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(sliding(5, 10))).is_ok());
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(tumbling(0))).is_ok());
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(session(-1))).is_ok());
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(tumbling(10), -1)).is_ok());
  auto wrong_output = count_and_sum(tumbling(10));
  wrong_output.output_schema = kInput;
  CHECK_FALSE(WindowAggregateOperator::validate(wrong_output).is_ok());
  auto wrong_time = count_and_sum(tumbling(10));
  wrong_time.time_column = 0;  // a string
  CHECK(WindowAggregateOperator::validate(wrong_time).code() == StatusCode::kTypeError);
  WindowAggregateOperator op(wrong_time);
  OperatorHarness h(op);
  CHECK_FALSE(h.open().is_ok());
}

TEST_CASE("a sliding window of more than 10000 slices is refused, naming its slice count") {
  constexpr int64_t kHour = 3600000, kMinute = 60000;
  // The typo of the security report: 100000h for 100000s, sliding by 4s.
  Status typo = WindowAggregateOperator::validate(count_and_sum(sliding(100000 * kHour, 4000)));
  REQUIRE_FALSE(typo.is_ok());
  CHECK_MESSAGE(typo.message().find("100000h that slides by 4s spans 90000000 slices of 4s") !=
                    std::string::npos, typo.message());
  CHECK(typo.message().find("at most 10000") != std::string::npos);
  // A size that is no multiple of the slide cuts the window into 1 ms slices.
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(sliding(10001, 10000))).is_ok());
  // What Flink users run stays well inside: an hour by the minute, a day by the minute.
  CHECK(WindowAggregateOperator::validate(count_and_sum(sliding(kHour, kMinute))).is_ok());
  CHECK(WindowAggregateOperator::validate(count_and_sum(sliding(24 * kHour, kMinute))).is_ok());
  CHECK(WindowAggregateOperator::validate(count_and_sum(sliding(10000, 1))).is_ok());
  // A tumbling window is one slice, however long.
  CHECK(WindowAggregateOperator::validate(count_and_sum(tumbling(100000 * kHour))).is_ok());
}

TEST_CASE("allowed lateness that would keep more than 100000 slices per key is refused on event time only") {
  constexpr int64_t kHour = 3600000;
  Status late = WindowAggregateOperator::validate(count_and_sum(tumbling(1000), 100000 * kHour));
  REQUIRE_FALSE(late.is_ok());
  CHECK_MESSAGE(late.message().find("a key may have to keep 360000001 slices of 1s") != std::string::npos,
                late.message());
  // A day of lateness for one-second windows is fine, and so are sessions of a second.
  CHECK(WindowAggregateOperator::validate(count_and_sum(tumbling(1000), 24 * kHour)).is_ok());
  CHECK(WindowAggregateOperator::validate(count_and_sum(session(1000), 24 * kHour)).is_ok());
  CHECK_FALSE(WindowAggregateOperator::validate(count_and_sum(session(1000), 100000 * kHour)).is_ok());
  // On processing time allowed_lateness does not apply, so it costs nothing.
  auto processing = count_and_sum(tumbling(1000), 100000 * kHour);
  processing.time_column = -1;
  processing.output_schema = window_output_schema(*kInput, processing.key_columns, processing.aggregates);
  CHECK(WindowAggregateOperator::validate(processing).is_ok());
}
