// Builds the result rows of windows -- key columns, window_start, window_end,
// aggregates, and with emit_every a `final` flag (docs/windows.md) -- into
// columnar batches of up to kWindowOutputBatchRows rows, many windows per
// batch. Owned by WindowAggregateOperator, which flushes it at the end of each hook.
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

/// Whether window rows end with a `final` (bool) column: only with emit_every,
/// whose partial rows need telling apart from the fired windows' rows.
enum class FinalColumn { kAbsent, kPresent };

/// What a window row is: the result of a window that fired, or (emit_every)
/// the current, partial result of a window still open.
enum class WindowRowKind { kFinal, kPartial };

class WindowOutput {
 public:
  /// `schema`: num_keys key columns, two timestamps, the aggregates' outputs,
  /// then a bool when `final_column` is kPresent.
  WindowOutput(SchemaPtr schema, size_t num_keys, const AggregateEvaluator& aggregates,
               FinalColumn final_column = FinalColumn::kAbsent);

  /// Appends the row of a window: the key decoded from `key` (bytes of
  /// state/key_encoding.h), [start, end), the results of `acc`, and whether
  /// the row is final when the schema has that column (a kPartial row needs it).
  Status add(std::string_view key, int64_t start, int64_t end, const WindowAccumulator& acc,
             WindowRowKind kind = WindowRowKind::kFinal);
  /// Emits the rows built so far once they fill a batch.
  Status emit_if_full(Collector& out);
  /// Emits whatever rows were built (nothing when none).
  Status flush(Collector& out);
  /// Final rows added over the operator's life: the windows fired.
  uint64_t windows_fired() const { return windows_fired_; }

 private:
  void bind_columns();

  BatchBuilder builder_;
  size_t num_keys_;
  const AggregateEvaluator& aggregates_;
  /// The `final` column's index, or 0 when the schema has none.
  size_t final_column_ = 0;
  std::vector<Column*> key_columns_;        // into builder_, rebound after each finish()
  std::vector<Column*> aggregate_columns_;  // likewise
  uint64_t windows_fired_ = 0;
};

}  // namespace eddy
