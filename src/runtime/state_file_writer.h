// The asynchronous part of a subtask's snapshot: its state file reaches the
// disk (write, checksum, fsync, rename) while the subtask goes on processing;
// the subtask acks the checkpoint once the file is there (docs/checkpoints.md).
// Two ways: StateFileWriter writes bytes encoded at the barrier on a thread;
// ForkedStateFile (forked_state_file.h) also packs heap state off the thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "checkpoint/checkpoint_metadata.h"
#include "core/status.h"

namespace eddy {

/// A state file on its way to the disk.
class PendingStateFile {
 public:
  virtual ~PendingStateFile() = default;
  /// Waits until the file is written and returns it, or why it could not be.
  virtual Result<StateFileRef> wait() = 0;
  /// Stops the work if it can be stopped (wait then says so); else a no-op.
  virtual void abandon() {}
};

class StateFileWriter : public PendingStateFile {
 public:
  /// Starts writing `bytes` to <dir>/<name> (CheckpointStorage::write_file);
  /// `done` runs on the writer's thread once the write ended, either way.
  StateFileWriter(std::string dir, std::string name, std::string bytes, std::function<void()> done);
  StateFileWriter(const StateFileWriter&) = delete;
  StateFileWriter& operator=(const StateFileWriter&) = delete;
  /// Waits for the write.
  ~StateFileWriter() override;

  Result<StateFileRef> wait() override;

 private:
  std::string dir_;
  std::string name_;
  std::string bytes_;
  std::function<void()> done_;
  std::optional<Result<StateFileRef>> result_;  // set by the writer thread
  std::thread thread_;                          // last: starts once the rest is set
};

}  // namespace eddy
