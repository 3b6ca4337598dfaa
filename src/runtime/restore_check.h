// Whether a pipeline can start from a checkpoint or savepoint: same key-group
// count, compatible operators (checkpoint/savepoint_compatibility.h: kinds,
// keys, state layouts), and for a checkpoint (not a savepoint) the same state
// backend. Checked once, by the job manager when the job is submitted, so an
// incompatible snapshot is refused before anything runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "checkpoint/savepoint_compatibility.h"
#include "core/status.h"
#include "plan/job_graph.h"

namespace eddy {

/// The operator signatures a checkpoint's metadata records for `graph`
/// (plan/operator_signatures.h, with this build's kStateLayoutVersion).
std::vector<OperatorSignature> checkpoint_signatures(const JobGraph& graph);

/// OK when `graph` can take over the state of the snapshot in `dir` (whose
/// metadata is `meta`); else a Status naming the snapshot and every
/// difference. `non_restored`: kSkip leaves state of operators the pipeline
/// lacks behind (--allow-non-restored-state). `notes` (if given) receives a
/// line per skipped operator and per thing that could not be checked.
Status check_restore(const JobGraph& graph, const std::string& dir, const CheckpointMetadata& meta,
                     NonRestoredState non_restored = NonRestoredState::kRefuse,
                     std::vector<std::string>* notes = nullptr);

/// As Flink: a pipeline that does not set max_parallelism (it was derived
/// from the parallelism) takes the snapshot's key-group count when that
/// differs and is at least every parallelism of the job. The count to plan
/// with, or nullopt to keep the graph's.
std::optional<int32_t> snapshot_max_parallelism(const JobGraph& graph, const CheckpointMetadata& meta);

}  // namespace eddy
