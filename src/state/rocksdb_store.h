// The RocksDB database under a KeyedStateBackend in RocksDB mode: opening and
// closing it in the backend's local directory, the state directory (name -> id),
// prefix scans, write batches and the raw material of checkpoints. Only
// rocksdb_store.cpp includes RocksDB headers. Owned by one KeyedStateBackend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "state/rocksdb_key_layout.h"

namespace rocksdb {
class DB;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace eddy {

class RocksDbStore {
 public:
  /// A registered state as the database knows it.
  struct StateInfo {
    uint16_t id = 0;
    std::string type;  // StateTableBase::type_id()
  };
  using Directory = std::map<std::string, StateInfo>;
  /// One key's namespaces with their raw (msgpack) values, ascending by namespace.
  using KeyEntries = std::vector<std::pair<int64_t, std::string>>;
  using KeyVisitor = std::function<Status(const std::string& key, KeyEntries& entries)>;
  using EntryVisitor = std::function<Status(const rocks_layout::EntryKey& key, std::string_view value)>;
  using NamespaceVisitor = std::function<Status(int64_t ns, std::string_view value)>;

  /// Writes collected for one atomic RocksDB write.
  class Batch {
   public:
    Batch();
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void put(std::string_view key, std::string_view value);
    void remove(std::string_view key);
    /// Deletes [begin, end); later puts of this batch survive it.
    void remove_range(std::string_view begin, std::string_view end);
    size_t count() const;
    /// Bytes the batch holds (keys, values and framing).
    size_t bytes() const;
    void clear();

   private:
    friend class RocksDbStore;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
  };

  /// Deletes and recreates `local_dir`, then opens an empty database in it.
  static Result<std::unique_ptr<RocksDbStore>> open(const std::string& local_dir);
  /// Closes the database and deletes local_dir.
  ~RocksDbStore();
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  const std::string& local_dir() const { return local_dir_; }
  /// A fresh directory path inside local_dir (not created), e.g. for a checkpoint.
  std::string scratch_path(const std::string& what);

  const Directory& directory() const { return directory_; }
  /// The id of state `name`, assigning (and storing) the next free one for a new
  /// name. A name stored with another type is a type error.
  Result<uint16_t> register_state(const std::string& name, const std::string& type);

  /// Every namespace of (kg, sid, key), replacing `out`.
  Status read_key(int32_t kg, uint16_t sid, std::string_view key, KeyEntries& out) const;
  /// Whether (kg, sid, key) has any entry.
  Status key_exists(int32_t kg, uint16_t sid, std::string_view key, bool& exists) const;
  /// The value of entry (kg, sid, key, ns) into `value`, if there is one
  /// (`found`): a point read, which stops at the newest file holding it.
  Status read_entry(int32_t kg, uint16_t sid, std::string_view key, int64_t ns, std::string& value,
                    bool& found) const;
  /// f(ns, value) for the entries of (kg, sid, key) with namespace in [lo, hi],
  /// ascending, at most `limit` of them, with an iterator bounded to exactly
  /// that range (iterate_lower_bound/upper_bound), so it never steps on an
  /// entry outside it. Adds the entries it stepped on to `visited`.
  Status read_range(int32_t kg, uint16_t sid, std::string_view key, int64_t lo, int64_t hi,
                    const NamespaceVisitor& f, uint64_t& visited, size_t limit = SIZE_MAX) const;
  /// f(key, entries) for every key of state sid in key group kg, in key order.
  Status scan_keys(int32_t kg, uint16_t sid, const KeyVisitor& f) const;
  /// f(entry key, value) for every entry of key group kg, all states, in key order.
  Status scan_key_group(int32_t kg, const EntryVisitor& f) const;

  Status write(Batch& batch);
  /// Deletes every entry of key groups [first, last] (the directory stays).
  Status delete_key_groups(int32_t first, int32_t last);

  /// Writes the memtable to SST files, then hard-links a consistent copy of the
  /// database into `dir` (which must not exist).
  Status create_checkpoint(const std::string& dir);
  /// Switches to the database files already placed in `db_dir` (inside
  /// local_dir): opens them, lets `check` accept their state directory, and
  /// then closes and deletes the current database. On failure the current
  /// database stays open and in use.
  Status replace_with(const std::string& db_dir,
                      const std::function<Status(const Directory&)>& check);

  /// Opens the database files in `db_dir` read-only and calls on_directory with
  /// its state directory, then on_entry for every entry of key groups [first, last].
  static Status read_foreign(const std::string& db_dir, int32_t first, int32_t last,
                             const std::function<Status(const Directory&)>& on_directory,
                             const EntryVisitor& on_entry);

 private:
  RocksDbStore(std::string local_dir, std::string db_dir, std::unique_ptr<rocksdb::DB> db);

  /// The iterator every key lookup seeks with (read_key, key_exists): making
  /// one per lookup took about a fifth of a RocksDB q5 run. It sees the
  /// database as of its creation or last refresh, so every write through this
  /// store marks it stale and the next lookup refreshes it.
  rocksdb::Iterator& key_reader() const;

  std::string local_dir_;
  std::string db_dir_;
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::unique_ptr<rocksdb::Iterator> key_reader_;  // after db_: goes first
  mutable bool key_reader_stale_ = false;
  Directory directory_;
  uint64_t next_scratch_ = 0;
};

}  // namespace eddy
