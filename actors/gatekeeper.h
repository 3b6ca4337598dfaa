// The actor a job manager publishes to task managers in place of itself. It
// answers registration and heartbeats, which it passes on to the job manager
// as its own (local) requests; every other message, whoever sends it, is
// logged and dropped. The job manager obeys its own process only
// (actors/job_manager.cpp), so nothing a remote node sends can submit,
// cancel or end a job. Spawned by `eddy jobmanager`; dies with the job manager.
#pragma once

#include "actors/messages.h"

namespace eddy {

caf::actor spawn_gatekeeper(caf::actor_system& sys, caf::actor job_manager);

}  // namespace eddy
