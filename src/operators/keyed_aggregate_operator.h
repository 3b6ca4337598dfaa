// KeyedAggregateOperator: an unbounded GROUP BY, as Flink's GroupAggregate:
// incremental accumulators per key in keyed state, and after every input batch
// the changes of each key the batch touched: "+I" the first time, then "-U"
// (the old row) and "+U" (the new one) when its results changed, and over an
// updating input "-D" when its last row was retracted. Built by the planner
// from a KeyedAggregateConfig; hosted in a subtask's chain after a hash
// exchange on the key.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "operators/aggregate_accumulators.h"
#include "operators/keyed_aggregate_config.h"
#include "operators/operator.h"
#include "operators/window_key_grouper.h"
#include "state/keyed_state_backend.h"

namespace eddy {

class KeyedAggregateOperator final : public Operator {
 public:
  explicit KeyedAggregateOperator(KeyedAggregateConfig config);

  /// OK when `config` is complete and consistent: key columns exist, the
  /// aggregates read columns of the types they accept, and output_schema has
  /// the types of keyed_aggregate_output_schema (names are the planner's).
  /// open() checks it too; the planner should call it to refuse a pipeline early.
  static Status validate(const KeyedAggregateConfig& config);

  /// Creates the keyed state backend for this subtask's key groups.
  Status open(const OperatorContext& ctx) override;
  /// Updates the accumulators of every key in `batch`, then emits one batch
  /// with the changes of each distinct key of `batch` (in order of first
  /// appearance): +I; -U then +U (none when the results did not change); -D.
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  // Watermarks, timers and finish() change nothing: results are never final.
  SchemaPtr output_schema() const override { return config_.output_schema; }
  /// keys_in_state: the keys seen so far (state is never dropped).
  OperatorCounters counters() const override;

  /// The subtask's accumulators (for snapshots and tests); null before open().
  KeyedStateBackend* state_backend() { return backend_; }

  // -- checkpoints --------------------------------------------------------------
  // All of the operator is keyed state: a key's accumulators, whose presence
  // also says the key was emitted before (-U/+U rather than +I). Nothing derives
  // from it and watermarks play no part, so a restore needs nothing more.

  bool uses_keyed_state() const override { return true; }
  /// Nothing to rebuild; checks that every key's accumulators have the shape
  /// of this operator's aggregates (AggregateEvaluator::check_restored) --
  /// on the heap all at once, on RocksDB each as process() loads it -- so
  /// state of another aggregate list is an error, never a crash. An error before open().
  Status on_state_restored() override;

  /// Name of the ValueState<WindowAccumulator> holding each key's accumulators.
  static constexpr const char* kStateName = "keyed_aggregate";

 private:
  /// "operator 'NAME' cannot use the state it restored: WHY".
  Status restored_state_error(const Status& why) const;
  /// Applies the rows of grouper_ group `g` to the current key's accumulators
  /// and appends the key's changes to `builder`.
  Status update_key(const RecordBatch& batch, size_t g, BatchBuilder& builder);
  /// Appends the row `op`, the current group's key, the results of `acc`.
  Status append_row(BatchBuilder& builder, const char* op, size_t g, const WindowAccumulator& acc);
  /// True when the last two rows of `builder` hold the same results.
  bool last_two_rows_equal(BatchBuilder& builder) const;

  KeyedAggregateConfig config_;
  AggregateEvaluator aggregates_;
  OperatorContext ctx_;
  KeyedStateBackend* backend_ = nullptr;  // ctx.keyed_state, owned by the host
  ValueState<WindowAccumulator>* accumulators_ = nullptr;  // in backend_
  int32_t global_key_group_ = 0;    // the key group of the one key without key columns
  KeyGrouper grouper_;              // reused across batches
  std::vector<uint32_t> all_rows_;  // 0..n-1, reused
  std::vector<uint32_t> adds_, retracts_;  // one key's rows by sign, reused
  std::vector<Column*> key_out_, agg_out_;  // columns of the builder being filled
};

}  // namespace eddy
