// Configuration of a join operator (PIPELINES.md "Joins"), as the planner
// builds it from a `join:` section: which kind of join it became, its key,
// residual condition and output. Plain data; the join operators check and run it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/lookup_options.h"
#include "core/schema.h"
#include "expr/expression.h"
#include "operators/window_config.h"

namespace eddy {

enum class JoinType { kInner, kLeft, kRight, kFull };
/// Regular: both inputs in state until state_ttl. Interval: event-time bounds
/// between the inputs' time columns. Window: pairs within the same window.
/// Lookup: the right input is a bounded table each subtask reads whole when it
/// opens; left rows look their partners up in it (SQL's FOR SYSTEM_TIME AS OF
/// a processing-time column). Only inner and left lookup joins exist.
enum class JoinKind { kRegular, kInterval, kWindow, kLookup };

const char* join_type_name(JoinType type);  // "inner", "left", "right", "full"
const char* join_kind_name(JoinKind kind);  // "regular", "interval", "window"

/// A left key a lookup join computes (JoinConfig::left_key_exprs).
constexpr int kComputedKey = -1;

struct JoinConfig {
  JoinType type = JoinType::kInner;
  JoinKind kind = JoinKind::kRegular;
  /// The schemas of the two inputs as they arrive. An updating input's first
  /// column is "op" (string: +I, -U, +U, -D); the other columns are its rows.
  SchemaPtr left_schema, right_schema;
  bool left_updating = false, right_updating = false;
  /// The join key: left_keys[i] = right_keys[i] (indices into left_schema and
  /// right_schema), the same length, pairwise of the same type (the join
  /// operators compare key bytes, and the partitioner hashes them: cast one side
  /// when the types differ). Both inputs are hash-partitioned on them.
  std::vector<int> left_keys, right_keys;
  /// A joined pair as expressions see it: every left column then every right
  /// column, "op" columns left out, a name occurring on both sides prefixed
  /// with its input's name ("person_id").
  SchemaPtr joined_schema;
  /// The conjuncts of `on` that are not key equalities (nor, for an interval
  /// join, its time bounds), over joined_schema; null: none.
  std::shared_ptr<const CompiledExpr> residual;
  /// `select:` over joined_schema, in output order; empty: joined_schema as is.
  std::vector<std::shared_ptr<const CompiledExpr>> select;
  /// What the operator emits: "op" first when output_updating, then the
  /// selected columns (or joined_schema), then, for a window join,
  /// window_start and window_end.
  SchemaPtr output_schema;
  bool output_updating = false;
  /// Regular joins: a row that is neither matched nor touched this long is
  /// forgotten (processing time, as Flink's table.exec.state.ttl); 0: never.
  int64_t state_ttl_ms = 0;
  /// Interval and window joins: the event-time columns of each input.
  int left_time_column = -1, right_time_column = -1;
  /// Window joins: a row's event time is its time column's value plus this:
  /// 0, or -1 on a window aggregate's results, whose window_end is 1 ms after
  /// the window's last instant (LogicalNode::event_time_offset_ms). So such a
  /// row falls in its own window, not the next.
  int64_t left_time_offset_ms = 0, right_time_offset_ms = 0;
  /// Interval joins: a pair matches when
  /// left.time + lower_ms <= right.time <= left.time + upper_ms.
  int64_t lower_ms = 0, upper_ms = 0;
  /// Window joins: tumbling or sliding windows, assigned on both inputs.
  WindowSpec window;
  /// Lookup joins: the table (right_schema is its schema, never updating),
  /// and for each key i, an expression over left_schema computing it (then
  /// left_keys[i] is -1), or null when left_keys[i] names the column.
  FileSourceConfig lookup_table;
  /// Lookup joins against a server (a jdbc or redis table), looked up key by
  /// key as rows arrive (AsyncLookupJoinOperator); null: the file lookup_table.
  std::shared_ptr<const LookupTableConfig> lookup_service;
  std::vector<std::shared_ptr<const CompiledExpr>> left_key_exprs;
  /// The column of output_schema carrying event time (interval joins: the
  /// operator writes the larger of the pair's times into it, over what select
  /// or joined_schema put there; window joins: none, window_end serves); -1: none.
  int output_time_column = -1;
};

}  // namespace eddy
