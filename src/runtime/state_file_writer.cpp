#include "runtime/state_file_writer.h"

#include <exception>

#include "checkpoint/checkpoint_storage.h"

namespace eddy {

StateFileWriter::StateFileWriter(std::string dir, std::string name, std::string bytes,
                                 std::function<void()> done)
    : dir_(std::move(dir)), name_(std::move(name)), bytes_(std::move(bytes)), done_(std::move(done)),
      thread_([this] {
        try {
          result_ = CheckpointStorage::write_file(dir_, name_, bytes_);
        } catch (const std::exception& e) {
          result_ = Status::internal("writing " + dir_ + "/" + name_ + " failed: " + e.what());
        }
        std::string().swap(bytes_);  // the memory goes back now, not at the ack
        if (done_) done_();
      }) {}

StateFileWriter::~StateFileWriter() {
  if (thread_.joinable()) thread_.join();
}

Result<StateFileRef> StateFileWriter::wait() {
  if (thread_.joinable()) thread_.join();
  return *result_;
}

}  // namespace eddy
