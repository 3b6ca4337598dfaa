// Backpressure as Flink grades it: the ratio is backPressuredTimeMsPerSecond
// / 1000 and a vertex's level is its worst subtask's. Used by the diagnosis.
#pragma once

#include "monitor/diagnosis_input.h"
#include "monitor/job_health.h"

namespace eddy {

/// The largest backpressured ratio over the vertex's subtasks (0 without any).
double vertex_backpressured_ratio(const VertexInput& v);

/// The vertex's level: the worst subtask's.
BackpressureLevel vertex_backpressure_level(const VertexInput& v);

}  // namespace eddy
