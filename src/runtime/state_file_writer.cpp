#include "runtime/state_file_writer.h"

#include <exception>

#include "checkpoint/checkpoint_storage.h"

namespace eddy {

PendingStateFile::PendingStateFile(std::function<Result<StateFileRef>()> work, std::function<void()> done,
                                   std::function<void()> abandon)
    : work_(std::move(work)), done_(std::move(done)), abandon_(std::move(abandon)),
      thread_([this] {
        try {
          result_ = work_();
        } catch (const std::exception& e) {
          result_ = Status::internal(std::string("writing a state file failed: ") + e.what());
        }
        work_ = nullptr;  // what it holds (the encoded bytes) goes now, not at the ack
        if (done_) done_();
      }) {}

PendingStateFile::~PendingStateFile() {
  if (thread_.joinable()) thread_.join();
}

Result<StateFileRef> PendingStateFile::wait() {
  if (thread_.joinable()) thread_.join();
  return *result_;
}

void PendingStateFile::abandon() {
  if (abandon_) abandon_();
}

std::unique_ptr<PendingStateFile> write_state_file(std::string dir, std::string name, std::string bytes,
                                                   std::function<void()> done) {
  auto work = [dir = std::move(dir), name = std::move(name), bytes = std::move(bytes)] {
    return CheckpointStorage::write_file(dir, name, bytes);
  };
  return std::make_unique<PendingStateFile>(std::move(work), std::move(done));
}

}  // namespace eddy
