// Durability of directory entries: after files are created or renamed in a
// directory, fsync of the directory makes their names survive a crash. Used by
// the file sink's commits and RocksDB checkpoint uploads.
#pragma once

#include <string>

#include "core/status.h"

namespace eddy {

/// fsyncs directory `dir`.
Status sync_directory(const std::string& dir);

}  // namespace eddy
