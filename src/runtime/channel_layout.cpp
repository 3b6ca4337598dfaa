// Channel numbering (see channel_layout.h).
#include "runtime/channel_layout.h"

namespace eddy {
namespace {
int channels_from_edge(const JobGraph& graph, const JobEdge& e) {
  return e.partitioning == EdgePartitioning::kForward
             ? 1
             : graph.vertices[static_cast<size_t>(e.from_vertex)].parallelism;
}
}  // namespace

int input_channel_count(const JobGraph& graph, int vertex) {
  int n = 0;
  for (int e : graph.vertices[static_cast<size_t>(vertex)].inputs)
    n += channels_from_edge(graph, graph.edges[static_cast<size_t>(e)]);
  return n;
}

int input_channel_of(const JobGraph& graph, int edge_id, int32_t producer) {
  const JobEdge& edge = graph.edges[static_cast<size_t>(edge_id)];
  int offset = 0;
  for (int e : graph.vertices[static_cast<size_t>(edge.to_vertex)].inputs) {
    if (e == edge_id) break;
    offset += channels_from_edge(graph, graph.edges[static_cast<size_t>(e)]);
  }
  return offset + (edge.partitioning == EdgePartitioning::kForward ? 0 : producer);
}

std::vector<int32_t> consumers_of(const JobGraph& graph, int edge_id, int32_t producer) {
  const JobEdge& edge = graph.edges[static_cast<size_t>(edge_id)];
  if (edge.partitioning == EdgePartitioning::kForward) return {producer};
  std::vector<int32_t> out;
  for (int32_t j = 0; j < graph.vertices[static_cast<size_t>(edge.to_vertex)].parallelism; ++j)
    out.push_back(j);
  return out;
}

}  // namespace eddy
