// Writes a new file around the page cache (O_DIRECT) where the file system
// allows it. A state file is read again only on recovery, yet writing one
// through the cache made the forked snapshot process spend more than a quarter of
// its CPU time copying hundreds of MiB into cache pages (docs/checkpoints.md)
// that then sat dirty until written back. Bytes gather in an aligned buffer;
// whole blocks go to the disk straight from it, and only the unaligned tail of
// the file goes through the cache. Where O_DIRECT is refused (some file
// systems, a write it rejects), everything goes through the cache as usual.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eddy {

class DirectFileWriter {
 public:
  /// `fd` is a new, empty file open for writing; `path` names it in errors.
  /// The writer does not close `fd`.
  DirectFileWriter(int fd, std::string path);
  ~DirectFileWriter();
  DirectFileWriter(const DirectFileWriter&) = delete;
  DirectFileWriter& operator=(const DirectFileWriter&) = delete;

  Status append(std::string_view bytes);
  /// Writes what is still buffered. The caller then fsyncs the file.
  Status finish();
  /// Whether writes still bypass the page cache.
  bool direct() const { return direct_; }

  static constexpr size_t kBlock = 4096;       // covers 512- and 4096-byte logical blocks
  static constexpr size_t kBuffer = 4u << 20;  // a multiple of kBlock

 private:
  Status write_out(size_t n);
  void go_through_cache();

  int fd_;
  std::string path_;
  char* buffer_ = nullptr;
  size_t used_ = 0;
  bool direct_ = false;
};

}  // namespace eddy
