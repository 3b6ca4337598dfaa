// Channel numbering shared by the job master (wiring) and subtasks: a consumer
// numbers its input channels over its input edges in order; a producer numbers
// the channels of each output edge by consumer subtask (forward: channel 0 only).
#pragma once

#include "plan/job_graph.h"

namespace eddy {

/// Input channels of one subtask of `vertex`, over all its input edges.
int input_channel_count(const JobGraph& graph, int vertex);

/// The consumer-side input channel through which `producer` of edge `edge_id`
/// reaches its consumer subtask.
int input_channel_of(const JobGraph& graph, int edge_id, int32_t producer);

/// Consumer subtasks a producer subtask `producer` of edge `edge_id` sends to,
/// indexed by its output channel.
std::vector<int32_t> consumers_of(const JobGraph& graph, int edge_id, int32_t producer);

}  // namespace eddy
