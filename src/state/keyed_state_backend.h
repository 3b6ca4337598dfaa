// Keyed state of one operator subtask: named ValueState, MapState and ListState,
// partitioned into key groups, written and read back one key group at a time
// (checkpoints, rescaling), on the heap or in RocksDB (StateBackendOptions), with
// incremental checkpoints in RocksDB mode. Keyed operators own one per subtask.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "core/key_groups.h"
#include "core/status.h"
#include "state/rocksdb_checkpoint.h"
#include "state/rocksdb_snapshot.h"
#include "state/state_backend_options.h"
#include "state/sorted_state.h"
#include "state/state_table.h"

namespace eddy {

namespace state_detail {
template <class K, class = void>
struct is_std_hashable : std::false_type {};
template <class K>
struct is_std_hashable<K, std::void_t<decltype(std::hash<K>{}(std::declval<const K&>()))>>
    : std::true_type {};
/// MapState's per-namespace map: hashed when std::hash<K> exists, ordered otherwise
/// (so MSGPACK_DEFINE structs with operator< work as keys too).
template <class K, class V>
using InnerMap =
    std::conditional_t<is_std_hashable<K>::value, std::unordered_map<K, V>, std::map<K, V>>;
}  // namespace state_detail

/// One value per (key, namespace). Accessors refer to the backend's current key.
template <class T>
class ValueState final : public state_detail::StateTable<T> {
 public:
  /// The value of (current key, ns), or nullptr when absent. Stays valid until
  /// this entry is cleared, the key group is restored or the backend is cleared;
  /// in RocksDB mode also only until the current key changes or a flush().
  T* get(int64_t ns = 0) { return this->find_mut(ns); }
  /// The value, default-constructed (and then held as state) when absent.
  T& get_or_create(int64_t ns = 0) { return this->find_or_create(ns); }
  void put(T value, int64_t ns = 0) { this->assign(ns, std::move(value)); }
  /// Removes the (current key, ns) entry.
  void clear(int64_t ns = 0) { this->erase(ns); }
  /// Entries over all keys and namespaces.
  size_t size() const { return this->entry_count(); }
  // Inherited: namespaces(), for_each(f(kg, key, ns, T&)), remove_if(pred(kg, key, ns, T&)).

  const char* type_id() const override { return typeid(ValueState).name(); }

 private:
  friend class KeyedStateBackend;
  using state_detail::StateTable<T>::StateTable;
};

/// A map K -> V per (key, namespace). An empty map is no state: removing the
/// last entry removes the namespace (and the key, with its last namespace).
template <class K, class V>
class MapState final : public state_detail::StateTable<state_detail::InnerMap<K, V>> {
 public:
  using Map = state_detail::InnerMap<K, V>;

  V* get(const K& k, int64_t ns = 0) {
    Map* m = this->find_mut(ns);
    if (!m) return nullptr;
    auto it = m->find(k);
    return it == m->end() ? nullptr : &it->second;
  }
  void put(K k, V v, int64_t ns = 0) {
    this->find_or_create(ns).insert_or_assign(std::move(k), std::move(v));
  }
  void remove(const K& k, int64_t ns = 0) {
    Map* m = this->find_mut(ns);
    if (m && m->erase(k) != 0 && m->empty()) this->erase(ns);
  }
  bool contains(const K& k, int64_t ns = 0) const {
    const Map* m = this->find(ns);
    return m && m->find(k) != m->end();
  }
  /// Entries of the current key's map in ns.
  size_t size(int64_t ns = 0) const {
    const Map* m = this->find(ns);
    return m ? m->size() : 0;
  }
  /// f(const K&, V&) for every entry of the current key's map in ns. f must not
  /// put or remove entries of this state.
  template <class F>
  void for_each_entry(F&& f, int64_t ns = 0) {
    if (Map* m = this->find_mut(ns))
      for (auto& e : *m) f(e.first, e.second);
  }
  /// Removes the current key's whole map in ns.
  void clear(int64_t ns = 0) { this->erase(ns); }
  // Inherited: namespaces(), for_each(f(kg, key, ns, Map&)), remove_if(pred(kg, key, ns, Map&)).

  const char* type_id() const override { return typeid(MapState).name(); }

 private:
  friend class KeyedStateBackend;
  using state_detail::StateTable<Map>::StateTable;
};

/// A list per (key, namespace), appended to in arrival order.
template <class T>
class ListState final : public state_detail::StateTable<std::vector<T>> {
 public:
  void add(T v, int64_t ns = 0) { this->find_or_create(ns).push_back(std::move(v)); }
  /// The current key's list in ns, or nullptr when there is none.
  const std::vector<T>* get(int64_t ns = 0) const { return this->find(ns); }
  /// Replaces the list; an empty one clears it.
  void update(std::vector<T> values, int64_t ns = 0) {
    if (values.empty()) {
      this->erase(ns);
    } else {
      this->assign(ns, std::move(values));
    }
  }
  void clear(int64_t ns = 0) { this->erase(ns); }
  // Inherited: namespaces(), for_each(f(kg, key, ns, std::vector<T>&)), remove_if(...).

  const char* type_id() const override { return typeid(ListState).name(); }

 private:
  friend class KeyedStateBackend;
  using state_detail::StateTable<std::vector<T>>::StateTable;
};

/// Which namespaces a state uses (see KeyedStateBackend::value_state).
enum class Namespaces { kAny, kZeroOnly };

/// The keyed state of one operator subtask: named states, each a table
/// key group -> key bytes -> namespace (int64, e.g. a window end) -> value.
/// T, K and V must be msgpack-packable (builtins, std::string, std::vector,
/// std::map, or MSGPACK_DEFINE structs) and default-constructible.
/// Not thread-safe: the subtask's operator is its only user.
///
/// Heap mode: values are C++ objects held in hash maps per key group (no
/// serialization per access).
///
/// RocksDB mode (options.kind == kRocksDb): one database in options.local_dir,
/// WAL off (durability comes from checkpoints). The heap maps become a
/// write-back cache of whole keys: a state's first access to a key after a key
/// change loads every namespace of that key (one prefix scan; a point read for
/// a state registered with Namespaces::kZeroOnly) unless cached;
/// any mutable access (get() hands out a T*) marks the key dirty. flush()
/// writes dirty keys (deleting namespaces that are gone) and then drops clean
/// keys beyond options.cache_keys; set_current_key flushes by itself once the
/// caches hold more than 2 x cache_keys keys. So a T* or reference is valid
/// only until the current key changes. for_each, remove_if and snapshots
/// write the dirty keys first and then read the database, so they see every
/// key. Counts (key_count(), size()) are exact: kept as keys and entries come
/// and go (asking the other states whether a key is new to the backend), and
/// recounted by a scan after a restore. Key layout: rocksdb_key_layout.h;
/// states get a 2-byte id from a directory stored in the database itself
/// (so ids travel with incremental checkpoints and are looked up by name on
/// restore and rescaling). Failures: open_status() after construction;
/// database errors where no Status can be returned (a cache miss) are kept
/// and reported by io_status(), flush() and checkpoints.
class KeyedStateBackend {
 public:
  /// key_groups must lie within [0, max_parallelism). With kRocksDb, opens the
  /// database; if that fails the backend keeps its state on the heap and
  /// open_status() says why -- the operator should report it and fail.
  KeyedStateBackend(int32_t max_parallelism, KeyGroupRange key_groups,
                    const StateBackendOptions& options = {});
  KeyedStateBackend(const KeyedStateBackend&) = delete;
  KeyedStateBackend& operator=(const KeyedStateBackend&) = delete;
  KeyedStateBackend(KeyedStateBackend&&) = default;  // states keep pointing at the moved context
  KeyedStateBackend& operator=(KeyedStateBackend&&) = default;
  /// In RocksDB mode closes the database and deletes local_dir.
  ~KeyedStateBackend();

  /// Why the RocksDB database could not be opened ("cannot open RocksDB in DIR: ...");
  /// ok for heap backends.
  Status open_status() const { return open_status_; }
  /// True when state lives in RocksDB (asked for, and opened).
  bool is_rocksdb() const { return ctx_->store != nullptr; }
  /// How a host checkpoints this backend: key group by key group
  /// (snapshot_key_group; heap state, cheap to copy-on-fork), or incrementally
  /// (checkpoint_incremental; RocksDB, whose files are shared between checkpoints).
  enum class CheckpointStrategy { kKeyGroups, kIncremental };
  CheckpointStrategy checkpoint_strategy() const {
    return is_rocksdb() ? CheckpointStrategy::kIncremental : CheckpointStrategy::kKeyGroups;
  }
  /// The first database failure seen outside a call that returns a Status; ok on the heap.
  Status io_status() const { return ctx_->store_error; }
  /// RocksDB mode: writes every dirty key to the database, then drops clean
  /// keys from memory beyond options.cache_keys. References into state become
  /// invalid. A no-op on the heap.
  Status flush();

  /// Selects the key that later accesses refer to. key_group must be in
  /// key_groups() (checked always: a wrong one is a programming error and aborts).
  /// Cheap: unchanged bytes cost a compare; changed ones are copied into a
  /// reused buffer and states look the key up lazily, on their next access.
  void set_current_key(std::string_view key, int32_t key_group) {
    if (key_group == ctx_->key_group && key == ctx_->key) return;
    if (!ctx_->range.contains(key_group)) bad_key_group(key_group);
    if (ctx_->cached_keys > ctx_->flush_at) auto_flush();  // never on the heap
    ctx_->key.assign(key.data(), key.size());
    ctx_->key_group = key_group;
    ++ctx_->epoch;
  }
  const std::string& current_key() const { return ctx_->key; }
  int32_t current_key_group() const { return ctx_->key_group; }

  /// Registers a state on first call, returns the same object afterwards; the
  /// reference stays valid for the backend's life (clear and restore included).
  /// One name with two types (or kinds) is a programming error and aborts.
  /// Namespaces::kZeroOnly promises one value per key (namespace 0, the
  /// default argument of every access): on RocksDB a key then loads with a
  /// point read, which stops at the newest file that holds it. Registering
  /// one name with both is a programming error and aborts.
  template <class T>
  ValueState<T>& value_state(const std::string& name, Namespaces namespaces = Namespaces::kAny) {
    return state<ValueState<T>>(name, namespaces);
  }
  template <class K, class V>
  MapState<K, V>& map_state(const std::string& name, Namespaces namespaces = Namespaces::kAny) {
    return state<MapState<K, V>>(name, namespaces);
  }
  template <class T>
  ListState<T>& list_state(const std::string& name, Namespaces namespaces = Namespaces::kAny) {
    return state<ListState<T>>(name, namespaces);
  }
  /// Values ordered by namespace per key, read by namespace range (an
  /// interval join's rows by event time): on RocksDB every access reads the
  /// database directly, a range with one bounded iterator (sorted_state.h).
  template <class T>
  SortedState<T>& sorted_state(const std::string& name) {
    return state<SortedState<T>>(name, Namespaces::kAny);
  }

  /// Names of the registered states, ascending.
  std::vector<std::string> state_names() const;
  /// Distinct (key group, key) pairs holding any state in any state table. O(1).
  size_t key_count() const;
  KeyGroupRange key_groups() const { return ctx_->range; }
  int32_t max_parallelism() const { return ctx_->max_parallelism; }

  /// Every state of key group `kg` as msgpack bytes, replacing `out`:
  ///   [format version, kg, [[state name, type id, entries], ...]]
  /// naming each state and its C++ type so a backend that registered the same
  /// states can check what it reads. Costs O(entries of kg). kg outside
  /// key_groups() is an error.
  Status snapshot_key_group(int32_t kg, std::string& out) const;
  /// Replaces what key group `kg` held with `bytes` from snapshot_key_group (of
  /// this or any backend whose key groups include kg). Corrupt bytes, another
  /// key group's bytes, an unregistered state name or a type mismatch are an
  /// error Status, and then nothing changes.
  Status restore_key_group(int32_t kg, std::string_view bytes);
  /// Drops every entry of every state; registrations stay.
  void clear();

  // -- incremental checkpoints (RocksDB mode; on the heap they return an error) --

  /// Writes dirty keys and the memtable, takes a RocksDB checkpoint into a
  /// scratch directory, copies SSTs that no completed checkpoint stored into
  /// shared_dir under fresh random names (shared SSTs stored before are
  /// referenced, not copied), the other files into private_dir, and fsyncs them.
  Result<RocksDbSnapshot> checkpoint_incremental(int64_t checkpoint_id,
                                                 const std::string& shared_dir,
                                                 const std::string& private_dir);
  /// Checkpoint `id` is complete: later checkpoints may reference its SSTs.
  /// Only files of completed checkpoints are reused, so an aborted checkpoint's
  /// uploads may be deleted by the caller.
  void notify_checkpoint_complete(int64_t id);
  /// Replaces all contents with `snap` (of a backend with the same key groups):
  /// copies its files into local_dir and opens the database there. Registered
  /// states keep working (their ids are looked up by name); a registered state
  /// stored as another type is a type error, and then nothing changes.
  Status restore_incremental(const RocksDbSnapshot& snap, const std::string& shared_dir,
                             const std::string& private_dir);
  /// Rescaling: merges into this backend the entries of key groups in
  /// key_groups() found in `snap` (of a backend with any key groups), reading a
  /// temporary read-only copy of it. Call once per overlapping old snapshot.
  Status restore_incremental_range(const RocksDbSnapshot& snap, const std::string& shared_dir,
                                   const std::string& private_dir);

 private:
  template <class S>
  S& state(const std::string& name, Namespaces namespaces) {
    const bool zero_only = namespaces == Namespaces::kZeroOnly;
    auto it = states_.find(name);
    if (it == states_.end()) {
      auto* s = new S(name, ctx_.get());
      s->set_namespace_zero_only(zero_only);  // before restored entries reach it
      states_.emplace(name, std::unique_ptr<state_detail::StateTableBase>(s));
      on_registered(*s);
      return *s;
    }
    state_detail::StateTableBase& existing = *it->second;
    if (typeid(existing) != typeid(S)) type_clash(name, existing.type_id(), typeid(S).name());
    if (existing.namespace_zero_only() != zero_only) namespaces_clash(name);
    return static_cast<S&>(existing);
  }
  [[noreturn]] static void namespaces_clash(const std::string& name);
  void on_registered(state_detail::StateTableBase& table);
  /// Recounts the distinct keys of key-group index idx over all states.
  void rebuild_key_refs(size_t idx);
  // RocksDB mode, in keyed_state_rocksdb.cpp.
  void open_rocksdb(const StateBackendOptions& options);
  void register_rocksdb(state_detail::StateTableBase& table);
  void auto_flush();
  /// No state holds a key, in memory or in the database (exact: counts are).
  bool holds_no_key() const;
  /// Writes every table's dirty keys (const: the cache is not content).
  Status write_dirty() const;
  Status snapshot_rocksdb(int32_t kg, std::string& out) const;
  Status commit_rocksdb(int32_t kg);
  void clear_rocksdb();
  /// Per state id: keys and entries of key group kg; and its distinct keys.
  struct GroupCounts;
  Status count_group(int32_t kg, GroupCounts& out) const;
  /// Sets every count from a full scan (after restores).
  Status recount();
  Status check_rocksdb(const char* what) const;

  /// Counts of states stored in the database but not registered (yet): a
  /// restore may come before registration. By state id: keys, entries.
  std::map<uint16_t, std::pair<size_t, size_t>> unregistered_counts_;
  std::unique_ptr<RocksDbStore> store_;
  std::unique_ptr<IncrementalUploads> uploads_;
  Status open_status_;
  size_t cache_keys_ = 0;
  [[noreturn]] void bad_key_group(int32_t kg) const;
  [[noreturn]] static void type_clash(const std::string& name, const char* had, const char* wanted);

  std::unique_ptr<state_detail::KeyContext> ctx_;
  /// Ordered by name so snapshots list states in a stable order.
  std::map<std::string, std::unique_ptr<state_detail::StateTableBase>> states_;
};

}  // namespace eddy
