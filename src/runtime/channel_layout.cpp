// Channel numbering (see channel_layout.h).
#include "runtime/channel_layout.h"

#include <algorithm>

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

int input_count(const JobGraph& graph, int vertex) {
  const JobVertex& v = graph.vertices[static_cast<size_t>(vertex)];
  if (v.inputs.empty()) return 0;
  const LogicalNode& head = graph.nodes[static_cast<size_t>(v.nodes.front())];
  int inputs = head.right_input >= 0 ? 2 : 1;
  for (int e : v.inputs) inputs = std::max(inputs, graph.edges[static_cast<size_t>(e)].to_input + 1);
  return inputs;
}

std::vector<int> channel_inputs(const JobGraph& graph, int vertex) {
  std::vector<int> out;
  for (int e : graph.vertices[static_cast<size_t>(vertex)].inputs) {
    const JobEdge& edge = graph.edges[static_cast<size_t>(e)];
    out.insert(out.end(), static_cast<size_t>(channels_from_edge(graph, edge)), edge.to_input);
  }
  return out;
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

std::vector<std::vector<ChannelPeer>> output_peers(const JobGraph& graph, int vertex, int32_t index) {
  std::vector<std::vector<ChannelPeer>> out;
  for (int e : graph.vertices[static_cast<size_t>(vertex)].outputs) {
    const JobEdge& edge = graph.edges[static_cast<size_t>(e)];
    std::vector<ChannelPeer> peers;
    for (int32_t j : consumers_of(graph, e, index))
      peers.push_back({edge.to_vertex, j, 0, input_channel_of(graph, e, index)});
    out.push_back(std::move(peers));
  }
  return out;
}

std::vector<ChannelPeer> input_peers(const JobGraph& graph, int vertex, int32_t index) {
  std::vector<ChannelPeer> peers(static_cast<size_t>(input_channel_count(graph, vertex)));
  for (int e : graph.vertices[static_cast<size_t>(vertex)].inputs) {
    const JobEdge& edge = graph.edges[static_cast<size_t>(e)];
    const auto& outs = graph.vertices[static_cast<size_t>(edge.from_vertex)].outputs;
    const int32_t pos = static_cast<int32_t>(std::find(outs.begin(), outs.end(), e) - outs.begin());
    const int32_t producers = graph.vertices[static_cast<size_t>(edge.from_vertex)].parallelism;
    for (int32_t p = 0; p < producers; ++p) {
      const auto consumers = consumers_of(graph, e, p);
      auto at = std::find(consumers.begin(), consumers.end(), index);
      if (at == consumers.end()) continue;  // forward: only producer `index` reaches us
      peers[static_cast<size_t>(input_channel_of(graph, e, p))] =
          ChannelPeer{edge.from_vertex, p, pos, static_cast<int32_t>(at - consumers.begin())};
    }
  }
  return peers;
}

}  // namespace eddy
