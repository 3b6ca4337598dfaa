// WindowAggregateOperator keeps all its window state in the keyed state
// backend: snapshot its key groups, restore them into a fresh operator (at the
// same or another parallelism), rebuild the timers, and the windows fire as if
// nothing had happened.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Rows = std::vector<std::string>;

WindowAggregateConfig config_for(WindowSpec w) {
  return window_config(kInput, {"k"}, "ts", w,
                       {{"c", F::kCountStar, ""}, {"d", F::kCountDistinct, "v"}, {"hi", F::kMax, "k"}});
}

/// Every key group of `op` as snapshot bytes.
std::map<int32_t, std::string> snapshot(WindowAggregateOperator& op) {
  std::map<int32_t, std::string> out;
  const KeyGroupRange r = op.state_backend()->key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg) REQUIRE(op.state_backend()->snapshot_key_group(kg, out[kg]).is_ok());
  return out;
}

/// Restores the key groups `op` owns from `groups`, then its timers.
void restore(WindowAggregateOperator& op, const std::map<int32_t, std::string>& groups) {
  const KeyGroupRange r = op.state_backend()->key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg) REQUIRE(op.state_backend()->restore_key_group(kg, groups.at(kg)).is_ok());
  op.add_timers_from_state();
}

RecordBatchPtr first_half() {
  std::vector<Row> rows;
  for (int i = 0; i < 200; ++i) rows.push_back({"key" + std::to_string(i % 37), i % 5, i});
  return batch_of(kInput, rows);
}

RecordBatchPtr second_half() {
  std::vector<Row> rows;
  for (int i = 150; i < 400; ++i) rows.push_back({"key" + std::to_string(i % 41), i % 3, i});
  return batch_of(kInput, rows);
}

/// Runs first_half, watermark 120, [restore point], second_half, watermark 300, end.
/// Returns the sorted rows emitted after the restore point.
Rows run_straight(WindowSpec w) {
  WindowAggregateOperator op(config_for(w));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(first_half()).is_ok());
  REQUIRE(h.watermark(120).is_ok());
  h.clear_output();
  REQUIRE(h.push(second_half()).is_ok());
  REQUIRE(h.watermark(300).is_ok());
  REQUIRE(h.end_input().is_ok());
  return h.sorted_rows();
}

/// The same run, with the state moved after watermark 120 into `parallelism`
/// fresh subtasks, each fed the records of its key groups.
Rows run_restored(WindowSpec w, int32_t parallelism) {
  WindowAggregateOperator before(config_for(w));
  OperatorHarness h(before);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(first_half()).is_ok());
  REQUIRE(h.watermark(120).is_ok());
  const auto groups = snapshot(before);
  Rows all;
  for (int32_t i = 0; i < parallelism; ++i) {
    WindowAggregateOperator after(config_for(w));
    OperatorContext ctx;
    ctx.parallelism = parallelism;
    ctx.subtask_index = i;
    OperatorHarness h2(after, ctx);
    REQUIRE(h2.open().is_ok());
    restore(after, groups);
    REQUIRE(h2.watermark(120).is_ok());
    // Route the second half as a hash exchange would: only this subtask's keys.
    auto batch = second_half();
    std::vector<uint32_t> mine;
    std::vector<uint64_t> hashes;
    hash_rows(*batch, {0}, hashes);
    const KeyGroupRange range = after.state_backend()->key_groups();
    for (uint32_t r = 0; r < batch->num_rows; ++r)
      if (range.contains(key_group_for_hash(hashes[r], ctx.max_parallelism))) mine.push_back(r);
    REQUIRE(h2.push(batch->take(mine.data(), mine.size())).is_ok());
    REQUIRE(h2.watermark(300).is_ok());
    REQUIRE(h2.end_input().is_ok());
    auto rows = h2.rows();
    all.insert(all.end(), rows.begin(), rows.end());
  }
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

TEST_CASE("sliding window state survives a snapshot and restore of its key groups") {
  const Rows expected = run_straight(sliding(30, 10));
  CHECK(expected.size() > 100);
  CHECK(run_restored(sliding(30, 10), 1) == expected);
}

TEST_CASE("session window state survives a snapshot and restore of its key groups") {
  const Rows expected = run_straight(session(25));
  CHECK(!expected.empty());
  CHECK(run_restored(session(25), 1) == expected);
}

TEST_CASE("restored at another parallelism, the subtasks together fire the same windows") {
  CHECK(run_restored(tumbling(20), 3) == run_straight(tumbling(20)));
  CHECK(run_restored(sliding(30, 10), 2) == run_straight(sliding(30, 10)));
  CHECK(run_restored(session(25), 4) == run_straight(session(25)));
}
