// The checkpoint_coordinator actor: one per job attempt. Triggers checkpoints
// every `checkpoints.interval` (and savepoints on request) through the source
// coordinators, collects the subtasks' acks, writes the metadata last, tells
// every subtask the checkpoint completed, and keeps `retain` checkpoints.
// Spawned by the job master; see docs/checkpoints.md for the protocol.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages.h"
#include "plan/job_graph.h"

namespace eddy {

struct CheckpointCoordinatorSetup {
  JobGraphPtr graph;
  caf::actor job_master;
  int64_t next_id = 1;
  int64_t first_id = 0;  // the run's first checkpoint: retention touches none older
  std::vector<std::vector<caf::actor>> subtasks;     // [vertex][index]
  std::map<int, caf::actor> source_coordinators;      // by vertex
  std::map<std::pair<int32_t, int32_t>, std::string> final_states;  // subtasks that ended
  std::vector<OperatorSignature> operators;
};

/// Messages: (start_atom) begins periodic checkpoints; (final_atom, vertex, index,
/// bytes) a subtask ended with this state; (savepoint_atom) -> std::string path;
/// (ack_atom, ...) and (decline_atom, ...) from subtasks. Reports (ckdone_atom,
/// id, savepoint, dir, duration_us, full_bytes, incremental_bytes, alignment_us)
/// and (ckfailed_atom, id, reason) to the job master.
caf::actor spawn_checkpoint_coordinator(caf::actor_system& sys, CheckpointCoordinatorSetup setup);

}  // namespace eddy
