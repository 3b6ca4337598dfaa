// The source_coordinator actor: one per source operator of a job. It makes the
// source's splits once (file listing and line counting block, so it runs on its
// own thread) and deals them round robin: a subtask's request gets its next one
// (runtime/split_assignment.h), whoever asks first. In a
// checkpoint it records the splits not yet handed out and passes the trigger to
// its subtasks; on restore it starts from those plus the subtasks' unfinished
// splits (so any parallelism can take them over). Splits read together and
// without end (Kafka partitions; SplitReading): a request gets all of the
// subtask's splits, a subtask without any is told to wait (SplitReply::wait)
// rather than end, and splits discovered later are sent to their owner as
// (split_atom, SplitReply). The decisions are runtime/split_dealer.h's.
#pragma once

#include <string>

#include "actors/messages.h"
#include "plan/job_graph.h"

namespace eddy {

/// `restore_dir`: a checkpoint or savepoint to take the splits from; empty: enumerate afresh.
/// Messages: (split_atom, subtask) -> SplitReply; (sources_atom, actors) its subtasks;
/// (discover_atom) to itself, every discovery interval (unbounded sources);
/// (trigger_atom, barrier) -> (node name, remaining splits as bytes), forwarded to the subtasks.
caf::actor spawn_source_coordinator(caf::actor_system& sys, JobGraphPtr graph, int source_node,
                                    std::string restore_dir);

}  // namespace eddy
