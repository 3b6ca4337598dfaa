// Snapshotter: the state side of a subtask. It creates the keyed-state backend
// of every operator of the chain that keeps keyed state (the runtime owns them,
// as Flink's and Arroyo's do), snapshots them with the operators' other state
// at a barrier (heap key groups packed in a forked child or on a thread,
// RocksDB incrementally), has the state file written while the subtask goes
// on, and restores a checkpoint or savepoint, also at another parallelism.
// Owned by a TaskRunner; protocol in docs/checkpoints.md.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "checkpoint/checksum.h"
#include "connectors/source.h"
#include "operators/operator.h"
#include "runtime/state_file_writer.h"
#include "runtime/subtask_sample.h"
#include "runtime/task_snapshot.h"

namespace eddy {

class KeyedStateBackend;
class TaskHost;

/// Where the files of a checkpoint or savepoint go under `root`:
/// <root>/chk-<n>, or <root>/savepoints/savepoint-<n>.
std::string snapshot_dir_for(const std::string& root, int64_t barrier);
/// The RocksDB working folder of one operator subtask under `root`.
std::string local_state_dir_for(const std::string& root, const std::string& node, int32_t subtask);

/// Who the subtask is and where its snapshots go.
struct SnapshotterOptions {
  int vertex = 0;
  std::string vertex_name;
  std::vector<std::string> vertex_nodes;  // every node of the chain (a source's included)
  int32_t subtask = 0;
  int32_t parallelism = 1;
  std::string checkpoint_root;  // empty: the job takes no checkpoints
  bool fork_heap_snapshots = true;  // state.heap_snapshots: fork
};

/// Where the chain stands at a snapshot.
struct ChainPosition {
  int64_t watermark = INT64_MIN;     // the subtask's output watermark
  std::vector<Split> source_splits;  // sources: what is left of each split
};

class Snapshotter {
 public:
  /// `ops` and `names` (one per operator) outlive the snapshotter.
  Snapshotter(SnapshotterOptions options, std::vector<OperatorPtr>& ops, std::vector<std::string> names,
              TaskHost& host);
  ~Snapshotter();

  /// Before open(): a backend for every operator whose uses_keyed_state() is
  /// true, put in `ctx.keyed_state` for operator `op` (and null otherwise).
  Status create_backend(size_t op, OperatorContext& ctx);
  /// Operator `op`'s keyed state; null when it keeps none.
  KeyedStateBackend* backend(size_t op) const;

  /// Snapshots the chain for `barrier` (aligned after `alignment_ns`), has its
  /// state file written and acks when TaskHost::snapshot_written leads to
  /// finish(). `forward_barrier` sends the barrier downstream once the state is
  /// captured, or at once when it cannot be (the checkpoint is then declined).
  Status take(int64_t barrier, int64_t alignment_ns, const ChainPosition& at,
              const std::function<void()>& forward_barrier);
  /// The state file for `barrier` is written: ack (or decline). No-op for another barrier.
  Status finish(int64_t barrier);
  /// True while the state file of a snapshot is being written.
  bool writing() const { return pending_.has_value(); }
  /// After the end of input: the final state, canonical (a state file's bytes).
  /// A snapshot still being written is waited for and acked first.
  Result<std::string> final_snapshot(const ChainPosition& at);
  /// Checkpoint `id` completed: backends may reuse its files, operators commit.
  Status notify_checkpoint_complete(int64_t id);
  /// Restores every operator from the snapshot in `dir`; returns the
  /// watermark to restore (nullopt: none).
  Result<std::optional<int64_t>> restore(const std::string& dir, const CheckpointMetadata& meta);
  /// Stops waiting for a state file being written (the subtask closes).
  void abandon();

  /// The last checkpoint this subtask acked (metrics; id -1: none yet).
  const SubtaskCheckpointSample& last_checkpoint() const { return last_; }
  /// Keys the chain held when that checkpoint was taken (state size estimate).
  uint64_t last_checkpoint_keys() const { return last_keys_; }

 private:
  /// All of the chain's state but its heap key groups, which pack_key_groups adds.
  Result<TaskSnapshot> capture(int64_t barrier, bool canonical, const std::string& dir, const ChainPosition& at,
                               SubtaskSnapshot& meta);
  Status snapshot_incremental(KeyedStateBackend& ks, const std::string& dir, int64_t id, OperatorSnapshot& os,
                              SubtaskSnapshot& meta);
  /// By operator: its backend when it snapshots key group by key group, else null.
  std::vector<KeyedStateBackend*> key_group_backends() const;
  Status pack_key_groups(TaskSnapshot& t) const;
  std::unique_ptr<PendingStateFile> write_file(const std::shared_ptr<TaskSnapshot>& snap, const std::string& dir,
                                               int64_t barrier, Status& packed);
  Status restore_operator(size_t i, const std::string& dir, const CheckpointMetadata& meta,
                          std::map<std::string, TaskSnapshot>& decoded, int64_t& watermark, bool& any_watermark);
  Status restore_keyed(size_t i, const std::string& dir, const OperatorSnapshot& os);

  SnapshotterOptions options_;
  std::vector<OperatorPtr>& ops_;
  std::vector<std::string> names_;
  TaskHost& host_;
  std::vector<std::unique_ptr<KeyedStateBackend>> backends_;  // by operator; null: no keyed state
  std::map<std::string, FileChecksum> stored_files_;  // shared RocksDB files already checksummed
  bool warned_fork_failed_ = false;
  /// The snapshot whose state file is being written; at most one at a time.
  struct Pending {
    int64_t barrier = 0;
    SubtaskSnapshot meta;  // all but the state file
    std::unique_ptr<PendingStateFile> writer;
    int64_t synced_ns = 0;  // steady time the synchronous part ended (async duration)
    uint64_t keys = 0;      // keys the chain held
  };
  SubtaskCheckpointSample last_;
  uint64_t last_keys_ = 0;
  std::optional<Pending> pending_;
};

}  // namespace eddy
