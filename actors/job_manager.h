// The job_manager actor: one per cluster. Keeps the registry of task managers
// and their slots, accepts jobs, and spawns a job_master per job.
#pragma once

#include "actors/messages.h"

namespace eddy {

caf::actor spawn_job_manager(caf::actor_system& sys);

}  // namespace eddy
