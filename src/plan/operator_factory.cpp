// Operator, reader and enumerator construction from a JobGraph.
#include "plan/operator_factory.h"

#include <cstdio>

#include "connectors/blackhole_sink.h"
#include "connectors/datagen_source.h"
#include "connectors/file_sink.h"
#include "connectors/file_source.h"
#include "connectors/jdbc_scan.h"
#include "connectors/jdbc_sink.h"
#include "connectors/redis_sink.h"
#include "connectors/kafka_sink.h"
#include "connectors/kafka_source.h"
#include "connectors/nexmark_source.h"
#include "connectors/print_sink.h"
#include "operators/union_operator.h"
#include "operators/filter_operator.h"
#include "operators/join_operators.h"
#include "operators/keyed_aggregate_operator.h"
#include "operators/select_operator.h"
#include "operators/top_n_operator.h"
#include "operators/window_aggregate_operator.h"

namespace eddy {
namespace {

OperatorPtr make_operator(const JobGraph& graph, const LogicalNode& node) {
  if (node.kind == NodeKind::kOperator) {
    const OperatorSpec& op = graph.spec.operators[static_cast<size_t>(node.spec_index)];
    if (node.top_n) return std::make_unique<TopNOperator>(*node.top_n);
    if (node.keyed_aggregate) return std::make_unique<KeyedAggregateOperator>(*node.keyed_aggregate);
    if (op.kind == OperatorKind::kFilter)
      return std::make_unique<FilterOperator>(node.filter, node.output_schema, op.filter.text);
    if (op.kind == OperatorKind::kWindowAggregate)
      return std::make_unique<WindowAggregateOperator>(*node.window);
    if (op.kind == OperatorKind::kUnion) {
      // An append-only input of an updating union lacks the op column (job_graph.cpp).
      auto lacks_op = [&](const SchemaPtr& in) { return in->size() + 1 == node.output_schema->size(); };
      return std::make_unique<UnionOperator>(
          node.output_schema, std::array<bool, 2>{lacks_op(node.input_schema), lacks_op(node.right_input_schema)});
    }
    std::vector<std::string> sql;
    // Over an updating stream the planner puts the changelog's op first (job_graph.cpp).
    if (node.output_updating) sql.push_back("op");
    for (const auto& item : op.select)
      if (!node.output_updating || item.column.text != "op") sql.push_back(item.expression.text);
    return std::make_unique<SelectOperator>(node.select, node.output_schema, std::move(sql));
  }
  const SinkSpec& sink = graph.spec.sinks[static_cast<size_t>(node.spec_index)];
  switch (sink.type) {
    case SinkType::kFile: return make_file_sink(sink.file, node.input_schema);
    case SinkType::kPrint: return make_print_sink(sink.print, node.input_schema, stdout);
    case SinkType::kBlackhole: return make_blackhole_sink(node.input_schema);
    case SinkType::kKafka: return make_kafka_sink(sink.kafka, node.input_schema, "kafka sink '" + node.name + "'");
    case SinkType::kJdbc: {
      JdbcSinkConfig cfg = sink.jdbc;
      cfg.updating = node.output_updating;  // a sink's stream kind is its input's (job_graph.cpp)
      return make_jdbc_sink(cfg, node.input_schema);
    }
    case SinkType::kRedis: {
      RedisSinkConfig cfg = sink.redis;
      cfg.updating = node.output_updating;
      return make_redis_sink(cfg, node.input_schema);
    }
  }
  return nullptr;
}

DatagenConfig datagen_config(const JobGraph& graph, const SourceSpec& s) {
  DatagenConfig cfg = s.datagen;
  cfg.block_rows = static_cast<int64_t>(graph.spec.batch_size);
  return cfg;
}

/// The source's options with its group.id settled: properties.group.id, else "eddy-<source name>".
KafkaSourceConfig kafka_config(const SourceSpec& s, const std::string& name) {
  KafkaSourceConfig cfg = s.kafka;
  if (cfg.group_id.empty()) cfg.group_id = "eddy-" + name;
  return cfg;
}

}  // namespace

Result<std::vector<OperatorPtr>> make_chain_operators(const JobGraph& graph, int vertex_id) {
  std::vector<OperatorPtr> ops;
  for (int idx : graph.vertices[static_cast<size_t>(vertex_id)].nodes) {
    const LogicalNode& node = graph.nodes[static_cast<size_t>(idx)];
    if (node.kind == NodeKind::kSource) continue;
    if (node.join) {
      EDDY_ASSIGN_OR_RETURN(OperatorPtr join, make_join_operator(node.join));
      ops.push_back(std::move(join));
      continue;
    }
    OperatorPtr op = make_operator(graph, node);
    if (!op) return Status::internal("no operator for '" + node.name + "'");
    ops.push_back(std::move(op));
  }
  return ops;
}

Result<std::unique_ptr<SourceReader>> make_source_reader(const JobGraph& graph, int node) {
  const LogicalNode& n = graph.nodes[static_cast<size_t>(node)];
  const SourceSpec& s = graph.spec.sources[static_cast<size_t>(n.spec_index)];
  std::unique_ptr<SourceReader> reader;
  switch (s.type) {
    case SourceType::kFile: reader = make_file_reader(s.file); break;
    case SourceType::kDatagen: reader = make_datagen_reader(datagen_config(graph, s)); break;
    case SourceType::kNexmark: reader = make_nexmark_reader(s.nexmark); break;
    case SourceType::kJdbc: reader = make_jdbc_scan_reader(s.jdbc_scan); break;
    case SourceType::kRedis: break;  // lookup tables, queried by their joins
    case SourceType::kKafka: reader = make_kafka_reader(kafka_config(s, n.name), "kafka source '" + n.name + "'"); break;
  }
  if (!reader) return Status::internal("no reader for source '" + n.name + "'");
  return reader;
}

Result<std::unique_ptr<SplitEnumerator>> make_split_enumerator(const JobGraph& graph, int node) {
  const LogicalNode& n = graph.nodes[static_cast<size_t>(node)];
  const SourceSpec& s = graph.spec.sources[static_cast<size_t>(n.spec_index)];
  std::unique_ptr<SplitEnumerator> e;
  switch (s.type) {
    case SourceType::kFile: e = make_file_enumerator(s.file); break;
    case SourceType::kDatagen: e = make_datagen_enumerator(datagen_config(graph, s)); break;
    case SourceType::kNexmark: e = make_nexmark_enumerator(s.nexmark); break;
    case SourceType::kJdbc: e = make_jdbc_scan_enumerator(s.jdbc_scan); break;
    case SourceType::kRedis: break;  // lookup tables, queried by their joins
    case SourceType::kKafka: e = make_kafka_enumerator(kafka_config(s, n.name), "kafka source '" + n.name + "'"); break;
  }
  if (!e) return Status::internal("no split enumerator for source '" + n.name + "'");
  return e;
}

}  // namespace eddy
