#include "core/file_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace eddy {

Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error("cannot open directory '" + dir + "': " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot sync directory '" + dir + "': " + std::strerror(err));
  return Status::ok();
}

Status copy_descriptor(int in, int out, const std::string& from, const std::string& to,
                       const std::function<void(const char*, size_t)>& on_block) {
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::io_error("cannot read '" + from + "': " + std::strerror(errno));
    }
    if (n == 0) return Status::ok();
    if (on_block) on_block(buf.data(), static_cast<size_t>(n));
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::io_error("cannot write '" + to + "': " + std::strerror(errno));
      }
      done += w;
    }
  }
}

}  // namespace eddy
