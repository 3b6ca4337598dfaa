// Whether, and how far, the subtasks of a source may drift apart in event
// time before watermark alignment holds the fastest back
// (runtime/watermark_alignment.h). Read by the source coordinator and by the
// source subtasks, from the same job graph.
#pragma once

#include <cstdint>

#include "plan/job_graph.h"

namespace eddy {

/// The allowed drift (ms of event time) between the subtasks of source node
/// `source`; 0: no alignment. No alignment for a source without event time,
/// with one subtask, or with `alignment_max_drift: off`; the set drift when
/// given; otherwise the largest event-time window downstream (a tumbling or
/// sliding window's size, a session's gap), where a subtask running ahead
/// would fill the window's state, and no alignment where there is none.
int64_t source_alignment_drift_ms(const JobGraph& graph, int source);

}  // namespace eddy
