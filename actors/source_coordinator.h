// The source_coordinator actor: one per source operator of a job. It makes the
// source's splits once (file listing and line counting block, so it runs on its
// own thread) and hands them to source subtasks on request, in order.
#pragma once

#include "actors/messages.h"
#include "plan/job_graph.h"

namespace eddy {

caf::actor spawn_source_coordinator(caf::actor_system& sys, JobGraphPtr graph, int source_node);

}  // namespace eddy
