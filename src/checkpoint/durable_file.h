// Crash-safe file primitives for checkpoint storage: a file appears under its
// final name only once its bytes are on disk, and directory entries are synced
// so a completed checkpoint survives a power loss. Used by checkpoint_storage.cpp.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "checkpoint/checksum.h"
#include "core/status.h"

namespace eddy {

/// Writes `bytes` to a temp file next to `path`, fsyncs it, renames it to
/// `path` and fsyncs the directory. The parent directory must exist.
Status write_file_durably(const std::string& path, std::string_view bytes);

/// Takes a file's bytes piece by piece, in order (stream_file_durably).
using ByteSink = std::function<Status(std::string_view)>;

/// Same as write_file_durably with the bytes `fill` hands to the sink, so a
/// large file never sits in memory whole; returns their CRC-32 and size. The
/// bytes bypass the page cache where the file system allows it
/// (DirectFileWriter). An error from `fill` or the sink leaves no file.
Result<FileChecksum> stream_file_durably(const std::string& path,
                                         const std::function<Status(const ByteSink&)>& fill);

/// Same as write_file_durably with the contents of `source`, streamed; returns
/// the CRC-32 and size of what was copied.
Result<FileChecksum> copy_file_durably(const std::string& source, const std::string& path);

/// Creates `dir` and any missing parents, fsyncing each parent that gained an entry.
Status make_dirs_durably(const std::string& dir);

/// fsyncs a directory, making renames and creations inside it durable.
Status sync_dir(const std::string& dir);

/// The whole content of `path`; not_found when it does not exist.
Result<std::string> read_whole_file(const std::string& path);

}  // namespace eddy
