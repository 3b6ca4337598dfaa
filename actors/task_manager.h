// The task_manager actor: one per process (or per simulated host in `eddy local`).
// Registers its slots with the job manager and spawns subtasks on deployment.
#pragma once

#include "actors/messages.h"

namespace eddy {

/// Spawns a task manager offering `slots` slots, registering with `job_manager`.
caf::actor spawn_task_manager(caf::actor_system& sys, caf::actor job_manager, int32_t slots,
                              std::string name);

}  // namespace eddy
