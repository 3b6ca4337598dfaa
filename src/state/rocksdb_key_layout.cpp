// The RocksDB backend's key layout (see rocksdb_key_layout.h).
#include "state/rocksdb_key_layout.h"

namespace eddy::rocks_layout {
namespace {

void append_be(std::string& out, uint64_t v, size_t bytes) {
  for (size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t read_be(const char* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

constexpr char kDirectoryTag = 's';

}  // namespace

void append_key_group(std::string& out, int32_t kg) {
  append_be(out, static_cast<uint32_t>(kg), kKeyGroupBytes);
}

void append_state_prefix(std::string& out, int32_t kg, uint16_t sid) {
  append_key_group(out, kg);
  append_be(out, sid, kStateIdBytes);
}

void append_key_prefix(std::string& out, int32_t kg, uint16_t sid, std::string_view key) {
  append_state_prefix(out, kg, sid);
  append_be(out, key.size(), kKeyLengthBytes);
  out.append(key.data(), key.size());
}

void append_entry_key(std::string& out, int32_t kg, uint16_t sid, std::string_view key,
                      int64_t ns) {
  append_key_prefix(out, kg, sid, key);
  append_namespace(out, ns);
}

void append_namespace(std::string& out, int64_t ns) {
  append_be(out, static_cast<uint64_t>(ns) ^ (uint64_t{1} << 63), kNamespaceBytes);
}

int64_t read_namespace(const char* p) {
  return static_cast<int64_t>(read_be(p, kNamespaceBytes) ^ (uint64_t{1} << 63));
}

bool decode_entry_key(std::string_view bytes, EntryKey& out) {
  if (bytes.size() < kFixedBytes) return false;
  const uint64_t kg = read_be(bytes.data(), kKeyGroupBytes);
  if (kg == kDirectoryPrefix) return false;
  const uint64_t len = read_be(bytes.data() + kKeyGroupBytes + kStateIdBytes, kKeyLengthBytes);
  if (len != bytes.size() - kFixedBytes) return false;
  out.key_group = static_cast<int32_t>(kg);
  out.state_id = static_cast<uint16_t>(read_be(bytes.data() + kKeyGroupBytes, kStateIdBytes));
  const size_t key_at = kKeyGroupBytes + kStateIdBytes + kKeyLengthBytes;
  out.key = bytes.substr(key_at, len);
  out.ns = read_namespace(bytes.data() + key_at + len);
  return true;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c != 0xFF) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return end;
}

std::string directory_key(std::string_view name) {
  std::string out;
  append_be(out, kDirectoryPrefix, kKeyGroupBytes);
  out.push_back(kDirectoryTag);
  out.append(name.data(), name.size());
  return out;
}

bool decode_directory_key(std::string_view bytes, std::string& name) {
  if (bytes.size() < kKeyGroupBytes + 1 || read_be(bytes.data(), kKeyGroupBytes) != kDirectoryPrefix ||
      bytes[kKeyGroupBytes] != kDirectoryTag)
    return false;
  name.assign(bytes.substr(kKeyGroupBytes + 1));
  return true;
}

}  // namespace eddy::rocks_layout
