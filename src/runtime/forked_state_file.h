// A heap snapshot packed and written by a child process, as Redis saves its
// data set: fork() at the barrier gives the child a copy-on-write image of the
// subtask's memory as of that instant, so the subtask forwards the barrier and
// goes on at once while the child packs its key groups, encodes the state
// file, writes it durably and exits. The cost left on the subtask's thread is
// the fork (copying page tables) and the pages it later writes to while the
// child still runs. Why not copy-on-write inside the state table:
// docs/checkpoints.md.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/state_file_writer.h"

namespace eddy {

class ForkedStateFile : public PendingStateFile {
 public:
  /// Forks. The child runs `produce`, writes what it returns to <dir>/<name>
  /// (CheckpointStorage::write_file), reports the file or the error through a
  /// pipe and exits; it dies with the parent (PR_SET_PDEATHSIG). `produce`
  /// runs in a process that has only the calling thread: it may read memory
  /// and allocate, and must not take locks other threads might have held.
  /// `done` runs on a waiter thread of the parent once the child ended.
  /// Fails, with nothing started, when the process cannot be forked.
  static Result<std::unique_ptr<ForkedStateFile>> start(std::string dir, std::string name,
                                                        std::function<Result<std::string>()> produce,
                                                        std::function<void()> done);
  ForkedStateFile(const ForkedStateFile&) = delete;
  ForkedStateFile& operator=(const ForkedStateFile&) = delete;
  /// Waits for the child.
  ~ForkedStateFile() override;

  Result<StateFileRef> wait() override;
  /// Kills the child if it still runs.
  void abandon() override;

 private:
  ForkedStateFile(pid_t child, int report_fd, std::string dir, std::string name, std::function<void()> done);
  void await_child();

  pid_t child_;
  int report_fd_;     // read end of the child's report pipe
  std::string name_;  // of the state file, in its checkpoint's dir
  std::string path_;  // <dir>/<name>, for messages
  std::function<void()> done_;
  // The child's pid may be signalled only until it is reaped.
  std::mutex reap_mutex_;
  bool reaped_ = false;
  bool abandoned_ = false;
  std::optional<Result<StateFileRef>> result_;  // set by the waiter thread
  std::thread waiter_;                          // last: starts once the rest is set
};

}  // namespace eddy
