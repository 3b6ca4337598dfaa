#include "checkpoint/direct_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace eddy {

DirectFileWriter::DirectFileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  buffer_ = static_cast<char*>(std::aligned_alloc(kBlock, kBuffer));
  if (buffer_ == nullptr) throw std::bad_alloc();
  const int flags = ::fcntl(fd_, F_GETFL);
  direct_ = flags >= 0 && ::fcntl(fd_, F_SETFL, flags | O_DIRECT) == 0;
}

DirectFileWriter::~DirectFileWriter() { std::free(buffer_); }

void DirectFileWriter::go_through_cache() {
  if (!direct_) return;
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT);
  direct_ = false;
}

Status DirectFileWriter::write_out(size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd_, buffer_ + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL && direct_) {  // this file or device wants another alignment
      go_through_cache();
      continue;
    }
    if (w < 0) return Status::io_error("cannot write '" + path_ + "': " + std::strerror(errno));
    done += static_cast<size_t>(w);
    // A short direct write may end off a block boundary; the rest goes through the cache.
    if (done < n) go_through_cache();
  }
  std::memmove(buffer_, buffer_ + n, used_ - n);
  used_ -= n;
  return Status::ok();
}

Status DirectFileWriter::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), kBuffer - used_);
    std::memcpy(buffer_ + used_, bytes.data(), n);
    used_ += n;
    bytes.remove_prefix(n);
    if (used_ == kBuffer) EDDY_RETURN_IF_ERROR(write_out(kBuffer));
  }
  return Status::ok();
}

Status DirectFileWriter::finish() {
  if (direct_) {
    const size_t whole_blocks = used_ - used_ % kBlock;
    if (whole_blocks > 0) EDDY_RETURN_IF_ERROR(write_out(whole_blocks));
    go_through_cache();  // the tail is shorter than a block
  }
  return write_out(used_);
}

}  // namespace eddy
