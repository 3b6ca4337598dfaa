// The bottleneck of a job by Oceanus's rule, made precise. A subtask of a
// vertex that is not a source is saturated when
//   (a) its input queue is full and its output queue is not
//       (inPoolUsage >= in_queue_full and outPoolUsage < out_queue_free):
//       it receives faster than it works, and nothing downstream holds it back.
//       A sink (no output queue) with a full input matches this; or
//   (b) its output queue is not full either, it is busy almost all the time
//       (busy >= busy_saturated) and a vertex upstream of it is backpressured
//       (level low or high).
// The bottleneck is the saturated subtask with the highest busy ratio plus
// in-queue usage over the whole job; its vertex is the bottleneck vertex.
// Sources are never it: a busy source only means the job runs at full speed.
#pragma once

#include <optional>

#include "monitor/diagnosis_input.h"
#include "monitor/diagnosis_options.h"
#include "monitor/job_health.h"

namespace eddy {

/// True when subtask `s` of `v` is saturated by the rule above.
bool subtask_saturated(const JobInput& job, const VertexInput& v, const SubtaskInput& s,
                       const DiagnosisOptions& options);

/// The job's bottleneck, or nullopt when no subtask is saturated.
std::optional<Bottleneck> find_bottleneck(const JobInput& job, const DiagnosisOptions& options);

}  // namespace eddy
