// WindowAggregateOperator keeps all its window state in the keyed state
// backend: snapshot its key groups, restore them into a fresh operator (at the
// same or another parallelism), rebuild the timers, and the windows fire as if
// nothing had happened.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"
#include "operators/window_slices.h"

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

/// Restores the key groups `op` owns from `groups`, taken from `before`, and
/// the operator state of `before` (how far it had fired), then its timers, as
/// the host does.
void restore(WindowAggregateOperator& op, const std::map<int32_t, std::string>& groups,
             WindowAggregateOperator& before) {
  const KeyGroupRange r = op.state_backend()->key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg) REQUIRE(op.state_backend()->restore_key_group(kg, groups.at(kg)).is_ok());
  std::string fired;
  REQUIRE(before.snapshot_operator_state(1, fired).is_ok());
  REQUIRE(op.restore_operator_state({fired}).is_ok());
  REQUIRE(op.on_state_restored().is_ok());
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
/// Returns the sorted rows emitted after the restore point; those before it go to `before`.
Rows run_straight(WindowSpec w, Rows* before = nullptr) {
  WindowAggregateOperator op(config_for(w));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(first_half()).is_ok());
  REQUIRE(h.watermark(120).is_ok());
  if (before != nullptr) *before = h.sorted_rows();
  h.clear_output();
  REQUIRE(h.push(second_half()).is_ok());
  REQUIRE(h.watermark(300).is_ok());
  REQUIRE(h.end_input().is_ok());
  return h.sorted_rows();
}

/// The rows of `batch` whose keys are in the key groups `op` owns, as a hash
/// exchange would route them.
RecordBatchPtr only_mine(const RecordBatchPtr& batch, WindowAggregateOperator& op) {
  std::vector<uint32_t> mine;
  std::vector<uint64_t> hashes;
  hash_rows(*batch, {0}, hashes);
  const KeyGroupRange range = op.state_backend()->key_groups();
  for (uint32_t r = 0; r < batch->num_rows; ++r)
    if (range.contains(key_group_for_hash(hashes[r], OperatorContext{}.max_parallelism))) mine.push_back(r);
  return batch->take(mine.data(), mine.size());
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
    restore(after, groups, before);
    REQUIRE(h2.watermark(120).is_ok());
    REQUIRE(h2.push(only_mine(second_half(), after)).is_ok());
    REQUIRE(h2.watermark(300).is_ok());
    REQUIRE(h2.end_input().is_ok());
    auto rows = h2.rows();
    all.insert(all.end(), rows.begin(), rows.end());
  }
  std::sort(all.begin(), all.end());
  return all;
}

/// Two subtasks of parallelism 2, fed the rows of `input` (if any) of their
/// key groups; subtask 0 then sees watermark 120, subtask 1 only 100. What the
/// host keeps of them: every key group, and how far each had fired.
struct UnequalSnapshot {
  std::map<int32_t, std::string> groups;
  std::vector<std::string> fired;  // each subtask's operator state: how far it had fired
  Rows rows;  // what the two emitted
};
UnequalSnapshot fire_unequally(WindowSpec w, const RecordBatchPtr& input) {
  UnequalSnapshot out;
  for (int32_t i = 0; i < 2; ++i) {
    WindowAggregateOperator before(config_for(w));
    OperatorContext ctx;
    ctx.parallelism = 2;
    ctx.subtask_index = i;
    OperatorHarness h(before, ctx);
    REQUIRE(h.open().is_ok());
    if (input) REQUIRE(h.push(only_mine(input, before)).is_ok());
    REQUIRE(h.watermark(i == 0 ? 120 : 100).is_ok());
    for (const auto& [kg, bytes] : snapshot(before)) out.groups[kg] = bytes;
    REQUIRE(before.snapshot_operator_state(1, out.fired.emplace_back()).is_ok());
    for (auto& r : h.rows()) out.rows.push_back(r);
  }
  return out;
}

/// What the host does to restore `snap` into `after` (parallelism 1), then
/// the lowest of the watermarks.
void restore_unequal(WindowAggregateOperator& after, OperatorHarness& h, const UnequalSnapshot& snap) {
  const KeyGroupRange r = after.state_backend()->key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg)
    REQUIRE(after.state_backend()->restore_key_group(kg, snap.groups.at(kg)).is_ok());
  REQUIRE(after.restore_operator_state(snap.fired).is_ok());  // union: every old subtask's
  REQUIRE(after.on_state_restored().is_ok());
  REQUIRE(h.watermark(100).is_ok());
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
  CHECK(run_restored(cumulate(60, 20), 3) == run_straight(cumulate(60, 20)));
}

TEST_CASE("restored from subtasks whose windows had fired unequally, every window fires once") {
  // Subtask 0 of 2 had fired the windows through 120, subtask 1 only those
  // through 100 when the snapshot was taken. A sliding window's slices stay
  // in state until their last window fires, so the restored subtask must know
  // which of their windows fired where.
  const WindowSpec w = sliding(30, 10);
  Rows expected;
  const Rows straight = run_straight(w, &expected);
  const UnequalSnapshot snap = fire_unequally(w, first_half());
  Rows all = snap.rows;
  WindowAggregateOperator after(config_for(w));
  OperatorHarness h2(after);
  REQUIRE(h2.open().is_ok());
  restore_unequal(after, h2, snap);
  CHECK(h2.rows().empty());
  REQUIRE(h2.push(second_half()).is_ok());
  REQUIRE(h2.watermark(300).is_ok());
  REQUIRE(h2.end_input().is_ok());
  for (auto& row : h2.rows()) all.push_back(row);
  std::sort(all.begin(), all.end());
  expected.insert(expected.end(), straight.begin(), straight.end());
  std::sort(expected.begin(), expected.end());
  CHECK(all == expected);
}

TEST_CASE("after a restore, a slice whose windows had all fired where its key was goes when they pass") {
  // Subtask 0 had fired through 120, subtask 1 through 100; restored at
  // watermark 100, a record at 95 is not late, but its slice's windows (100,
  // 110, 120) had fired in subtask 0. For subtask 0's keys they emit nothing,
  // and the slice must still go from state once they pass here.
  const WindowSpec w = sliding(30, 10);
  const UnequalSnapshot snap = fire_unequally(w, nullptr);
  WindowAggregateOperator after(config_for(w));
  OperatorHarness h2(after);
  REQUIRE(h2.open().is_ok());
  restore_unequal(after, h2, snap);
  std::vector<Row> rows;
  for (int k = 0; k < 40; ++k) rows.push_back({"key" + std::to_string(k), 1, 95});
  REQUIRE(h2.push(batch_of(kInput, rows)).is_ok());
  CHECK(after.state_backend()->key_count() == 40);
  REQUIRE(h2.watermark(120).is_ok());
  CHECK(after.state_backend()->key_count() == 0);
  // Only subtask 1's keys emit windows 110 and 120 (100 had fired everywhere).
  std::vector<uint64_t> hashes;
  const RecordBatchPtr batch = batch_of(kInput, rows);
  hash_rows(*batch, {0}, hashes);
  size_t of_subtask_1 = 0;
  for (uint64_t hsh : hashes)
    if (key_group_range_for_subtask(OperatorContext{}.max_parallelism, 2, 1)
            .contains(key_group_for_hash(hsh, OperatorContext{}.max_parallelism)))
      ++of_subtask_1;
  CHECK(of_subtask_1 > 0);
  CHECK(of_subtask_1 < 40);
  CHECK(h2.rows().size() == 2 * of_subtask_1);
}

TEST_CASE("a key's slices pack as a list in a list, with the first slice held inline") {
  const AggregateEvaluator aggregates(std::vector<AggregateSpec>{AggregateSpec{"c", F::kCountStar}});
  KeySlices state;
  for (int64_t end : {10, 20, 30}) {
    state.slices.push_back(Slice{end, aggregates.make()});
    state.slices.back().acc.aggregates[0].count = end / 10;
  }
  msgpack::sbuffer packed;
  msgpack::pack(packed, state);
  // The bytes of the earlier layout, MSGPACK_DEFINE over a std::vector.
  msgpack::sbuffer expected;
  msgpack::pack(expected, std::make_tuple(std::vector<Slice>(state.slices.begin(), state.slices.end())));
  CHECK(std::string(packed.data(), packed.size()) == std::string(expected.data(), expected.size()));

  KeySlices back;
  msgpack::unpack(packed.data(), packed.size()).get().convert(back);
  REQUIRE(back.slices.size() == 3);
  CHECK(back.slices[2].end == 30);
  CHECK(back.slices[2].acc.aggregates[0].count == 3);
  msgpack::sbuffer bad;
  msgpack::pack(bad, std::make_tuple(1, 2));
  CHECK_THROWS_AS(msgpack::unpack(bad.data(), bad.size()).get().convert(back), msgpack::type_error);
}
