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

/// Whether window rows start with an `op` (string) column: only with
/// allowed_lateness on event time, whose late records update fired windows,
/// which makes the output an updating stream (docs/windows.md).
enum class OpColumn { kAbsent, kPresent };

class WindowOutput {
 public:
  /// `schema`: num_keys key columns, two timestamps, the aggregates' outputs,
  /// then a bool when `final_column` is kPresent; all after a string `op`
  /// when `op_column` is kPresent.
  WindowOutput(SchemaPtr schema, size_t num_keys, const AggregateEvaluator& aggregates,
               FinalColumn final_column = FinalColumn::kAbsent, OpColumn op_column = OpColumn::kAbsent);

  /// Appends the row of a window: the key decoded from `key` (bytes of
  /// state/key_encoding.h), [start, end), the results of `acc`, and whether
  /// the row is final when the schema has that column (a kPartial row needs it).
  /// With an `op` column, a final row is "+I": the window's first result.
  Status add(std::string_view key, int64_t start, int64_t end, const WindowAccumulator& acc,
             WindowRowKind kind = WindowRowKind::kFinal);
  /// Appends a change to a fired window's result (`op` "-U", "+U", "-D", or
  /// "+I" when a late record fills a window that had no row): needs the `op` column.
  Status add_change(const char* op, std::string_view key, int64_t start, int64_t end,
                    const WindowAccumulator& acc);
  /// Emits the rows built so far once they fill a batch.
  Status emit_if_full(Collector& out);
  /// Emits whatever rows were built (nothing when none).
  Status flush(Collector& out);
  /// Final rows added over the operator's life: the windows fired.
  uint64_t windows_fired() const { return windows_fired_; }

 private:
  void bind_columns();
  Status append(const char* op, std::string_view key, int64_t start, int64_t end,
                const WindowAccumulator& acc, bool final_row);

  BatchBuilder builder_;
  size_t num_keys_;
  const AggregateEvaluator& aggregates_;
  /// The `final` column's index, or 0 when the schema has none.
  size_t final_column_ = 0;
  /// 1 when the first column is `op`, else 0: where the key columns start.
  size_t first_ = 0;
  std::vector<Column*> key_columns_;        // into builder_, rebound after each finish()
  std::vector<Column*> aggregate_columns_;  // likewise
  uint64_t windows_fired_ = 0;
};

}  // namespace eddy
