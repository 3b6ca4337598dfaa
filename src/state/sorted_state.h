// SortedState: per key, values ordered by an int64 (the namespace, e.g. an
// event time), read by range. The interval join keeps its rows here. On the
// heap it is a StateTable like the others (namespaces ascend); on RocksDB it
// bypasses the whole-key cache: every access goes to the database, and a range
// read is one iterator bounded to exactly [lo, hi] (rocksdb_key_layout.h puts
// the namespace last, sign-flipped big-endian, so entries sort by it), never a
// scan of the key's prefix. Snapshots, restores and incremental checkpoints
// see its entries as any state's. Owned by a KeyedStateBackend.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "state/state_table.h"

namespace eddy {

/// A list of values per (key, namespace), namespaces ascending; read by
/// namespace range. Accessors refer to the backend's current key. RocksDB
/// failures are returned (and kept in the backend's io_status()).
template <class T>
class SortedState final : public state_detail::StateTable<std::vector<T>> {
  using Base = state_detail::StateTable<std::vector<T>>;

 public:
  using Values = std::vector<T>;

  /// Appends v to the values at namespace ns of the current key.
  Status add(int64_t ns, T v) {
    if (!rocks()) {
      this->find_or_create(ns).push_back(std::move(v));
      return Status::ok();
    }
    Values values;
    bool found = false, key_exists = false;
    EDDY_RETURN_IF_ERROR(read_one(ns, values, found, key_exists));
    values.push_back(std::move(v));
    return write_one(ns, values, found, key_exists);
  }

  /// f(Values&) on the values at namespace ns of the current key, if it holds
  /// any; on RocksDB they are read, changed and written back.
  template <class F>
  Status update(int64_t ns, F&& f) {
    if (!rocks()) {
      if (Values* v = this->find_mut(ns)) f(*v);
      return Status::ok();
    }
    Values values;
    bool found = false, key_exists = false;
    EDDY_RETURN_IF_ERROR(read_one(ns, values, found, key_exists));
    if (!found) return Status::ok();
    f(values);
    return write_one(ns, values, true, true);
  }

  /// f(int64_t ns, const Values&) for every namespace of the current key in
  /// [lo, hi], ascending; visits nothing else.
  template <class F>
  Status for_each_in(int64_t lo, int64_t hi, F&& f) {
    if (lo > hi) return Status::ok();
    if (!rocks()) {
      if (auto* p = this->current())
        visited_ += p->for_each_in(lo, hi, [&](int64_t ns, const Values& v) { f(ns, v); });
      return Status::ok();
    }
    Values values;
    return note(this->ctx_->store->read_range(
        kg(), this->state_id_, this->ctx_->key, lo, hi,
        [&](int64_t ns, std::string_view bytes) -> Status {
          values.clear();
          EDDY_RETURN_IF_ERROR(state_detail::unpack_value(bytes, values));
          f(ns, static_cast<const Values&>(values));
          return Status::ok();
        },
        visited_));
  }

  /// The smallest namespace >= lo that the current key holds (found = false: none).
  Status first_from(int64_t lo, int64_t& ns, bool& found) {
    found = false;
    if (!rocks()) {
      if (auto* p = this->current())
        visited_ += p->for_each_in(lo, INT64_MAX, [&](int64_t n, const Values&) { ns = n, found = true; }, 1);
      return Status::ok();
    }
    return note(this->ctx_->store->read_range(
        kg(), this->state_id_, this->ctx_->key, lo, INT64_MAX,
        [&](int64_t n, std::string_view) -> Status {
          ns = n;
          found = true;
          return Status::ok();
        },
        visited_, 1));
  }

  /// Removes every namespace of the current key below `ns`; adds how many it
  /// removed to *removed when given; sets *next (when given) to the smallest
  /// namespace left, if any (*found), as first_from(ns) would, in the same pass.
  Status erase_below(int64_t ns, size_t* removed = nullptr, int64_t* next = nullptr,
                     bool* found = nullptr);

  /// Namespaces (over all keys) that the range reads stepped on so far: a
  /// RocksDB read visits exactly the entries in its range, a heap read the same.
  uint64_t entries_visited() const { return visited_; }
  /// Entries (key, namespace pairs) over all keys.
  size_t size() const { return this->entry_count(); }

  const char* type_id() const override { return typeid(SortedState).name(); }

 private:
  friend class KeyedStateBackend;
  using Base::Base;

  bool rocks() const { return this->ctx_->store != nullptr; }
  int32_t kg() const { return this->ctx_->key_group; }
  Status note(Status st) {
    this->ctx_->note_error(st);
    return st;
  }
  /// The values at ns (found) and whether the key holds any namespace, from the database.
  Status read_one(int64_t ns, Values& values, bool& found, bool& key_exists);
  /// Writes values at ns (`existed`: the database held ns before), keeping counts.
  Status write_one(int64_t ns, const Values& values, bool existed, bool key_exists);

  uint64_t visited_ = 0;
};

template <class T>
Status SortedState<T>::read_one(int64_t ns, Values& values, bool& found, bool& key_exists) {
  std::string bytes;
  EDDY_RETURN_IF_ERROR(note(this->ctx_->store->read_for_update(kg(), this->state_id_, this->ctx_->key,
                                                               ns, bytes, found, key_exists)));
  if (!found) return Status::ok();
  return note(state_detail::unpack_value(bytes, values));
}

template <class T>
Status SortedState<T>::write_one(int64_t ns, const Values& values, bool existed, bool key_exists) {
  if (!existed) {
    if (!key_exists) {
      ++this->keys_;
      this->ctx_->key_added(this->ctx_->group_index(), this->ctx_->key, this);
    }
    ++this->entries_;
  }
  std::string k, v;
  rocks_layout::append_entry_key(k, kg(), this->state_id_, this->ctx_->key, ns);
  state_detail::pack_value(values, v);
  RocksDbStore::Batch batch;
  batch.put(k, v);
  return note(this->ctx_->store->write(batch));
}

template <class T>
Status SortedState<T>::erase_below(int64_t ns, size_t* removed, int64_t* next, bool* found) {
  size_t gone = 0;
  bool left = false;
  int64_t first_left = 0;
  if (!rocks()) {
    std::vector<int64_t> below;
    if (auto* p = this->current()) {
      if (ns != INT64_MIN)
        visited_ += p->for_each_in(INT64_MIN, ns - 1, [&](int64_t n, const Values&) { below.push_back(n); });
      visited_ += p->for_each_in(ns, INT64_MAX, [&](int64_t n, const Values&) { left = true, first_left = n; }, 1);
    }
    for (int64_t n : below) this->erase(n);
    gone = below.size();
  } else {
    EDDY_RETURN_IF_ERROR(note(this->ctx_->store->erase_below(kg(), this->state_id_, this->ctx_->key, ns,
                                                             gone, left, first_left, visited_)));
    this->entries_ -= gone;
    if (gone > 0 && !left) {  // its last namespace went
      --this->keys_;
      this->ctx_->key_removed(this->ctx_->group_index(), this->ctx_->key, this);
    }
  }
  if (removed != nullptr) *removed += gone;
  if (next != nullptr) *next = first_left;
  if (found != nullptr) *found = left;
  return Status::ok();
}

}  // namespace eddy
