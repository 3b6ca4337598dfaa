// RocksDbStore: the only file that talks to RocksDB. Writes skip the WAL: a
// backend's durability comes from checkpoints, and after a crash the task
// restores one, so the local database is never reopened as is.
#include "state/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <system_error>

#include "state/rocksdb_key_prefix.h"

namespace eddy {
namespace fs = std::filesystem;
namespace {

Status from_rocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::ok();
  return Status::io_error(what + ": " + s.ToString());
}

rocksdb::Slice slice(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

/// An iterator over one key's entries of one state, bounded to the namespaces
/// [lo, hi] (hi = INT64_MAX: to the key's last entry), so that it never steps
/// on an entry outside them. Keeps the bound keys its slices point into, so it
/// neither moves nor copies.
class KeyRangeIterator {
 public:
  KeyRangeIterator(rocksdb::DB& db, int32_t kg, uint16_t sid, std::string_view key, int64_t lo, int64_t hi) {
    rocks_layout::append_entry_key(begin_, kg, sid, key, lo);
    prefix_ = begin_.size() - rocks_layout::kNamespaceBytes;
    if (hi == INT64_MAX) {
      end_ = rocks_layout::prefix_end(std::string_view(begin_).substr(0, prefix_));
    } else {
      rocks_layout::append_entry_key(end_, kg, sid, key, hi + 1);  // exclusive
    }
    lower_ = slice(begin_);
    upper_ = slice(end_);
    rocksdb::ReadOptions ro;  // prefix mode: the key's bloom filters apply
    ro.iterate_lower_bound = &lower_;
    ro.iterate_upper_bound = &upper_;
    it_.reset(db.NewIterator(ro));
  }
  KeyRangeIterator(const KeyRangeIterator&) = delete;
  KeyRangeIterator& operator=(const KeyRangeIterator&) = delete;

  rocksdb::Iterator* operator->() { return it_.get(); }
  void seek_to_first() { it_->Seek(lower_); }
  /// The namespace of the current entry; false when the entry's key is not this key's.
  bool ns(int64_t& out) const {
    const rocksdb::Slice k = it_->key();
    if (k.size() != begin_.size()) return false;
    out = rocks_layout::read_namespace(k.data() + prefix_);
    return true;
  }
  void reset() { it_.reset(); }

 private:
  std::string begin_, end_;
  size_t prefix_ = 0;
  rocksdb::Slice lower_, upper_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

Status malformed_key() { return Status::parse_error("RocksDB state holds a malformed key"); }

rocksdb::Options db_options(bool create) {
  rocksdb::Options o;
  o.create_if_missing = create;
  o.error_if_exists = create;
  o.keep_log_file_num = 2;       // the info LOG; the directory is scratch anyway
  o.max_background_jobs = 1;     // subtasks share few cores
  // Bloom filters per key (without namespace): a lookup of a key that is not
  // stored costs a filter probe per file instead of a seek in each.
  o.prefix_extractor = rocks_layout::make_key_prefix_extractor();
  o.memtable_prefix_bloom_size_ratio = 0.1;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = false;  // entries are only ever found by key prefix
  // Keys evicted from the state cache come back from files after a
  // checkpoint flushed the memtable; one cache for every database in the
  // process keeps their blocks in memory (RocksDB's own default is 32 MiB each).
  static const std::shared_ptr<rocksdb::Cache> blocks = rocksdb::NewLRUCache(256 << 20);
  table.block_cache = blocks;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return o;
}

/// Range scans (a state, a key group, the directory) cross key prefixes.
rocksdb::ReadOptions total_order() {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  return ro;
}

/// Makes `out` the smallest possible entry key of a key (its prefix, then
/// namespace bytes all zero): seeking there finds the key's entries in prefix
/// mode, so bloom filters apply. Returns the prefix's length.
size_t first_entry_key(std::string& out, int32_t kg, uint16_t sid, std::string_view key) {
  out.clear();
  rocks_layout::append_key_prefix(out, kg, sid, key);
  const size_t prefix = out.size();
  out.append(rocks_layout::kNamespaceBytes, '\0');
  return prefix;
}

rocksdb::WriteOptions write_options() {
  rocksdb::WriteOptions w;
  w.disableWAL = true;
  return w;
}

std::string encode_state_info(const RocksDbStore::StateInfo& info) {
  std::string out;
  out.push_back(static_cast<char>(info.id >> 8));
  out.push_back(static_cast<char>(info.id & 0xFF));
  out += info.type;
  return out;
}

bool decode_state_info(std::string_view v, RocksDbStore::StateInfo& info) {
  if (v.size() < 2) return false;
  info.id = static_cast<uint16_t>((static_cast<uint8_t>(v[0]) << 8) | static_cast<uint8_t>(v[1]));
  info.type.assign(v.substr(2));
  return info.id != 0;
}

Status read_directory(rocksdb::DB& db, RocksDbStore::Directory& out) {
  out.clear();
  const std::string begin = rocks_layout::directory_key("");
  const std::string end = rocks_layout::prefix_end(begin);
  rocksdb::Slice upper = slice(end);
  rocksdb::ReadOptions ro = total_order();
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro));
  std::string name;
  for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
    RocksDbStore::StateInfo info;
    if (!rocks_layout::decode_directory_key(view(it->key()), name) ||
        !decode_state_info(view(it->value()), info))
      return Status::parse_error("RocksDB state directory holds a malformed entry");
    out[name] = std::move(info);
  }
  return from_rocks(it->status(), "cannot read the RocksDB state directory");
}

/// Calls f for every entry in [begin, end) of db.
Status scan_range(rocksdb::DB& db, const std::string& begin, const std::string& end,
                  const RocksDbStore::EntryVisitor& f) {
  rocksdb::Slice upper = slice(end);
  rocksdb::ReadOptions ro = total_order();
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro));
  rocks_layout::EntryKey k;
  for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
    if (!rocks_layout::decode_entry_key(view(it->key()), k))
      return malformed_key();
    EDDY_RETURN_IF_ERROR(f(k, view(it->value())));
  }
  return from_rocks(it->status(), "RocksDB scan failed");
}

std::string key_group_key(int32_t kg) {
  std::string out;
  rocks_layout::append_key_group(out, kg);
  return out;
}

}  // namespace

RocksDbStore::Batch::Batch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
RocksDbStore::Batch::~Batch() = default;
void RocksDbStore::Batch::put(std::string_view key, std::string_view value) {
  (void)batch_->Put(slice(key), slice(value));
}
void RocksDbStore::Batch::remove(std::string_view key) { (void)batch_->Delete(slice(key)); }
void RocksDbStore::Batch::remove_range(std::string_view begin, std::string_view end) {
  (void)batch_->DeleteRange(slice(begin), slice(end));
}
size_t RocksDbStore::Batch::count() const { return batch_->Count(); }
size_t RocksDbStore::Batch::bytes() const { return batch_->GetDataSize(); }
void RocksDbStore::Batch::clear() { batch_->Clear(); }

RocksDbStore::RocksDbStore(std::string local_dir, std::string db_dir,
                           std::unique_ptr<rocksdb::DB> db)
    : local_dir_(std::move(local_dir)), db_dir_(std::move(db_dir)), db_(std::move(db)) {}

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::open(const std::string& local_dir) {
  if (local_dir.empty()) return Status::invalid("cannot open RocksDB: no local directory given");
  std::error_code ec;
  fs::remove_all(local_dir, ec);
  if (ec) return Status::io_error("cannot open RocksDB in " + local_dir + ": " + ec.message());
  fs::create_directories(local_dir, ec);
  if (ec) return Status::io_error("cannot open RocksDB in " + local_dir + ": " + ec.message());
  const std::string db_dir = (fs::path(local_dir) / "db-0").string();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options(true), db_dir, &raw);
  if (!s.ok()) return Status::io_error("cannot open RocksDB in " + local_dir + ": " + s.ToString());
  return std::unique_ptr<RocksDbStore>(
      new RocksDbStore(local_dir, db_dir, std::unique_ptr<rocksdb::DB>(raw)));
}

RocksDbStore::~RocksDbStore() {
  key_reader_.reset();  // an iterator must not outlive its database
  if (db_) (void)db_->Close();
  db_.reset();
  std::error_code ec;
  fs::remove_all(local_dir_, ec);  // best effort: a leftover directory is wiped at the next open
}

std::string RocksDbStore::scratch_path(const std::string& what) {
  return (fs::path(local_dir_) / (what + "-" + std::to_string(++next_scratch_))).string();
}

Result<uint16_t> RocksDbStore::register_state(const std::string& name, const std::string& type) {
  auto it = directory_.find(name);
  if (it != directory_.end()) {
    if (it->second.type != type)
      return Status::type_error("RocksDB state '" + name + "' is stored as another type");
    return it->second.id;
  }
  uint32_t next = 1;
  for (const auto& e : directory_) next = std::max<uint32_t>(next, e.second.id + 1u);
  if (next > 0xFFFF) return Status::invalid("too many keyed states for one RocksDB backend");
  StateInfo info{static_cast<uint16_t>(next), type};
  key_reader_stale_ = true;
  EDDY_RETURN_IF_ERROR(from_rocks(
      db_->Put(write_options(), slice(rocks_layout::directory_key(name)), encode_state_info(info)),
      "cannot register RocksDB state '" + name + "'"));
  directory_.emplace(name, info);
  return info.id;
}

Status RocksDbStore::read_key(int32_t kg, uint16_t sid, std::string_view key,
                              KeyEntries& out) const {
  out.clear();
  std::string first;
  const size_t prefix = first_entry_key(first, kg, sid, key);
  rocksdb::Iterator& it = key_reader();
  for (it.Seek(slice(first)); it.Valid(); it.Next()) {  // stops at the prefix's end
    const rocksdb::Slice k = it.key();
    if (k.size() != first.size()) return malformed_key();
    out.emplace_back(rocks_layout::read_namespace(k.data() + prefix),
                     std::string(view(it.value())));
  }
  return from_rocks(it.status(), "RocksDB read failed");
}

Status RocksDbStore::key_exists(int32_t kg, uint16_t sid, std::string_view key,
                                bool& exists) const {
  std::string first;
  first_entry_key(first, kg, sid, key);
  rocksdb::Iterator& it = key_reader();
  it.Seek(slice(first));
  exists = it.Valid();
  return from_rocks(it.status(), "RocksDB read failed");
}

Status RocksDbStore::read_entry(int32_t kg, uint16_t sid, std::string_view key, int64_t ns,
                                std::string& value, bool& found) const {
  std::string k;
  rocks_layout::append_entry_key(k, kg, sid, key, ns);
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slice(k), &value);
  found = s.ok();
  if (s.IsNotFound()) return Status::ok();
  return from_rocks(s, "RocksDB read failed");
}

Status RocksDbStore::read_range(int32_t kg, uint16_t sid, std::string_view key, int64_t lo,
                               int64_t hi, const NamespaceVisitor& f, uint64_t& visited,
                               size_t limit) const {
  if (lo > hi || limit == 0) return Status::ok();
  KeyRangeIterator it(*db_, kg, sid, key, lo, hi);
  size_t seen = 0;
  for (it.seek_to_first(); it->Valid() && seen < limit; it->Next()) {
    ++visited;
    ++seen;
    int64_t ns = 0;
    if (!it.ns(ns)) return malformed_key();
    EDDY_RETURN_IF_ERROR(f(ns, view(it->value())));
  }
  return from_rocks(it->status(), "RocksDB range read failed");
}

Status RocksDbStore::read_for_update(int32_t kg, uint16_t sid, std::string_view key, int64_t ns,
                                     std::string& value, bool& found, bool& key_exists) const {
  std::string at;
  rocks_layout::append_entry_key(at, kg, sid, key, ns);
  KeyRangeIterator it(*db_, kg, sid, key, INT64_MIN, INT64_MAX);
  it->Seek(slice(at));
  found = it->Valid() && it->key() == slice(at);
  key_exists = it->Valid();
  if (found) value.assign(it->value().data(), it->value().size());
  if (!key_exists && it->status().ok()) {  // nothing at or after ns: anything before it?
    it->SeekForPrev(slice(at));  // a target inside the key's prefix, so prefix filters hold
    key_exists = it->Valid();
  }
  return from_rocks(it->status(), "RocksDB read failed");
}

Status RocksDbStore::erase_below(int32_t kg, uint16_t sid, std::string_view key, int64_t ns,
                                 size_t& removed, bool& next_found, int64_t& next_ns,
                                 uint64_t& visited) {
  removed = 0;
  next_found = false;
  KeyRangeIterator it(*db_, kg, sid, key, INT64_MIN, INT64_MAX);
  Batch batch;
  for (it.seek_to_first(); it->Valid(); it->Next()) {
    ++visited;
    int64_t at = 0;
    if (!it.ns(at)) return malformed_key();
    if (at >= ns) {
      next_found = true;
      next_ns = at;
      break;
    }
    batch.remove(view(it->key()));
    ++removed;
  }
  EDDY_RETURN_IF_ERROR(from_rocks(it->status(), "RocksDB read failed"));
  it.reset();
  return write(batch);
}

rocksdb::Iterator& RocksDbStore::key_reader() const {
  if (key_reader_ && key_reader_stale_ && !key_reader_->Refresh().ok()) key_reader_.reset();
  if (!key_reader_) {
    rocksdb::ReadOptions ro;
    ro.prefix_same_as_start = true;  // a lookup ends where its key's entries end
    key_reader_.reset(db_->NewIterator(ro));
  }
  key_reader_stale_ = false;
  return *key_reader_;
}

Status RocksDbStore::scan_keys(int32_t kg, uint16_t sid, const KeyVisitor& f) const {
  std::string prefix;
  rocks_layout::append_state_prefix(prefix, kg, sid);
  std::string key;
  KeyEntries entries;
  EDDY_RETURN_IF_ERROR(scan_range(
      *db_, prefix, rocks_layout::prefix_end(prefix),
      [&](const rocks_layout::EntryKey& k, std::string_view value) -> Status {
        if (!entries.empty() && k.key != key) {
          EDDY_RETURN_IF_ERROR(f(key, entries));
          entries.clear();
        }
        if (entries.empty()) key.assign(k.key);
        entries.emplace_back(k.ns, std::string(value));
        return Status::ok();
      }));
  if (!entries.empty()) return f(key, entries);
  return Status::ok();
}

Status RocksDbStore::scan_key_group(int32_t kg, const EntryVisitor& f) const {
  return scan_range(*db_, key_group_key(kg), key_group_key(kg + 1), f);
}

Status RocksDbStore::write(Batch& batch) {
  if (batch.count() == 0) return Status::ok();
  key_reader_stale_ = true;
  return from_rocks(db_->Write(write_options(), batch.batch_.get()), "RocksDB write failed");
}

Status RocksDbStore::delete_key_groups(int32_t first, int32_t last) {
  key_reader_stale_ = true;
  return from_rocks(db_->DeleteRange(write_options(), db_->DefaultColumnFamily(),
                                     slice(key_group_key(first)), slice(key_group_key(last + 1))),
                    "RocksDB delete failed");
}

Status RocksDbStore::create_checkpoint(const std::string& dir) {
  EDDY_RETURN_IF_ERROR(
      from_rocks(db_->Flush(rocksdb::FlushOptions()), "cannot flush the RocksDB memtable"));
  rocksdb::Checkpoint* raw = nullptr;
  EDDY_RETURN_IF_ERROR(
      from_rocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "cannot start a RocksDB checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return from_rocks(checkpoint->CreateCheckpoint(dir), "cannot write a RocksDB checkpoint to " + dir);
}

Status RocksDbStore::replace_with(const std::string& db_dir,
                                  const std::function<Status(const Directory&)>& check) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options(false), db_dir, &raw);
  if (!s.ok()) return Status::io_error("cannot open restored RocksDB in " + db_dir + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> fresh(raw);
  Directory dir;
  EDDY_RETURN_IF_ERROR(read_directory(*fresh, dir));
  EDDY_RETURN_IF_ERROR(check(dir));
  key_reader_.reset();  // reads the database that goes
  (void)db_->Close();
  db_ = std::move(fresh);
  std::error_code ec;
  fs::remove_all(db_dir_, ec);
  db_dir_ = db_dir;
  directory_ = std::move(dir);
  return Status::ok();
}

Status RocksDbStore::read_foreign(const std::string& db_dir, int32_t first, int32_t last,
                                  const std::function<Status(const Directory&)>& on_directory,
                                  const EntryVisitor& on_entry) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(db_options(false), db_dir, &raw);
  if (!s.ok()) return Status::io_error("cannot open RocksDB snapshot in " + db_dir + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  Directory dir;
  EDDY_RETURN_IF_ERROR(read_directory(*db, dir));
  EDDY_RETURN_IF_ERROR(on_directory(dir));
  return scan_range(*db, key_group_key(first), key_group_key(last + 1), on_entry);
}

}  // namespace eddy
