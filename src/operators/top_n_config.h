// Configuration of the Top-N operator, as the planner builds it: either after a
// window aggregate (the best n rows per partition of each window, final once
// the window's results are complete) or over a keyed stream (Nexmark q19: a
// continuously updated top n per partition, as a +I/-D changelog). Plain data.
#pragma once

#include <cstdint>
#include <vector>

#include "core/schema.h"

namespace eddy {

struct TopNConfig {
  SchemaPtr input_schema;
  /// Windowed: == input_schema. Keyed stream: the input columns + "op" (string:
  /// "+I" or "-D"). top_n_output_schema builds either.
  SchemaPtr output_schema;
  int64_t n = 10;          // rows kept per partition (and window); at least 1
  int order_column = 0;    // index into input_schema: int64, float64, timestamp or string
  bool descending = true;  // true: the largest values rank first. NULLs rank last either way
  std::vector<int> partition_columns;  // indices into input_schema; empty: one partition
  /// Windowed mode: the input column (int64 or timestamp) holding each row's
  /// window end; a window's results are complete once the watermark reaches
  /// window_end + allowed_lateness_ms. -1: keyed-stream mode.
  int window_end_column = -1;
  int64_t allowed_lateness_ms = 0;
};

/// The output schema of a Top-N over `input`: `input` itself in windowed mode
/// (window_end_column >= 0), else the input columns followed by "op" (string).
/// For the planner.
SchemaPtr top_n_output_schema(const SchemaPtr& input, int window_end_column);

}  // namespace eddy
