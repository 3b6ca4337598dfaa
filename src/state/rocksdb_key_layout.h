// Byte layout of keyed state in the RocksDB backend: every entry's RocksDB key,
// and the reserved keys of the state-name directory. Used by rocksdb_store.cpp
// and the RocksDB half of StateTable; the snapshot format does not depend on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::rocks_layout {

/// An entry's key, every integer big-endian so memcmp order is numeric order:
///   [key group: 2][state id: 2][key length: 4][key bytes][namespace: 8, sign bit flipped]
/// The key group comes first, so one key group (snapshots, rescaling) is one
/// contiguous range; the length before the key bytes makes the prefix of one
/// key never the prefix of another key's entries (prefix-free); namespaces of a
/// key sort numerically, negatives first, so windows range-scan in end order.
constexpr size_t kKeyGroupBytes = 2;
constexpr size_t kStateIdBytes = 2;
constexpr size_t kKeyLengthBytes = 4;
constexpr size_t kNamespaceBytes = 8;
constexpr size_t kFixedBytes = kKeyGroupBytes + kStateIdBytes + kKeyLengthBytes + kNamespaceBytes;

/// The 2-byte prefix 0xFFFF is not a key group: it holds the state directory
/// (state name -> id and type), so max parallelism is at most 65535 on RocksDB.
constexpr uint32_t kDirectoryPrefix = 0xFFFF;
constexpr int32_t kMaxKeyGroups = 0xFFFF;

/// [kg]
void append_key_group(std::string& out, int32_t kg);
/// [kg][sid]: every entry of one state in one key group.
void append_state_prefix(std::string& out, int32_t kg, uint16_t sid);
/// [kg][sid][len][key]: every namespace of one key of one state.
void append_key_prefix(std::string& out, int32_t kg, uint16_t sid, std::string_view key);
/// The full entry key.
void append_entry_key(std::string& out, int32_t kg, uint16_t sid, std::string_view key, int64_t ns);

/// The namespace as 8 memcmp-ordered bytes, and back.
void append_namespace(std::string& out, int64_t ns);
int64_t read_namespace(const char* p);

/// The parts of an entry key; views point into the decoded bytes.
struct EntryKey {
  int32_t key_group = 0;
  uint16_t state_id = 0;
  std::string_view key;
  int64_t ns = 0;
};
/// False when `bytes` is not an entry key (a directory key, or malformed).
bool decode_entry_key(std::string_view bytes, EntryKey& out);

/// The smallest byte string greater than every string starting with `prefix`
/// (the exclusive end of a prefix scan); empty when there is none (all 0xFF).
std::string prefix_end(std::string_view prefix);

/// The directory key of state `name`: [0xFF 0xFF]["s"][name].
std::string directory_key(std::string_view name);
/// The state name of a directory key, or false when `bytes` is not one.
bool decode_directory_key(std::string_view bytes, std::string& name);

}  // namespace eddy::rocks_layout
