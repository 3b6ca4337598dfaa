// The state file of one subtask in a checkpoint or savepoint: what its chain
// held at the barrier, operator by operator, plus the source's read position
// and the subtask's watermark. Written by TaskRunner::snapshot, read back by
// TaskRunner::restore (of the same or another parallelism) and by the source
// coordinator (resume splits). msgpack, versioned.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/durable_file.h"
#include "connectors/source.h"
#include "core/status.h"

namespace eddy {

/// One operator (node) of the chain.
struct OperatorSnapshot {
  std::string node;                             // node name in the pipeline
  std::map<int32_t, std::string> key_groups;    // canonical keyed state, per key group
  std::string rocksdb;                          // RocksDB incremental snapshot (msgpack), if any
  std::string rocksdb_dir;                      // its private files' folder, relative to the checkpoint
  int32_t kg_start = 0;                         // key groups the operator owned
  int32_t kg_end = -1;
  bool has_operator_state = false;
  std::string operator_state;                   // Operator::snapshot_operator_state bytes
  /// Written INT64_MIN since operators keep such progress in their own state
  /// (a window: in its operator state); still read from older files.
  int64_t timers_fired_through = INT64_MIN;
};

struct TaskSnapshot {
  int64_t checkpoint_id = 0;
  bool finished = false;                        // taken after the end of input (final state)
  int64_t watermark = INT64_MIN;                // the subtask's output watermark
  std::vector<Split> source_splits;             // sources: what is left of each split being read
  std::vector<OperatorSnapshot> operators;
};

/// Key groups packed while the state file is written rather than held in the
/// snapshot: a forked child packs a heap key group into one buffer, writes it
/// and reuses the buffer for the next, never holding the whole state twice.
class LateKeyGroups {
 public:
  virtual ~LateKeyGroups() = default;
  /// Whether operator `op`'s key groups, kg_start through kg_end, come from
  /// pack() (its `key_groups` are then empty).
  virtual bool packs(size_t op) const = 0;
  /// Replaces `bytes` with key group `kg` of operator `op`.
  virtual Status pack(size_t op, int32_t kg, std::string& bytes) = 0;
};

/// Writes `snapshot` piece by piece to `out`, the same bytes as
/// encode_task_snapshot gives once `late`'s key groups are in it. `late` may be null.
Status write_task_snapshot(const TaskSnapshot& snapshot, LateKeyGroups* late, const ByteSink& out);
std::string encode_task_snapshot(const TaskSnapshot& snapshot);
Result<TaskSnapshot> decode_task_snapshot(const std::string& bytes);

/// The remaining splits of a source coordinator, as kept in checkpoint metadata.
std::string encode_splits(const std::vector<Split>& splits);
Result<std::vector<Split>> decode_splits(const std::string& bytes);

}  // namespace eddy
