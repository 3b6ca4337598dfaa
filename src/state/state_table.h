// The heap layout behind every keyed state (ValueState, MapState, ListState):
// one StateTable per registered state, holding key group -> key bytes ->
// namespace -> value. In RocksDB mode the same maps are a write-back cache over
// the database (state_table_rocksdb.h). Only KeyedStateBackend creates tables;
// operators see the typed states in keyed_state_backend.h. Owned by the subtask's operator.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <msgpack.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include "core/key_groups.h"
#include "core/status.h"
#include "state/namespace_map.h"
#include "state/rocksdb_store.h"

namespace eddy {

class KeyedStateBackend;

namespace state_detail {

/// Appends packer output to a string (msgpack's Stream concept).
struct StringSink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
using Packer = msgpack::packer<StringSink>;

/// Reads one byte of every cache line of the `bytes` at `p`, and returns
/// their sum (for the caller to keep the reads from being optimized away).
inline uint64_t touch_lines(const void* p, size_t bytes) {
  const auto start = reinterpret_cast<uintptr_t>(p);
  uint64_t sum = *static_cast<const uint8_t*>(p);
  for (uintptr_t line = (start | 63) + 1; line < start + bytes; line += 64)
    sum += *reinterpret_cast<const uint8_t*>(line);
  return sum;
}

/// Ends the process on a programming error (a wrong key group, one state name
/// registered with two types). Always on, unlike assert: with NDEBUG builds
/// the alternative is writing out of bounds or through a mistyped pointer.
[[noreturn]] void fatal(const std::string& message);

/// Bumped if the layout of KeyedStateBackend::snapshot_key_group's bytes changes.
constexpr uint64_t kSnapshotFormatVersion = 1;

/// Reads a msgpack integer that fits int64.
bool read_int64(const msgpack::object& o, int64_t& v);

class StateTableBase;
struct KeyContext;
/// RocksDB mode: whether any state other than `self` holds key `key` of
/// key-group index idx (cache first, then the database). In keyed_state_rocksdb.cpp.
bool key_held_elsewhere(KeyContext& ctx, const StateTableBase* self, size_t idx,
                        const std::string& key);

/// What all states of one backend share: the current key, and which key groups
/// exist. Heap-allocated by the backend so states may keep a pointer to it.
struct KeyContext {
  KeyContext(int32_t max_par, KeyGroupRange kgs)
      : max_parallelism(max_par), range(kgs), key_refs(static_cast<size_t>(kgs.size())) {}

  int32_t max_parallelism;
  KeyGroupRange range;
  std::string key;  // the current key's bytes
  int32_t key_group = -1;
  /// Bumped whenever the current key changes or contents are replaced wholesale
  /// (restore, clear); a state's cached entry is valid while its epoch matches.
  /// Starts at 1 so that a cache epoch of 0 always means "look up again".
  uint64_t epoch = 1;

  /// Distinct keys over all states, kept only once a second state is registered
  /// (with one state its own key count is the answer): key_count() stays O(1)
  /// for metrics, at one extra hash operation when a key first gets or loses
  /// all state in some table -- not per access. In RocksDB mode always kept,
  /// without key_refs: a key's arrival or departure asks the other states.
  bool track_keys = false;
  std::vector<absl::flat_hash_map<std::string, uint32_t>> key_refs;  // per key-group index
  size_t tracked_keys = 0;

  // -- RocksDB mode only (store == nullptr on the heap) --
  RocksDbStore* store = nullptr;
  /// Registered tables, for key_held_elsewhere.
  std::vector<StateTableBase*> tables;
  /// Keys held in the tables' caches, over all tables.
  size_t cached_keys = 0;
  /// set_current_key flushes when cached_keys exceeds this; SIZE_MAX on the heap,
  /// so the heap pays one compare per key change.
  size_t flush_at = SIZE_MAX;
  /// The first database failure seen where no Status could be returned (a
  /// cache miss, for_each); reported by flush() and checkpoints.
  Status store_error;
  void note_error(const Status& s) {
    if (!s.is_ok() && store_error.is_ok()) store_error = s;
  }

  /// Index of the current key group into per-group vectors.
  size_t group_index() const {
    if (!range.contains(key_group)) fatal("keyed state accessed without a current key");
    return static_cast<size_t>(key_group - range.start);
  }
  /// Table `self` got its first entry for key k (which it did not hold).
  void key_added(size_t idx, const std::string& k, const StateTableBase* self) {
    if (!track_keys) return;
    if (store != nullptr) {
      if (!key_held_elsewhere(*this, self, idx, k)) ++tracked_keys;
      return;
    }
    if (key_refs[idx][k]++ == 0) ++tracked_keys;
  }
  /// Table `self` lost its last entry for key k.
  void key_removed(size_t idx, const std::string& k, const StateTableBase* self) {
    if (!track_keys) return;
    if (store != nullptr) {
      if (!key_held_elsewhere(*this, self, idx, k)) --tracked_keys;
      return;
    }
    auto it = key_refs[idx].find(k);
    if (it != key_refs[idx].end() && --it->second == 0) {
      key_refs[idx].erase(it);
      --tracked_keys;
    }
  }
};

/// The type-erased face of a state table, for the backend's snapshot, restore and key counting.
class StateTableBase {
 public:
  StateTableBase(std::string name, KeyContext* ctx) : name_(std::move(name)), ctx_(ctx) {}
  virtual ~StateTableBase() = default;
  StateTableBase(const StateTableBase&) = delete;
  StateTableBase& operator=(const StateTableBase&) = delete;

  const std::string& name() const { return name_; }
  /// Keys holding an entry in this state, over all key groups.
  size_t key_count() const { return keys_; }
  /// Entries (key, namespace pairs) over all keys.
  size_t entry_count() const { return entries_; }
  /// Whether a value read from this state stays where it is, unchanged, until
  /// this state itself changes: on the heap. On RocksDB a key's values live in
  /// a cache (or a temporary) that a change of the current key may flush.
  bool values_stay_put() const { return ctx_->store == nullptr; }

  /// The state's C++ type as a stable name (the Itanium-ABI mangled name of the
  /// state class, e.g. ValueState<long>), written into snapshots so restore can
  /// refuse bytes of another type instead of misreading them.
  virtual const char* type_id() const = 0;
  virtual size_t group_key_count(size_t idx) const = 0;
  /// Calls f(key) for every key of key-group index idx.
  virtual void visit_group_keys(size_t idx, void (*f)(void*, const std::string&),
                                void* arg) const = 0;
  /// Writes key-group index idx as [[key bin, [ns, value, ns, value, ...]], ...].
  virtual void pack_group(size_t idx, Packer& pk) const = 0;
  /// Decodes what pack_group wrote into a staging area; the table is untouched.
  virtual Status stage_group(const msgpack::object& entries) = 0;
  /// Replaces key-group index idx with the staged contents (empty if none were staged).
  virtual void commit_staged(size_t idx) = 0;
  virtual void drop_staged() = 0;
  virtual void clear_all() = 0;

  /// Whether the operator keeps one value per key, in namespace 0 only
  /// (Namespaces::kZeroOnly at registration). Then a RocksDB lookup is a point
  /// read that stops at the newest file holding the key, not a prefix scan
  /// that visits every file; writing another namespace is a programming error.
  bool namespace_zero_only() const { return namespace_zero_only_; }
  void set_namespace_zero_only(bool only) { namespace_zero_only_ = only; }
  /// Aborts: namespace `ns` written to a state that keeps namespace 0 only.
  [[noreturn]] void namespace_not_zero(int64_t ns) const;

  // -- RocksDB mode (state_table_rocksdb.h) --
  uint16_t state_id() const { return state_id_; }
  void set_state_id(uint16_t id) { state_id_ = id; }
  void set_counts(size_t keys, size_t entries) {
    keys_ = keys;
    entries_ = entries;
  }
  /// Adds the puts and deletes that bring the database up to date with every
  /// dirty key to `batch`; the keys are clean afterwards.
  virtual void write_dirty(RocksDbStore::Batch& batch) = 0;
  /// Forgets the dirty marks of a table that holds no key any more, whose
  /// entries the caller deletes from the database wholesale. False when it had none.
  virtual bool forget_dirty_of_empty() = 0;
  /// Drops up to `n` clean keys from the cache; returns how many it dropped.
  virtual size_t evict(size_t n) = 0;
  /// Forgets the cache (and dirty marks) of key-group index idx, or of all groups.
  virtual void drop_cache(size_t idx) = 0;
  virtual void drop_all_caches() = 0;
  /// Whether this state holds key `key` of key-group index idx.
  virtual bool holds_key(size_t idx, const std::string& key) = 0;
  /// Puts the staged contents (stage_group) for key-group index idx into batch, then drops them.
  virtual void write_staged(size_t idx, RocksDbStore::Batch& batch) = 0;

 protected:
  std::string name_;
  KeyContext* ctx_;
  size_t keys_ = 0;
  size_t entries_ = 0;
  uint16_t state_id_ = 0;
  bool namespace_zero_only_ = false;
};

/// A state's table over values of type NsValue (T for ValueState, the inner map
/// for MapState, std::vector<T> for ListState).
///
/// Layout: one hash map per key group, so a key group's snapshot, restore or
/// drop touches only that group's entries, and rescaling moves whole maps.
/// The map is abseil's node_hash_map: a key's node never moves (the current-key
/// cache and RocksDB's dirty records point at it), and its slots are one array,
/// so a pass over millions of keys (a snapshot packing them) loads nodes
/// independently, many at once, where std::unordered_map walks a linked list
/// one cache miss at a time (ten times slower, measured in the fork child).
/// Within a key, namespaces sit in a NamespaceMap: the first one inline in the
/// key's node, ascending for namespaces(), and a T* handed out stays valid
/// while other namespaces come and go.
/// Access: the entry of the current key is cached per state and revalidated by
/// the context's epoch, so every access after set_current_key costs one hash
/// lookup per state and key change, then a small ordered lookup by namespace.
template <class NsValue>
class StateTable : public StateTableBase {
 public:
  /// One key's namespaces. `dirty` is RocksDB mode's mark (index + 1 of the
  /// key's record in its group's DirtyKeys; 0: the database holds what this holds).
  struct PerKey : NamespaceMap<NsValue> {
    uint32_t dirty = 0;
  };
  using Group = absl::node_hash_map<std::string, PerKey>;
  using Node = typename Group::value_type;

  StateTable(std::string name, KeyContext* ctx)
      : StateTableBase(std::move(name), ctx), groups_(static_cast<size_t>(ctx->range.size())) {
    if (ctx->store != nullptr) dirty_.resize(groups_.size());
  }

  /// Namespaces held for the current key, ascending.
  std::vector<int64_t> namespaces() const {
    std::vector<int64_t> out;
    if (const PerKey* p = current()) {
      out.reserve(p->size());
      p->for_each([&](int64_t ns, const NsValue&) { out.push_back(ns); });
    }
    return out;
  }

  /// A hint for loops over many keys (window firings), which otherwise wait
  /// for one cache miss at a time: asks the CPU for what finding `key` of
  /// `key_group` reads. Without `node`, the table's control bytes and slots;
  /// with it, also the key's node, which needs the slots, so asked for some
  /// keys after the first call. Changes nothing.
  void prefetch(const std::string& key, int32_t key_group, bool node) const {
    const Group& g = groups_[static_cast<size_t>(key_group - ctx_->range.start)];
    if (!node) return g.prefetch(key);
    auto it = g.find(key);
    if (it != g.end()) __builtin_prefetch(&*it);
  }

  /// Visits every entry of every key: f(int32_t key_group, const std::string& key, int64_t ns,
  /// NsValue& value). f must not add or remove entries of this state (use remove_if to remove).
  template <class F>
  void for_each(F&& f) {
    if (ctx_->store != nullptr) return rocks_for_each(f);
    for (size_t idx = 0; idx < groups_.size(); ++idx) {
      const int32_t kg = ctx_->range.start + static_cast<int32_t>(idx);
      for (auto& [key, per_key] : groups_[idx])
        per_key.for_each([&](int64_t ns, NsValue& value) { f(kg, key, ns, value); });
    }
  }

  /// Removes every entry for which pred(int32_t key_group, const std::string& key, int64_t ns,
  /// NsValue& value) is true, e.g. the windows a watermark fired. Returns how many were removed.
  template <class F>
  size_t remove_if(F&& pred) {
    if (ctx_->store != nullptr) return rocks_remove_if(pred);
    size_t removed = 0;
    for (size_t idx = 0; idx < groups_.size(); ++idx) {
      const int32_t kg = ctx_->range.start + static_cast<int32_t>(idx);
      Group& g = groups_[idx];
      for (auto kit = g.begin(); kit != g.end();) {
        PerKey& per_key = kit->second;
        const std::string& key = kit->first;
        removed += per_key.remove_if(
            [&](int64_t ns, NsValue& value) { return pred(kg, key, ns, value); });
        if (per_key.empty()) {
          ctx_->key_removed(idx, kit->first, this);
          g.erase(kit++);  // absl's erase leaves other iterators valid
          --keys_;
        } else {
          ++kit;
        }
      }
    }
    entries_ -= removed;
    read_epoch_ = write_epoch_ = 0;  // the current key's entry may be gone
    return removed;
  }

  size_t group_key_count(size_t idx) const override { return groups_[idx].size(); }
  void visit_group_keys(size_t idx, void (*f)(void*, const std::string&),
                        void* arg) const override {
    for (const auto& e : groups_[idx]) f(arg, e.first);
  }

  void pack_group(size_t idx, Packer& pk) const override {
    const Group& g = groups_[idx];
    pk.pack_array(static_cast<uint32_t>(g.size()));
    // Nodes lie anywhere in memory, and packing one is too long for the CPU
    // to run ahead to the next: one miss at a time, each a page walk too when
    // the table is large. So the nodes are read in chunks first, by a loop
    // short enough for their misses to overlap. (Software prefetches, tried
    // first, stalled on those page walks: 2.2 times slower, measured on 6M
    // keys; docs/checkpoints.md.)
    constexpr size_t kChunk = 32;
    auto it = g.begin();
    while (it != g.end()) {
      auto touch = it;
      uint64_t sum = 0;
      for (size_t i = 0; i < kChunk && touch != g.end(); ++i, ++touch) sum += touch_lines(&*touch, sizeof(*touch));
      asm volatile("" : : "r"(sum));
      for (; it != touch; ++it) {
        const auto& [key, per_key] = *it;
        pk.pack_array(2);
        pk.pack_bin(static_cast<uint32_t>(key.size()));
        pk.pack_bin_body(key.data(), static_cast<uint32_t>(key.size()));
        pk.pack_array(static_cast<uint32_t>(per_key.size() * 2));
        per_key.for_each([&](int64_t ns, const NsValue& value) {
          pk.pack(ns);
          pk.pack(value);
        });
      }
    }
  }

  Status stage_group(const msgpack::object& entries) override {
    staged_.clear();
    staged_entries_ = 0;
    if (entries.type != msgpack::type::ARRAY)
      return Status::parse_error("entries are not an array");
    for (uint32_t i = 0; i < entries.via.array.size; ++i) {
      const msgpack::object& e = entries.via.array.ptr[i];
      if (e.type != msgpack::type::ARRAY || e.via.array.size != 2 ||
          e.via.array.ptr[0].type != msgpack::type::BIN ||
          e.via.array.ptr[1].type != msgpack::type::ARRAY)
        return Status::parse_error("entry " + std::to_string(i) +
                                   " is not [key, [ns, value, ...]]");
      const msgpack::object& k = e.via.array.ptr[0];
      const msgpack::object& nv = e.via.array.ptr[1];
      if (nv.via.array.size == 0 || nv.via.array.size % 2 != 0)
        return Status::parse_error("entry " + std::to_string(i) +
                                   " has no complete namespace/value pairs");
      auto [kit, fresh] = staged_.try_emplace(std::string(k.via.bin.ptr, k.via.bin.size));
      if (!fresh) return Status::parse_error("entry " + std::to_string(i) + " repeats a key");
      for (uint32_t j = 0; j < nv.via.array.size; j += 2) {
        int64_t ns = 0;
        if (!read_int64(nv.via.array.ptr[j], ns))
          return Status::parse_error("entry " + std::to_string(i) +
                                     " has a namespace that is not an int64");
        if (ns != 0 && namespace_zero_only_)
          return Status::parse_error("entry " + std::to_string(i) + " has namespace " + std::to_string(ns) +
                                     ", but state '" + name_ + "' keeps one value per key (namespace 0)");
        auto [value, inserted] = kit->second.try_emplace(ns);
        if (!inserted)
          return Status::parse_error("entry " + std::to_string(i) + " repeats namespace " +
                                     std::to_string(ns));
        try {
          nv.via.array.ptr[j + 1].convert(*value);
        } catch (const std::exception& ex) {
          return Status::type_error("entry " + std::to_string(i) + " namespace " +
                                    std::to_string(ns) + ": value does not fit the state's type (" +
                                    ex.what() + ")");
        }
        ++staged_entries_;
      }
    }
    return Status::ok();
  }

  void commit_staged(size_t idx) override {
    Group& g = groups_[idx];
    size_t old_entries = 0;
    for (const auto& e : g) old_entries += e.second.size();
    keys_ = keys_ - g.size() + staged_.size();
    entries_ = entries_ - old_entries + staged_entries_;
    g = std::move(staged_);
    drop_staged();
    read_epoch_ = write_epoch_ = 0;
  }

  void drop_staged() override {
    staged_ = Group();
    staged_entries_ = 0;
  }

  void clear_all() override {
    for (Group& g : groups_) g = Group();  // frees the buckets too, unlike clear()
    keys_ = entries_ = 0;
    read_epoch_ = write_epoch_ = 0;
    for (auto& d : dirty_) d.clear();
  }

  void write_dirty(RocksDbStore::Batch& batch) override;
  bool forget_dirty_of_empty() override {
    bool had = false;
    for (auto& d : dirty_) {
      had = had || !d.keys.empty();
      d.clear();  // no key is cached: every record is of an erased key
    }
    read_epoch_ = write_epoch_ = 0;
    return had;
  }
  size_t evict(size_t n) override;
  void drop_cache(size_t idx) override;
  void drop_all_caches() override;
  bool holds_key(size_t idx, const std::string& key) override;
  void write_staged(size_t idx, RocksDbStore::Batch& batch) override;

 protected:
  /// The current key's entry, or nullptr, for reading. Cached per epoch; const
  /// because readers (contains, namespaces) use it too -- the cache is not content.
  PerKey* current() const {
    if (read_epoch_ != ctx_->epoch) lookup(/*write=*/false);
    return cache_;
  }
  /// The same for an access that may change the entry: in RocksDB mode it
  /// marks the key dirty (a T* handed out may be written through at any time).
  PerKey* current_mut() {
    if (write_epoch_ != ctx_->epoch) lookup(/*write=*/true);
    return cache_;
  }

  PerKey& current_or_create() {
    if (PerKey* p = current_mut()) return *p;
    const size_t idx = ctx_->group_index();
    Node& node = *groups_[idx].try_emplace(ctx_->key).first;
    cache_ = &node.second;
    if (ctx_->store != nullptr) {
      ++ctx_->cached_keys;
      mark_created(idx, node);
    }
    ++keys_;
    ctx_->key_added(idx, ctx_->key, this);
    return *cache_;
  }

  const NsValue* find(int64_t ns) const {
    const PerKey* p = current();
    return p ? p->find(ns) : nullptr;
  }

  NsValue* find_mut(int64_t ns) {
    PerKey* p = current_mut();
    return p ? p->find(ns) : nullptr;
  }

  NsValue& find_or_create(int64_t ns) {
    if (ns != 0 && namespace_zero_only_) namespace_not_zero(ns);
    auto [value, inserted] = current_or_create().try_emplace(ns);
    entries_ += inserted;
    return *value;
  }

  void assign(int64_t ns, NsValue&& value) {
    if (ns != 0 && namespace_zero_only_) namespace_not_zero(ns);
    auto [stored, inserted] = current_or_create().try_emplace(ns, std::move(value));
    if (inserted) {
      ++entries_;
    } else {
      *stored = std::move(value);  // try_emplace leaves value untouched when ns exists
    }
  }

  /// Removes (current key, ns); the key's entry goes with its last namespace,
  /// so key_count() counts only keys that hold something.
  void erase(int64_t ns) {
    PerKey* p = current_mut();
    if (!p || !p->erase(ns)) return;
    --entries_;
    if (!p->empty()) return;
    const size_t idx = ctx_->group_index();
    if (ctx_->store != nullptr) {
      mark_erased(idx, ctx_->key, *p);
      --ctx_->cached_keys;
    }
    groups_[idx].erase(ctx_->key);
    --keys_;
    ctx_->key_removed(idx, ctx_->key, this);
    cache_ = nullptr;
  }

 private:
  /// Finds the current key's entry after a key change (or a first write access).
  void lookup(bool write) const {
    if (ctx_->store != nullptr) return const_cast<StateTable*>(this)->rocks_lookup(write);
    Group& g = const_cast<Group&>(groups_[ctx_->group_index()]);
    auto it = g.find(ctx_->key);
    cache_ = it == g.end() ? nullptr : &it->second;  // node-based: stable across rehash
    read_epoch_ = write_epoch_ = ctx_->epoch;
  }

  // RocksDB mode, in state_table_rocksdb.h.
  void rocks_lookup(bool write);
  Node* load(size_t idx, const std::string& key);
  void mark_dirty(size_t idx, Node& node);
  void mark_created(size_t idx, Node& node);
  void mark_erased(size_t idx, const std::string& key, const PerKey& p);
  template <class F>
  void rocks_for_each(F& f);
  template <class F>
  size_t rocks_remove_if(F& pred);
  int32_t group_kg(size_t idx) const { return ctx_->range.start + static_cast<int32_t>(idx); }

  std::vector<Group> groups_;  // index: key group - range.start
  mutable PerKey* cache_ = nullptr;
  /// The epoch cache_ was found in for reading, and for writing (RocksDB: the
  /// key is marked dirty). The heap sets both at once.
  mutable uint64_t read_epoch_ = 0;
  mutable uint64_t write_epoch_ = 0;
  Group staged_;  // restore's decoded key group, until every state decoded cleanly
  size_t staged_entries_ = 0;
  /// RocksDB mode: a key changed since the last flush, with the namespaces the
  /// database holds for it (to delete those now gone). A plain vector, since
  /// the mark in PerKey finds a key's record: no allocation per dirty key.
  struct DirtyKey {
    Node* node = nullptr;    // null once the key was erased from the cache
    std::string erased_key;  // then: the key, while the database still holds some of it
    uint32_t stored_begin = 0;
    uint32_t stored_count = 0;  // in DirtyKeys::stored
  };
  struct DirtyKeys {
    std::vector<DirtyKey> keys;
    std::vector<int64_t> stored;
    /// Erased keys with namespaces left in the database -> record index + 1: a
    /// lookup must not load them, and creating the key again reuses the record.
    /// Open addressing: every cache miss asks this map, and std::unordered_map's
    /// bucket chains took a tenth of a q5 run's CPU time (measured with perf).
    absl::flat_hash_map<std::string, uint32_t> erased;
    void clear() {
      keys.clear();
      stored.clear();
      erased.clear();
    }
  };
  std::vector<DirtyKeys> dirty_;  // per key-group index
};

}  // namespace state_detail
}  // namespace eddy

#include "state/state_table_rocksdb.h"
