#include "runtime/task_snapshot.h"

#include <algorithm>

#include <msgpack.hpp>

namespace eddy {
namespace {

constexpr int kFormatVersion = 2;  // 2: timers_fired_through per operator

struct Sink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
using Packer = msgpack::packer<Sink>;

void pack_bytes(Packer& pk, const std::string& s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_split(Packer& pk, const Split& s) {
  pk.pack_array(8);
  pk.pack(s.id);
  pk.pack(s.path);
  pk.pack(s.begin);
  pk.pack(s.end);
  pk.pack(s.first_line);
  pk.pack(s.index);
  pk.pack(s.count);
  pk.pack(s.position);
}

Status bad(const std::string& what) { return Status::parse_error("state file: " + what); }

const msgpack::object* array_of(const msgpack::object& o, uint32_t size) {
  return o.type == msgpack::type::ARRAY && o.via.array.size == size ? o.via.array.ptr : nullptr;
}

bool get_bytes(const msgpack::object& o, std::string& out) {
  if (o.type == msgpack::type::BIN) {
    out.assign(o.via.bin.ptr, o.via.bin.size);
    return true;
  }
  if (o.type == msgpack::type::STR) {
    out.assign(o.via.str.ptr, o.via.str.size);
    return true;
  }
  return false;
}

template <class T>
bool get(const msgpack::object& o, T& out) {
  try {
    o.convert(out);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool unpack_split(const msgpack::object& o, Split& s) {
  const msgpack::object* a = array_of(o, 8);
  return a && get(a[0], s.id) && get(a[1], s.path) && get(a[2], s.begin) && get(a[3], s.end) &&
         get(a[4], s.first_line) && get(a[5], s.index) && get(a[6], s.count) && get(a[7], s.position);
}

}  // namespace

Status write_task_snapshot(const TaskSnapshot& t, LateKeyGroups* late, const ByteSink& out) {
  // msgpack's small pieces gather in `head`, handed on before each key group's
  // bytes, which go to `out` as they are.
  std::string head;
  Sink sink{&head};
  Packer pk(sink);
  auto flush = [&]() -> Status {
    Status st = head.empty() ? Status::ok() : out(head);
    head.clear();
    return st;
  };
  auto put_key_group = [&](int32_t kg, const std::string& bytes) -> Status {
    pk.pack(kg);
    pk.pack_bin(static_cast<uint32_t>(bytes.size()));
    EDDY_RETURN_IF_ERROR(flush());
    return out(bytes);
  };
  pk.pack_array(6);
  pk.pack(kFormatVersion);
  pk.pack(t.checkpoint_id);
  pk.pack(t.finished);
  pk.pack(t.watermark);
  pk.pack_array(static_cast<uint32_t>(t.source_splits.size()));
  for (const auto& split : t.source_splits) pack_split(pk, split);
  pk.pack_array(static_cast<uint32_t>(t.operators.size()));
  std::string packed;  // one late key group at a time
  for (size_t i = 0; i < t.operators.size(); ++i) {
    const OperatorSnapshot& op = t.operators[i];
    pk.pack_array(9);
    pk.pack(op.node);
    if (late != nullptr && late->packs(i)) {
      pk.pack_map(static_cast<uint32_t>(std::max(0, op.kg_end - op.kg_start + 1)));
      for (int32_t kg = op.kg_start; kg <= op.kg_end; ++kg) {
        EDDY_RETURN_IF_ERROR(late->pack(i, kg, packed));
        EDDY_RETURN_IF_ERROR(put_key_group(kg, packed));
      }
    } else {
      pk.pack_map(static_cast<uint32_t>(op.key_groups.size()));
      for (const auto& [kg, bytes] : op.key_groups) EDDY_RETURN_IF_ERROR(put_key_group(kg, bytes));
    }
    pack_bytes(pk, op.rocksdb);
    pk.pack(op.kg_start);
    pk.pack(op.kg_end);
    pk.pack(op.has_operator_state);
    pack_bytes(pk, op.operator_state);
    pk.pack(op.rocksdb_dir);
    pk.pack(op.timers_fired_through);
  }
  return flush();
}

std::string encode_task_snapshot(const TaskSnapshot& t) {
  // Key-group bytes can reach hundreds of MiB: one allocation, not a doubling
  // string that copies them again and again.
  size_t bytes_in_state = 1024;
  for (const auto& op : t.operators) {
    bytes_in_state += op.rocksdb.size() + op.operator_state.size() + op.node.size() + 64;
    for (const auto& e : op.key_groups) bytes_in_state += e.second.size() + 16;
  }
  std::string out;
  out.reserve(bytes_in_state);
  Status written = write_task_snapshot(t, nullptr, [&out](std::string_view piece) {
    out.append(piece);
    return Status::ok();
  });
  (void)written;  // appending to a string does not fail
  return out;
}

Result<TaskSnapshot> decode_task_snapshot(const std::string& bytes) {
  msgpack::object_handle oh;
  try {
    oh = msgpack::unpack(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return bad(std::string("not msgpack (") + e.what() + ")");
  }
  const msgpack::object* top = array_of(oh.get(), 6);
  if (!top) return bad("not a subtask snapshot");
  int version = 0;
  if (!get(top[0], version) || version != kFormatVersion)
    return bad("format version " + std::to_string(version) + " is not " + std::to_string(kFormatVersion));
  TaskSnapshot t;
  if (!get(top[1], t.checkpoint_id) || !get(top[2], t.finished) || !get(top[3], t.watermark))
    return bad("bad header");
  if (top[4].type != msgpack::type::ARRAY) return bad("source splits are not an array");
  for (uint32_t i = 0; i < top[4].via.array.size; ++i) {
    Split s;
    if (!unpack_split(top[4].via.array.ptr[i], s)) return bad("bad source split");
    t.source_splits.push_back(std::move(s));
  }
  if (top[5].type != msgpack::type::ARRAY) return bad("operators are not an array");
  for (uint32_t i = 0; i < top[5].via.array.size; ++i) {
    const msgpack::object* o = array_of(top[5].via.array.ptr[i], 9);
    OperatorSnapshot op;
    if (!o || !get(o[0], op.node) || o[1].type != msgpack::type::MAP || !get_bytes(o[2], op.rocksdb) ||
        !get(o[3], op.kg_start) || !get(o[4], op.kg_end) || !get(o[5], op.has_operator_state) ||
        !get_bytes(o[6], op.operator_state) || !get(o[7], op.rocksdb_dir) ||
        !get(o[8], op.timers_fired_through))
      return bad("operator " + std::to_string(i) + " is malformed");
    for (uint32_t k = 0; k < o[1].via.map.size; ++k) {
      int32_t kg = 0;
      std::string b;
      if (!get(o[1].via.map.ptr[k].key, kg) || !get_bytes(o[1].via.map.ptr[k].val, b))
        return bad("operator '" + op.node + "' has a malformed key group");
      op.key_groups.emplace(kg, std::move(b));
    }
    t.operators.push_back(std::move(op));
  }
  return t;
}

std::string encode_splits(const std::vector<Split>& splits) {
  std::string out;
  Sink sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<uint32_t>(splits.size()));
  for (const auto& s : splits) pack_split(pk, s);
  return out;
}

Result<std::vector<Split>> decode_splits(const std::string& bytes) {
  std::vector<Split> out;
  if (bytes.empty()) return out;
  msgpack::object_handle oh;
  try {
    oh = msgpack::unpack(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return Status::parse_error(std::string("source splits: not msgpack (") + e.what() + ")");
  }
  const msgpack::object& o = oh.get();
  if (o.type != msgpack::type::ARRAY) return Status::parse_error("source splits: not an array");
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    Split s;
    if (!unpack_split(o.via.array.ptr[i], s)) return Status::parse_error("source splits: split " + std::to_string(i) + " is malformed");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace eddy
