// KeyedStateBackend's RocksDB mode: opening, registering states in the
// database's state directory, flushing the cache, canonical per-key-group
// snapshots read straight from the database, exact counts, and incremental
// checkpoints with their restores. The heap paths are in keyed_state_backend.cpp.
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "state/keyed_state_backend.h"

namespace eddy {
namespace fs = std::filesystem;

namespace state_detail {

bool key_held_elsewhere(KeyContext& ctx, const StateTableBase* self, size_t idx,
                        const std::string& key) {
  for (StateTableBase* t : ctx.tables)
    if (t != self && t->holds_key(idx, key)) return true;
  // States restored but not registered (yet) live only in the database.
  const int32_t kg = ctx.range.start + static_cast<int32_t>(idx);
  for (const auto& [name, info] : ctx.store->directory()) {
    bool registered = false;
    for (StateTableBase* t : ctx.tables) registered = registered || t->state_id() == info.id;
    if (registered) continue;
    bool exists = false;
    ctx.note_error(ctx.store->key_exists(kg, info.id, key, exists));
    if (exists) return true;
  }
  return false;
}

}  // namespace state_detail

namespace {

void remove_dir(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string key_group_bytes(int32_t kg) {
  std::string out;
  rocks_layout::append_key_group(out, kg);
  return out;
}

}  // namespace

struct KeyedStateBackend::GroupCounts {
  std::map<uint16_t, std::pair<size_t, size_t>> per_state;  // keys, entries
  size_t distinct = 0;
};

void KeyedStateBackend::open_rocksdb(const StateBackendOptions& options) {
  if (ctx_->max_parallelism > rocks_layout::kMaxKeyGroups) {
    open_status_ = Status::invalid("cannot open RocksDB in " + options.local_dir +
                                   ": max parallelism " + std::to_string(ctx_->max_parallelism) +
                                   " exceeds 65535 key groups");
    return;
  }
  auto store = RocksDbStore::open(options.local_dir);
  if (!store.ok()) {
    open_status_ = store.status();
    return;
  }
  store_ = std::move(store).value();
  uploads_ = std::make_unique<IncrementalUploads>();
  ctx_->store = store_.get();
  ctx_->track_keys = true;
  cache_keys_ = options.cache_keys;
  ctx_->flush_at = cache_keys_ > SIZE_MAX / 2 ? SIZE_MAX : 2 * cache_keys_;
}

void KeyedStateBackend::register_rocksdb(state_detail::StateTableBase& table) {
  auto id = store_->register_state(table.name(), table.type_id());
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kTypeError)
      state_detail::fatal("state '" + table.name() + "' is registered as " + table.type_id() +
                          ", but the restored RocksDB state holds it as another type");
    ctx_->note_error(id.status());
    return;
  }
  table.set_state_id(*id);
  ctx_->tables.push_back(&table);
  auto counted = unregistered_counts_.find(*id);
  if (counted != unregistered_counts_.end()) {  // restored before it was registered
    table.set_counts(counted->second.first, counted->second.second);
    unregistered_counts_.erase(counted);
  }
}

Status KeyedStateBackend::check_rocksdb(const char* what) const {
  if (store_ != nullptr) return Status::ok();
  if (!open_status_.is_ok()) return open_status_;
  return Status::invalid(std::string(what) + " needs a RocksDB state backend");
}

bool KeyedStateBackend::holds_no_key() const {
  bool empty = unregistered_counts_.empty();
  for (const auto& e : states_) empty = empty && e.second->key_count() == 0;
  return empty;
}

Status KeyedStateBackend::write_dirty() const {
  if (store_ == nullptr) return Status::ok();
  // Every key gone (a bounded job's end fires every window), and no restored
  // state waiting to be registered: one range delete, where the erased keys'
  // entries would each need a tombstone.
  if (holds_no_key()) {
    bool had_dirty = false;
    for (const auto& e : states_) had_dirty = e.second->forget_dirty_of_empty() || had_dirty;
    if (!had_dirty) return Status::ok();
    Status st = store_->delete_key_groups(ctx_->range.start, ctx_->range.end);
    ctx_->note_error(st);
    return st;
  }
  RocksDbStore::Batch batch;
  for (const auto& e : states_) e.second->write_dirty(batch);
  Status st = store_->write(batch);
  ctx_->note_error(st);
  return st;
}

Status KeyedStateBackend::flush() {
  if (store_ == nullptr) return Status::ok();
  Status st = write_dirty();
  if (st.is_ok() && ctx_->cached_keys > cache_keys_) {
    size_t excess = ctx_->cached_keys - cache_keys_;
    for (auto& e : states_) {
      if (excess == 0) break;
      excess -= e.second->evict(excess);
    }
  }
  ++ctx_->epoch;
  EDDY_RETURN_IF_ERROR(st);
  return ctx_->store_error;
}

void KeyedStateBackend::auto_flush() { (void)flush(); }  // failures stay in io_status()

Status KeyedStateBackend::snapshot_rocksdb(int32_t kg, std::string& out) const {
  EDDY_RETURN_IF_ERROR(write_dirty());
  // Nothing to scan for (the final snapshot of a bounded job): a scan would
  // only step over the tombstones of every key the job erased, 1.3 s of a
  // 19 s q5 run with a checkpoint.
  if (holds_no_key()) {
    state_detail::StringSink sink{&out};
    state_detail::Packer pk(sink);
    pk.pack_array(3);
    pk.pack(state_detail::kSnapshotFormatVersion);
    pk.pack(kg);
    pk.pack_array(0);
    return Status::ok();
  }
  struct KeyEntries {
    std::string key;
    std::vector<std::pair<int64_t, std::string>> entries;
  };
  std::map<uint16_t, std::vector<KeyEntries>> by_state;
  EDDY_RETURN_IF_ERROR(store_->scan_key_group(
      kg, [&](const rocks_layout::EntryKey& k, std::string_view value) -> Status {
        auto& keys = by_state[k.state_id];
        if (keys.empty() || keys.back().key != k.key) keys.push_back({std::string(k.key), {}});
        keys.back().entries.emplace_back(k.ns, std::string(value));
        return Status::ok();
      }));
  // The heap's format: states by name, those without entries left out. Stored
  // values are already the msgpack bytes the snapshot holds, so they are copied.
  uint32_t non_empty = 0;
  for (const auto& [name, info] : store_->directory()) non_empty += by_state.count(info.id) != 0;
  state_detail::StringSink sink{&out};
  state_detail::Packer pk(sink);
  pk.pack_array(3);
  pk.pack(state_detail::kSnapshotFormatVersion);
  pk.pack(kg);
  pk.pack_array(non_empty);
  for (const auto& [name, info] : store_->directory()) {
    auto it = by_state.find(info.id);
    if (it == by_state.end()) continue;
    pk.pack_array(3);
    pk.pack(name);
    pk.pack(info.type);
    pk.pack_array(static_cast<uint32_t>(it->second.size()));
    for (const KeyEntries& k : it->second) {
      pk.pack_array(2);
      pk.pack_bin(static_cast<uint32_t>(k.key.size()));
      pk.pack_bin_body(k.key.data(), static_cast<uint32_t>(k.key.size()));
      pk.pack_array(static_cast<uint32_t>(k.entries.size() * 2));
      for (const auto& [ns, value] : k.entries) {
        pk.pack(ns);
        out.append(value);  // the packer writes straight into `out`: no buffering to respect
      }
    }
  }
  return Status::ok();
}

Status KeyedStateBackend::count_group(int32_t kg, GroupCounts& out) const {
  out = GroupCounts();
  std::unordered_set<std::string> keys;
  bool have_last = false;
  uint16_t last_state = 0;
  std::string last_key;
  EDDY_RETURN_IF_ERROR(store_->scan_key_group(
      kg, [&](const rocks_layout::EntryKey& k, std::string_view) -> Status {
        auto& c = out.per_state[k.state_id];
        ++c.second;
        if (!have_last || k.state_id != last_state || k.key != last_key) {
          ++c.first;
          have_last = true;
          last_state = k.state_id;
          last_key.assign(k.key);
          keys.emplace(k.key);
        }
        return Status::ok();
      }));
  out.distinct = keys.size();
  return Status::ok();
}

namespace {
/// Adds (sign +1) or takes away (-1) `c` from the tables' and the unregistered counts.
template <class States, class Unregistered>
void apply_counts(const States& states, Unregistered& unregistered, size_t& distinct,
                  const std::map<uint16_t, std::pair<size_t, size_t>>& per_state, size_t c_distinct,
                  int sign) {
  auto add = [sign](size_t& to, size_t n) { to = sign > 0 ? to + n : to - n; };
  for (const auto& [id, c] : per_state) {
    state_detail::StateTableBase* table = nullptr;
    for (const auto& e : states)
      if (e.second->state_id() == id) table = e.second.get();
    if (table != nullptr) {
      size_t keys = table->key_count(), entries = table->entry_count();
      add(keys, c.first);
      add(entries, c.second);
      table->set_counts(keys, entries);
    } else {
      auto& u = unregistered[id];
      add(u.first, c.first);
      add(u.second, c.second);
      if (u.first == 0 && u.second == 0) unregistered.erase(id);
    }
  }
  add(distinct, c_distinct);
}
}  // namespace

Status KeyedStateBackend::commit_rocksdb(int32_t kg) {
  const size_t idx = static_cast<size_t>(kg - ctx_->range.start);
  GroupCounts before;
  Status st = write_dirty();
  if (st.is_ok()) st = count_group(kg, before);
  if (!st.is_ok()) {
    for (auto& e : states_) e.second->drop_staged();
    return st;
  }
  RocksDbStore::Batch batch;
  batch.remove_range(key_group_bytes(kg), key_group_bytes(kg + 1));
  for (auto& e : states_) {
    e.second->drop_cache(idx);
    e.second->write_staged(idx, batch);
  }
  st = store_->write(batch);
  ++ctx_->epoch;
  EDDY_RETURN_IF_ERROR(st);
  GroupCounts after;
  EDDY_RETURN_IF_ERROR(count_group(kg, after));
  apply_counts(states_, unregistered_counts_, ctx_->tracked_keys, before.per_state,
               before.distinct, -1);
  apply_counts(states_, unregistered_counts_, ctx_->tracked_keys, after.per_state, after.distinct,
               +1);
  return Status::ok();
}

Status KeyedStateBackend::recount() {
  for (auto& e : states_) e.second->set_counts(0, 0);
  unregistered_counts_.clear();
  ctx_->tracked_keys = 0;
  for (int32_t kg = ctx_->range.start; kg <= ctx_->range.end; ++kg) {
    GroupCounts c;
    EDDY_RETURN_IF_ERROR(count_group(kg, c));
    apply_counts(states_, unregistered_counts_, ctx_->tracked_keys, c.per_state, c.distinct, +1);
  }
  return Status::ok();
}

void KeyedStateBackend::clear_rocksdb() {
  for (auto& e : states_) {
    e.second->drop_all_caches();
    e.second->set_counts(0, 0);
  }
  unregistered_counts_.clear();
  ctx_->tracked_keys = 0;
  ctx_->note_error(store_->delete_key_groups(ctx_->range.start, ctx_->range.end));
  ++ctx_->epoch;
}

Result<RocksDbSnapshot> KeyedStateBackend::checkpoint_incremental(int64_t checkpoint_id,
                                                                  const std::string& shared_dir,
                                                                  const std::string& private_dir) {
  EDDY_RETURN_IF_ERROR(check_rocksdb("an incremental checkpoint"));
  // Dirty keys are written but the cache is kept: evicting here would make
  // the keys that the next records touch miss and load again. The epoch moves
  // so that pointers handed out before mark their key dirty again.
  Status st = write_dirty();
  ++ctx_->epoch;
  EDDY_RETURN_IF_ERROR(st);
  EDDY_RETURN_IF_ERROR(ctx_->store_error);
  const std::string dir = store_->scratch_path("checkpoint-" + std::to_string(checkpoint_id));
  st = store_->create_checkpoint(dir);
  if (!st.is_ok()) {
    remove_dir(dir);
    return st;
  }
  Result<RocksDbSnapshot> snap =
      uploads_->upload(checkpoint_id, dir, shared_dir, private_dir, ctx_->range);
  remove_dir(dir);
  return snap;
}

void KeyedStateBackend::notify_checkpoint_complete(int64_t id) {
  if (uploads_ != nullptr) uploads_->complete(id);
}

Status KeyedStateBackend::restore_incremental(const RocksDbSnapshot& snap,
                                              const std::string& shared_dir,
                                              const std::string& private_dir) {
  EDDY_RETURN_IF_ERROR(check_rocksdb("an incremental restore"));
  if (snap.kg_start != ctx_->range.start || snap.kg_end != ctx_->range.end)
    return Status::invalid("RocksDB snapshot of key groups [" + std::to_string(snap.kg_start) +
                           ", " + std::to_string(snap.kg_end) + "] does not match this backend's [" +
                           std::to_string(ctx_->range.start) + ", " +
                           std::to_string(ctx_->range.end) + "]: use restore_incremental_range");
  const std::string dir = store_->scratch_path("db");
  Status st = download_snapshot(snap, shared_dir, private_dir, dir);
  if (st.is_ok()) {
    st = store_->replace_with(dir, [this](const RocksDbStore::Directory& d) -> Status {
      for (const auto& [name, table] : states_) {
        auto it = d.find(name);
        if (it != d.end() && it->second.type != table->type_id())
          return Status::type_error("RocksDB snapshot holds state '" + name +
                                    "' as another type than it is registered with");
      }
      return Status::ok();
    });
  }
  if (!st.is_ok()) {
    remove_dir(dir);
    return st;
  }
  // The old contents are gone, dirty keys included; ids come from the new directory.
  for (auto& [name, table] : states_) {
    table->drop_all_caches();
    auto id = store_->register_state(name, table->type_id());
    if (!id.ok()) return id.status();
    table->set_state_id(*id);
  }
  uploads_->reset_to(snap);
  ctx_->store_error = Status::ok();  // errors of the replaced database no longer matter
  ++ctx_->epoch;
  return recount();
}

Status KeyedStateBackend::restore_incremental_range(const RocksDbSnapshot& snap,
                                                    const std::string& shared_dir,
                                                    const std::string& private_dir) {
  EDDY_RETURN_IF_ERROR(check_rocksdb("an incremental restore"));
  const int32_t first = std::max(snap.kg_start, ctx_->range.start);
  const int32_t last = std::min(snap.kg_end, ctx_->range.end);
  if (first > last) return Status::ok();
  EDDY_RETURN_IF_ERROR(write_dirty());
  const std::string dir = store_->scratch_path("rescale");
  Status st = download_snapshot(snap, shared_dir, private_dir, dir);
  std::unordered_map<uint16_t, uint16_t> ids;  // snapshot's state id -> ours
  RocksDbStore::Batch batch;
  std::string k;
  auto on_directory = [&](const RocksDbStore::Directory& d) -> Status {
    for (const auto& [name, info] : d) {  // check every type before writing anything
      auto mine = store_->directory().find(name);
      if (mine != store_->directory().end() && mine->second.type != info.type)
        return Status::type_error("RocksDB snapshot holds state '" + name +
                                  "' as another type than this backend");
    }
    for (const auto& [name, info] : d) {
      EDDY_ASSIGN_OR_RETURN(const uint16_t id, store_->register_state(name, info.type));
      ids[info.id] = id;
    }
    return Status::ok();
  };
  auto on_entry = [&](const rocks_layout::EntryKey& e, std::string_view value) -> Status {
    auto id = ids.find(e.state_id);
    if (id == ids.end()) return Status::parse_error("RocksDB snapshot holds an unknown state id");
    k.clear();
    rocks_layout::append_entry_key(k, e.key_group, id->second, e.key, e.ns);
    batch.put(k, value);
    if (batch.count() < 4096) return Status::ok();
    Status w = store_->write(batch);
    batch.clear();
    return w;
  };
  if (st.is_ok()) st = RocksDbStore::read_foreign(dir, first, last, on_directory, on_entry);
  if (st.is_ok()) st = store_->write(batch);
  remove_dir(dir);
  // The database changed under the (clean) caches; entries may have been merged even on failure.
  for (auto& e : states_) e.second->drop_all_caches();
  ++ctx_->epoch;
  Status counted = recount();
  EDDY_RETURN_IF_ERROR(st);
  return counted;
}

}  // namespace eddy
