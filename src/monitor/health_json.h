// JobHealth as the JSON of GET /jobs/{id}/health (docs/monitoring.md,
// "Diagnosis") and as the one line `eddy local` prints at the end. Used by
// the REST server and cmd/local.cpp.
#pragma once

#include <string>

#include "monitor/job_health.h"

namespace eddy {

std::string health_json(const JobHealth& health);

/// "bottleneck: window (subtask 2, busy 98%, in-queue 100%); skew: counts
/// subtask 1 gets 61% of records (key groups 17, 40)"; "health: ok" when
/// nothing is flagged.
std::string health_summary_line(const JobHealth& health);

}  // namespace eddy
