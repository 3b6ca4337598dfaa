// The checkpoint root directory of a pipeline (`checkpoints.dir`): where
// subtasks write state files, where the coordinator completes a checkpoint by
// writing its _metadata last, and how restore finds the newest usable one.
// Plain blocking file I/O: callers run it off scheduled actors (see STYLE.md).
//
//   <root>/chk-<id>/_metadata     written last, atomically; the checkpoint is complete iff it verifies
//   <root>/chk-<id>/<files>       state files of that checkpoint
//   <root>/shared/<name>          files shared by several checkpoints (incremental RocksDB SSTs)
//   <root>/savepoints/savepoint-<id>-<YYYYmmdd-HHMMSS>/   self-contained, never deleted here
//   <root>/_run                   "first_checkpoint=<id>" and "tag=<16 hex digits>": the
//                                 checkpoints of the current run (the job started last in this
//                                 root) are those from <id> on; its output is named by the tag
//
// A run uses, keeps and deletes its own checkpoints only: those of earlier
// runs stay until the user deletes them, as Flink keeps a job's retained
// checkpoints under that job's id.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "checkpoint/durable_file.h"
#include "checkpoint/savepoint_compatibility.h"
#include "core/status.h"

namespace eddy {

/// A checkpoint's (or savepoint's) dir and its verified metadata.
using VerifiedCheckpoint = std::pair<std::string, CheckpointMetadata>;

/// Name of the file that completes a checkpoint or savepoint dir.
inline constexpr const char* kMetadataFileName = "_metadata";

/// A run of a checkpoint root: one job and whatever resumes it.
struct CheckpointRun {
  int64_t first_id = 0;  // its checkpoints have ids from this on; 0: every checkpoint
  std::string tag;       // names its output (a file sink's part files); empty: none recorded
};

/// One pipeline's checkpoint root, as one run sees it: completed_ids, latest,
/// retain and remove_incomplete consider checkpoints with ids from `first_id`
/// on (the run's, from current_run) and touch no other. Methods that change
/// the root (prepare_*, retain, remove_incomplete) belong to the checkpoint
/// coordinator alone; write_file may run on any subtask, each in its own files.
class CheckpointStorage {
 public:
  explicit CheckpointStorage(std::string root, int64_t first_id = 0);

  /// Starts a new run in `root` (created if missing): its checkpoints get ids
  /// above every chk-* and savepoint in the root, and it gets a new random
  /// tag, both recorded in <root>/_run. Deletes nothing.
  static Result<CheckpointRun> start_run(const std::string& root);
  /// The current run from <root>/_run; {0, ""} (every checkpoint, no tag)
  /// when the root has no _run (made before runs were recorded, or never started).
  static Result<CheckpointRun> current_run(const std::string& root);
  /// An id above every chk-* and savepoint in `root` (1 in an empty root).
  static int64_t next_id(const std::string& root);

  const std::string& root() const { return root_; }
  /// <root>/chk-<id>
  std::string checkpoint_dir(int64_t id) const;
  /// <root>/shared
  std::string shared_dir() const;
  /// <root>/savepoints
  std::string savepoints_dir() const;

  /// Creates <root>, <root>/shared and an empty <root>/chk-<id>; an existing
  /// chk-<id> without _metadata (a crashed attempt) is wiped. Refuses to touch
  /// a chk-<id> that already has a _metadata.
  Status prepare_checkpoint(int64_t id) const;

  /// Creates and returns a fresh <root>/savepoints/savepoint-<id>-<YYYYmmdd-HHMMSS>
  /// (UTC). Should that exist already, "-2", "-3", ... is appended.
  Result<std::string> prepare_savepoint(int64_t id) const;

  /// Writes `bytes` durably to <dir>/<name> (temp file, fsync, rename, fsync
  /// dir), creating subdirs that `name` names. Returns its ref (path = name).
  /// `name` must be a safe relative path and not "_metadata".
  static Result<StateFileRef> write_file(const std::string& dir, const std::string& name,
                                         std::string_view bytes);

  /// Like write_file with the bytes that `fill` hands to the sink
  /// (stream_file_durably): a large file never sits in memory whole.
  static Result<StateFileRef> stream_file(const std::string& dir, const std::string& name,
                                          const std::function<Status(const ByteSink&)>& fill);

  /// Like write_file with the bytes of the file at `source`, streamed (for
  /// large files such as RocksDB SSTs).
  static Result<StateFileRef> copy_file(const std::string& source, const std::string& dir,
                                        const std::string& name);

  /// Completes a checkpoint or savepoint: writes <dir>/_metadata atomically
  /// (temp + fsync + rename + fsync dir). A savepoint may not reference shared files.
  static Status write_metadata(const std::string& dir, const CheckpointMetadata& m);

  /// Reads <dir>/_metadata and verifies it and every file it references
  /// (exists, size, CRC-32). Shared files are looked up in <dir>/../shared.
  /// Errors name the file and what is wrong ("chk-7/window-1.state: size 100,
  /// expected 4096"): not_found for a missing file, parse_error for bad
  /// metadata, a non-retryable io_error for a file of the wrong size or CRC.
  static Result<CheckpointMetadata> read_verified(const std::string& dir);

  /// Reads and decodes <dir>/_metadata only (the files it names are checked
  /// when they are read). For subtasks restoring after the job was checked.
  static Result<CheckpointMetadata> read_metadata(const std::string& dir);

  /// Ids of this run's chk-* dirs that have a _metadata file, ascending (not verified).
  std::vector<int64_t> completed_ids() const;

  /// This run's newest checkpoint that verifies, as (dir, metadata); nullopt
  /// when none does. Each one that fails to verify adds a line to `warnings`
  /// ("checkpoint 12 in DIR is unusable: ...; falling back to checkpoint 11").
  /// A checkpoint that fails is never deleted (the cause may pass: a mount
  /// briefly gone). Fails only when the root cannot be listed.
  Result<std::optional<VerifiedCheckpoint>> latest(std::vector<std::string>& warnings) const;

  /// Keeps this run's newest `retain` completed checkpoints whose metadata decodes;
  /// deletes the chk dirs older than the oldest kept one (_metadata first), then
  /// each shared file that a deleted checkpoint referenced and no kept one
  /// does. Never deletes a shared file not referenced by a deleted checkpoint,
  /// so files that in-flight checkpoints just wrote survive. Relies on the
  /// runtime never referencing, in a new checkpoint, a shared file that the
  /// newest completed one does not reference (true for RocksDB SSTs, which are
  /// immutable and, once dropped by compaction, never come back). Unreadable
  /// metadata newer than the oldest kept checkpoint is left alone. Incomplete
  /// dirs older than the oldest kept one (aborted attempts) go too. Returns the
  /// number of shared files deleted. Shared files that any other checkpoint
  /// (of any run) references stay; so do all when a metadata cannot be read
  /// for now (an I/O error; metadata that does not decode references nothing).
  Result<size_t> retain(int32_t retain);

  /// Deletes this run's chk-* dirs without _metadata (left by a crash), and
  /// every entry of <root>/shared that no completed checkpoint of any run
  /// references (none when a metadata cannot be read for now). Call only when no
  /// checkpoint is in flight (at job start).
  Status remove_incomplete();

 private:
  /// Deletes the chk-* dirs below id `below` that have no _metadata.
  Status remove_incomplete_below(int64_t below);
  /// Completed ids from `from` on, ascending; an error when the root exists
  /// but cannot be listed.
  Result<std::vector<int64_t>> list_completed(int64_t from) const;
  /// The shared files that the completed checkpoints outside `except`
  /// reference; an error when one of their metadata cannot be read for now.
  Result<std::vector<std::string>> shared_references(const std::set<int64_t>& except) const;
  /// Deletes the shared files in `candidates` that are not in `keep`; counts them.
  Result<size_t> delete_shared(const std::vector<std::string>& candidates,
                               const std::vector<std::string>& keep) const;

  std::string root_;
  int64_t first_id_ = 0;
};

}  // namespace eddy
