// JobGraph: a validated pipeline as the runtime runs it. Logical nodes (each
// source, operator and sink) with their schemas and compiled expressions, grouped
// into chains (JobVertex: one subtask runs a whole chain) linked by partitioned
// edges. Built by plan_pipeline(); read by the job master and every subtask.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "expr/expression.h"
#include "operators/join_config.h"
#include "operators/keyed_aggregate_config.h"
#include "operators/top_n_config.h"
#include "operators/window_config.h"
#include "plan/pipeline_spec.h"

namespace eddy {

enum class NodeKind { kSource, kOperator, kSink };

struct LogicalNode {
  NodeKind kind = NodeKind::kSource;
  int spec_index = 0;        // index into spec.sources / operators / sinks
  std::string name;
  int input = -1;            // node index of the input (none for sources)
  int input_output = 0;      // which output of `input`: 0 main, 1.. side outputs (late records)
  std::vector<int> outputs;  // node indices consuming this node (any of its outputs)
  int32_t parallelism = 1;
  SchemaPtr input_schema;    // none for sources
  SchemaPtr output_schema;   // sinks: the input schema
  std::vector<SchemaPtr> side_schemas;  // side output i+1 (a window's late records)
  std::vector<std::string> side_names;  // the stream names of the side outputs
  /// The column of output_schema holding event time; empty without event time.
  std::string event_time_column;
  /// A row's event time is its event_time_column value plus this: 0, or -1
  /// after a window aggregate, whose results carry window_end but belong at
  /// window_end - 1 ms (the last instant of the window, Flink's window_time).
  int64_t event_time_offset_ms = 0;
  EdgePartitioning input_partitioning = EdgePartitioning::kForward;
  std::vector<int> key_columns;  // hash partitioning: indices into input_schema
  int vertex = -1;           // the chain this node runs in
  // Compiled expressions (operators), shared read-only by every subtask.
  std::shared_ptr<const CompiledExpr> filter;
  std::vector<std::shared_ptr<const CompiledExpr>> select;
  std::shared_ptr<const WindowAggregateConfig> window;  // window aggregates
  std::shared_ptr<const KeyedAggregateConfig> keyed_aggregate;  // aggregates without a window
  std::shared_ptr<const TopNConfig> top_n;  // top_n operators and the top-n stage of a window
  bool top_n_stage = false;  // the node planned after a window that has top_n ("name/top_n")
  /// Joins: the second input (`right`); `input`, `input_output`,
  /// `input_schema`, `input_partitioning` and `key_columns` above are the left's.
  int right_input = -1;
  int right_input_output = 0;
  SchemaPtr right_input_schema;
  EdgePartitioning right_input_partitioning = EdgePartitioning::kHash;
  std::vector<int> right_key_columns;
  std::shared_ptr<const JoinConfig> join;
  /// Joins: what `eddy validate` tells of it: kind, type, key, residual
  /// condition, bounds or window (plan/join_planner.h), one line each.
  std::string join_text;
  /// The output is an updating stream (a changelog whose first column is "op").
  bool output_updating = false;
  /// The operator passes on a watermark behind its input's
  /// (Operator::watermark_delay_ms), so nothing is chained after it.
  bool holds_back_watermark = false;
  /// The node's inputs, as node indices: {input} or {input, right_input}.
  std::vector<int> input_nodes() const {
    if (input < 0) return {};
    if (right_input < 0) return {input};
    return {input, right_input};
  }
};

struct JobVertex {
  int id = 0;
  std::vector<int> nodes;    // chain order: nodes[0] consumes the vertex's input
  int32_t parallelism = 1;
  std::string name;          // "gen -> euros -> out"
  std::vector<int> inputs;   // edge ids into this vertex
  std::vector<int> outputs;  // edge ids out of this vertex
  bool is_source() const { return inputs.empty(); }
};

struct JobEdge {
  int id = 0;
  int from_vertex = 0;
  int to_vertex = 0;
  int from_node = 0;         // the producing node (last of its chain, or a fan-out)
  int from_output = 0;       // 0: its main output; i > 0: side output i
  int to_node = 0;
  /// Which input of to_node the edge feeds: kLeftInput (0), or kRightInput
  /// for the second input of a join.
  int to_input = 0;
  EdgePartitioning partitioning = EdgePartitioning::kForward;
  std::vector<int> key_columns;
  SchemaPtr schema;
  /// Channels of one producer subtask on this edge: 1 for forward, else the
  /// consumer parallelism.
  int32_t channels_per_producer(int32_t consumer_parallelism) const {
    return partitioning == EdgePartitioning::kForward ? 1 : consumer_parallelism;
  }
};

struct JobGraph {
  PipelineSpec spec;
  std::vector<LogicalNode> nodes;
  std::vector<JobVertex> vertices;
  std::vector<JobEdge> edges;
  /// A SQL script's EXPLAINs: each statement's plan as describe() prints it.
  /// A script of only EXPLAINs plans no job (no nodes).
  std::vector<std::string> explained;
  /// Slots a job needs with slot sharing: its largest vertex parallelism.
  int32_t max_vertex_parallelism() const;
  /// Human description: operators, chains, parallelism, partitioning of edges.
  std::string describe() const;
};

using JobGraphPtr = std::shared_ptr<const JobGraph>;

/// Which files planning looks for on this host (plan/pipeline_checks.h).
enum class FileChecks {
  kNone,             // task managers, and `eddy run` (the cluster's hosts may see other files)
  kSources,          // a cluster's job manager: its source coordinators list the input files
  kSourcesAndSinks,  // eddy local and eddy validate: everything runs here
};

/// Overrides applied when planning (command-line flags).
struct PlanOptions {
  int32_t parallelism = 0;  // > 0: the job's default parallelism instead of the file's
  /// A relative checkpoints.dir is resolved against this directory (a cluster's
  /// shared checkpoint directory); empty: left as it is (relative to the working directory).
  std::string checkpoint_base;
  /// > 0: the key-group count to plan with instead of the derived one: the
  /// snapshot's, adopted by a restore (runtime/restore_check.h). Ignored when
  /// the file sets max_parallelism.
  int32_t max_parallelism = 0;
  /// Missing input files and sink directories that cannot be made are refused
  /// at their path when this host is where they are read or written.
  FileChecks files = FileChecks::kNone;
  /// The monitor of a pipeline without a `monitor:` section (a cluster config's); null: built-in defaults.
  std::shared_ptr<const MonitorSpec> default_monitor;
};

/// Validates `spec` (names, inputs, cycles, schemas, expression types, outputs
/// read, key groups) and plans it. Problems are appended to `diags`; the
/// result is null when there are any. `max_parallelism_adopted`: the spec's
/// max_parallelism came from a snapshot (kept, not derived).
JobGraphPtr plan_pipeline(PipelineSpec spec, std::vector<Diagnostic>& diags, bool max_parallelism_adopted = false);

/// Reads, parses and plans a pipeline file. On failure the diagnostics are
/// rendered into the Status message ("file:line:col: error: ...").
Result<JobGraphPtr> load_pipeline(const std::string& path, const PlanOptions& options = {});
/// Same, for text already in memory (task managers receive the text).
Result<JobGraphPtr> load_pipeline_text(const std::string& file_name, const std::string& text,
                                       const PlanOptions& options = {});
/// Reads a whole file into `out`.
Status read_text_file(const std::string& path, std::string& out);
/// The pipeline file's text; with `init` scripts (SQL only, as Flink's SQL
/// client's -i), their statements first (sql::join_scripts).
Status read_pipeline_files(const std::string& path, const std::vector<std::string>& init, std::string& out);

}  // namespace eddy
