// The asynchronous part of a subtask's snapshot: the state file, already
// encoded at the barrier, is written durably (write, checksum, fsync, rename)
// on a thread of its own while the subtask goes on processing; the subtask
// acks the checkpoint once it is on disk (docs/checkpoints.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "checkpoint/checkpoint_metadata.h"
#include "core/status.h"

namespace eddy {

class StateFileWriter {
 public:
  /// Starts writing `bytes` to <dir>/<name> (CheckpointStorage::write_file);
  /// `done` runs on the writer's thread once the write ended, either way.
  StateFileWriter(std::string dir, std::string name, std::string bytes, std::function<void()> done);
  StateFileWriter(const StateFileWriter&) = delete;
  StateFileWriter& operator=(const StateFileWriter&) = delete;
  /// Waits for the write.
  ~StateFileWriter();

  /// Waits for the write and returns the written file, or why it failed.
  Result<StateFileRef> wait();

 private:
  std::string dir_;
  std::string name_;
  std::string bytes_;
  std::function<void()> done_;
  std::optional<Result<StateFileRef>> result_;  // set by the writer thread
  std::thread thread_;                          // last: starts once the rest is set
};

}  // namespace eddy
