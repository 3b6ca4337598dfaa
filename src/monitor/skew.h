// Skew across the subtasks of a vertex: the hottest subtask against the
// median of the others (max / median of all could never reach 2 with two
// subtasks), for the input rate first, then busy time, then state size (the
// first that is skewed is reported). A metric is skewed when max / median >=
// skew_ratio and the volume is large enough to matter (an idle job never
// flags). With input-rate skew the hot key groups are named from the rates
// the hash edges into the vertex send per key group. Used by the diagnosis.
#pragma once

#include <optional>
#include <vector>

#include "monitor/diagnosis_input.h"
#include "monitor/diagnosis_options.h"
#include "monitor/job_health.h"

namespace eddy {

/// The median of `values` (0 when empty).
double median_of(std::vector<double> values);

/// The vertex's skew, or nullopt (also for a vertex of one subtask).
std::optional<SkewFinding> find_skew(const JobInput& job, const VertexInput& v, const DiagnosisOptions& options);

/// The key groups of subtask `subtask` of `v` with the most records per
/// second over the hash edges into `v`, busiest first: at most
/// skew_key_groups, each with at least skew_key_group_share of the subtask's.
std::vector<int32_t> hot_key_groups(const JobInput& job, const VertexInput& v, int32_t subtask,
                                    const DiagnosisOptions& options);

}  // namespace eddy
