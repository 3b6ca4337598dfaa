// Planning: PipelineSpec -> JobGraph (validation, schemas, chaining, partitioning).
#include "plan/job_graph.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "connectors/datagen_source.h"
#include "connectors/nexmark_source.h"
#include "operators/changelog_rows.h"
#include "operators/keyed_aggregate_operator.h"
#include "operators/top_n_operator.h"
#include "operators/window_aggregate_operator.h"
#include "plan/aggregate_call.h"
#include "plan/join_planner.h"
#include "plan/operator_signatures.h"
#include "plan/pipeline_checks.h"
#include "plan/pipeline_parser.h"
#include "expr/udf.h"
#include "sql/sql_planner.h"
#include "plan/window_limits.h"

namespace eddy {
namespace {

class Planner {
 public:
  Planner(PipelineSpec spec, std::vector<Diagnostic>& diags, bool max_parallelism_adopted)
      : graph_(std::make_shared<JobGraph>()), diags_(diags), max_parallelism_adopted_(max_parallelism_adopted) {
    graph_->spec = std::move(spec);
  }

  JobGraphPtr run() {
    // Every check runs, so one attempt shows the user all problems at once.
    const size_t before = diags_.size();
    collect_nodes();
    settle_max_parallelism(*graph_, max_parallelism_adopted_, diags_);
    check_file_sink_paths(spec(), diags_);
    resolve_inputs();
    if (!has_cycle_) check_outputs_read(*graph_, diags_);
    if (!has_cycle_)  // schemas follow inputs; a cycle has none
      for (size_t i = 0; i < graph_->nodes.size(); ++i) resolve_schema(static_cast<int>(i));
    for (auto& node : graph_->nodes) resolve_partitioning(node);
    if (diags_.size() != before) return nullptr;
    build_vertices();
    return graph_;
  }

 private:
  const PipelineSpec& spec() const { return graph_->spec; }

  void error(SourceLocation loc, std::string message) { diags_.push_back({loc, std::move(message)}); }

  void add_node(NodeKind kind, int index, const LocatedText& name, int32_t parallelism) {
    if (name.text.empty()) return;  // already reported by the parser
    auto [it, fresh] = by_name_.emplace(name.text, std::make_pair(static_cast<int>(graph_->nodes.size()), 0));
    if (!fresh) {
      error(name.loc, "the name '" + name.text + "' is used twice; names of sources, operators "
                      "and sinks must be unique");
      return;
    }
    LogicalNode n;
    n.kind = kind;
    n.spec_index = index;
    n.name = name.text;
    n.parallelism = parallelism > 0 ? parallelism : spec().parallelism;
    if (kind == NodeKind::kOperator) {
      const OperatorSpec& op = spec().operators[static_cast<size_t>(index)];
      // An aggregate without key_by sees every record: one subtask, as Flink's windowAll.
      const bool global = (op.kind == OperatorKind::kWindowAggregate && op.key_by.empty()) ||
                          (op.kind == OperatorKind::kKeyedAggregate && op.key_by.empty()) ||
                          (op.kind == OperatorKind::kTopN && op.top_n.partition_by.empty());
      if (global) {
        if (parallelism > 1)
          error(op.loc, "operator '" + name.text + "' aggregates without key_by, so it runs as one "
                        "subtask; remove its parallelism or add key_by");
        n.parallelism = 1;
      }
    }
    graph_->nodes.push_back(std::move(n));
  }

  void collect_nodes() {
    // A source that a lookup join names as its table is read by that join, not
    // as a stream; a jdbc source that none names is a bounded scan.
    std::set<std::string> tables;
    for (const OperatorSpec& op : spec().operators)
      if (op.kind == OperatorKind::kLookupJoin) tables.insert(op.join.right.input.text);
    for (size_t i = 0; i < spec().sources.size(); ++i) {
      const LocatedText& name = spec().sources[i].name;
      const SourceType type = spec().sources[i].type;
      if (!tables.count(name.text) && type == SourceType::kRedis) {
        error(spec().sources[i].loc, "source '" + name.text + "' (type: redis) is a lookup table: name it as the "
                                     "'table' of a 'lookup' operator (a jdbc source can also be scanned as a stream)");
      } else if (!tables.count(name.text)) {
        add_node(NodeKind::kSource, static_cast<int>(i), name, spec().sources[i].parallelism);
      } else if (!lookup_tables_.emplace(name.text, static_cast<int>(i)).second) {
        error(name.loc, "the name '" + name.text + "' is used twice; names of sources, operators and sinks must be unique");
      }
    }
    for (size_t i = 0; i < spec().operators.size(); ++i) {
      add_node(NodeKind::kOperator, static_cast<int>(i), spec().operators[i].name,
               spec().operators[i].parallelism);
      if (spec().operators[i].kind == OperatorKind::kWindowAggregate && spec().operators[i].top_n.present)
        add_top_n_stage(static_cast<int>(i));
      const LocatedText& late = spec().operators[i].late_output;
      if (late.text.empty() || graph_->nodes.empty()) continue;
      // The late stream is side output 1 of the window operator just added.
      const int node = static_cast<int>(graph_->nodes.size()) - 1;
      if (!by_name_.emplace(late.text, std::make_pair(node, 1)).second)
        error(late.loc, "late_output '" + late.text + "' names a stream that already exists; "
                        "names of sources, operators, sinks and streams must be unique");
      else
        graph_->nodes[static_cast<size_t>(node)].side_names.push_back(late.text);
    }
    for (size_t i = 0; i < spec().sinks.size(); ++i)
      add_node(NodeKind::kSink, static_cast<int>(i), spec().sinks[i].name,
               spec().sinks[i].parallelism);
    for (const auto& [table, index] : lookup_tables_)
      if (by_name_.count(table))
        error(spec().sources[static_cast<size_t>(index)].name.loc,
              "the name '" + table + "' is used twice; names of sources, operators and sinks must be unique");
    if (spec().sources.empty()) error({1, 1}, "the pipeline has no sources; add a 'sources' list");
    if (spec().sinks.empty())
      error({1, 1}, "the pipeline has no sinks; add a 'sinks' list (type: print, file or blackhole)");
  }

  /// A window with top_n runs as two nodes: the window, then "name/top_n",
  /// hash-partitioned by partition_by. The operator's name refers to the second.
  void add_top_n_stage(int op_index) {
    const OperatorSpec& op = spec().operators[static_cast<size_t>(op_index)];
    auto it = by_name_.find(op.name.text);
    if (it == by_name_.end() || it->second.first != static_cast<int>(graph_->nodes.size()) - 1) return;
    const int window = it->second.first;
    LogicalNode n;
    n.kind = NodeKind::kOperator;
    n.spec_index = op_index;
    n.name = op.name.text + "/top_n";
    n.top_n_stage = true;
    n.input = window;
    n.parallelism = op.top_n.partition_by.empty() ? 1 : graph_->nodes[static_cast<size_t>(window)].parallelism;
    graph_->nodes[static_cast<size_t>(window)].outputs.push_back(static_cast<int>(graph_->nodes.size()));
    it->second.first = static_cast<int>(graph_->nodes.size());
    graph_->nodes.push_back(std::move(n));
  }

  const LocatedText& input_of(const LogicalNode& n) const {
    if (is_join(n) || is_lookup(n)) return spec().operators[n.spec_index].join.left.input;
    return n.kind == NodeKind::kOperator ? spec().operators[n.spec_index].input
                                         : spec().sinks[n.spec_index].input;
  }

  bool is_join(const LogicalNode& n) const {
    return n.kind == NodeKind::kOperator && spec().operators[n.spec_index].kind == OperatorKind::kJoin;
  }

  bool is_lookup(const LogicalNode& n) const {
    return n.kind == NodeKind::kOperator && spec().operators[n.spec_index].kind == OperatorKind::kLookupJoin;
  }

  bool is_union(const LogicalNode& n) const {
    return n.kind == NodeKind::kOperator && spec().operators[n.spec_index].kind == OperatorKind::kUnion;
  }

  /// The node (and its output) that `in` names as input of node `i`; -1, reported, when none.
  int lookup_input(const LocatedText& in, size_t i, int& output) {
    const auto& nodes = graph_->nodes;
    auto it = by_name_.find(in.text);
    if (it == by_name_.end() && lookup_tables_.count(in.text)) {
      error(in.loc, "input '" + in.text + "' of '" + nodes[i].name + "' is the table of a lookup join, which reads it "
                    "whole; a source read as a stream needs a name (and an entry under 'sources') of its own");
      return -1;
    }
    if (it == by_name_.end()) {
      error(in.loc, "input '" + in.text + "' of '" + nodes[i].name +
                        "' names no source or operator; expected one of: " + known_names());
      return -1;
    }
    if (nodes[it->second.first].kind == NodeKind::kSink) {
      error(in.loc, "input '" + in.text + "' of '" + nodes[i].name + "' is a sink; sinks produce no stream to read");
      return -1;
    }
    output = it->second.second;
    return it->second.first;
  }

  /// True when following inputs up from `from` reaches `target`.
  bool reaches(int from, int target) const {
    std::vector<int> todo{from};
    std::set<int> seen;
    while (!todo.empty()) {
      const int at = todo.back();
      todo.pop_back();
      if (at == target) return true;
      if (!seen.insert(at).second) continue;
      for (int in : graph_->nodes[static_cast<size_t>(at)].input_nodes()) todo.push_back(in);
    }
    return false;
  }

  std::string known_names() const {
    std::string out;
    for (const auto& n : graph_->nodes) {
      if (n.kind == NodeKind::kSink) continue;
      out += (out.empty() ? "" : ", ") + n.name;
      for (const auto& side : n.side_names) out += ", " + side;
    }
    return out;
  }

  void resolve_inputs() {
    auto& nodes = graph_->nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].kind == NodeKind::kSource || nodes[i].top_n_stage) continue;
      int output = 0;
      const int producer = lookup_input(input_of(nodes[i]), i, output);
      if (producer < 0) continue;
      nodes[i].input = producer;
      nodes[i].input_output = output;
      nodes[producer].outputs.push_back(static_cast<int>(i));
      if (!is_join(nodes[i]) && !is_union(nodes[i])) continue;
      const OperatorSpec& op = spec().operators[nodes[i].spec_index];
      const int right = lookup_input(is_union(nodes[i]) ? op.right_input : op.join.right.input, i, output);
      if (right < 0) continue;
      nodes[i].right_input = right;
      nodes[i].right_input_output = output;
      nodes[right].outputs.push_back(static_cast<int>(i));
    }
    // A cycle is a walk up the inputs (both of a join) that returns.
    for (size_t i = 0; i < nodes.size(); ++i) {
      bool cycle = false;
      for (int in : nodes[i].input_nodes()) cycle = cycle || reaches(in, static_cast<int>(i));
      if (!cycle) continue;
      has_cycle_ = true;
      if (nodes[i].top_n_stage) continue;  // reported at its window
      error(input_of(nodes[i]).loc, "'" + nodes[i].name + "' is part of a cycle: following "
                                    "its inputs leads back to it; pipelines must be acyclic");
    }
  }

  SourceLocation expr_loc(const LocatedText& t, const ExprError& e) const { return locate(t, e.offset); }

  std::shared_ptr<const CompiledExpr> compile(const LocatedText& t, const Schema& input,
                                              const std::string& where) {
    ExprError err;
    auto r = compile_expression(t.text, input, &err);
    if (!r.ok()) {
      error(expr_loc(t, err), where + ": " + (err.message.empty() ? r.status().message() : err.message));
      return nullptr;
    }
    return *r;
  }

  SchemaPtr source_schema(const SourceSpec& s) {
    switch (s.type) {
      case SourceType::kFile: return s.file.schema;
      case SourceType::kJdbc:
      case SourceType::kRedis: return s.lookup.schema;
      case SourceType::kKafka: return s.kafka.schema;
      case SourceType::kNexmark: {
        Status st = validate_nexmark_config(s.nexmark);
        if (!st.is_ok()) error(s.loc, "source '" + s.name.text + "': " + st.message());
        return nexmark_schema(s.nexmark.table);
      }
      case SourceType::kDatagen: {
        if (s.datagen.fields.empty()) return nullptr;  // reported by the parser
        DatagenConfig cfg = s.datagen;
        cfg.block_rows = static_cast<int64_t>(spec().batch_size);
        Status st = validate_datagen_config(cfg);
        if (!st.is_ok()) {
          error(s.loc, "source '" + s.name.text + "': " + st.message());
          return nullptr;
        }
        return datagen_schema(cfg);
      }
    }
    return nullptr;
  }

  void resolve_schema(int index) {
    LogicalNode& n = graph_->nodes[index];
    if (n.output_schema || resolving_.count(index) || !resolved_.insert(index).second) return;
    if (n.kind == NodeKind::kSource) {
      const SourceSpec& src = spec().sources[n.spec_index];
      n.output_schema = source_schema(src);
      if (n.output_schema && src.event_time.enabled) {
        const LocatedText& col = src.event_time.column;
        const int idx = n.output_schema->index_of(col.text);
        if (idx < 0)
          error(col.loc, "event_time column '" + col.text + "' of source '" + n.name +
                             "' is not in its schema (" + n.output_schema->to_string() + ")");
        else if (n.output_schema->field(static_cast<size_t>(idx)).type != DataType::kTimestamp)
          error(col.loc, "event_time column '" + col.text + "' of source '" + n.name +
                             "' must be a timestamp, but it is " +
                             type_name(n.output_schema->field(static_cast<size_t>(idx)).type));
        else
          n.event_time_column = col.text;
      }
      return;
    }
    if (n.input < 0) return;
    if (is_join(n)) {
      resolve_join(index);
      return;
    }
    if (is_union(n)) {
      resolve_union(index);
      return;
    }
    if (is_lookup(n)) {
      resolve_lookup(index);
      return;
    }
    resolving_.insert(index);
    resolve_schema(n.input);
    resolving_.erase(index);
    LogicalNode& node = graph_->nodes[index];
    const LogicalNode& producer = graph_->nodes[node.input];
    if (node.input_output == 0) {
      node.input_schema = producer.output_schema;
      node.event_time_column = producer.event_time_column;
      node.event_time_offset_ms = producer.event_time_offset_ms;
    } else if (static_cast<size_t>(node.input_output) <= producer.side_schemas.size()) {
      node.input_schema = producer.side_schemas[static_cast<size_t>(node.input_output) - 1];
      auto t = side_time_.find(node.input);
      node.event_time_column = t == side_time_.end() ? "" : t->second.first;
      node.event_time_offset_ms = t == side_time_.end() ? 0 : t->second.second;
    }
    if (!node.input_schema) return;
    // The stream kind follows the input (sinks, filters, selects) unless the
    // operator below decides it; side outputs (late records) are append-only.
    node.output_updating = node.input_output == 0 && producer.output_updating;
    if (node.kind == NodeKind::kSink) {
      node.output_schema = node.input_schema;
      check_jdbc_sink(node);
      check_redis_sink(node);
      check_kafka_sink(node);
      return;
    }
    const OperatorSpec& op = spec().operators[node.spec_index];
    if (node.top_n_stage) {
      if (node.output_updating) {
        // The window's rows change after it fired (allowed_lateness): the
        // windowed top-n ranks each window once, when it fires.
        error(op.top_n.loc, "top_n of '" + op.name.text + "' ranks each window once, when it fires, but "
                            "with allowed_lateness its window's rows change after that (-U/+U); remove "
                            "allowed_lateness, or rank in an operator of its own, which takes the updating "
                            "stream: input: " + op.name.text + ", top_n: { n: " + std::to_string(op.top_n.n) +
                            ", order_by: " + op.top_n.order_by.text + ", partition_by: [window_start, window_end] }");
        return;
      }
      resolve_top_n(node, op, /*windowed=*/true);
      return;
    }
    if (op.kind == OperatorKind::kWindowAggregate) {
      resolve_window(node, op);
      return;
    }
    if (op.kind == OperatorKind::kKeyedAggregate) {
      resolve_keyed_aggregate(node, op);
      return;
    }
    if (op.kind == OperatorKind::kTopN) {
      resolve_top_n(node, op, /*windowed=*/false);
      return;
    }
    if (op.kind == OperatorKind::kFilter) {
      node.filter = compile(op.filter, *node.input_schema, "filter of '" + node.name + "'");
      if (node.filter && node.filter->type() != DataType::kBool)
        error(expr_loc(op.filter, ExprError{0, ""}), "filter of '" + node.name + "' must be a boolean condition, but it "
                             "is of type " + type_name(node.filter->type()));
      node.output_schema = node.input_schema;
      return;
    }
    std::vector<Field> fields;
    const int time_index = node.event_time_column.empty() ? -1 : node.input_schema->index_of(node.event_time_column);
    const std::string upstream_time = node.event_time_column;
    node.event_time_column.clear();
    size_t expected = op.select.size();
    if (node.output_updating) {
      // A changelog keeps its row kinds: op goes first whether or not it is listed.
      auto ref = compile(LocatedText{kOpColumn, op.loc}, *node.input_schema, "the op column of '" + node.name + "'");
      if (!ref) return;
      fields.push_back({kOpColumn, DataType::kString});
      node.select.push_back(std::move(ref));
      ++expected;
    }
    for (const auto& item : op.select) {
      if (node.output_updating && item.column.text == kOpColumn) {
        --expected;
        auto e = compile(item.expression, *node.input_schema, "column 'op' of '" + node.name + "'");
        if (e && e->column_ref_index() != 0)
          error(item.column.loc, "'" + node.name + "' reads an updating stream, whose first column 'op' (the row "
                                 "kind: +I, -U, +U, -D) a select passes on by itself; name this column otherwise");
        continue;
      }
      auto e = compile(item.expression, *node.input_schema,
                       "column '" + item.column.text + "' of '" + node.name + "'");
      if (!e) continue;
      // Event time follows its column through a select that passes it on as is.
      if (time_index >= 0 && e->column_ref_index() == time_index && node.event_time_column.empty())
        node.event_time_column = item.column.text;
      fields.push_back({item.column.text, e->type()});
      node.select.push_back(std::move(e));
    }
    if (node.event_time_column.empty()) node.event_time_offset_ms = 0;
    if (!upstream_time.empty() && node.event_time_column.empty()) dropped_time_[index] = upstream_time;
    if (node.select.size() == expected) node.output_schema = std::make_shared<Schema>(std::move(fields));
  }

  /// Output `output` of node `producer` as a join's input sees it.
  JoinInputView input_view(int producer, int output) const {
    const LogicalNode& p = graph_->nodes[static_cast<size_t>(producer)];
    // An interval join bounds and expires rows by their time column's values:
    // a window result's window_end is 1 ms after its event time, which keeps
    // it (as the window emits it before the watermark that fired it) above
    // every watermark the join has seen from that input, and the bounds exact.
    // A window join instead assigns rows by their event time (time_offset_ms).
    if (output == 0) return {p.output_schema, p.output_updating, p.event_time_column, p.event_time_offset_ms};
    if (static_cast<size_t>(output) > p.side_schemas.size()) return {};
    auto t = side_time_.find(producer);
    if (t == side_time_.end()) return {p.side_schemas[static_cast<size_t>(output) - 1], false, "", 0};
    return {p.side_schemas[static_cast<size_t>(output) - 1], false, t->second.first, t->second.second};
  }

  /// Resolves both inputs of a two-input node; false when it has no second.
  bool resolve_both_inputs(int index) {
    resolving_.insert(index);
    resolve_schema(graph_->nodes[static_cast<size_t>(index)].input);
    if (graph_->nodes[static_cast<size_t>(index)].right_input >= 0)
      resolve_schema(graph_->nodes[static_cast<size_t>(index)].right_input);
    resolving_.erase(index);
    return graph_->nodes[static_cast<size_t>(index)].right_input >= 0;
  }

  void resolve_join(int index) {
    if (!resolve_both_inputs(index)) return;
    LogicalNode& node = graph_->nodes[static_cast<size_t>(index)];
    const JoinInputView left = input_view(node.input, node.input_output);
    const JoinInputView right = input_view(node.right_input, node.right_input_output);
    node.input_schema = left.schema;
    node.right_input_schema = right.schema;
    node.event_time_column = left.time_column;  // for the window check's source; plan_join sets the output's
    plan_join(spec().operators[static_cast<size_t>(node.spec_index)], left, right, event_time_source(node), node,
              diags_);
    // An interval join writes the larger of the pair's time values into its
    // time column: at or after either row's event time, so nothing is late.
    node.event_time_offset_ms = 0;
  }

  /// A lookup join: one input stream, and the file source its table names.
  void resolve_lookup(int index) {
    resolving_.insert(index);
    resolve_schema(graph_->nodes[static_cast<size_t>(index)].input);
    resolving_.erase(index);
    LogicalNode& node = graph_->nodes[static_cast<size_t>(index)];
    const OperatorSpec& op = spec().operators[static_cast<size_t>(node.spec_index)];
    const JoinInputView left = input_view(node.input, node.input_output);
    node.input_schema = left.schema;
    auto table = lookup_tables_.find(op.join.right.input.text);
    if (table == lookup_tables_.end()) {
      error(op.join.right.input.loc, "the table '" + op.join.right.input.text + "' of lookup join '" + node.name +
                                         "' names no source; add it under 'sources' (type: file, jdbc or redis)");
      return;
    }
    const SourceSpec& src = spec().sources[static_cast<size_t>(table->second)];
    if (!plan_lookup_join(op, left, src, node, diags_)) return;
    const LogicalNode& producer = graph_->nodes[static_cast<size_t>(node.input)];
    node.event_time_offset_ms = node.event_time_column.empty() ? 0 : producer.event_time_offset_ms;
  }

  /// UNION ALL: both inputs have the same columns (names and types) and kind;
  /// the output keeps event time when both carry it in the same column.
  void resolve_union(int index) {
    if (!resolve_both_inputs(index)) return;
    LogicalNode& node = graph_->nodes[static_cast<size_t>(index)];
    const JoinInputView left = input_view(node.input, node.input_output);
    const JoinInputView right = input_view(node.right_input, node.right_input_output);
    if (!left.schema || !right.schema) return;
    const OperatorSpec& op = spec().operators[static_cast<size_t>(node.spec_index)];
    // An append-only input of an updating union: its rows become inserts (+I).
    const bool mixed = left.updating != right.updating;
    auto as_changelog = [&](const JoinInputView& in) {
      if (in.updating || !mixed) return in.schema;
      std::vector<Field> fields{{kOpColumn, DataType::kString}};
      for (const Field& f : in.schema->fields()) fields.push_back(f);
      return std::make_shared<const Schema>(std::move(fields));
    };
    const SchemaPtr out = as_changelog(left);
    if (out->to_string() != as_changelog(right)->to_string()) {
      error(op.loc, "UNION ALL of '" + node.name + "' needs the same columns on both sides: (" +
                        left.schema->to_string() + ") and (" + right.schema->to_string() + ")" +
                        (mixed ? " (the updating one with op first)" : ""));
      return;
    }
    for (const JoinInputView* in : {&left, &right})
      if (mixed && !in->updating && in->schema->index_of(kOpColumn) >= 0) {
        error(op.loc, "UNION ALL of '" + node.name + "' joins an updating stream with an append-only one that has a "
                      "column 'op' already; rename it in a select before");
        return;
      }
    node.input_schema = left.schema;
    node.right_input_schema = right.schema;
    node.output_schema = out;
    node.output_updating = left.updating || right.updating;
    node.event_time_column = left.time_column == right.time_column ? left.time_column : "";
    node.event_time_offset_ms = 0;
    const int32_t left_p = graph_->nodes[static_cast<size_t>(node.input)].parallelism;
    const int32_t right_p = graph_->nodes[static_cast<size_t>(node.right_input)].parallelism;
    node.input_partitioning = left_p == node.parallelism ? EdgePartitioning::kForward : EdgePartitioning::kRebalance;
    node.right_input_partitioning =
        right_p == node.parallelism ? EdgePartitioning::kForward : EdgePartitioning::kRebalance;
  }

  /// The select upstream of `index` that dropped the event-time column, if any.
  const std::pair<const int, std::string>* dropped_upstream(int index) const {
    for (int at = graph_->nodes[static_cast<size_t>(index)].input; at >= 0;
         at = graph_->nodes[static_cast<size_t>(at)].input) {
      auto it = dropped_time_.find(at);
      if (it != dropped_time_.end()) return &*it;
    }
    return nullptr;
  }

  /// The source whose event time reaches node `index` (each node has one
  /// input, so the walk up ends at one source), or null on processing time.
  const SourceSpec* event_time_source(const LogicalNode& node) const {
    if (node.event_time_column.empty()) return nullptr;
    int at = node.input;
    while (at >= 0 && graph_->nodes[static_cast<size_t>(at)].kind != NodeKind::kSource)
      at = graph_->nodes[static_cast<size_t>(at)].input;
    if (at < 0) return nullptr;
    return &spec().sources[static_cast<size_t>(graph_->nodes[static_cast<size_t>(at)].spec_index)];
  }

  std::optional<AggregateSpec> resolve_aggregate(const AggregateItem& item, const Schema& input,
                                                 const std::string& where) {
    int offset = -1;
    auto call = parse_aggregate_call(item.call.text, &offset);
    if (!call.ok()) {
      error(expr_loc(item.call, ExprError{offset, ""}), where + ": " + call.status().message());
      return std::nullopt;
    }
    std::optional<AggregateSpec> a = resolve_aggregate_call(item, *call, input, where);
    if (!a || call->filter.empty()) return a;
    // FILTER (WHERE cond): compiled against the input; errors point into the call's text.
    const std::string what = where + ": FILTER of '" + item.column.text + "'";
    ExprError err;
    auto cond = compile_expression(call->filter, input, &err);
    if (!cond.ok()) {
      error(expr_loc(item.call, ExprError{call->filter_offset + std::max(err.offset, 0), ""}),
            what + ": " + (err.message.empty() ? cond.status().message() : err.message));
      return std::nullopt;
    }
    if ((*cond)->type() != DataType::kBool) {
      error(expr_loc(item.call, ExprError{call->filter_offset, ""}),
            what + " must be a boolean condition, but '" + call->filter + "' is of type " +
                type_name((*cond)->type()) + " (write a comparison, such as " + call->filter + " > 0)");
      return std::nullopt;
    }
    a->filter = *cond;
    a->filter_sql = call->filter;
    return a;
  }

  std::optional<AggregateSpec> resolve_aggregate_call(const AggregateItem& item, const AggregateCall& parsed,
                                                      const Schema& input, const std::string& where) {
    const AggregateCall* call = &parsed;
    AggregateSpec a;
    a.output = item.column.text;
    a.function = call->function;
    if (a.function == AggregateFunction::kCountStar) {
      a.output_type = DataType::kInt64;
      return a;
    }
    a.input_column = input.index_of(call->column);
    if (a.input_column < 0) {
      error(expr_loc(item.call, ExprError{call->column_offset, ""}),
            where + ": unknown column '" + call->column + "'; the input has columns " + input.to_string());
      return std::nullopt;
    }
    a.input_type = input.field(static_cast<size_t>(a.input_column)).type;
    switch (a.function) {
      case AggregateFunction::kCount:
      case AggregateFunction::kCountDistinct: a.output_type = DataType::kInt64; break;
      case AggregateFunction::kSum:
      case AggregateFunction::kAvg:
        if (!is_numeric(a.input_type)) {
          error(expr_loc(item.call, ExprError{call->column_offset, ""}),
                where + ": " + aggregate_function_name(a.function) + " needs a numeric column, but '" +
                    call->column + "' is " + type_name(a.input_type));
          return std::nullopt;
        }
        a.output_type = a.function == AggregateFunction::kAvg ? DataType::kFloat64 : a.input_type;
        break;
      case AggregateFunction::kMin:
      case AggregateFunction::kMax:
        if (a.input_type == DataType::kBool) {
          error(expr_loc(item.call, ExprError{call->column_offset, ""}),
                where + ": min and max need a number, timestamp or string column, not bool");
          return std::nullopt;
        }
        a.output_type = a.input_type;
        break;
      case AggregateFunction::kCountStar: break;
    }
    return a;
  }

  /// A jdbc sink writes an updating stream only by upserting on its primary
  /// key, whose columns must be written; without a key it cannot apply -U/-D.
  void check_jdbc_sink(const LogicalNode& node) {
    const SinkSpec& sink = spec().sinks[node.spec_index];
    if (sink.type != SinkType::kJdbc) return;
    for (const LocatedText& k : sink.primary_key)
      if (k.text == kOpColumn || node.input_schema->index_of(k.text) < 0)
        error(k.loc, "primary key column '" + k.text + "' of sink '" + sink.name.text + "' is not a column of '" +
                         sink.input.text + "' (" + node.input_schema->to_string() + ")");
    if (!node.output_updating || !sink.primary_key.empty()) return;
    if (from_sql())  // the sink's input is a stream the planner named: speak of the INSERT
      error(sink.loc, "INSERT INTO " + sink.name.text + " writes an updating stream (op: +I, -U, +U, -D), but "
                      "table '" + sink.name.text + "' (jdbc) declares no primary key to upsert on; add PRIMARY KEY "
                      "(columns) NOT ENFORCED to its CREATE TABLE, the key of the table in PostgreSQL");
    else
      error(sink.loc, "sink '" + sink.name.text + "' (jdbc) reads '" + sink.input.text + "', an updating stream "
                      "(op: +I, -U, +U, -D), but declares no primary key to upsert on; add primary_key: [columns], "
                      "the key of the table in PostgreSQL");
  }

  /// The pipeline is a SQL script (its sinks are INSERTs, their inputs streams the planner named).
  bool from_sql() const {
    const std::string& f = spec().file_name;
    return f.size() >= 4 && f.compare(f.size() - 4, 4, ".sql") == 0;
  }

  /// A redis hash sink names each hash by its key columns, which must be
  /// written; a stream sink takes any stream (an updating one's op as a field).
  void check_redis_sink(const LogicalNode& node) {
    const SinkSpec& sink = spec().sinks[node.spec_index];
    if (sink.type != SinkType::kRedis) return;
    for (const LocatedText& k : sink.primary_key)
      if (k.text == kOpColumn || node.input_schema->index_of(k.text) < 0)
        error(k.loc, "key column '" + k.text + "' of sink '" + sink.name.text + "' is not a column of '" +
                         sink.input.text + "' (" + node.input_schema->to_string() + ")");
    if (sink.redis.data_type != RedisDataType::kHash || !sink.primary_key.empty()) return;
    if (from_sql())
      error(sink.loc, "table '" + sink.name.text + "' (redis, data-type hash) needs PRIMARY KEY (columns) NOT "
                      "ENFORCED in its CREATE TABLE: the key's values (after key-prefix) name each hash");
    else
      error(sink.loc, "sink '" + sink.name.text + "' (redis, data-type hash) needs primary_key: [columns], whose "
                      "values (after key-prefix) name each hash");
  }

  /// A kafka sink's key.fields are columns it writes; exactly-once commits on
  /// checkpoints, so it needs them; raw writes one string column.
  void check_kafka_sink(const LogicalNode& node) {
    const SinkSpec& sink = spec().sinks[node.spec_index];
    if (sink.type != SinkType::kKafka) return;
    for (const std::string& k : sink.kafka.key_fields)
      if (node.input_schema->index_of(k) < 0)
        error(sink.loc, "key.fields column '" + k + "' of sink '" + sink.name.text + "' is not a column of '" +
                            sink.input.text + "' (" + node.input_schema->to_string() + ")");
    if (sink.kafka.delivery == KafkaDelivery::kExactlyOnce && !spec().checkpoints.enabled)
      error(sink.loc, "sink '" + sink.name.text + "' (kafka) with 'sink.delivery-guarantee' = 'exactly-once' commits "
                      "its transactions when checkpoints complete: enable checkpoints");
    if (sink.kafka.format == KafkaFormat::kRaw &&
        (node.input_schema->size() != 1 || node.input_schema->field(0).type != DataType::kString))
      error(sink.loc, "sink '" + sink.name.text + "' (kafka) with format 'raw' writes one string column, but '" +
                          sink.input.text + "' has " + node.input_schema->to_string());
  }

  /// The node (walking up from `input`) whose output made that stream
  /// updating: a keyed aggregate, top_n, join or window with allowed_lateness
  /// (whose input is append-only, so the walk stops there), not a filter or select.
  const LogicalNode& updating_origin(int input) const {
    const LogicalNode* at = &graph_->nodes[static_cast<size_t>(input)];
    while (at->input >= 0 && at->kind == NodeKind::kOperator && !at->keyed_aggregate && !at->top_n &&
           !at->join && graph_->nodes[static_cast<size_t>(at->input)].output_updating)
      at = &graph_->nodes[static_cast<size_t>(at->input)];
    return *at;
  }

  /// Refuses an updating stream where `what` of `node` takes only
  /// append-only ones: `node`'s input, or `input_node` when given (a join's
  /// right input). True when refused. Windows call it; interval and window
  /// joins can too, for each input.
  bool refuse_updating_input(const LogicalNode& node, SourceLocation loc, const std::string& what,
                             const std::string& instead, int input_node = -1) {
    if (input_node < 0) input_node = node.input;
    const LogicalNode& input = graph_->nodes[static_cast<size_t>(input_node)];
    // Side outputs (a window's late records) are append-only.
    const int output = input_node == node.input ? node.input_output : node.right_input_output;
    if (!input.output_updating || output != 0) return false;
    const LogicalNode& origin = updating_origin(input_node);
    error(loc, what + " of '" + node.name + "' cannot read '" + input.name + "': it is an updating stream (a "
               "changelog with first column op" + (origin.name != input.name ? ", from '" + origin.name + "'" : "") +
               "), and " + what + " takes append-only streams only; " + instead);
    return true;
  }

  void resolve_window(LogicalNode& node, const OperatorSpec& op) {
    const int index = static_cast<int>(&node - graph_->nodes.data());
    if (refuse_updating_input(node, op.window.loc, "the window",
                              "aggregate it without a window (key_by and aggregate), or window the stream "
                              "before it becomes a changelog"))
      return;
    node.output_updating = false;
    // A window on processing time (SQL's PROCTIME()) ignores the stream's event time.
    const bool event_time = !node.event_time_column.empty() && !op.window.processing_time;
    if (!check_window_limits(op, node.name, event_time ? event_time_source(node) : nullptr, diags_)) return;
    auto cfg = std::make_shared<WindowAggregateConfig>();
    cfg->input_schema = node.input_schema;
    cfg->window.type = window_type(op.window.type);
    cfg->window.size_ms = op.window.size_ms;
    cfg->window.slide_ms = op.window.slide_ms;
    cfg->window.gap_ms = op.window.gap_ms;
    cfg->window.step_ms = op.window.step_ms;
    cfg->allowed_lateness_ms = op.allowed_lateness_ms;
    cfg->late_output = !op.late_output.text.empty();
    std::vector<Field> fields;
    for (const auto& k : op.key_by) {
      const int idx = node.input_schema->index_of(k.text);
      if (idx < 0) return;  // reported by resolve_partitioning
      cfg->key_columns.push_back(idx);
      fields.push_back(node.input_schema->field(static_cast<size_t>(idx)));
    }
    fields.push_back({"window_start", DataType::kTimestamp});
    fields.push_back({"window_end", DataType::kTimestamp});
    const std::string where = "aggregate of '" + node.name + "'";
    // With allowed_lateness (on event time) late records update fired windows:
    // the output is an updating stream, `op` first (docs/windows.md).
    const bool updating = op.allowed_lateness_ms > 0 && event_time;
    if (updating && op.emit_every_ms > 0) {
      error(op.emit_every_loc, "emit_every of '" + node.name + "' cannot be combined with allowed_lateness: "
                               "partial rows (final = false) and updates of fired windows (-U/+U) would "
                               "both revise its results; remove one of them");
      return;
    }
    bool ok = true;
    for (const auto& item : op.aggregate) {
      auto a = resolve_aggregate(item, *node.input_schema, where);
      if (!a) {
        ok = false;
        continue;
      }
      for (const auto& f : fields)
        if (f.name == a->output) {
          error(item.column.loc, where + ": the output column '" + a->output + "' is already a key "
                                 "or window column; choose another name");
          ok = false;
        }
      fields.push_back({a->output, a->output_type});
      cfg->aggregates.push_back(*a);
    }
    if (!ok) return;
    if (event_time) {
      cfg->time_column = node.input_schema->index_of(node.event_time_column);
      cfg->time_offset_ms = node.event_time_offset_ms;  // a window after a window: window_end - 1
    } else if (const auto* dropped = op.window.processing_time ? nullptr : dropped_upstream(index)) {
      error(op.window.loc, "the window of '" + node.name + "' would run on processing time because '" +
                               graph_->nodes[static_cast<size_t>(dropped->first)].name +
                               "' drops the event-time column '" + dropped->second +
                               "'; select it (e.g. " + dropped->second + ": " + dropped->second + ")");
      return;
    } else if (op.allowed_lateness_ms > 0) {
      // Processing time has no late records: the lateness would only delay every window.
      error(op.allowed_lateness_loc, "allowed_lateness of '" + node.name + "' applies to event-time windows, but "
                                     "this window runs on processing time (no event_time reaches it); remove "
                                     "allowed_lateness, or set event_time on the source");
      return;
    }
    cfg->emit_every_ms = op.emit_every_ms;
    if (cfg->emit_every_ms > 0) {
      // Partial rows say so: final = false until the window fires (docs/windows.md).
      for (const auto& f : fields)
        if (f.name == "final") {
          error(op.emit_every_loc, where + ": with emit_every the output gains a column 'final', "
                                   "which is already taken; rename that column");
          return;
        }
      fields.push_back({"final", DataType::kBool});
    }
    if (updating) {
      for (const auto& f : fields)
        if (f.name == kOpColumn) {
          error(op.allowed_lateness_loc, where + ": with allowed_lateness the output is an updating stream "
                                         "whose first column is 'op', which is already taken; rename that column");
          return;
        }
      fields.insert(fields.begin(), Field{kOpColumn, DataType::kString});
    }
    cfg->output_schema = std::make_shared<Schema>(std::move(fields));
    if (Status st = WindowAggregateOperator::validate(*cfg); !st.is_ok()) {
      error(op.window.loc, "window of '" + node.name + "': " + st.message());
      return;
    }
    node.output_schema = cfg->output_schema;
    if (cfg->late_output) {
      node.side_schemas.push_back(node.input_schema);
      side_time_[index] = {node.event_time_column, node.event_time_offset_ms};
    }
    set_window_result_time(node, *cfg);
    node.output_updating = updating;
    node.window = std::move(cfg);
  }

  /// An event-time window's results happen at window_end - 1 ms (as Flink's
  /// window_time): the window emits them before it forwards the watermark
  /// that fired them, so they are on time downstream, where an interval join
  /// or another window can use them (docs/windows.md). Results that a late
  /// record updates, or partial ones, carry no event time.
  static void set_window_result_time(LogicalNode& node, const WindowAggregateConfig& cfg) {
    node.event_time_column.clear();
    node.event_time_offset_ms = 0;
    if (cfg.time_column < 0 || cfg.allowed_lateness_ms > 0 || cfg.emit_every_ms > 0) return;
    if (cfg.output_schema->index_of("window_end") < 0) return;
    node.event_time_column = "window_end";
    node.event_time_offset_ms = -1;
  }

  void resolve_keyed_aggregate(LogicalNode& node, const OperatorSpec& op) {
    if (op.top_n.present) {
      error(op.top_n.loc, "top_n on an aggregate without a window is not supported; put top_n "
                          "on a window, or on an operator of its own");
      return;
    }
    auto cfg = std::make_shared<KeyedAggregateConfig>();
    cfg->input_schema = node.input_schema;
    cfg->input_updating = node.output_updating;  // the input's kind, so far
    for (const auto& k : op.key_by) {
      const int idx = node.input_schema->index_of(k.text);
      if (idx < 0) return;  // reported by resolve_partitioning
      cfg->key_columns.push_back(idx);
    }
    const std::string where = "aggregate of '" + node.name + "'";
    for (const auto& item : op.aggregate) {
      auto a = resolve_aggregate(item, *node.input_schema, where);
      if (!a) return;
      cfg->aggregates.push_back(*a);
    }
    cfg->output_schema = keyed_aggregate_output_schema(*node.input_schema, cfg->key_columns, cfg->aggregates);
    std::set<std::string> names;
    for (const auto& f : cfg->output_schema->fields())
      if (!names.insert(f.name).second) {
        error(op.aggregate_loc, where + ": the output column '" + f.name + "' appears twice "
                                "(keys, aggregates and 'op' must have distinct names)");
        return;
      }
    if (Status st = KeyedAggregateOperator::validate(*cfg); !st.is_ok()) {
      error(op.aggregate_loc, where + ": " + st.message());
      return;
    }
    node.output_schema = cfg->output_schema;
    node.output_updating = true;
    node.event_time_column.clear();
    node.event_time_offset_ms = 0;
    node.keyed_aggregate = std::move(cfg);
  }

  void resolve_top_n(LogicalNode& node, const OperatorSpec& op, bool windowed) {
    const TopNText& t = op.top_n;
    auto cfg = std::make_shared<TopNConfig>();
    cfg->input_schema = node.input_schema;
    cfg->n = t.n;
    // "col", "col ASC" or "col DESC", several separated by commas
    std::vector<std::pair<int, bool>> keys;
    std::string rest = t.order_by.text;
    while (true) {
      const size_t comma = rest.find(',');
      std::string part = rest.substr(0, comma);
      while (!part.empty() && part.front() == ' ') part.erase(0, 1);
      while (!part.empty() && part.back() == ' ') part.pop_back();
      std::string column = part.substr(0, part.find(' '));
      std::string direction = part.find(' ') == std::string::npos ? "" : part.substr(part.find(' ') + 1);
      for (auto& c : direction) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      while (!direction.empty() && direction.front() == ' ') direction.erase(0, 1);
      if (column.empty() || (direction != "" && direction != "ASC" && direction != "DESC")) {
        error(t.order_by.loc, "top_n order_by of '" + op.name.text + "' must be 'column', 'column ASC' "
                              "or 'column DESC' (several separated by commas), got '" + t.order_by.text + "'");
        return;
      }
      const int index = node.input_schema->index_of(column);
      if (index < 0) {
        error(t.order_by.loc, "top_n order_by column '" + column + "' of '" + op.name.text +
                                  "' is not among " + node.input_schema->to_string());
        return;
      }
      keys.emplace_back(index, direction == "DESC");
      if (comma == std::string::npos) break;
      rest = rest.substr(comma + 1);
    }
    cfg->order_column = keys[0].first;
    cfg->descending = keys[0].second;
    for (size_t k = 1; k < keys.size(); ++k) {
      cfg->then_columns.push_back(keys[k].first);
      cfg->then_descending.push_back(keys[k].second);
    }
    for (const auto& p : t.partition_by) {
      const int idx = node.input_schema->index_of(p.text);
      if (idx < 0) {
        error(p.loc, "top_n partition_by column '" + p.text + "' of '" + op.name.text +
                         "' is not among " + node.input_schema->to_string());
        return;
      }
      cfg->partition_columns.push_back(idx);
    }
    if (windowed && !t.rank_column.empty()) {
      error(t.loc, "top_n of '" + op.name.text + "': rank_column numbers the rows of a top_n operator of its own; "
                   "on a window, rank in an operator after it (input: " + op.name.text + ", top_n: {..., "
                   "partition_by: [window_start, window_end], rank_column: " + t.rank_column + "})");
      return;
    }
    if (windowed) {
      cfg->window_end_column = node.input_schema->index_of("window_end");
      cfg->allowed_lateness_ms = op.allowed_lateness_ms;
      cfg->output_schema = node.input_schema;
      node.key_columns = cfg->partition_columns;
      node.input_partitioning = cfg->partition_columns.empty() ? EdgePartitioning::kRebalance
                                                               : EdgePartitioning::kHash;
    } else {
      cfg->input_updating = node.output_updating;  // the input's kind, so far
      if (!cfg->input_updating && node.input_schema->index_of(kOpColumn) >= 0) {
        error(t.loc, "top_n of '" + op.name.text + "' emits a changelog whose first column is 'op', and its "
                     "append-only input has a column 'op' already; rename it in a select before");
        return;
      }
      if (cfg->input_updating && cfg->order_column == 0) {
        error(t.order_by.loc, "top_n of '" + op.name.text + "' cannot order by op, the row kind of its updating input");
        return;
      }
      cfg->rank_column = t.rank_column;
      if (!cfg->rank_column.empty() && node.input_schema->index_of(cfg->rank_column) >= 0) {
        error(t.loc, "top_n of '" + op.name.text + "': its input has a column '" + cfg->rank_column +
                     "' already; name the row number otherwise");
        return;
      }
      cfg->output_schema = top_n_output_schema(node.input_schema, -1, cfg->input_updating, cfg->rank_column);
    }
    if (Status st = TopNOperator::validate(*cfg); !st.is_ok()) {
      error(t.loc, "top_n of '" + op.name.text + "': " + st.message());
      return;
    }
    node.output_schema = cfg->output_schema;
    node.output_updating = !windowed;
    node.event_time_column.clear();
    node.event_time_offset_ms = 0;
    node.top_n = std::move(cfg);
  }

  void resolve_partitioning(LogicalNode& n) {
    if (n.kind == NodeKind::kSource || n.input < 0 || !n.input_schema || n.top_n_stage) return;
    if (n.right_input >= 0) return;  // a join: partitioned by its key (plan_join)
    if (n.kind == NodeKind::kOperator && n.top_n && !n.top_n_stage) {
      n.key_columns = n.top_n->partition_columns;
      n.input_partitioning = n.key_columns.empty() ? (graph_->nodes[n.input].parallelism == n.parallelism
                                                          ? EdgePartitioning::kForward
                                                          : EdgePartitioning::kRebalance)
                                                   : EdgePartitioning::kHash;
      return;
    }
    const bool is_op = n.kind == NodeKind::kOperator;
    const auto& key_by = is_op ? spec().operators[n.spec_index].key_by : spec().sinks[n.spec_index].key_by;
    const auto& partition =
        is_op ? spec().operators[n.spec_index].partition : spec().sinks[n.spec_index].partition;
    const SourceLocation ploc =
        is_op ? spec().operators[n.spec_index].partition_loc : spec().sinks[n.spec_index].partition_loc;
    for (const auto& k : key_by) {
      int idx = n.input_schema->index_of(k.text);
      if (idx < 0)
        error(k.loc, "key_by column '" + k.text + "' of '" + n.name + "' is not in its input (" +
                         n.input_schema->to_string() + ")");
      n.key_columns.push_back(idx);
    }
    const int32_t upstream = graph_->nodes[n.input].parallelism;
    if (!key_by.empty()) {
      n.input_partitioning = EdgePartitioning::kHash;
      if (partition && *partition != EdgePartitioning::kHash)
        error(ploc, "'" + n.name + "' sets key_by, which partitions by hash; remove 'partition' or set it to hash");
    } else if (partition) {
      n.input_partitioning = *partition;
      if (*partition == EdgePartitioning::kHash)
        error(ploc, "partition: hash needs 'key_by' columns on '" + n.name + "'");
      if (*partition == EdgePartitioning::kForward && upstream != n.parallelism)
        error(ploc, "partition: forward needs the same parallelism on both sides, but '" + n.name +
                        "' has " + std::to_string(n.parallelism) + " and its input " +
                        std::to_string(upstream));
    } else {
      n.input_partitioning =
          upstream == n.parallelism ? EdgePartitioning::kForward : EdgePartitioning::kRebalance;
    }
  }

  /// Node indices with every node after its inputs (both of a join).
  std::vector<int> inputs_first_order() const {
    const auto& nodes = graph_->nodes;
    std::vector<int> order, waiting(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      waiting[i] = static_cast<int>(nodes[i].input_nodes().size());
      if (waiting[i] == 0 && nodes[i].kind == NodeKind::kSource) order.push_back(static_cast<int>(i));
    }
    for (size_t k = 0; k < order.size(); ++k)
      for (int out : nodes[static_cast<size_t>(order[k])].outputs)
        if (--waiting[static_cast<size_t>(out)] == 0) order.push_back(out);
    return order;
  }

  void add_edge(int from, int from_output, int to, int to_input, EdgePartitioning partitioning,
                const std::vector<int>& keys, const SchemaPtr& schema) {
    auto& nodes = graph_->nodes;
    JobEdge e;
    e.id = static_cast<int>(graph_->edges.size());
    e.from_vertex = nodes[static_cast<size_t>(from)].vertex;
    e.to_vertex = nodes[static_cast<size_t>(to)].vertex;
    e.from_node = from;
    e.from_output = from_output;
    e.to_node = to;
    e.to_input = to_input;
    e.partitioning = partitioning;
    e.key_columns = keys;
    e.schema = schema;
    graph_->vertices[static_cast<size_t>(e.from_vertex)].outputs.push_back(e.id);
    graph_->vertices[static_cast<size_t>(e.to_vertex)].inputs.push_back(e.id);
    graph_->edges.push_back(e);
  }

  void build_vertices() {
    auto& nodes = graph_->nodes;
    for (int i : inputs_first_order()) {
      LogicalNode& n = nodes[i];
      // A join starts a vertex of its own: its two inputs arrive on edges.
      const bool chain = n.input >= 0 && n.right_input < 0 && n.input_output == 0 &&
                         n.input_partitioning == EdgePartitioning::kForward &&
                         nodes[n.input].outputs.size() == 1 && !nodes[n.input].holds_back_watermark;
      if (chain) {
        n.vertex = nodes[n.input].vertex;
        graph_->vertices[n.vertex].nodes.push_back(i);
        graph_->vertices[n.vertex].name += " -> " + n.name;
        continue;
      }
      JobVertex v;
      v.id = static_cast<int>(graph_->vertices.size());
      v.nodes.push_back(i);
      v.parallelism = n.parallelism;
      v.name = n.name;
      n.vertex = v.id;
      graph_->vertices.push_back(v);
      if (n.input >= 0) add_edge(n.input, n.input_output, i, 0, n.input_partitioning, n.key_columns, n.input_schema);
      if (n.right_input >= 0)
        add_edge(n.right_input, n.right_input_output, i, 1, n.right_input_partitioning, n.right_key_columns,
                 n.right_input_schema);
    }
  }

  std::shared_ptr<JobGraph> graph_;
  std::vector<Diagnostic>& diags_;
  std::map<std::string, std::pair<int, int>> by_name_;
  std::map<std::string, int> lookup_tables_;  // lookup joins' tables: name -> index into spec.sources  // name -> (node, output)
  std::set<int> resolving_;
  std::set<int> resolved_;  // tried once, so each problem is reported once
  std::map<int, std::string> dropped_time_;  // selects that dropped the event-time column
  /// Windows: the event-time column of their late records, and its offset.
  std::map<int, std::pair<std::string, int64_t>> side_time_;
  bool has_cycle_ = false;
  bool max_parallelism_adopted_ = false;  // spec().max_parallelism is a snapshot's: keep it
};

}  // namespace

const char* edge_partitioning_name(EdgePartitioning p) {
  switch (p) {
    case EdgePartitioning::kForward: return "forward";
    case EdgePartitioning::kRebalance: return "rebalance";
    case EdgePartitioning::kHash: return "hash";
    case EdgePartitioning::kBroadcast: return "broadcast";
  }
  return "?";
}

std::string render_diagnostics(const std::string& file_name, const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += (d.file.empty() ? file_name : d.file) + ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) +
           ": error: " + d.message + "\n";
  }
  return out;
}

int32_t JobGraph::max_vertex_parallelism() const {
  int32_t m = 1;
  for (const auto& v : vertices) m = std::max(m, v.parallelism);
  return m;
}

std::string JobGraph::describe() const {
  std::ostringstream os;
  os << "job '" << spec.name << "': " << nodes.size() << " operators in " << vertices.size()
     << " chains, max_parallelism " << spec.max_parallelism << ", batch_size " << spec.batch_size
     << "\n";
  os << "restart: " << describe_restart(spec.restart) << "\n";
  os << "operators:\n";
  for (const auto& n : nodes) {
    const char* kind = n.kind == NodeKind::kSource ? "source" : n.kind == NodeKind::kSink ? "sink" : "operator";
    os << "  " << n.name << " (" << kind << ", parallelism " << n.parallelism << ")\n";
    os << "    output: " << (n.output_schema ? n.output_schema->to_string() : "?") << "\n";
    if (!n.event_time_column.empty())
      os << "    event time: " << n.event_time_column << (n.event_time_offset_ms == -1 ? " - 1ms" : "") << "\n";
    if (n.window) {
      os << "    window: " << window_description(*n.window) << "\n";
    }
    for (size_t i = 0; i < n.side_names.size(); ++i)
      os << "    side output '" << n.side_names[i] << "': late records\n";
    std::istringstream join_lines(n.join_text);
    for (std::string line; std::getline(join_lines, line);) os << "    " << line << "\n";
  }
  os << "chains (one subtask runs a whole chain):\n";
  for (const auto& v : vertices)
    os << "  [" << v.id << "] " << v.name << "  x" << v.parallelism << "\n";
  os << "edges:\n";
  if (edges.empty()) os << "  (none: every operator is chained)\n";
  for (const auto& e : edges) {
    os << "  " << nodes[e.from_node].name
       << (e.from_output > 0 ? " [" + nodes[e.from_node].side_names[static_cast<size_t>(e.from_output) - 1] + "]" : "")
       << " -> " << nodes[e.to_node].name << (nodes[e.to_node].right_input >= 0 ? (e.to_input == 0 ? " (left)" : " (right)") : "")
       << ": "
       << edge_partitioning_name(e.partitioning);
    if (e.partitioning == EdgePartitioning::kHash) {
      os << " by (";
      for (size_t k = 0; k < e.key_columns.size(); ++k)
        os << (k ? ", " : "") << e.schema->field(static_cast<size_t>(e.key_columns[k])).name;
      os << ")";
    }
    os << "  [" << vertices[e.from_vertex].parallelism << " -> " << vertices[e.to_vertex].parallelism
       << " subtasks]\n";
  }
  return os.str();
}

JobGraphPtr plan_pipeline(PipelineSpec spec, std::vector<Diagnostic>& diags, bool max_parallelism_adopted) {
  return Planner(std::move(spec), diags, max_parallelism_adopted).run();
}

/// A relative checkpoints.dir is taken under the cluster's checkpoint base and
/// may not leave it ("../x", or a link inside the base that leads out): the
/// job manager writes there and a job may not make it write elsewhere.
static Status resolve_under_base(const std::string& base, std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty() || dir.front() == '/') return Status::ok();
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::path(base), ec).lexically_normal();
  const fs::path resolved = fs::weakly_canonical(fs::path(base) / dir, ec).lexically_normal();
  const fs::path rel = resolved.lexically_relative(root);
  if (ec || rel.empty() || *rel.begin() == "..")
    return Status::invalid("checkpoints.dir '" + dir + "' leaves the cluster's checkpoint directory " + base +
                           " (it resolves to " + resolved.string() + "): a relative dir must stay under it");
  dir = resolved.string();
  return Status::ok();
}

Result<JobGraphPtr> load_pipeline_text(const std::string& file_name, const std::string& text,
                                       const PlanOptions& options) {
  std::vector<Diagnostic> diags;
  const bool sql = sql::is_sql_file(file_name);
  PipelineSpec spec = sql ? sql::plan_sql_script(file_name, text, diags) : parse_pipeline(file_name, text, diags);
  if (sql) apply_restart_default(spec);
  for (const FunctionSpec& f : spec.functions) {  // before any expression that calls them compiles
    Status loaded = expr::load_udf(f.name, f.target);
    if (!loaded.is_ok()) diags.push_back({f.loc, loaded.message()});
  }
  if (sql && !diags.empty()) sql::place_in_files(text, diags);
  if (!diags.empty()) return Status::invalid(render_diagnostics(file_name, diags));
  if (options.parallelism > 0) spec.parallelism = options.parallelism;
  if (!spec.monitor && options.default_monitor) spec.monitor = options.default_monitor;
  if (!options.checkpoint_base.empty()) {
    Status inside = resolve_under_base(options.checkpoint_base, spec.checkpoints.dir);
    if (!inside.is_ok())
      return Status::invalid(render_diagnostics(file_name, {{spec.checkpoints.dir_loc, inside.message()}}));
  }
  if (options.files != FileChecks::kNone)
    check_local_files(spec, options.files == FileChecks::kSourcesAndSinks, diags);
  const bool adopted = options.max_parallelism > 0 && !spec.max_parallelism_set;
  if (adopted) spec.max_parallelism = options.max_parallelism;
  std::vector<std::string> explained;
  for (PipelineSpec& e : spec.explained) {
    if (options.parallelism > 0) e.parallelism = options.parallelism;
    apply_restart_default(e);
    if (JobGraphPtr g = plan_pipeline(std::move(e), diags)) explained.push_back(g->describe());
  }
  spec.explained.clear();
  JobGraphPtr graph;
  if (spec.sinks.empty() && !explained.empty()) {
    auto only = std::make_shared<JobGraph>();
    only->spec = std::move(spec);
    graph = only;
  } else {
    graph = plan_pipeline(std::move(spec), diags, adopted);
  }
  if (graph) std::const_pointer_cast<JobGraph>(graph)->explained = std::move(explained);
  if (sql) sql::place_in_files(text, diags);
  if (!diags.empty() || !graph) return Status::invalid(render_diagnostics(file_name, diags));
  return graph;
}

Status read_text_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found(path + ": cannot open the file (does it exist and is it readable?)");
  std::stringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return Status::ok();
}

Status read_pipeline_files(const std::string& path, const std::vector<std::string>& init, std::string& out) {
  if (init.empty()) return read_text_file(path, out);
  if (!sql::is_sql_file(path))
    return Status::invalid(path + ": init scripts (-i) go with SQL scripts (.sql), not with pipeline files");
  std::vector<std::pair<std::string, std::string>> parts;
  for (const std::string& file : init) {
    if (!sql::is_sql_file(file)) return Status::invalid(file + ": an init script (-i) must be a SQL script (.sql)");
    parts.emplace_back(file, "");
    EDDY_RETURN_IF_ERROR(read_text_file(file, parts.back().second));
  }
  parts.emplace_back(path, "");
  EDDY_RETURN_IF_ERROR(read_text_file(path, parts.back().second));
  out = sql::join_scripts(parts);
  return Status::ok();
}

Result<JobGraphPtr> load_pipeline(const std::string& path, const PlanOptions& options) {
  std::string text;
  EDDY_RETURN_IF_ERROR(read_text_file(path, text));
  return load_pipeline_text(path, text, options);
}

}  // namespace eddy
