// Watermark stalls: a subtask's output watermark has not moved over the last
// stall_intervals samples while records kept coming in, and some input
// channel that is neither idle nor finished holds it back (the lowest
// watermark among those channels is the one named). A job without event time
// (no watermark anywhere) never stalls; channels that are all idle or finished
// are not a stall either (Flink's idleness lets the watermark go on). Used by
// the diagnosis.
#pragma once

#include <optional>

#include "monitor/diagnosis_input.h"
#include "monitor/diagnosis_options.h"
#include "monitor/job_health.h"

namespace eddy {

/// The stall of one subtask, or nullopt.
std::optional<WatermarkStall> subtask_watermark_stall(const VertexInput& v, const SubtaskInput& s,
                                                      const DiagnosisOptions& options);

/// The vertex's longest stall (the one stalled since the earliest time), or nullopt.
std::optional<WatermarkStall> find_watermark_stall(const VertexInput& v, const DiagnosisOptions& options);

}  // namespace eddy
