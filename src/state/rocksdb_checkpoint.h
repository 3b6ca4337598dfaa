// File work of incremental RocksDB checkpoints: uploading a local RocksDB
// checkpoint directory into checkpoint storage (new SSTs only), tracking which
// SSTs completed checkpoints stored, and downloading a snapshot back into a
// local directory. Used by KeyedStateBackend in RocksDB mode; blocking I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/key_groups.h"
#include "core/file_sync.h"
#include "core/status.h"
#include "state/rocksdb_snapshot.h"

namespace eddy {

/// Which SSTs of the local database checkpoint storage already holds.
/// SST files are immutable and RocksDB never reuses a file number within one
/// database, so a local name identifies content for the database's life.
class IncrementalUploads {
 public:
  /// Copies the RocksDB checkpoint in `checkpoint_dir` into storage: SSTs not
  /// held by the last completed checkpoint into shared_dir under fresh random
  /// names (hard links when storage is on the same file system: SSTs never
  /// change, and RocksDB deleting its name leaves the stored one), the other
  /// files into private_dir; fsyncs them and both directories.
  Result<RocksDbSnapshot> upload(int64_t checkpoint_id, const std::string& checkpoint_dir,
                                 const std::string& shared_dir, const std::string& private_dir,
                                 KeyGroupRange key_groups);
  /// Checkpoint `id` is complete: its SSTs become the ones later uploads reference.
  /// Pending checkpoints up to id are forgotten (subsumed, or aborted).
  void complete(int64_t id);
  /// The database now consists of `snap`'s files (after a restore): its SSTs are stored.
  void reset_to(const RocksDbSnapshot& snap);

 private:
  std::map<std::string, RocksDbFile> stored_;                // by local_name
  std::map<int64_t, std::map<std::string, RocksDbFile>> pending_;  // by checkpoint id
};

/// Copies `snap`'s files from storage into `dir` (created) under their local names.
Status download_snapshot(const RocksDbSnapshot& snap, const std::string& shared_dir,
                         const std::string& private_dir, const std::string& dir);

/// Copies a file and fsyncs the copy; `bytes` receives its size.
Status copy_file_synced(const std::string& from, const std::string& to, int64_t& bytes);
/// Makes `to` a hard link of `from` and fsyncs it, or copies when the two are
/// on different file systems; `bytes` receives its size.
Status link_or_copy_synced(const std::string& from, const std::string& to, int64_t& bytes);
/// 32 random hex digits (128 bits), for names that must never repeat.
std::string random_hex128();

}  // namespace eddy
