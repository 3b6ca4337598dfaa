// What an incremental RocksDB checkpoint of a KeyedStateBackend consists of: the
// list of its files in checkpoint storage. The host keeps it (msgpack) in the
// checkpoint's state files and hands it back to restore_incremental.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <vector>

namespace eddy {

/// One file of a RocksDB checkpoint.
struct RocksDbFile {
  std::string local_name;   // its name in the database directory, e.g. "000012.sst"
  std::string stored_name;  // its name in shared_dir (shared) or private_dir (not shared)
  int64_t size = 0;         // bytes
  bool shared = false;      // an SST in shared_dir, possibly referenced by several checkpoints
  MSGPACK_DEFINE(local_name, stored_name, size, shared);
};

/// Every file of one checkpoint, and the key groups its database held.
struct RocksDbSnapshot {
  std::vector<RocksDbFile> files;
  int64_t full_bytes = 0;         // sum of all files' sizes
  int64_t incremental_bytes = 0;  // bytes this checkpoint copied (the rest it referenced)
  int32_t kg_start = 0;           // key groups the database held, inclusive
  int32_t kg_end = -1;
  MSGPACK_DEFINE(files, full_bytes, incremental_bytes, kg_start, kg_end);
};

}  // namespace eddy
