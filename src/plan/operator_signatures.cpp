// operator_signatures: reads each node's kind from the spec it was planned
// from, and its key columns from the operator config the planner built.
#include "plan/operator_signatures.h"

namespace eddy {
namespace {

const char* source_kind(SourceType t) {
  switch (t) {
    case SourceType::kFile: return "source:file";
    case SourceType::kDatagen: return "source:datagen";
    case SourceType::kNexmark: return "source:nexmark";
  }
  return "source";
}

const char* sink_kind(SinkType t) {
  switch (t) {
    case SinkType::kFile: return "sink:file";
    case SinkType::kPrint: return "sink:print";
    case SinkType::kBlackhole: return "sink:blackhole";
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

/// The kind, state and key types of an operator node (not a source or sink).
void describe_operator(const JobGraph& graph, const LogicalNode& node, PlanOperatorSignature& sig) {
  if (node.top_n_stage || (node.top_n && !node.window)) {
    sig.kind = "top_n";
    sig.has_state = true;
    if (node.top_n) sig.key_types = types_of(node.top_n->input_schema, node.top_n->partition_columns);
    return;
  }
  const OperatorSpec& op = graph.spec.operators[static_cast<size_t>(node.spec_index)];
  switch (op.kind) {
    case OperatorKind::kFilter: sig.kind = "filter"; return;
    case OperatorKind::kSelect: sig.kind = "select"; return;
    case OperatorKind::kWindowAggregate:
      sig.kind = "window";
      sig.has_state = true;
      if (node.window) sig.key_types = types_of(node.window->input_schema, node.window->key_columns);
      return;
    case OperatorKind::kKeyedAggregate:
      sig.kind = "keyed_aggregate";
      sig.has_state = true;
      if (node.keyed_aggregate)
        sig.key_types = types_of(node.keyed_aggregate->input_schema, node.keyed_aggregate->key_columns);
      return;
    case OperatorKind::kTopN:
      sig.kind = "top_n";
      sig.has_state = true;
      if (node.top_n) sig.key_types = types_of(node.top_n->input_schema, node.top_n->partition_columns);
      return;
  }
}

}  // namespace

std::vector<PlanOperatorSignature> operator_signatures(const JobGraph& graph) {
  std::vector<PlanOperatorSignature> out;
  out.reserve(graph.nodes.size());
  for (const LogicalNode& node : graph.nodes) {
    PlanOperatorSignature sig;
    sig.name = node.name;
    switch (node.kind) {
      case NodeKind::kSource:
        sig.kind = source_kind(graph.spec.sources[static_cast<size_t>(node.spec_index)].type);
        sig.has_state = true;
        break;
      case NodeKind::kSink: {
        const SinkType t = graph.spec.sinks[static_cast<size_t>(node.spec_index)].type;
        sig.kind = sink_kind(t);
        sig.has_state = t == SinkType::kFile;
        break;
      }
      case NodeKind::kOperator: describe_operator(graph, node, sig); break;
    }
    out.push_back(std::move(sig));
  }
  return out;
}

}  // namespace eddy
