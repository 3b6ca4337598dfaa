// The subtask actor: one parallel instance of an operator chain. It hosts a
// TaskRunner and translates data, event, credit and split messages into calls.
// Spawned by a task_manager on deployment; reports to its job_master.
#pragma once

#include "actors/messages.h"
#include "plan/job_graph.h"

namespace eddy {

/// Spawns the subtask `deployment` describes. Subtasks whose chain blocks on
/// I/O (file sources, file and print sinks) get a thread of their own.
caf::actor spawn_subtask(caf::actor_system& sys, JobGraphPtr graph, const TaskDeployment& deployment);

}  // namespace eddy
