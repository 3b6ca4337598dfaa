// A heap snapshot packed and written by a child process, as Redis saves its
// data set: fork() at the barrier gives the child a copy-on-write image of the
// subtask's memory as of that instant, so the subtask forwards the barrier and
// goes on at once while the child packs its key groups into the state file,
// one at a time, writes it durably and exits. The cost left on the subtask's thread is
// the fork (copying page tables) and the pages it later writes to while the
// child still runs. Why not copy-on-write inside the state table:
// docs/checkpoints.md.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "checkpoint/durable_file.h"
#include "runtime/state_file_writer.h"

namespace eddy {

/// Forks. The child runs `produce`, which writes <dir>/<name> piece by piece
/// (CheckpointStorage::stream_file), reports the file or the error through a
/// pipe and exits; it dies with the parent (PR_SET_PDEATHSIG). `produce` runs
/// in a process that has only the calling thread: it may read memory and
/// allocate, and must not take locks other threads might have held. The
/// returned file's thread waits for the child; abandon() kills it. Fails,
/// with nothing started, when the process cannot be forked.
Result<std::unique_ptr<PendingStateFile>> fork_state_file(std::string dir, std::string name,
                                                          std::function<Status(const ByteSink&)> produce,
                                                          std::function<void()> done);

}  // namespace eddy
