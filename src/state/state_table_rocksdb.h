// The RocksDB half of StateTable (included at the end of state_table.h): the
// per-table maps become a write-back cache over the database. A key is loaded
// whole (all its namespaces, one prefix scan, or one point read for a state
// that keeps namespace 0 only) on its first access, changed in
// memory, and written back by KeyedStateBackend::flush() through write_dirty().
// Invariant: a cached key that is not dirty holds exactly what the database holds.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/sorted_writes.h"

namespace eddy::state_detail {

/// The msgpack bytes of a value, as stored in RocksDB and in snapshots.
template <class V>
void pack_value(const V& v, std::string& out) {
  out.clear();
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack(v);
}

/// Decodes a stored value; bytes of another type are an error, not an exception.
template <class V>
Status unpack_value(std::string_view bytes, V& v) {
  try {
    const size_t n = bytes.size();
    const msgpack::unpack_limit limits(n, n, n, n, n, 64);
    msgpack::object_handle h = msgpack::unpack(bytes.data(), n, nullptr, nullptr, limits);
    h.get().convert(v);
  } catch (const std::exception& e) {
    return Status::parse_error(std::string("RocksDB state value does not decode: ") + e.what());
  }
  return Status::ok();
}

template <class NsValue>
void StateTable<NsValue>::rocks_lookup(bool write) {
  const size_t idx = ctx_->group_index();
  Group& g = groups_[idx];
  auto it = g.find(ctx_->key);
  Node* node = nullptr;
  if (it != g.end()) {
    node = &*it;
  } else if (dirty_[idx].erased.find(ctx_->key) == dirty_[idx].erased.end()) {
    node = load(idx, ctx_->key);  // an erased key the database still holds is gone: no load
  }
  cache_ = node == nullptr ? nullptr : &node->second;
  read_epoch_ = ctx_->epoch;
  if (write) {
    if (node != nullptr) mark_dirty(idx, *node);
    write_epoch_ = ctx_->epoch;
  }
}

template <class NsValue>
typename StateTable<NsValue>::Node* StateTable<NsValue>::load(size_t idx, const std::string& key) {
  RocksDbStore::KeyEntries entries;
  Status st;
  if (namespace_zero_only_) {  // one entry at most: a point read
    bool found = false;
    std::string value;
    st = ctx_->store->read_entry(group_kg(idx), state_id_, key, 0, value, found);
    if (found) entries.emplace_back(0, std::move(value));
  } else {
    st = ctx_->store->read_key(group_kg(idx), state_id_, key, entries);
  }
  if (!st.is_ok() || entries.empty()) {
    ctx_->note_error(st);
    return nullptr;
  }
  PerKey loaded;
  for (auto& [ns, bytes] : entries) {
    st = unpack_value(bytes, *loaded.try_emplace(ns).first);
    if (!st.is_ok()) {
      ctx_->note_error(Status(st.code(), "state '" + name_ + "': " + st.message()));
      return nullptr;
    }
  }
  ++ctx_->cached_keys;
  return &*groups_[idx].emplace(key, std::move(loaded)).first;
}

template <class NsValue>
void StateTable<NsValue>::mark_dirty(size_t idx, Node& node) {
  PerKey& p = node.second;
  if (p.dirty != 0) return;  // keeps what the database held when the key first changed
  DirtyKeys& d = dirty_[idx];
  DirtyKey k;
  k.node = &node;
  k.stored_begin = static_cast<uint32_t>(d.stored.size());
  k.stored_count = static_cast<uint32_t>(p.size());
  p.for_each([&](int64_t ns, const NsValue&) { d.stored.push_back(ns); });  // clean: the database holds these
  d.keys.push_back(std::move(k));
  p.dirty = static_cast<uint32_t>(d.keys.size());
}

template <class NsValue>
void StateTable<NsValue>::mark_created(size_t idx, Node& node) {
  DirtyKeys& d = dirty_[idx];
  auto e = d.erased.find(node.first);
  if (e != d.erased.end()) {  // erased since the last flush: its record knows what the database holds
    DirtyKey& k = d.keys[e->second - 1];
    k.node = &node;
    k.erased_key.clear();
    node.second.dirty = e->second;
    d.erased.erase(e);
    return;
  }
  d.keys.push_back(DirtyKey{&node, {}, 0, 0});  // new to the database
  node.second.dirty = static_cast<uint32_t>(d.keys.size());
}

/// Before the key's cache entry goes. It is dirty: every change marks it first.
template <class NsValue>
void StateTable<NsValue>::mark_erased(size_t idx, const std::string& key, const PerKey& p) {
  DirtyKeys& d = dirty_[idx];
  DirtyKey& k = d.keys[p.dirty - 1];
  k.node = nullptr;
  if (k.stored_count == 0) return;  // nothing of it in the database
  k.erased_key = key;
  d.erased.emplace(key, p.dirty);
}

/// Key group by key group (the first bytes of every entry key), each group's
/// writes sorted, so the memtable sees one ascending run per state. Batches
/// past kWriteChunkBytes are written on the way: they need not be atomic,
/// since a failed task restores a checkpoint rather than this database.
template <class NsValue>
void StateTable<NsValue>::write_dirty(RocksDbStore::Batch& batch) {
  constexpr size_t kWriteChunkBytes = 8 << 20;
  std::string k, v;
  SortedWrites sorted;
  for (size_t idx = 0; idx < dirty_.size(); ++idx) {
    const int32_t kg = group_kg(idx);
    DirtyKeys& d = dirty_[idx];
    for (const DirtyKey& dk : d.keys) {
      PerKey* p = dk.node == nullptr ? nullptr : &dk.node->second;
      const std::string& key = dk.node == nullptr ? dk.erased_key : dk.node->first;
      for (uint32_t i = dk.stored_begin; i < dk.stored_begin + dk.stored_count; ++i) {
        const int64_t ns = d.stored[i];
        if (p != nullptr && p->contains(ns)) continue;
        k.clear();
        rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
        sorted.remove(k);
      }
      if (p == nullptr) continue;
      p->for_each([&](int64_t ns, const NsValue& value) {
        k.clear();
        rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
        pack_value(value, v);
        sorted.put(k, v);
      });
      p->dirty = 0;
    }
    d.clear();
    sorted.move_into(batch);
    if (batch.bytes() > kWriteChunkBytes) {
      ctx_->note_error(ctx_->store->write(batch));
      batch.clear();
    }
  }
  read_epoch_ = write_epoch_ = 0;  // clean now: the next change must mark its key again
}

template <class NsValue>
size_t StateTable<NsValue>::evict(size_t n) {
  size_t dropped = 0;
  for (size_t idx = 0; idx < groups_.size() && dropped < n; ++idx) {
    Group& g = groups_[idx];
    for (auto it = g.begin(); it != g.end() && dropped < n;) {
      if (it->second.dirty != 0) {
        ++it;
        continue;
      }
      g.erase(it++);
      ++dropped;
    }
  }
  ctx_->cached_keys -= dropped;
  read_epoch_ = write_epoch_ = 0;
  return dropped;
}

template <class NsValue>
void StateTable<NsValue>::drop_cache(size_t idx) {
  ctx_->cached_keys -= groups_[idx].size();
  groups_[idx] = Group();
  if (idx < dirty_.size()) dirty_[idx].clear();
  read_epoch_ = write_epoch_ = 0;
}

template <class NsValue>
void StateTable<NsValue>::drop_all_caches() {
  for (size_t idx = 0; idx < groups_.size(); ++idx) drop_cache(idx);
}

template <class NsValue>
bool StateTable<NsValue>::holds_key(size_t idx, const std::string& key) {
  if (groups_[idx].find(key) != groups_[idx].end()) return true;
  if (dirty_[idx].erased.count(key) != 0) return false;
  bool exists = false;
  if (namespace_zero_only_) {
    std::string value;
    ctx_->note_error(ctx_->store->read_entry(group_kg(idx), state_id_, key, 0, value, exists));
  } else {
    ctx_->note_error(ctx_->store->key_exists(group_kg(idx), state_id_, key, exists));
  }
  return exists;
}

template <class NsValue>
void StateTable<NsValue>::write_staged(size_t idx, RocksDbStore::Batch& batch) {
  std::string k, v;
  for (const auto& [key, per_key] : staged_) {
    per_key.for_each([&](int64_t ns, const NsValue& value) {
      k.clear();
      rocks_layout::append_entry_key(k, group_kg(idx), state_id_, key, ns);
      pack_value(value, v);
      batch.put(k, v);
    });
  }
  drop_staged();
}

/// Visits the database, not the cache: the table's dirty keys are written
/// first, so the database holds every key. A cached key's value is the one f
/// sees (and may change, making the key dirty); an uncached value changed by f
/// is written back directly.
template <class NsValue>
template <class F>
void StateTable<NsValue>::rocks_for_each(F& f) {
  RocksDbStore::Batch dirty;
  write_dirty(dirty);
  ctx_->note_error(ctx_->store->write(dirty));
  std::string k, v;
  for (size_t idx = 0; idx < groups_.size(); ++idx) {
    const int32_t kg = group_kg(idx);
    RocksDbStore::Batch batch;
    Status st = ctx_->store->scan_keys(
        kg, state_id_, [&](const std::string& key, RocksDbStore::KeyEntries& entries) -> Status {
          auto cached = groups_[idx].find(key);
          if (cached != groups_[idx].end()) {
            size_t i = 0;
            cached->second.for_each([&](int64_t ns, NsValue& value) {
              f(kg, key, ns, value);
              pack_value(value, v);
              if (i >= entries.size() || v != entries[i].second) mark_dirty(idx, *cached);
              ++i;
            });
            return Status::ok();
          }
          NsValue value;
          for (auto& [ns, bytes] : entries) {
            value = NsValue();
            EDDY_RETURN_IF_ERROR(unpack_value(bytes, value));
            f(kg, key, ns, value);
            pack_value(value, v);
            if (v == bytes) continue;
            k.clear();
            rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
            batch.put(k, v);
          }
          return Status::ok();
        });
    ctx_->note_error(st);
    ctx_->note_error(ctx_->store->write(batch));
  }
}

/// Like rocks_for_each; removed entries of uncached keys become deletes.
template <class NsValue>
template <class F>
size_t StateTable<NsValue>::rocks_remove_if(F& pred) {
  RocksDbStore::Batch dirty;
  write_dirty(dirty);
  ctx_->note_error(ctx_->store->write(dirty));
  size_t removed = 0;
  std::string k, v;
  for (size_t idx = 0; idx < groups_.size(); ++idx) {
    const int32_t kg = group_kg(idx);
    RocksDbStore::Batch batch;
    Status st = ctx_->store->scan_keys(
        kg, state_id_, [&](const std::string& key, RocksDbStore::KeyEntries& entries) -> Status {
          auto cached = groups_[idx].find(key);
          if (cached != groups_[idx].end()) {
            PerKey& per_key = cached->second;
            // pred marks the key dirty before remove_if erases the entry it
            // chose, so the first mark records every namespace the database holds.
            size_t i = 0;
            removed += per_key.remove_if([&](int64_t ns, NsValue& value) {
              const size_t at = i++;
              if (pred(kg, key, ns, value)) {
                mark_dirty(idx, *cached);
                return true;
              }
              pack_value(value, v);
              if (at >= entries.size() || v != entries[at].second) mark_dirty(idx, *cached);
              return false;
            });
            if (per_key.empty()) {
              mark_erased(idx, key, per_key);
              groups_[idx].erase(cached);
              --ctx_->cached_keys;
              --keys_;
              ctx_->key_removed(idx, key, this);
            }
            return Status::ok();
          }
          size_t kept = 0;
          NsValue value;
          for (auto& [ns, bytes] : entries) {
            value = NsValue();
            EDDY_RETURN_IF_ERROR(unpack_value(bytes, value));
            k.clear();
            rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
            if (pred(kg, key, ns, value)) {
              batch.remove(k);
              ++removed;
              continue;
            }
            ++kept;
            pack_value(value, v);
            if (v != bytes) batch.put(k, v);
          }
          if (kept == 0) {
            --keys_;
            ctx_->key_removed(idx, key, this);
          }
          return Status::ok();
        });
    ctx_->note_error(st);
    ctx_->note_error(ctx_->store->write(batch));
  }
  entries_ -= removed;
  read_epoch_ = write_epoch_ = 0;  // the current key's entry may be gone
  return removed;
}

}  // namespace eddy::state_detail
