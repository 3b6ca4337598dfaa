// operator_signatures: reads each node's kind from the spec it was planned
// from, and its key columns and state layout from the operator config the
// planner built.
#include "plan/operator_signatures.h"

#include <algorithm>

#include "plan/aggregate_call.h"

namespace eddy {
namespace {

const char* source_kind(SourceType t) {
  switch (t) {
    case SourceType::kFile: return "source:file";
    case SourceType::kDatagen: return "source:datagen";
    case SourceType::kNexmark: return "source:nexmark";
    case SourceType::kJdbc: return "source:jdbc";
    case SourceType::kRedis: return "source:redis";
    case SourceType::kKafka: return "source:kafka";
  }
  return "source";
}

const char* sink_kind(SinkType t) {
  switch (t) {
    case SinkType::kFile: return "sink:file";
    case SinkType::kPrint: return "sink:print";
    case SinkType::kBlackhole: return "sink:blackhole";
    case SinkType::kJdbc: return "sink:jdbc";
    case SinkType::kRedis: return "sink:redis";
    case SinkType::kKafka: return "sink:kafka";
  }
  return "sink";
}

std::vector<std::string> types_of(const SchemaPtr& schema, const std::vector<int>& columns) {
  std::vector<std::string> out;
  for (int c : columns) {
    if (!schema || c < 0 || static_cast<size_t>(c) >= schema->size()) {
      out.emplace_back("?");  // a planner bug; the signature says so rather than crash
      continue;
    }
    out.emplace_back(type_name(schema->field(static_cast<size_t>(c)).type));
  }
  return out;
}

/// A window length as written: the largest unit that divides it ("90s", "1500ms").
std::string duration_text(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* name;
  };
  for (const Unit u : {Unit{3600000, "h"}, Unit{60000, "m"}, Unit{1000, "s"}})
    if (ms != 0 && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}

std::string column_name(const SchemaPtr& schema, int column) {
  if (!schema || column < 0 || static_cast<size_t>(column) >= schema->size()) return "?";
  return schema->field(static_cast<size_t>(column)).name;
}

/// "count(*)", "count(distinct bidder)", "sum(price)", "count(*) FILTER (WHERE price < 10)".
std::string aggregate_text(const AggregateSpec& a, const SchemaPtr& input) {
  // A FILTER changes what the state counts, so it is part of the aggregate.
  const std::string filter = a.filter_sql.empty() ? "" : " FILTER (WHERE " + a.filter_sql + ")";
  if (a.function == AggregateFunction::kCountStar) return "count(*)" + filter;
  const std::string distinct = a.function == AggregateFunction::kCountDistinct ? "distinct " : "";
  return std::string(aggregate_function_name(a.function)) + "(" + distinct + column_name(input, a.input_column) +
         ")" + filter;
}

/// aggregates "[n: count(*), hi: max(price)]", and when any reads a column,
/// argument types "(price float64)" (each column once, in order of use).
void add_aggregates(const std::vector<AggregateSpec>& aggs, const SchemaPtr& input, PlanOperatorSignature& sig) {
  std::string list = "[";
  std::string types;
  std::vector<int> seen;
  for (size_t i = 0; i < aggs.size(); ++i) {
    list += (i > 0 ? ", " : "") + aggs[i].output + ": " + aggregate_text(aggs[i], input);
    const int c = aggs[i].input_column;
    if (c < 0 || std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    types += (types.empty() ? "" : ", ") + column_name(input, c) + " " + type_name(aggs[i].input_type);
  }
  sig.layout.emplace_back("aggregates", list + "]");
  if (!types.empty()) sig.layout.emplace_back("argument types", "(" + types + ")");
}

/// top_n "3 rows by price DESC" and rows "(auction int64, price float64)":
/// each kept row holds every input column.
void add_top_n(const TopNConfig& t, PlanOperatorSignature& sig) {
  std::string order = column_name(t.input_schema, t.order_column) + (t.descending ? " DESC" : " ASC");
  for (size_t k = 0; k < t.then_columns.size(); ++k)
    order += ", " + column_name(t.input_schema, t.then_columns[k]) + (t.then_descending[k] ? " DESC" : " ASC");
  sig.layout.emplace_back("top_n", std::to_string(t.n) + (t.n == 1 ? " row by " : " rows by ") + order);
  std::string rows = "(";
  if (t.input_schema)
    for (size_t i = 0; i < t.input_schema->size(); ++i)
      rows += (i > 0 ? ", " : "") + t.input_schema->field(i).name + " " + type_name(t.input_schema->field(i).type);
  sig.layout.emplace_back("rows", rows + ")");
}

std::string columns_text(const SchemaPtr& schema) {
  std::string out = "(";
  if (schema)
    for (size_t i = 0; i < schema->size(); ++i)
      out += (i > 0 ? ", " : "") + schema->field(i).name + " " + type_name(schema->field(i).type);
  return out + ")";
}

/// join "interval inner" and the rows of each input it keeps.
void add_join(const JoinConfig& j, PlanOperatorSignature& sig) {
  sig.key_types = types_of(j.left_schema, j.left_keys);
  sig.layout.emplace_back("join", std::string(join_kind_name(j.kind)) + " " + join_type_name(j.type));
  sig.layout.emplace_back("left rows", columns_text(j.left_schema));
  sig.layout.emplace_back("right rows", columns_text(j.right_schema));
}

const char* format_name(FileFormat f) { return f == FileFormat::kCsv ? "csv" : "jsonl"; }

/// The kind, state and key types of an operator node (not a source or sink).
void describe_operator(const JobGraph& graph, const LogicalNode& node, PlanOperatorSignature& sig) {
  if (node.top_n_stage || (node.top_n && !node.window)) {
    sig.kind = "top_n";
    sig.has_state = true;
    if (node.top_n) {
      sig.key_types = types_of(node.top_n->input_schema, node.top_n->partition_columns);
      add_top_n(*node.top_n, sig);
    }
    return;
  }
  const OperatorSpec& op = graph.spec.operators[static_cast<size_t>(node.spec_index)];
  switch (op.kind) {
    case OperatorKind::kFilter: sig.kind = "filter"; return;
    case OperatorKind::kSelect: sig.kind = "select"; return;
    case OperatorKind::kWindowAggregate:
      sig.kind = "window";
      sig.has_state = true;
      if (node.window) {
        sig.key_types = types_of(node.window->input_schema, node.window->key_columns);
        sig.layout.emplace_back("window", window_description(*node.window));
        add_aggregates(node.window->aggregates, node.window->input_schema, sig);
      }
      return;
    case OperatorKind::kKeyedAggregate:
      sig.kind = "keyed_aggregate";
      sig.has_state = true;
      if (node.keyed_aggregate) {
        sig.key_types = types_of(node.keyed_aggregate->input_schema, node.keyed_aggregate->key_columns);
        add_aggregates(node.keyed_aggregate->aggregates, node.keyed_aggregate->input_schema, sig);
        // Over an updating input the accumulators keep what retractions need (docs/changelog.md).
        if (node.keyed_aggregate->input_updating) sig.layout.emplace_back("input", "updating");
      }
      return;
    case OperatorKind::kTopN:
      sig.kind = "top_n";
      sig.has_state = true;
      if (node.top_n) {
        sig.key_types = types_of(node.top_n->input_schema, node.top_n->partition_columns);
        add_top_n(*node.top_n, sig);
        // Over an updating input a partition keeps every live row, not n.
        if (node.top_n->input_updating) sig.layout.emplace_back("input", "updating");
      }
      return;
    case OperatorKind::kUnion:
      sig.kind = "union";
      return;
    case OperatorKind::kLookupJoin:  // no state: the table is read again on restore
      sig.kind = "lookup_join";
      return;
    case OperatorKind::kJoin:
      sig.kind = "join";
      sig.has_state = true;
      if (node.join) add_join(*node.join, sig);
      return;
  }
}

}  // namespace

std::string window_description(const WindowAggregateConfig& w) {
  std::string out;
  switch (w.window.type) {
    case WindowType::kTumbling: out = "tumbling " + duration_text(w.window.size_ms); break;
    case WindowType::kSliding:
      out = "sliding " + duration_text(w.window.size_ms) + " every " + duration_text(w.window.slide_ms);
      break;
    case WindowType::kSession: out = "session with gap " + duration_text(w.window.gap_ms); break;
    case WindowType::kCumulate:
      out = "cumulate " + duration_text(w.window.size_ms) + " every " + duration_text(w.window.step_ms);
      break;
  }
  out += w.time_column >= 0 ? " on event time" : " on processing time";
  if (w.emit_every_ms > 0) out += ", with partial results";
  return out;
}

std::vector<PlanOperatorSignature> operator_signatures(const JobGraph& graph) {
  std::vector<PlanOperatorSignature> out;
  out.reserve(graph.nodes.size());
  for (const LogicalNode& node : graph.nodes) {
    PlanOperatorSignature sig;
    sig.name = node.name;
    switch (node.kind) {
      case NodeKind::kSource: {
        const SourceSpec& src = graph.spec.sources[static_cast<size_t>(node.spec_index)];
        sig.kind = source_kind(src.type);
        sig.has_state = true;
        // A split's position is a byte offset: read in another format it lands mid-record.
        if (src.type == SourceType::kFile) sig.layout.emplace_back("format", format_name(src.file.format));
        break;
      }
      case NodeKind::kSink: {
        const SinkSpec& sink = graph.spec.sinks[static_cast<size_t>(node.spec_index)];
        sig.kind = sink_kind(sink.type);
        sig.has_state = sink.type == SinkType::kFile || sink.type == SinkType::kJdbc || sink.type == SinkType::kRedis ||
                        sink.type == SinkType::kKafka;
        // Pending part files are named by the format's extension.
        if (sink.type == SinkType::kFile) sig.layout.emplace_back("format", format_name(sink.file.format));
        break;
      }
      case NodeKind::kOperator: describe_operator(graph, node, sig); break;
    }
    out.push_back(std::move(sig));
  }
  return out;
}

}  // namespace eddy
