// POSIX implementation of the durable file primitives. std::filesystem has no
// fsync, so files are written through raw descriptors.
#include "checkpoint/durable_file.h"

#include "checkpoint/direct_file_writer.h"
#include "core/file_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace eddy {
namespace {

Status errno_status(const std::string& what, const std::string& path) {
  const int err = errno;
  if (err == ENOENT) return Status::not_found(what + " '" + path + "': " + std::strerror(err));
  return Status::io_error(what + " '" + path + "': " + std::strerror(err));
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/// A temp name in the same directory, unique within the process and across
/// processes, hidden (leading dot) so listings of shared files can tell it apart.
std::string temp_path_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

Status write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

/// Opens a temp file for `path`, lets `fill` write it, then fsync, rename, sync dir.
/// The temp file is removed on any failure.
template <class Fill>
Status publish(const std::string& path, Fill&& fill) {
  const std::string tmp = temp_path_for(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create", tmp);
  Status st = fill(fd, tmp);
  if (st.is_ok() && ::fsync(fd) != 0) st = errno_status("cannot fsync", tmp);
  if (::close(fd) != 0 && st.is_ok()) st = errno_status("cannot close", tmp);
  if (st.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    st = errno_status("cannot rename to", path);
  if (!st.is_ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return sync_dir(parent_of(path));
}

}  // namespace

Status sync_dir(const std::string& dir) { return sync_directory(dir); }

Status write_file_durably(const std::string& path, std::string_view bytes) {
  return publish(path, [&](int fd, const std::string& tmp) {
    return write_all(fd, bytes.data(), bytes.size(), tmp);
  });
}

Result<FileChecksum> stream_file_durably(const std::string& path,
                                         const std::function<Status(const ByteSink&)>& fill) {
  FileChecksum sum;
  uLong crc = crc32(0L, Z_NULL, 0);
  Status st = publish(path, [&](int fd, const std::string& tmp) -> Status {
    DirectFileWriter out(fd, tmp);  // a state file is read only on recovery
    ByteSink sink = [&](std::string_view piece) -> Status {
      for (size_t done = 0; done < piece.size();) {  // zlib takes uInt lengths
        const uInt n = static_cast<uInt>(std::min<size_t>(piece.size() - done, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data() + done), n);
        done += n;
      }
      sum.size += static_cast<int64_t>(piece.size());
      return out.append(piece);
    };
    EDDY_RETURN_IF_ERROR(fill(sink));
    return out.finish();
  });
  if (!st.is_ok()) return st;
  sum.crc = static_cast<uint32_t>(crc);
  return sum;
}

Result<FileChecksum> copy_file_durably(const std::string& source, const std::string& path) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno_status("cannot open", source);
  FileChecksum sum;
  uLong crc = crc32(0L, Z_NULL, 0);
  Status st = publish(path, [&](int fd, const std::string& tmp) {
    return copy_descriptor(in, fd, source, tmp, [&](const char* p, size_t n) {
      crc = crc32(crc, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(n));
      sum.size += static_cast<int64_t>(n);
    });
  });
  ::close(in);
  if (!st.is_ok()) return st;
  sum.crc = static_cast<uint32_t>(crc);
  return sum;
}

Status make_dirs_durably(const std::string& dir) {
  struct stat sb {};
  if (::stat(dir.c_str(), &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return Status::ok();
    return Status::io_error("'" + dir + "' exists and is not a directory");
  }
  const std::string parent = parent_of(dir);
  if (parent != dir) EDDY_RETURN_IF_ERROR(make_dirs_durably(parent));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return errno_status("cannot create directory", dir);
  return sync_dir(parent);
}

Result<std::string> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path);
  std::string out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = errno_status("cannot read", path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace eddy
