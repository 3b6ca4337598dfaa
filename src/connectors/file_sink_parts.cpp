// Part file names, directory operations and the msgpack state of the file
// sink. Decoding trusts nothing: msgpack runs under limits derived from the
// input size and every field is checked before it is used.
#include "connectors/file_sink_parts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <system_error>

#include <msgpack.hpp>

namespace eddy {
namespace {

namespace fs = std::filesystem;

// 1: without the tag; 2: [..., owners, tag].
constexpr uint64_t kStateVersion = 2;
constexpr std::string_view kVisiblePrefix = "part-";
constexpr std::string_view kHiddenPrefix = ".part-";
constexpr std::string_view kHiddenSuffix = ".inprogress";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A decimal number as the sink writes it: digits only, no leading zero unless
// it is "0", at most `max`.
bool parse_canonical(std::string_view s, int64_t max, int64_t& out) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

bool is_tag(std::string_view s) {
  if (s.size() != kPartTagSize) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status malformed(const std::string& what) {
  return Status::parse_error("file sink state: " + what);
}

bool read_int(const msgpack::object& o, int64_t min, int64_t max, int64_t& v) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) v = o.via.i64;
  else if (o.type == msgpack::type::POSITIVE_INTEGER &&
           o.via.u64 <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    v = static_cast<int64_t>(o.via.u64);
  else return false;
  return v >= min && v <= max;
}

bool is_array(const msgpack::object& o, uint32_t size) {
  return o.type == msgpack::type::ARRAY && o.via.array.size == size;
}

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

Result<OwnerParts> decode_owner(const msgpack::object& o) {
  if (!is_array(o, 3) || o.via.array.ptr[2].type != msgpack::type::ARRAY)
    return malformed("an owner is not [owner, next_seq, pending]");
  const msgpack::object* f = o.via.array.ptr;
  OwnerParts owner;
  int64_t id = 0;
  if (!read_int(f[0], 0, kMaxInt32, id) || !read_int(f[1], 0, kMaxInt64, owner.next_seq))
    return malformed("bad owner id or next seq");
  owner.owner = static_cast<int32_t>(id);
  const msgpack::object_array& pending = f[2].via.array;
  for (uint32_t i = 0; i < pending.size; ++i) {
    const msgpack::object& p = pending.ptr[i];
    PendingPart part;
    if (!is_array(p, 2) || !read_int(p.via.array.ptr[0], 0, kMaxInt64, part.seq) ||
        !read_int(p.via.array.ptr[1], 0, kMaxInt64, part.checkpoint_id) ||
        part.seq >= owner.next_seq)
      return malformed("bad pending file of owner " + std::to_string(owner.owner));
    owner.pending.push_back(part);
  }
  return owner;
}

// Not inlined: inlined, GCC follows the exception path and warns that the
// caller's handle may be unset.
[[gnu::noinline]] Status unpack_state(std::string_view bytes, msgpack::object_handle& out) {
  const size_t n = bytes.size();
  const msgpack::unpack_limit limits(n, n, n, n, n, /*depth=*/8);
  try {
    size_t offset = 0;
    out = msgpack::unpack(bytes.data(), n, offset, nullptr, nullptr, limits);
    if (offset != n) return malformed("trailing bytes");
  } catch (const std::exception& e) {
    return malformed(std::string("not msgpack (") + e.what() + ")");
  }
  return Status::ok();
}

}  // namespace

std::string part_file_name(const PartName& part, const std::string& ext) {
  std::string name = part.hidden ? std::string(kHiddenPrefix) : std::string(kVisiblePrefix);
  if (!part.tag.empty()) name += part.tag + "-";
  name += std::to_string(part.owner) + "-" + std::to_string(part.seq) + ext;
  if (part.hidden) name += kHiddenSuffix;
  return name;
}

std::optional<PartName> parse_part_file_name(std::string_view name, const std::string& ext) {
  PartName part;
  if (starts_with(name, kHiddenPrefix)) {
    if (!ends_with(name, kHiddenSuffix)) return std::nullopt;
    part.hidden = true;
    name.remove_prefix(kHiddenPrefix.size());
    name.remove_suffix(kHiddenSuffix.size());
  } else if (starts_with(name, kVisiblePrefix)) {
    name.remove_prefix(kVisiblePrefix.size());
  } else {
    return std::nullopt;
  }
  if (!ends_with(name, ext)) return std::nullopt;
  name.remove_suffix(ext.size());
  if (name.size() > kPartTagSize && is_tag(name.substr(0, kPartTagSize)) && name[kPartTagSize] == '-') {
    part.tag = std::string(name.substr(0, kPartTagSize));
    name.remove_prefix(kPartTagSize + 1);
  }
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  int64_t owner = 0;
  if (!parse_canonical(name.substr(0, dash), kMaxInt32, owner) ||
      !parse_canonical(name.substr(dash + 1), kMaxInt64, part.seq))
    return std::nullopt;
  part.owner = static_cast<int32_t>(owner);
  return part;
}

Result<std::vector<PartName>> list_part_files(const std::string& dir, const std::string& ext) {
  std::vector<PartName> parts;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    auto part = parse_part_file_name(it->path().filename().string(), ext);
    if (!part) continue;
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) parts.push_back(*part);
  }
  if (ec) return Status::io_error("file sink: cannot list '" + dir + "': " + ec.message());
  return parts;
}

std::string encode_file_sink_state(const FileSinkState& state) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(5);
  pk.pack(kStateVersion);
  pk.pack(state.subtask);
  pk.pack(state.owner_bound);
  pk.pack_array(static_cast<uint32_t>(state.owners.size()));
  for (const OwnerParts& o : state.owners) {
    pk.pack_array(3);
    pk.pack(o.owner);
    pk.pack(o.next_seq);
    pk.pack_array(static_cast<uint32_t>(o.pending.size()));
    for (const PendingPart& p : o.pending) {
      pk.pack_array(2);
      pk.pack(p.seq);
      pk.pack(p.checkpoint_id);
    }
  }
  pk.pack(state.tag);
  return std::string(buf.data(), buf.size());
}

Result<FileSinkState> decode_file_sink_state(std::string_view bytes) {
  msgpack::object_handle handle;
  EDDY_RETURN_IF_ERROR(unpack_state(bytes, handle));
  const msgpack::object& root = handle.get();
  if (!(is_array(root, 4) || is_array(root, 5)) || root.via.array.ptr[3].type != msgpack::type::ARRAY)
    return malformed("not [version, subtask, owner_bound, owners, tag]");
  const msgpack::object* top = root.via.array.ptr;
  int64_t version = 0, subtask = 0, bound = 0;
  if (!read_int(top[0], 0, kMaxInt64, version) || version < 1 || version > static_cast<int64_t>(kStateVersion) ||
      root.via.array.size != static_cast<uint32_t>(version == 1 ? 4 : 5))
    return malformed("unknown version");
  if (!read_int(top[1], 0, kMaxInt32, subtask) || !read_int(top[2], 0, kMaxInt32, bound))
    return malformed("bad subtask or owner bound");
  FileSinkState state;
  if (version >= 2) {
    const msgpack::object& tag = top[4];
    if (tag.type != msgpack::type::STR) return malformed("the tag is not a string");
    state.tag.assign(tag.via.str.ptr, tag.via.str.size);
    if (!state.tag.empty() && !is_tag(state.tag)) return malformed("bad tag '" + state.tag.substr(0, 20) + "'");
  }
  state.subtask = static_cast<int32_t>(subtask);
  state.owner_bound = static_cast<int32_t>(bound);
  const msgpack::object_array& owners = top[3].via.array;
  for (uint32_t i = 0; i < owners.size; ++i) {
    EDDY_ASSIGN_OR_RETURN(OwnerParts owner, decode_owner(owners.ptr[i]));
    state.owners.push_back(std::move(owner));
  }
  return state;
}

Status commit_part_file(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) == 0) return Status::ok();
  const int err = errno;
  // Gone: committed before a failure (`to` exists), or committed and then
  // moved away by the user, as Flink's file sink also takes it.
  if (err == ENOENT) return Status::ok();
  return Status::io_error("file sink: cannot commit '" + from + "' as '" + to +
                          "': " + std::strerror(err));
}

Status remove_part_file(const std::string& path) {
  if (std::remove(path.c_str()) == 0 || errno == ENOENT) return Status::ok();
  return Status::io_error("file sink: cannot delete '" + path + "': " + std::strerror(errno));
}

}  // namespace eddy
