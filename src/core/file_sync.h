// Durability on disk: fsync of a directory makes the names of files created
// or renamed in it survive a crash, and a streamed copy between descriptors
// for the copies that are fsynced afterwards. Used by the file sink's commits,
// checkpoint storage and RocksDB checkpoint uploads.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "core/status.h"

namespace eddy {

/// fsyncs directory `dir`.
Status sync_directory(const std::string& dir);

/// Copies everything readable from descriptor `in` to descriptor `out` in 1 MiB
/// blocks, calling on_block (if set) with each; errors name `from` and `to`.
/// Does not fsync: the caller decides when the copy must be durable.
Status copy_descriptor(int in, int out, const std::string& from, const std::string& to,
                       const std::function<void(const char*, size_t)>& on_block = {});

}  // namespace eddy
