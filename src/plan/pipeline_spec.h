// PipelineSpec: a pipeline file (PIPELINES.md) as parsed, before planning.
// Built by pipeline_parser.cpp, checked and turned into a JobGraph by
// job_graph.cpp (with pipeline_checks.cpp). Every element keeps its position in the file so
// later checks can point at it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/jdbc_scan.h"
#include "connectors/lookup_options.h"
#include "plan/restart_spec.h"

namespace eddy {

/// 1-based line and column in the pipeline file; 0 when unknown.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

/// A piece of text from the file (an expression, a name) with where it starts.
/// `quoted` tells whether the YAML scalar was quoted, so offsets into the text
/// map to columns one further right.
struct LocatedText {
  std::string text;
  SourceLocation loc;
  bool quoted = false;
  /// Text the SQL planner rewrote (src/sql): where each piece of `text` came
  /// from, as (offset into text, location in the script), by offset; empty for
  /// text taken verbatim from a file.
  std::shared_ptr<const std::vector<std::pair<int, SourceLocation>>> origins = nullptr;
};

/// Where offset `offset` of `t` (-1: its start) is in the file.
inline SourceLocation locate(const LocatedText& t, int offset) {
  if (offset < 0) return t.loc;
  if (t.origins && !t.origins->empty()) {
    SourceLocation at = t.origins->front().second;
    for (const auto& [from, loc] : *t.origins) {
      if (from > offset) break;
      at = loc;
    }
    return at;
  }
  SourceLocation loc = t.loc;
  loc.column += offset + (t.quoted ? 1 : 0);
  return loc;
}

/// How records travel from one operator to the next (ARCHITECTURE.md, Data plane).
enum class EdgePartitioning { kForward, kRebalance, kHash, kBroadcast };
const char* edge_partitioning_name(EdgePartitioning p);

struct MonitorSpec;  // plan/monitor_spec.h

enum class SourceType { kFile, kDatagen, kNexmark, kJdbc, kRedis, kKafka };  // jdbc: scanned or a lookup table; redis: a lookup table
enum class SinkType { kFile, kPrint, kBlackhole, kJdbc, kRedis, kKafka };
enum class OperatorKind {
  kFilter,
  kSelect,
  kWindowAggregate,  // key_by + window + aggregate
  kKeyedAggregate,   // key_by + aggregate without a window: a changelog (+I, +U)
  kTopN,             // top_n alone, on a keyed stream: a changelog (+I, -D)
  kJoin,             // join: two inputs (left, right), with an optional select
  kUnion,            // UNION ALL of `input` and `right_input` (same columns)
  kLookupJoin,       // lookup: a stream (join.left) joined with a file source read whole (join.right)
};

/// `top_n:` of an operator: the first n rows per partition (and window).
struct TopNText {
  bool present = false;
  int64_t n = 0;
  LocatedText order_by;                 // "price DESC"
  std::vector<LocatedText> partition_by;
  std::string rank_column;              // SQL's selected ROW_NUMBER(): each row's rank in this column
  SourceLocation loc;
};

/// `event_time:` of a source (PIPELINES.md, docs/windows.md).
struct EventTimeSpec {
  bool enabled = false;
  LocatedText column;
  int64_t max_out_of_orderness_ms = 0;
  SourceLocation max_out_of_orderness_loc;
  int64_t idle_timeout_us = 0;  // 0: never idle
  /// `alignment_max_drift`: how far (ms of event time) one subtask of the
  /// source may read ahead of the slowest (watermark alignment); -1: not set
  /// (source_alignment_drift_ms picks), 0: `off`.
  int64_t alignment_max_drift_ms = -1;
};

/// `window:` of an operator, durations in milliseconds.
struct WindowText {
  bool present = false;
  std::string type;  // tumbling | sliding | session | cumulate
  int64_t size_ms = 0, slide_ms = 0, gap_ms = 0, step_ms = 0;
  /// On processing time even when the stream has event time (SQL's PROCTIME()).
  bool processing_time = false;
  SourceLocation loc;
  SourceLocation size_loc, slide_loc, gap_loc, step_loc;  // of each key's value
};

/// `left:` or `right:` of a join: a stream name, or {input: NAME, as: ALIAS}.
struct JoinInputText {
  LocatedText input;
  LocatedText alias;  // empty: columns are qualified by the input's name
  /// What its columns are qualified by: the alias, else the input's name.
  const LocatedText& qualifier() const { return alias.text.empty() ? input : alias; }
};

/// `join:` of an operator (PIPELINES.md "Joins"); planned by plan/join_planner.h.
struct JoinText {
  bool present = false;
  JoinInputText left, right;
  LocatedText type;          // inner | left | right | full (checked by the parser); empty: inner
  LocatedText on;            // SQL over both inputs
  int64_t state_ttl_ms = 0;  // 0: rows are kept for ever
  SourceLocation state_ttl_loc;
  WindowText window;         // a window join: tumbling or sliding
  SourceLocation loc;
};

/// One `aggregate:` entry: output column -> call such as "count(distinct bidder)".
struct AggregateItem {
  LocatedText column;
  LocatedText call;
};

struct SourceSpec {
  LocatedText name;
  SourceType type = SourceType::kFile;
  int32_t parallelism = 0;  // 0: the job's default
  FileSourceConfig file;
  SourceLocation path_loc;  // of file.path
  DatagenConfig datagen;
  NexmarkConfig nexmark;
  LookupTableConfig lookup;  // kJdbc, kRedis: a table lookup joins query as rows arrive
  JdbcScanConfig jdbc_scan;  // kJdbc read as a stream: a bounded scan of the table
  KafkaSourceConfig kafka;
  EventTimeSpec event_time;
  SourceLocation loc;
};

struct SelectItem {
  LocatedText column;     // output column name
  LocatedText expression;
};

struct OperatorSpec {
  LocatedText name;
  LocatedText input;
  OperatorKind kind = OperatorKind::kFilter;
  int32_t parallelism = 0;
  LocatedText filter;                 // kFilter: the predicate
  std::vector<SelectItem> select;     // kSelect: output columns in order; kJoin: optional
  std::vector<LocatedText> key_by;    // hash-partition the input by these columns
  std::optional<EdgePartitioning> partition;  // explicit partitioning of the input edge
  SourceLocation partition_loc;
  WindowText window;                       // kWindowAggregate
  std::vector<AggregateItem> aggregate;    // kWindowAggregate, kKeyedAggregate
  TopNText top_n;                          // kTopN, or after a window
  SourceLocation aggregate_loc;
  int64_t allowed_lateness_ms = 0;
  SourceLocation allowed_lateness_loc;
  int64_t emit_every_ms = 0;               // kWindowAggregate: partial results this often
  SourceLocation emit_every_loc;
  LocatedText late_output;                 // names the stream of late records, if set
  JoinText join;                           // kJoin, kLookupJoin (its inputs; `input` stays empty)
  LocatedText right_input;                 // kUnion: the second input
  SourceLocation loc;
};

struct SinkSpec {
  LocatedText name;
  LocatedText input;
  SinkType type = SinkType::kPrint;
  int32_t parallelism = 0;
  FileSinkConfig file;
  SourceLocation path_loc;  // of file.path
  PrintSinkConfig print;
  JdbcSinkConfig jdbc;
  RedisSinkConfig redis;
  std::vector<LocatedText> primary_key;  // jdbc: the upsert key; redis: the hash key; as written
  KafkaSinkConfig kafka;
  std::vector<LocatedText> key_by;
  std::optional<EdgePartitioning> partition;
  SourceLocation partition_loc;
  SourceLocation loc;
};

/// `checkpoints:` (PIPELINES.md): present means checkpoints are taken. The
/// parser refuses a missing or zero interval, a missing dir, a retain outside
/// 1..1000 and a zero timeout (each at its position); the checkpoint
/// coordinator and the job master act on them. (`state: {backend: heap |
/// rocksdb}`, anything else refused, is PipelineSpec::state_backend.)
struct CheckpointSpec {
  bool enabled = false;
  /// Time from the start of one checkpoint to the next trigger; > 0 when enabled.
  int64_t interval_us = 0;
  /// Where completed checkpoints are written; required when enabled.
  std::string dir;
  SourceLocation dir_loc;  // of the `dir` value, for messages
  /// Completed checkpoints kept; older ones are deleted. At least 1.
  int32_t retain = 1;
  /// A checkpoint not complete this long after its trigger is aborted
  /// (`timeout`, default 10 minutes, as Flink's execution.checkpointing.timeout).
  int64_t timeout_us = 600000000;
};

/// `CREATE FUNCTION name AS 'library.so:symbol'` of a SQL script (expr/udf.h).
struct FunctionSpec {
  std::string name;    // lower case
  std::string target;  // library.so:symbol
  SourceLocation loc;
};

struct PipelineSpec {
  std::string file_name;    // as given on the command line, for messages
  std::string text;         // the file's text, shipped to task managers
  std::string name;         // job name
  int32_t parallelism = 1;
  /// The number of key groups. When the file does not set it, the planner
  /// derives it from the largest parallelism as Flink does
  /// (default_max_parallelism), and a restore may adopt a snapshot's.
  int32_t max_parallelism = 128;
  bool max_parallelism_set = false;     // the file sets max_parallelism
  SourceLocation max_parallelism_loc;   // of its value
  size_t batch_size = 1024;
  int64_t buffer_timeout_us = 10000;
  /// `metrics.interval`: how often every subtask reports its metrics to the
  /// job master (docs/monitoring.md); 0 (`off`): never while it runs.
  int64_t metrics_interval_us = 1000000;
  CheckpointSpec checkpoints;
  std::string state_backend = "heap";
  /// `state.heap_snapshots`: how heap key groups reach a checkpoint. "fork"
  /// (default): a forked child packs them while the subtask goes on; "thread":
  /// packed in the subtask's thread at the barrier (no copy-on-write memory
  /// for a child to need), written on a writer thread.
  std::string heap_snapshots = "fork";
  /// `state.localdir`: where RocksDB backends keep their working files, as
  /// Flink's state.backend.rocksdb.localdir; empty: the temp directory.
  std::string state_localdir;
  RestartSpec restart;
  /// `monitor:`: rules and built-in rule settings; null without the section
  /// (the built-in rules then run with their defaults).
  std::shared_ptr<const MonitorSpec> monitor;
  std::vector<SourceSpec> sources;
  std::vector<OperatorSpec> operators;
  std::vector<SinkSpec> sinks;
  /// SQL scripts: user-defined functions, loaded before expressions compile.
  std::vector<FunctionSpec> functions;
  /// SQL scripts: each EXPLAIN's statement planned on its own (with the
  /// tables and views before it), for the command to print; not run.
  std::vector<PipelineSpec> explained;
};

/// One problem found in a pipeline file.
struct Diagnostic {
  SourceLocation loc;
  std::string message;
  std::string file = "";  // the file it is in, when not the pipeline's own (a SQL init script)
};

/// "file:line:column: error: message" lines, one per diagnostic.
std::string render_diagnostics(const std::string& file_name, const std::vector<Diagnostic>& diags);

}  // namespace eddy
