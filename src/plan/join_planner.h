// Plans an operator with `join:` (PIPELINES.md "Joins"): which kind of join it
// is (regular, interval, window), or with `lookup:` (a lookup join), its key and residual condition, its output
// and event time, into the node's JoinConfig (operators/join_config.h). Called
// by job_graph.cpp once both inputs' schemas are known.
//
// The output's event time: an interval join's is the larger of each pair's
// two times, carried by the output column that passes on the input time
// column that is always the larger (the right's when lower >= 0, the left's
// when upper <= 0; the first `select` item that is that column as is). Without
// such a column (not selected, or bounds either way) the output has no event
// time. Regular joins keep no event time (as Flink's, their output's rows are
// not ordered by it); window joins neither, as window aggregates: window_end
// tells the window.
#pragma once

#include <string>
#include <vector>

#include "plan/job_graph.h"
#include "plan/pipeline_spec.h"

namespace eddy {

/// One input of a join as the planner found it.
struct JoinInputView {
  SchemaPtr schema;
  bool updating = false;
  std::string time_column;  // its event-time column; empty without
  int64_t time_offset_ms = 0;  // event time is time_column + this (-1 after a window aggregate)
};

/// Fills node.join, join_text, output_schema, output_updating,
/// event_time_column, the key columns and partitioning of both inputs.
/// `time_source`: the source whose event time reaches the left input (for a
/// window's retention check), null on processing time. Refusals go to
/// `diags` at their position in the file; false then.
bool plan_join(const OperatorSpec& op, const JoinInputView& left, const JoinInputView& right,
               const SourceSpec* time_source, LogicalNode& node, std::vector<Diagnostic>& diags);

/// Plans an operator with `lookup:`: `left` is its input stream, `table` the
/// file source named in `table`, which each subtask reads whole. Fills what
/// plan_join fills but the right input and the partitioning (the stream is
/// not exchanged).
bool plan_lookup_join(const OperatorSpec& op, const JoinInputView& left, const SourceSpec& table, LogicalNode& node,
                      std::vector<Diagnostic>& diags);

}  // namespace eddy
