// Channel numbering shared by the job master (wiring) and subtasks: a consumer
// numbers its input channels over its input edges in order (the edges of both
// inputs of a join, each channel mapped to its input); a producer numbers the
// channels of each output edge by consumer subtask (forward: channel 0 only).
#pragma once

#include "plan/job_graph.h"

namespace eddy {

/// Input channels of one subtask of `vertex`, over all its input edges.
int input_channel_count(const JobGraph& graph, int vertex);

/// How many inputs the first node of `vertex` reads: 2 for a join (its edges
/// say which through JobEdge::to_input), 1 otherwise, 0 for a source.
int input_count(const JobGraph& graph, int vertex);

/// Per input channel of a subtask of `vertex`: the input it belongs to (the
/// to_input of its edge).
std::vector<int> channel_inputs(const JobGraph& graph, int vertex);

/// The consumer-side input channel through which `producer` of edge `edge_id`
/// reaches its consumer subtask.
int input_channel_of(const JobGraph& graph, int edge_id, int32_t producer);

/// Consumer subtasks a producer subtask `producer` of edge `edge_id` sends to,
/// indexed by its output channel.
std::vector<int32_t> consumers_of(const JobGraph& graph, int edge_id, int32_t producer);

/// The other end of one channel.
struct ChannelPeer {
  int32_t vertex = 0;
  int32_t subtask = 0;
  int32_t edge_pos = 0;  // input peers: position of the edge in the producer's outputs
  int32_t channel = 0;   // output peers: the consumer's input channel;
                         // input peers: the producer's channel on that edge
};

/// For producer subtask (vertex, index): per output edge position, per channel,
/// the consumer and the input channel it knows the producer by.
std::vector<std::vector<ChannelPeer>> output_peers(const JobGraph& graph, int vertex, int32_t index);

/// For consumer subtask (vertex, index): per input channel, the producer, the
/// position of the edge in its outputs and its channel number for us.
std::vector<ChannelPeer> input_peers(const JobGraph& graph, int vertex, int32_t index);

}  // namespace eddy
