// Whether a pipeline can start from a checkpoint or savepoint: same key-group
// count, compatible operators (checkpoint/check_compatible), and for a
// checkpoint (not a savepoint) the same state backend. Checked once, when the
// job is submitted, so an incompatible snapshot is refused before anything runs.
#pragma once

#include <string>

#include "checkpoint/checkpoint_metadata.h"
#include "core/status.h"
#include "plan/job_graph.h"

namespace eddy {

Status check_restore(const JobGraph& graph, const std::string& dir, const CheckpointMetadata& meta);

}  // namespace eddy
