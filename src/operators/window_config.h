// Configuration of the keyed window aggregate operator, as the planner builds
// it from a pipeline file's `key_by`, `window`, `aggregate`, `allowed_lateness` and
// `late_output` and `emit_every` (docs/windows.md has the exact rules). Plain
// data, no behavior.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"

namespace eddy {

class CompiledExpr;

enum class WindowType { kTumbling, kSliding, kSession, kCumulate };

struct WindowSpec {
  WindowType type = WindowType::kTumbling;
  int64_t size_ms = 0;   // tumbling, sliding, cumulate (the longest window)
  int64_t slide_ms = 0;  // sliding
  int64_t gap_ms = 0;    // session
  int64_t step_ms = 0;   // cumulate: windows grow by this, up to size_ms
};

enum class AggregateFunction { kCountStar, kCount, kCountDistinct, kSum, kMin, kMax, kAvg };

struct AggregateSpec {
  std::string output;         // output column name
  AggregateFunction function = AggregateFunction::kCountStar;
  int input_column = -1;      // index into the input schema; -1 for count(*)
  DataType input_type = DataType::kInt64;
  DataType output_type = DataType::kInt64;
  /// `FILTER (WHERE cond)`: only rows where this boolean expression (over the
  /// input schema) is TRUE reach the aggregate; null: every row does.
  std::shared_ptr<const CompiledExpr> filter = nullptr;
  std::string filter_sql = {};  // the condition's text, for messages
};

struct WindowAggregateConfig {
  SchemaPtr input_schema;
  /// key columns..., window_start, window_end, aggregates... (timestamps for the
  /// window bounds), then `final` (bool) when emit_every_ms > 0
  SchemaPtr output_schema;
  std::vector<int> key_columns;    // indices into input_schema; empty: one global key
  /// The event-time column (an index into input_schema), or -1 for processing time.
  int time_column = -1;
  /// A row's event time is its time_column value plus this: -1 when the input
  /// is another window's results (their window_end is 1 ms past their time).
  int64_t time_offset_ms = 0;
  WindowSpec window;
  std::vector<AggregateSpec> aggregates;
  int64_t allowed_lateness_ms = 0;
  bool late_output = false;        // late records go to side output 0 (input schema)
  /// > 0: partial results of open windows every this much processing time
  /// (Oceanus' incremental window): rows with final = false for the windows
  /// that changed since their last row, final = true when a window fires.
  /// 0 (default): only the fired windows' rows, and no `final` column.
  int64_t emit_every_ms = 0;
};

}  // namespace eddy
