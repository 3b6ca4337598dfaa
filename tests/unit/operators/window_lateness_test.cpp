// WindowAggregateOperator with allowed_lateness, as in Flink: a window fires
// (+I) when the watermark passes its end, stays until end + lateness, and a
// record for it meanwhile updates its row (-U/+U; sessions that grow or merge:
// -D, then +I). Tumbling, sliding and session windows, on the heap and RocksDB
// backends, through a snapshot and restore (docs/windows.md "Allowed lateness").
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"
#include "state/keyed_state_backend.h"
#include "unit/temp_dir.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Rows = std::vector<std::string>;

/// count(*) and sum(v) per k.
WindowAggregateConfig counts(WindowSpec w, int64_t lateness) {
  return window_config(kInput, {"k"}, "ts", w, {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}}, lateness,
                       /*late_output=*/true);
}

enum class Backend { kHeap, kRocksDb };

/// An operator on a backend of its own (heap or RocksDB), which it can
/// snapshot into a fresh one, as a host restores a subtask.
class Subtask {
 public:
  Subtask(const WindowAggregateConfig& config, Backend kind, const test::TempDir& dir, const std::string& name)
      : op(config) {
    OperatorContext ctx;
    ctx.operator_name = "w";
    auto range = owned_key_groups(ctx);
    REQUIRE(range.ok());
    StateBackendOptions options;
    if (kind == Backend::kRocksDb) {
      options.kind = StateBackendOptions::Kind::kRocksDb;
      options.local_dir = dir.file(name);
      options.cache_keys = 2;  // keys go to RocksDB and come back between batches
    }
    backend = std::make_unique<KeyedStateBackend>(ctx.max_parallelism, *range, options);
    REQUIRE(backend->open_status().is_ok());
    ctx.keyed_state = backend.get();
    harness = std::make_unique<OperatorHarness>(op, ctx);
    REQUIRE(harness->open().is_ok());
  }

  /// Restores what `from` holds now into this (fresh) subtask, then the
  /// host's watermark at the barrier.
  void restore_from(Subtask& from, int64_t watermark) {
    const KeyGroupRange r = from.backend->key_groups();
    for (int32_t kg = r.start; kg <= r.end; ++kg) {
      std::string bytes;
      REQUIRE(from.backend->snapshot_key_group(kg, bytes).is_ok());
      REQUIRE(backend->restore_key_group(kg, bytes).is_ok());
    }
    std::string fired;
    REQUIRE(from.op.snapshot_operator_state(1, fired).is_ok());
    REQUIRE(op.restore_operator_state({fired}).is_ok());
    REQUIRE(op.on_state_restored().is_ok());
    REQUIRE(harness->watermark(watermark).is_ok());
  }

  WindowAggregateOperator op;
  std::unique_ptr<KeyedStateBackend> backend;
  std::unique_ptr<OperatorHarness> harness;
};

}  // namespace

TEST_CASE("with allowed lateness a tumbling window fires at its end and late records update it") {
  WindowAggregateOperator op(counts(tumbling(10), 5));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "op: string, k: string, window_start: timestamp, window_end: timestamp, c: int64, s: int64");
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 1}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 0 | 10 | 1 | 1"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 3}, {"a", 4, 8}})).is_ok());  // within 10 + 5
  CHECK(h.rows() == Rows{"-U | a | 0 | 10 | 1 | 1", "+U | a | 0 | 10 | 3 | 7"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"b", 5, 2}})).is_ok());  // a key with no row yet: its first
  CHECK(h.rows() == Rows{"+I | b | 0 | 10 | 1 | 5"});
  h.clear_output();
  REQUIRE(h.watermark(15).is_ok());  // past the lateness: the window is gone
  CHECK(h.rows().empty());
  CHECK(op.counters().keys_in_state == 0);
  REQUIRE(h.push(batch_of(kInput, {{"a", 9, 4}})).is_ok());
  CHECK(op.counters().late_records == 1);
  CHECK(h.side_rows(0) == Rows{"a | 9 | 4"});
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows().empty());
  CHECK(op.counters().windows_fired == 2);
}

TEST_CASE("a late record updates each fired sliding window it falls in and joins the open ones") {
  WindowAggregateOperator op(counts(sliding(10, 5), 6));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 3}, {"a", 10, 7}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());  // [-5, 5) and [0, 10) fire
  CHECK(h.sorted_rows() == Rows{"+I | a | -5 | 5 | 1 | 1", "+I | a | 0 | 10 | 2 | 11"});
  h.clear_output();
  // 4 is in [-5, 5) (fired, end + 6 > 10) and [0, 10) (fired); 8 in [0, 10) and [5, 15) (open).
  REQUIRE(h.push(batch_of(kInput, {{"a", 100, 4}, {"a", 1000, 8}})).is_ok());
  CHECK(h.rows() == Rows{"-U | a | -5 | 5 | 1 | 1", "+U | a | -5 | 5 | 2 | 101", "-U | a | 0 | 10 | 2 | 11",
                         "+U | a | 0 | 10 | 3 | 111", "-U | a | 0 | 10 | 3 | 111",
                         "+U | a | 0 | 10 | 4 | 1111"});
  h.clear_output();
  REQUIRE(h.watermark(12).is_ok());  // [-5, 5) is past its lateness now, [0, 10) not
  REQUIRE(h.push(batch_of(kInput, {{"a", 5, 2}})).is_ok());
  CHECK(h.rows() == Rows{"-U | a | 0 | 10 | 4 | 1111", "+U | a | 0 | 10 | 5 | 1116"});
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"+I | a | 5 | 15 | 2 | 1010"});
  CHECK(op.counters().late_records == 0);
}

TEST_CASE("a late record inside a fired session updates it; one that grows or merges sessions replaces them") {
  WindowAggregateOperator op(counts(session(5), 30));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 3}, {"a", 4, 12}})).is_ok());
  REQUIRE(h.watermark(30).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 0 | 8 | 2 | 3", "+I | a | 12 | 17 | 1 | 4"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 8, 2}})).is_ok());  // [2, 7) inside [0, 8)
  CHECK(h.rows() == Rows{"-U | a | 0 | 8 | 2 | 3", "+U | a | 0 | 8 | 3 | 11"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 16, 7}})).is_ok());  // [7, 12) bridges both: one session, due
  CHECK(h.rows() == Rows{"-D | a | 0 | 8 | 3 | 11", "-D | a | 12 | 17 | 1 | 4", "+I | a | 0 | 17 | 5 | 31"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"b", 1, 40}})).is_ok());
  REQUIRE(h.watermark(46).is_ok());
  CHECK(h.rows() == Rows{"+I | b | 40 | 45 | 1 | 1"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"b", 2, 44}})).is_ok());  // grows [40, 45) past the watermark
  CHECK(h.rows() == Rows{"-D | b | 40 | 45 | 1 | 1"});
  h.clear_output();
  REQUIRE(h.watermark(49).is_ok());  // the grown session fires at its new end
  CHECK(h.rows() == Rows{"+I | b | 40 | 49 | 2 | 3"});
  h.clear_output();
  REQUIRE(h.watermark(79).is_ok());  // and goes at 49 + 30, as a's did at 17 + 30
  CHECK(op.counters().keys_in_state == 0);
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows().empty());
  CHECK(op.counters().late_records == 0);
}

TEST_CASE("without allowed lateness the output stays append-only with no op column") {
  WindowAggregateOperator op(counts(tumbling(10), 0));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "k: string, window_start: timestamp, window_end: timestamp, c: int64, s: int64");
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 1}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 3}})).is_ok());
  CHECK(op.counters().late_records == 1);
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1"});
}

TEST_CASE("emit_every with allowed lateness is refused") {
  WindowAggregateConfig c = counts(tumbling(10), 5);
  c.emit_every_ms = 100;
  c.output_schema = window_output_schema(*kInput, c.key_columns, c.aggregates, FinalColumn::kPresent,
                                         OpColumn::kPresent);
  const Status st = WindowAggregateOperator::validate(c);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message().find("emit_every cannot be combined with allowed_lateness") != std::string::npos);
}

TEST_CASE("a window restored after it fired remembers it: a late record gives -U/+U, not +I") {
  for (Backend kind : {Backend::kHeap, Backend::kRocksDb}) {
    CAPTURE(static_cast<int>(kind));
    for (WindowSpec w : {tumbling(10), sliding(10, 5), session(4)}) {
      CAPTURE(static_cast<int>(w.type));
      test::TempDir dir;
      Subtask before(counts(w, 10), kind, dir, "before");
      REQUIRE(before.harness->push(batch_of(kInput, {{"a", 1, 6}, {"b", 2, 7}})).is_ok());
      REQUIRE(before.harness->watermark(12).is_ok());
      const Rows fired = before.harness->sorted_rows();
      REQUIRE(!fired.empty());
      Subtask after(counts(w, 10), kind, dir, "after");
      after.restore_from(before, 12);
      CHECK(after.harness->rows().empty());  // nothing fires twice
      REQUIRE(after.harness->push(batch_of(kInput, {{"a", 5, 6}})).is_ok());
      const Rows rows = after.harness->rows();
      REQUIRE(!rows.empty());
      for (const std::string& r : rows) CHECK(r.substr(0, 2) != "+I");
      CHECK(rows.front().substr(0, 2) == "-U");
      // The same record without the restore gives the same rows.
      REQUIRE(before.harness->push(batch_of(kInput, {{"a", 5, 6}})).is_ok());
      Rows straight = before.harness->rows();
      straight.erase(straight.begin(), straight.begin() + static_cast<std::ptrdiff_t>(fired.size()));
      CHECK(rows == straight);
      REQUIRE(after.harness->end_input().is_ok());
      CHECK(after.op.counters().keys_in_state == 0);
    }
  }
}
