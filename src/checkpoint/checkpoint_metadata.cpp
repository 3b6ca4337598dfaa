// The _metadata codec. The body is msgpack, packed by hand as positional arrays
// (the header's version says which layout); decoding walks the object tree and
// checks every type, so bad bytes become a Status naming the field, not an
// exception or a crash.
#include "checkpoint/checkpoint_metadata.h"

#include <msgpack.hpp>

#include <exception>
#include <limits>

#include "checkpoint/checksum.h"

namespace eddy {
namespace {

constexpr char kMagic[8] = {'E', 'D', 'D', 'Y', 'C', 'K', 'P', 'T'};
constexpr size_t kHeaderSize = 8 + 4 + 8 + 4;  // magic, version, body length, body CRC-32

// Field counts of the positional arrays. Version 2 appended each operator's
// state layout, [layout version, [[aspect, value], ...]]; nothing else changed.
constexpr uint32_t kTopFields = 9;
constexpr uint32_t kOperatorFieldsV1 = 4;
constexpr uint32_t kOperatorFields = 5;
constexpr uint32_t kLayoutFields = 2;
constexpr uint32_t kLayoutItemFields = 2;
constexpr uint32_t kSubtaskFields = 11;
constexpr uint32_t kFileFields = 3;

/// msgpack::packer's output: appends to a string.
struct StringSink {
  std::string& out;
  void write(const char* p, size_t n) { out.append(p, n); }
};
using Packer = msgpack::packer<StringSink>;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_le(std::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

void pack_strings(Packer& pk, const std::vector<std::string>& v) {
  pk.pack_array(static_cast<uint32_t>(v.size()));
  for (const auto& s : v) pk.pack(s);
}

void pack_file(Packer& pk, const StateFileRef& f) {
  pk.pack_array(kFileFields);
  pk.pack(f.path);
  pk.pack(f.crc);
  pk.pack(f.size);
}

void pack_files(Packer& pk, const std::vector<StateFileRef>& files) {
  pk.pack_array(static_cast<uint32_t>(files.size()));
  for (const auto& f : files) pack_file(pk, f);
}

void pack_operator(Packer& pk, const OperatorSignature& op) {
  pk.pack_array(kOperatorFields);
  pk.pack(op.name);
  pk.pack(op.kind);
  pk.pack(op.has_state);
  pack_strings(pk, op.key_types);
  pk.pack_array(kLayoutFields);
  pk.pack(op.layout_version);
  pk.pack_array(static_cast<uint32_t>(op.layout.size()));
  for (const auto& item : op.layout) {
    pk.pack_array(kLayoutItemFields);
    pk.pack(item.aspect);
    pk.pack(item.value);
  }
}

void pack_subtask(Packer& pk, const SubtaskSnapshot& s) {
  pk.pack_array(kSubtaskFields);
  pk.pack(s.vertex);
  pack_strings(pk, s.nodes);
  pk.pack(s.subtask);
  pk.pack(s.parallelism);
  pack_file(pk, s.state_file);
  pack_files(pk, s.private_files);
  pack_files(pk, s.shared_files);
  pk.pack(s.full_bytes);
  pk.pack(s.incremental_bytes);
  pk.pack(s.sync_duration_us);
  pk.pack(s.alignment_us);
}

// --- decoding ------------------------------------------------------------------

Status bad(const std::string& field, const std::string& what) {
  return Status::parse_error("checkpoint metadata: " + field + ": " + what);
}

Status read_int(const msgpack::object& o, const std::string& field, int64_t min, int64_t max,
                int64_t& v) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    v = o.via.i64;
  } else if (o.type == msgpack::type::POSITIVE_INTEGER &&
             o.via.u64 <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    v = static_cast<int64_t>(o.via.u64);
  } else {
    return bad(field, "expected an integer");
  }
  if (v < min || v > max) return bad(field, std::to_string(v) + " is out of range");
  return Status::ok();
}

Status read_i64(const msgpack::object& o, const std::string& field, int64_t& v) {
  return read_int(o, field, std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max(), v);
}

/// Non-negative int64 (sizes, durations).
Status read_count(const msgpack::object& o, const std::string& field, int64_t& v) {
  return read_int(o, field, 0, std::numeric_limits<int64_t>::max(), v);
}

Status read_i32(const msgpack::object& o, const std::string& field, int32_t& v) {
  int64_t wide = 0;
  EDDY_RETURN_IF_ERROR(read_int(o, field, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max(), wide));
  v = static_cast<int32_t>(wide);
  return Status::ok();
}

Status read_bool(const msgpack::object& o, const std::string& field, bool& v) {
  if (o.type != msgpack::type::BOOLEAN) return bad(field, "expected a boolean");
  v = o.via.boolean;
  return Status::ok();
}

/// A str, or a bin where `allow_bin` (opaque bytes).
Status read_string(const msgpack::object& o, const std::string& field, std::string& v,
                   bool allow_bin = false) {
  if (o.type == msgpack::type::STR) {
    v.assign(o.via.str.ptr, o.via.str.size);
  } else if (allow_bin && o.type == msgpack::type::BIN) {
    v.assign(o.via.bin.ptr, o.via.bin.size);
  } else {
    return bad(field, allow_bin ? "expected bytes" : "expected a string");
  }
  return Status::ok();
}

/// An array; with `fields` > 0 it must have exactly that many elements.
Status read_array(const msgpack::object& o, const std::string& field, uint32_t fields,
                  const msgpack::object*& items, uint32_t& size) {
  if (o.type != msgpack::type::ARRAY) return bad(field, "expected an array");
  if (fields > 0 && o.via.array.size != fields)
    return bad(field, "expected " + std::to_string(fields) + " fields, found " +
                          std::to_string(o.via.array.size));
  items = o.via.array.ptr;
  size = o.via.array.size;
  return Status::ok();
}

Status read_strings(const msgpack::object& o, const std::string& field,
                    std::vector<std::string>& v) {
  const msgpack::object* items = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, 0, items, n));
  v.resize(n);
  for (uint32_t i = 0; i < n; ++i)
    EDDY_RETURN_IF_ERROR(read_string(items[i], field + "[" + std::to_string(i) + "]", v[i]));
  return Status::ok();
}

Status read_file(const msgpack::object& o, const std::string& field, StateFileRef& f) {
  const msgpack::object* x = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, kFileFields, x, n));
  EDDY_RETURN_IF_ERROR(read_string(x[0], field + ".path", f.path));
  if (!is_safe_relative_path(f.path))
    return bad(field + ".path", "'" + f.path + "' is not a relative path inside the checkpoint");
  int64_t crc = 0;
  EDDY_RETURN_IF_ERROR(read_int(x[1], field + ".crc", 0, 0xffffffffLL, crc));
  f.crc = static_cast<uint32_t>(crc);
  return read_count(x[2], field + ".size", f.size);
}

Status read_files(const msgpack::object& o, const std::string& field,
                  std::vector<StateFileRef>& files) {
  const msgpack::object* items = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, 0, items, n));
  files.resize(n);
  for (uint32_t i = 0; i < n; ++i)
    EDDY_RETURN_IF_ERROR(read_file(items[i], field + "[" + std::to_string(i) + "]", files[i]));
  return Status::ok();
}

/// [layout version, [[aspect, value], ...]] (format version 2).
Status read_layout(const msgpack::object& o, const std::string& field, OperatorSignature& op) {
  const msgpack::object* x = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, kLayoutFields, x, n));
  EDDY_RETURN_IF_ERROR(read_i32(x[0], field + ".version", op.layout_version));
  const msgpack::object* items = nullptr;
  EDDY_RETURN_IF_ERROR(read_array(x[1], field + ".items", 0, items, n));
  op.layout.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const std::string at = field + ".items[" + std::to_string(i) + "]";
    const msgpack::object* kv = nullptr;
    uint32_t two = 0;
    EDDY_RETURN_IF_ERROR(read_array(items[i], at, kLayoutItemFields, kv, two));
    EDDY_RETURN_IF_ERROR(read_string(kv[0], at + ".aspect", op.layout[i].aspect));
    EDDY_RETURN_IF_ERROR(read_string(kv[1], at + ".value", op.layout[i].value));
  }
  return Status::ok();
}

/// An operator of format `version`: version 1 has no layout (layout_version 0).
Status read_operator(const msgpack::object& o, const std::string& field, uint32_t version,
                     OperatorSignature& op) {
  const msgpack::object* x = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, version == 1 ? kOperatorFieldsV1 : kOperatorFields, x, n));
  EDDY_RETURN_IF_ERROR(read_string(x[0], field + ".name", op.name));
  EDDY_RETURN_IF_ERROR(read_string(x[1], field + ".kind", op.kind));
  EDDY_RETURN_IF_ERROR(read_bool(x[2], field + ".has_state", op.has_state));
  EDDY_RETURN_IF_ERROR(read_strings(x[3], field + ".key_types", op.key_types));
  if (version == 1) {
    op.layout_version = 0;
    return Status::ok();
  }
  return read_layout(x[4], field + ".layout", op);
}

Status read_subtask(const msgpack::object& o, const std::string& field, SubtaskSnapshot& s) {
  const msgpack::object* x = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(o, field, kSubtaskFields, x, n));
  EDDY_RETURN_IF_ERROR(read_string(x[0], field + ".vertex", s.vertex));
  EDDY_RETURN_IF_ERROR(read_strings(x[1], field + ".nodes", s.nodes));
  EDDY_RETURN_IF_ERROR(read_i32(x[2], field + ".subtask", s.subtask));
  EDDY_RETURN_IF_ERROR(read_i32(x[3], field + ".parallelism", s.parallelism));
  if (s.parallelism < 1 || s.subtask < 0 || s.subtask >= s.parallelism)
    return bad(field, "subtask " + std::to_string(s.subtask) + " of parallelism " +
                          std::to_string(s.parallelism) + " is impossible");
  EDDY_RETURN_IF_ERROR(read_file(x[4], field + ".state_file", s.state_file));
  EDDY_RETURN_IF_ERROR(read_files(x[5], field + ".private_files", s.private_files));
  EDDY_RETURN_IF_ERROR(read_files(x[6], field + ".shared_files", s.shared_files));
  EDDY_RETURN_IF_ERROR(read_count(x[7], field + ".full_bytes", s.full_bytes));
  EDDY_RETURN_IF_ERROR(read_count(x[8], field + ".incremental_bytes", s.incremental_bytes));
  EDDY_RETURN_IF_ERROR(read_count(x[9], field + ".sync_duration_us", s.sync_duration_us));
  return read_count(x[10], field + ".alignment_us", s.alignment_us);
}

Status read_coordinator_states(const msgpack::object& o, std::map<std::string, std::string>& v) {
  if (o.type != msgpack::type::MAP) return bad("coordinator_states", "expected a map");
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    std::string name;
    EDDY_RETURN_IF_ERROR(read_string(kv.key, "coordinator_states key", name));
    std::string& value = v[name];
    EDDY_RETURN_IF_ERROR(read_string(kv.val, "coordinator_states['" + name + "']", value,
                                     /*allow_bin=*/true));
  }
  return Status::ok();
}

Status read_body(const msgpack::object& root, uint32_t version, CheckpointMetadata& m) {
  const msgpack::object* x = nullptr;
  uint32_t n = 0;
  EDDY_RETURN_IF_ERROR(read_array(root, "body", kTopFields, x, n));
  EDDY_RETURN_IF_ERROR(read_i64(x[0], "id", m.id));
  EDDY_RETURN_IF_ERROR(read_bool(x[1], "savepoint", m.savepoint));
  EDDY_RETURN_IF_ERROR(read_i64(x[2], "timestamp_ms", m.timestamp_ms));
  EDDY_RETURN_IF_ERROR(read_string(x[3], "job_name", m.job_name));
  EDDY_RETURN_IF_ERROR(read_i32(x[4], "max_parallelism", m.max_parallelism));
  if (m.max_parallelism < 1) return bad("max_parallelism", "must be at least 1");
  EDDY_RETURN_IF_ERROR(read_string(x[5], "state_backend", m.state_backend));
  const msgpack::object* items = nullptr;
  uint32_t count = 0;
  EDDY_RETURN_IF_ERROR(read_array(x[6], "operators", 0, items, count));
  m.operators.resize(count);
  for (uint32_t i = 0; i < count; ++i)
    EDDY_RETURN_IF_ERROR(
        read_operator(items[i], "operators[" + std::to_string(i) + "]", version, m.operators[i]));
  EDDY_RETURN_IF_ERROR(read_coordinator_states(x[7], m.coordinator_states));
  EDDY_RETURN_IF_ERROR(read_array(x[8], "subtasks", 0, items, count));
  m.subtasks.resize(count);
  for (uint32_t i = 0; i < count; ++i)
    EDDY_RETURN_IF_ERROR(
        read_subtask(items[i], "subtasks[" + std::to_string(i) + "]", m.subtasks[i]));
  return Status::ok();
}

/// Parses exactly one msgpack object spanning `body`, with limits derived from
/// its size (every element needs at least one byte) so garbage cannot make
/// msgpack allocate much. Not inlined: GCC otherwise warns about `out` on the
/// exception path.
[[gnu::noinline]] Status unpack_body(std::string_view body, msgpack::object_handle& out) {
  const size_t n = body.size();
  const msgpack::unpack_limit limits(n, n, n, n, n, /*depth=*/16);
  try {
    size_t offset = 0;
    out = msgpack::unpack(body.data(), n, offset, nullptr, nullptr, limits);
    if (offset != n) return bad("body", "trailing bytes after the metadata");
  } catch (const std::exception& e) {
    return bad("body", std::string("not msgpack (") + e.what() + ")");
  }
  return Status::ok();
}

}  // namespace

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

std::string encode_metadata(const CheckpointMetadata& m) {
  std::string body;
  StringSink sink{body};
  Packer pk(sink);
  pk.pack_array(kTopFields);
  pk.pack(m.id);
  pk.pack(m.savepoint);
  pk.pack(m.timestamp_ms);
  pk.pack(m.job_name);
  pk.pack(m.max_parallelism);
  pk.pack(m.state_backend);
  pk.pack_array(static_cast<uint32_t>(m.operators.size()));
  for (const auto& op : m.operators) pack_operator(pk, op);
  pk.pack_map(static_cast<uint32_t>(m.coordinator_states.size()));
  for (const auto& [name, bytes] : m.coordinator_states) {
    pk.pack(name);
    pk.pack_bin(static_cast<uint32_t>(bytes.size()));
    pk.pack_bin_body(bytes.data(), static_cast<uint32_t>(bytes.size()));
  }
  pk.pack_array(static_cast<uint32_t>(m.subtasks.size()));
  for (const auto& s : m.subtasks) pack_subtask(pk, s);

  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kMetadataFormatVersion);
  put_u64(out, body.size());
  put_u32(out, crc32_of(body));
  out += body;
  return out;
}

Result<CheckpointMetadata> decode_metadata(std::string_view bytes) {
  if (bytes.size() < kHeaderSize)
    return bad("header", "truncated (" + std::to_string(bytes.size()) + " bytes, the header alone has " +
                             std::to_string(kHeaderSize) + ")");
  if (bytes.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    return bad("header", "not an eddy checkpoint metadata file (bad magic)");
  const uint64_t version = get_le(bytes, 8, 4);
  if (version < kOldestMetadataFormatVersion || version > kMetadataFormatVersion)
    return bad("header", "format version " + std::to_string(version) +
                             " is not supported (this build reads versions " +
                             std::to_string(kOldestMetadataFormatVersion) + " to " +
                             std::to_string(kMetadataFormatVersion) + ")");
  const uint64_t length = get_le(bytes, 12, 8);
  const uint32_t crc = static_cast<uint32_t>(get_le(bytes, 20, 4));
  const std::string_view body = bytes.substr(kHeaderSize);
  if (body.size() < length)
    return bad("body", "truncated (" + std::to_string(body.size()) + " bytes, the header says " +
                           std::to_string(length) + ")");
  if (body.size() > length)
    return bad("body", std::to_string(body.size() - length) + " unexpected bytes after the body");
  if (crc32_of(body) != crc) return bad("body", "CRC-32 mismatch (the file is corrupt)");

  msgpack::object_handle handle;
  EDDY_RETURN_IF_ERROR(unpack_body(body, handle));
  CheckpointMetadata m;
  EDDY_RETURN_IF_ERROR(read_body(handle.get(), static_cast<uint32_t>(version), m));
  return m;
}

}  // namespace eddy
