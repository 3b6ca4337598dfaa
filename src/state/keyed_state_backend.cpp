// KeyedStateBackend's non-template half: key counting, and the per-key-group
// snapshot format with its validating restore. Restore trusts nothing: msgpack
// runs under limits derived from the input size, and every state is decoded
// into a staging area before any key group is replaced.
#include "state/keyed_state_backend.h"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>

namespace eddy {
namespace state_detail {

void fatal(const std::string& message) {
  std::fprintf(stderr, "eddy keyed state: %s\n", message.c_str());
  std::abort();
}

void StateTableBase::namespace_not_zero(int64_t ns) const {
  fatal("keyed state '" + name_ + "' keeps one value per key (namespace 0), but namespace " +
        std::to_string(ns) + " was written");
}

bool read_int64(const msgpack::object& o, int64_t& v) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    v = o.via.i64;
    return true;
  }
  if (o.type != msgpack::type::POSITIVE_INTEGER ||
      o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return false;
  v = static_cast<int64_t>(o.via.u64);
  return true;
}

}  // namespace state_detail

namespace {

using state_detail::Packer;
using state_detail::StringSink;
using StateMap = std::map<std::string, std::unique_ptr<state_detail::StateTableBase>>;

constexpr uint64_t kFormatVersion = state_detail::kSnapshotFormatVersion;

/// "eddy::ValueState<long>" for an error message; the mangled name if that fails.
std::string readable_type(const char* mangled) {
  int status = 0;
  char* s = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = (status == 0 && s) ? s : mangled;
  std::free(s);
  return out;
}

Status malformed(const std::string& what) {
  return Status::parse_error("keyed state snapshot: " + what);
}

/// Lets str and bin objects point into the input instead of being copied;
/// the input outlives the object tree within restore_key_group.
bool reference_everything(msgpack::type::object_type, size_t, void*) { return true; }

/// Parses exactly one msgpack object spanning all of `bytes`. Every container
/// element and blob needs at least one input byte, so limits of the input size
/// bound what garbage can make msgpack allocate. Not inlined: inlined, GCC
/// follows the exception path and warns that the caller's handle may be unset.
[[gnu::noinline]] Status unpack_whole(std::string_view bytes, msgpack::object_handle& out) {
  const size_t n = bytes.size();
  const msgpack::unpack_limit limits(/*array=*/n, /*map=*/n, /*str=*/n, /*bin=*/n, /*ext=*/n,
                                     /*depth=*/64);
  try {
    size_t offset = 0;
    out = msgpack::unpack(bytes.data(), n, offset, &reference_everything, nullptr, limits);
    if (offset != n) return malformed("trailing bytes after the snapshot");
  } catch (const std::exception& e) {
    return malformed(std::string("not msgpack (") + e.what() + ")");
  }
  return Status::ok();
}

/// Decodes each [name, type, entries] of `states` into its registered table's
/// staging area, listing the tables staged so far in `staged`.
Status stage_states(const msgpack::object& states, const StateMap& registered,
                    std::vector<state_detail::StateTableBase*>& staged) {
  for (uint32_t i = 0; i < states.via.array.size; ++i) {
    const msgpack::object& s = states.via.array.ptr[i];
    if (s.type != msgpack::type::ARRAY || s.via.array.size != 3 ||
        s.via.array.ptr[0].type != msgpack::type::STR ||
        s.via.array.ptr[1].type != msgpack::type::STR)
      return malformed("state " + std::to_string(i) + " is not [name, type, entries]");
    const msgpack::object* f = s.via.array.ptr;
    const std::string name(f[0].via.str.ptr, f[0].via.str.size);
    const std::string type(f[1].via.str.ptr, f[1].via.str.size);
    auto it = registered.find(name);
    if (it == registered.end())
      return Status::not_found("keyed state snapshot holds state '" + name +
                               "', which is not registered");
    state_detail::StateTableBase* table = it->second.get();
    for (auto* t : staged)
      if (t == table) return malformed("state '" + name + "' appears twice");
    if (type != table->type_id())
      return Status::type_error("keyed state snapshot holds state '" + name + "' as " +
                                readable_type(type.c_str()) + ", but it is registered as " +
                                readable_type(table->type_id()));
    staged.push_back(table);
    Status st = table->stage_group(f[2]);
    if (!st.is_ok())
      return Status(st.code(), "keyed state snapshot, state '" + name + "': " + st.message());
  }
  return Status::ok();
}

}  // namespace

KeyedStateBackend::KeyedStateBackend(int32_t max_parallelism, KeyGroupRange key_groups,
                                     const StateBackendOptions& options) {
  if (max_parallelism <= 0 || key_groups.start < 0 || key_groups.end >= max_parallelism)
    state_detail::fatal("key groups [" + std::to_string(key_groups.start) + ", " +
                        std::to_string(key_groups.end) + "] do not fit max parallelism " +
                        std::to_string(max_parallelism));
  ctx_ = std::make_unique<state_detail::KeyContext>(max_parallelism, key_groups);
  if (options.kind == StateBackendOptions::Kind::kRocksDb) open_rocksdb(options);
}

KeyedStateBackend::~KeyedStateBackend() = default;

void KeyedStateBackend::bad_key_group(int32_t kg) const {
  state_detail::fatal(
      "key group " + std::to_string(kg) + " is outside this backend's key groups [" +
      std::to_string(ctx_->range.start) + ", " + std::to_string(ctx_->range.end) + "]");
}

void KeyedStateBackend::namespaces_clash(const std::string& name) {
  state_detail::fatal("state '" + name + "' registered both with and without Namespaces::kZeroOnly");
}

void KeyedStateBackend::type_clash(const std::string& name, const char* had, const char* wanted) {
  state_detail::fatal("state '" + name + "' is registered as " + readable_type(had) +
                      " and requested as " + readable_type(wanted));
}

std::vector<std::string> KeyedStateBackend::state_names() const {
  std::vector<std::string> names;
  names.reserve(states_.size());
  for (const auto& e : states_) names.push_back(e.first);
  return names;
}

size_t KeyedStateBackend::key_count() const {
  if (ctx_->track_keys) return ctx_->tracked_keys;  // always in RocksDB mode
  return states_.empty() ? 0 : states_.begin()->second->key_count();
}

void KeyedStateBackend::on_registered(state_detail::StateTableBase& table) {
  if (ctx_->store != nullptr) return register_rocksdb(table);
  // With a second state the keys of the tables can overlap: count them from
  // here on (the tables are usually still empty at this point, in open()).
  if (states_.size() < 2 || ctx_->track_keys) return;
  ctx_->track_keys = true;
  for (size_t idx = 0; idx < ctx_->key_refs.size(); ++idx) rebuild_key_refs(idx);
}

void KeyedStateBackend::rebuild_key_refs(size_t idx) {
  auto& refs = ctx_->key_refs[idx];
  ctx_->tracked_keys -= refs.size();
  refs.clear();
  for (const auto& e : states_) {
    e.second->visit_group_keys(
        idx, [](void* arg, const std::string& key) { ++(*static_cast<decltype(&refs)>(arg))[key]; },
        &refs);
  }
  ctx_->tracked_keys += refs.size();
}

Status KeyedStateBackend::snapshot_key_group(int32_t kg, std::string& out) const {
  out.clear();
  if (!ctx_->range.contains(kg))
    return Status::invalid("snapshot of key group " + std::to_string(kg) +
                           ", which this backend does not own");
  if (ctx_->store != nullptr) return snapshot_rocksdb(kg, out);
  const size_t idx = static_cast<size_t>(kg - ctx_->range.start);
  uint32_t non_empty = 0;
  for (const auto& e : states_) non_empty += e.second->group_key_count(idx) > 0;

  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack(kFormatVersion);
  pk.pack(kg);
  pk.pack_array(non_empty);  // states without entries in kg are left out; restore clears them
  for (const auto& [name, table] : states_) {
    if (table->group_key_count(idx) == 0) continue;
    pk.pack_array(3);
    pk.pack(name);
    pk.pack(std::string_view(table->type_id()));
    table->pack_group(idx, pk);
  }
  return Status::ok();
}

Status KeyedStateBackend::restore_key_group(int32_t kg, std::string_view bytes) {
  if (!ctx_->range.contains(kg))
    return Status::invalid("restore of key group " + std::to_string(kg) +
                           ", which this backend does not own");
  msgpack::object_handle handle;
  EDDY_RETURN_IF_ERROR(unpack_whole(bytes, handle));
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != 3)
    return malformed("not [version, key group, states]");
  const msgpack::object* top = root.via.array.ptr;
  int64_t version = 0, stored_kg = 0;
  if (!state_detail::read_int64(top[0], version) || version != static_cast<int64_t>(kFormatVersion))
    return malformed("unknown format version");
  if (!state_detail::read_int64(top[1], stored_kg) || stored_kg != kg)
    return malformed("the bytes hold key group " + std::to_string(stored_kg) + ", not " +
                     std::to_string(kg));
  if (top[2].type != msgpack::type::ARRAY) return malformed("states are not an array");

  // Decode every state before touching any, so a bad state leaves kg as it was.
  std::vector<state_detail::StateTableBase*> staged;
  Status st = stage_states(top[2], states_, staged);
  if (!st.is_ok()) {
    for (auto* t : staged) t->drop_staged();
    return st;
  }

  // Commit: every state takes its staged contents; one not in the bytes is emptied.
  if (ctx_->store != nullptr) return commit_rocksdb(kg);
  const size_t idx = static_cast<size_t>(kg - ctx_->range.start);
  for (auto& e : states_) e.second->commit_staged(idx);
  if (ctx_->track_keys) rebuild_key_refs(idx);
  ++ctx_->epoch;
  return Status::ok();
}

void KeyedStateBackend::clear() {
  if (ctx_->store != nullptr) return clear_rocksdb();
  for (auto& e : states_) e.second->clear_all();
  for (auto& refs : ctx_->key_refs) refs = {};
  ctx_->tracked_keys = 0;
  ++ctx_->epoch;
}

}  // namespace eddy
