// Where a process keeps the working files of its RocksDB backends:
// <base>/eddy-<pid>, with <base> the pipeline's `state.localdir` (Flink's
// state.backend.rocksdb.localdir) or the system's temp directory. A process
// removes its own at exit; one that was killed cannot, so the next eddy
// process that uses the same base removes the dirs of processes that are gone.
// Called by cmd/local.cpp, cmd/taskmanager.cpp and the subtask actor.
#pragma once

#include <cstddef>
#include <string>

namespace eddy {

/// <base>/eddy-<this process's pid>; `base` empty: the temp directory ($TMPDIR or /tmp).
std::string process_local_dir(const std::string& base);

/// Removes every <base>/eddy-<pid> whose process no longer exists (a killed
/// job's leftovers); leaves those of live processes and anything else alone.
/// Returns how many it removed.
size_t remove_stale_local_dirs(const std::string& base);

}  // namespace eddy
