// Which keyed-state backend a keyed operator builds (`state.backend` in the
// pipeline file) and where a RocksDB backend keeps its working files.
#pragma once

#include <cstddef>
#include <string>

namespace eddy {

struct StateBackendOptions {
  enum class Kind { kHeap, kRocksDb };
  Kind kind = Kind::kHeap;
  /// RocksDB only: a directory of this subtask's own (deleted and recreated
  /// when the backend opens), e.g. <tmp>/eddy-<pid>/<job>/<operator>-<subtask>.
  std::string local_dir;
  /// RocksDB only: keys whose entries stay deserialized in memory between
  /// flushes; beyond it, clean keys are dropped from memory at the next flush.
  size_t cache_keys = 1 << 20;
};

}  // namespace eddy
