// The job_master actor: one per job. Deploys the job's subtasks onto slots,
// wires their channels, starts them, watches them, and reports the result.
// Spawned by the job_manager.
#pragma once

#include <utility>
#include <vector>

#include "actors/messages.h"
#include "plan/job_graph.h"

namespace eddy {

/// Asks `job_manager` for slots (allocate_atom) at every deployment. `notify`
/// receives (jobdone_atom, JobResult) when the job ends; so does `job_manager`.
caf::actor spawn_job_master(caf::actor_system& sys, uint64_t job_id, JobGraphPtr graph,
                            JobSubmission submission, caf::actor notify, caf::actor job_manager);

}  // namespace eddy
