// The task_manager actor: one per process (or per simulated host in `eddy local`).
// Registers its slots with the job manager (in a cluster, through the
// gatekeeper it reached after the cluster handshake), sends heartbeats, and
// spawns subtasks on deployment.
#pragma once

#include <cstdint>
#include <string>

#include "actors/messages.h"

namespace eddy {

struct TaskManagerOptions {
  int32_t slots = 1;
  std::string name;
  std::string host;    // the address the job manager reached us from, for GET /taskmanagers
  /// Heartbeats to the job manager; 0: none (eddy local, same process).
  int64_t heartbeat_interval_us = 0;
};

/// Spawns a task manager that registers with `job_manager`. It quits with an
/// error when the job manager refuses it or is lost.
caf::actor spawn_task_manager(caf::actor_system& sys, caf::actor job_manager, TaskManagerOptions options);

}  // namespace eddy
