// The RocksDB half of StateTable (included at the end of state_table.h): the
// per-table maps become a write-back cache over the database. A key is loaded
// whole (all its namespaces, one prefix scan) on its first access, changed in
// memory, and written back by KeyedStateBackend::flush() through write_dirty().
// Invariant: a cached key that is not dirty holds exactly what the database holds.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  PerKey* p = nullptr;
  if (it != g.end()) {
    p = &it->second;
  } else if (dirty_[idx].find(ctx_->key) == dirty_[idx].end()) {
    p = load(idx, ctx_->key);  // a dirty key missing from the cache was erased: no load
  }
  cache_ = p;
  read_epoch_ = ctx_->epoch;
  if (write) {
    if (p != nullptr) mark_dirty(idx, ctx_->key, *p);
    write_epoch_ = ctx_->epoch;
  }
}

template <class NsValue>
typename StateTable<NsValue>::PerKey* StateTable<NsValue>::load(size_t idx,
                                                                const std::string& key) {
  RocksDbStore::KeyEntries entries;
  Status st = ctx_->store->read_key(group_kg(idx), state_id_, key, entries);
  if (!st.is_ok() || entries.empty()) {
    ctx_->note_error(st);
    return nullptr;
  }
  PerKey loaded;
  for (auto& [ns, bytes] : entries) {
    st = unpack_value(bytes, loaded[ns]);
    if (!st.is_ok()) {
      ctx_->note_error(Status(st.code(), "state '" + name_ + "': " + st.message()));
      return nullptr;
    }
  }
  ++ctx_->cached_keys;
  return &groups_[idx].emplace(key, std::move(loaded)).first->second;
}

template <class NsValue>
void StateTable<NsValue>::mark_dirty(size_t idx, const std::string& key, const PerKey& p) {
  auto [it, fresh] = dirty_[idx].try_emplace(key);
  if (!fresh) return;  // keeps what the database held when the key first changed
  it->second.reserve(p.size());
  for (const auto& e : p) it->second.push_back(e.first);  // clean: the database holds these
}

template <class NsValue>
void StateTable<NsValue>::write_dirty(RocksDbStore::Batch& batch) {
  std::string k, v;
  for (size_t idx = 0; idx < dirty_.size(); ++idx) {
    const int32_t kg = group_kg(idx);
    for (const auto& [key, stored] : dirty_[idx]) {
      auto it = groups_[idx].find(key);
      const PerKey* p = it == groups_[idx].end() ? nullptr : &it->second;
      for (int64_t ns : stored) {
        if (p != nullptr && p->count(ns) != 0) continue;
        k.clear();
        rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
        batch.remove(k);
      }
      if (p == nullptr) continue;
      for (const auto& [ns, value] : *p) {
        k.clear();
        rocks_layout::append_entry_key(k, kg, state_id_, key, ns);
        pack_value(value, v);
        batch.put(k, v);
      }
    }
    dirty_[idx].clear();
  }
}

template <class NsValue>
size_t StateTable<NsValue>::evict(size_t n) {
  size_t dropped = 0;
  for (size_t idx = 0; idx < groups_.size() && dropped < n; ++idx) {
    Group& g = groups_[idx];
    for (auto it = g.begin(); it != g.end() && dropped < n;) {
      if (dirty_[idx].count(it->first) != 0) {
        ++it;
        continue;
      }
      it = g.erase(it);
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
  if (dirty_[idx].find(key) != dirty_[idx].end()) return false;
  bool exists = false;
  ctx_->note_error(ctx_->store->key_exists(group_kg(idx), state_id_, key, exists));
  return exists;
}

template <class NsValue>
void StateTable<NsValue>::write_staged(size_t idx, RocksDbStore::Batch& batch) {
  std::string k, v;
  for (const auto& [key, per_key] : staged_) {
    for (const auto& [ns, value] : per_key) {
      k.clear();
      rocks_layout::append_entry_key(k, group_kg(idx), state_id_, key, ns);
      pack_value(value, v);
      batch.put(k, v);
    }
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
            for (auto& [ns, value] : cached->second) {
              f(kg, key, ns, value);
              pack_value(value, v);
              if (i >= entries.size() || v != entries[i].second)
                mark_dirty(idx, key, cached->second);
              ++i;
            }
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
            size_t i = 0;
            for (auto it = per_key.begin(); it != per_key.end(); ++i) {
              if (pred(kg, key, it->first, it->second)) {
                mark_dirty(idx, key, per_key);  // before the first erase: records the stored ones
                it = per_key.erase(it);
                ++removed;
                continue;
              }
              pack_value(it->second, v);
              if (i >= entries.size() || v != entries[i].second) mark_dirty(idx, key, per_key);
              ++it;
            }
            if (per_key.empty()) {
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
