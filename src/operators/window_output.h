// Builds the result rows of fired windows -- key columns, window_start,
// window_end, aggregates (docs/windows.md) -- into columnar batches of up to
// kWindowOutputBatchRows rows, many windows per batch. Owned by
// WindowAggregateOperator, which flushes it at the end of each hook.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "operators/aggregate_accumulators.h"
#include "operators/operator.h"

namespace eddy {

/// Rows per emitted batch: the engine's default batch size.
constexpr size_t kWindowOutputBatchRows = 1024;

class WindowOutput {
 public:
  /// `schema`: num_keys key columns, two timestamps, then the aggregates' outputs.
  WindowOutput(SchemaPtr schema, size_t num_keys, const AggregateEvaluator& aggregates);

  /// Appends the row of a fired window: the key decoded from `key` (bytes of
  /// state/key_encoding.h), [start, end), the results of `acc`.
  Status add(std::string_view key, int64_t start, int64_t end, const WindowAccumulator& acc);
  /// Emits the rows built so far once they fill a batch.
  Status emit_if_full(Collector& out);
  /// Emits whatever rows were built (nothing when none).
  Status flush(Collector& out);
  /// Rows added over the operator's life: the windows fired.
  uint64_t windows_fired() const { return windows_fired_; }

 private:
  void bind_columns();

  BatchBuilder builder_;
  size_t num_keys_;
  const AggregateEvaluator& aggregates_;
  std::vector<Column*> key_columns_;        // into builder_, rebound after each finish()
  std::vector<Column*> aggregate_columns_;  // likewise
  uint64_t windows_fired_ = 0;
};

}  // namespace eddy
