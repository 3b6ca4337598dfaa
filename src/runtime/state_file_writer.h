// The asynchronous part of a subtask's snapshot: its state file reaches the
// disk (write, checksum, fsync, rename) while the subtask goes on processing;
// the subtask acks the checkpoint once the file is there (docs/checkpoints.md).
// Two ways: write_state_file writes bytes encoded at the barrier on a thread;
// fork_state_file (forked_state_file.h) also packs heap state off the thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "checkpoint/checkpoint_metadata.h"
#include "core/status.h"

namespace eddy {

/// A state file on its way to the disk: `work` runs on a thread of its own and
/// yields the file; `done` runs on that thread after it, either way.
class PendingStateFile {
 public:
  PendingStateFile(std::function<Result<StateFileRef>()> work, std::function<void()> done,
                   std::function<void()> abandon = nullptr);
  PendingStateFile(const PendingStateFile&) = delete;
  PendingStateFile& operator=(const PendingStateFile&) = delete;
  /// Waits for the work.
  ~PendingStateFile();

  /// Waits until the file is written and returns it, or why it could not be.
  Result<StateFileRef> wait();
  /// Stops the work if it can be stopped (wait then says so); else a no-op.
  void abandon();

 private:
  std::function<Result<StateFileRef>()> work_;
  std::function<void()> done_;
  std::function<void()> abandon_;
  std::optional<Result<StateFileRef>> result_;  // set by the thread
  std::thread thread_;                          // last: starts once the rest is set
};

/// Writes `bytes` to <dir>/<name> (CheckpointStorage::write_file) on the thread.
std::unique_ptr<PendingStateFile> write_state_file(std::string dir, std::string name, std::string bytes,
                                                   std::function<void()> done);

}  // namespace eddy
