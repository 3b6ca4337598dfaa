// Configuration of the Top-N operator, as the planner builds it: either after a
// window aggregate (the best n rows per partition of each window, final once
// the window's results are complete) or over a keyed stream (Nexmark q19: a
// continuously updated top n per partition, as a changelog of +I/-D rows, or
// -U/+U with n = 1; over an updating input it retracts rows). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/schema.h"

namespace eddy {

struct TopNConfig {
  SchemaPtr input_schema;
  /// Windowed: == input_schema. Keyed stream: "op" (string: "+I", "-U", "+U",
  /// "-D") then the input columns (the input's own op replaced).
  /// top_n_output_schema builds either.
  SchemaPtr output_schema;
  int64_t n = 10;          // rows kept per partition (and window); at least 1
  int order_column = 0;    // index into input_schema: int64, float64, timestamp or string
  bool descending = true;  // true: the largest values rank first. NULLs rank last either way
  /// Further order columns, each with its direction, ranking rows whose earlier
  /// order values tie (ORDER BY price DESC, date_time ASC). Non-empty: rows
  /// are ranked by one composite key of all order columns (top_n_rows.h).
  std::vector<int> then_columns;
  std::vector<bool> then_descending;
  std::vector<int> partition_columns;  // indices into input_schema; empty: one partition
  /// Windowed mode: the input column (int64 or timestamp) holding each row's
  /// window end; a window's results are complete once the watermark reaches
  /// window_end + allowed_lateness_ms. -1: keyed-stream mode.
  int window_end_column = -1;
  int64_t allowed_lateness_ms = 0;
  /// Keyed-stream mode: the input is an updating stream (first column "op"):
  /// each partition keeps all its live rows, so a retracted row's place in
  /// the top n goes to the next one (Flink's retractable top-n).
  bool input_updating = false;
  /// Keyed-stream mode: when set, each row also carries its rank (1 for the
  /// best) in a last int64 column of this name, as SQL's ROW_NUMBER() selected
  /// in the output; a row whose rank changes is retracted and emitted again.
  std::string rank_column;
};

/// The output schema of a Top-N over `input`: `input` itself in windowed mode
/// (window_end_column >= 0) and over an updating input (whose first column is
/// "op" already), else "op" (string) followed by the input columns. For the planner.
SchemaPtr top_n_output_schema(const SchemaPtr& input, int window_end_column, bool input_updating = false,
                              const std::string& rank_column = "");

}  // namespace eddy
