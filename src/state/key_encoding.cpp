// Key bytes and key groups of rows (see key_encoding.h for the layout).
// Decoding trusts nothing: key bytes come back from snapshots.
#include "state/key_encoding.h"

#include <cstring>

#include "core/hashing.h"
#include "core/key_groups.h"

namespace eddy {
namespace {

constexpr uint64_t kSignBit = 0x8000000000000000ULL;

void put_u64_be(uint64_t v, std::string& out) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}

uint64_t get_u64_be(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint32_t get_u32_be(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

/// Order-preserving bits of a double: negative numbers have all bits flipped,
/// others only the sign bit, so memcmp of the big-endian bytes orders numerically.
uint64_t double_to_ordered(double d) {
  if (d == 0) d = 0;  // -0.0 and 0.0 are one key, as in hash_double
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return (bits & kSignBit) ? ~bits : bits | kSignBit;
}

double ordered_to_double(uint64_t v) {
  const uint64_t bits = (v & kSignBit) ? v & ~kSignBit : ~v;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

KeyTag tag_of(DataType type) {
  switch (type) {
    case DataType::kInt64:
      return KeyTag::kInt64;
    case DataType::kFloat64:
      return KeyTag::kFloat64;
    case DataType::kBool:
      return KeyTag::kBool;
    case DataType::kString:
      return KeyTag::kString;
    case DataType::kTimestamp:
      return KeyTag::kTimestamp;
  }
  return KeyTag::kNull;
}

/// What hash_rows gives a NULL, taken from hash_rows itself rather than
/// copied, so key_group_of_row cannot drift from the partitioner.
uint64_t null_hash() {
  static const uint64_t h = [] {
    RecordBatch b;
    b.columns.emplace_back(DataType::kInt64);
    b.columns[0].append_null();
    b.num_rows = 1;
    std::vector<uint64_t> hashes;
    hash_rows(b, {0}, hashes);
    return hashes[0];
  }();
  return h;
}

/// One column's part of hash_rows for one row.
uint64_t hash_value(const Column& col, size_t row) {
  if (col.is_null(row)) return null_hash();
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      return hash_int64(col.ints[row]);
    case DataType::kFloat64:
      return hash_double(col.doubles[row]);
    case DataType::kBool:
      return hash_int64(col.bools[row]);
    case DataType::kString:
      return hash_bytes(col.string_at(row));
  }
  return 0;
}

/// Walks `key` against `columns`; appends the values only when `apply`, so a
/// first pass with apply = false validates everything before anything is appended.
Status walk_key(std::string_view key, std::vector<Column*>& columns, bool apply) {
  size_t pos = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    Column& col = *columns[c];
    if (pos >= key.size())
      return Status::parse_error("key bytes end before key column " + std::to_string(c));
    const auto tag = static_cast<KeyTag>(static_cast<unsigned char>(key[pos++]));
    if (tag == KeyTag::kNull) {
      if (apply) col.append_null();
      continue;
    }
    if (tag != tag_of(col.type()))
      return Status::type_error("key column " + std::to_string(c) + " is encoded with tag " +
                                std::to_string(static_cast<int>(tag)) + ", not as " +
                                type_name(col.type()));
    const size_t fixed = tag == KeyTag::kBool ? 1 : tag == KeyTag::kString ? 4 : 8;
    if (key.size() - pos < fixed)
      return Status::parse_error("key bytes end inside key column " + std::to_string(c));
    const char* p = key.data() + pos;
    pos += fixed;
    switch (tag) {
      case KeyTag::kInt64:
      case KeyTag::kTimestamp:
        if (apply) col.append_int(static_cast<int64_t>(get_u64_be(p) ^ kSignBit));
        break;
      case KeyTag::kFloat64:
        if (apply) col.append_double(ordered_to_double(get_u64_be(p)));
        break;
      case KeyTag::kBool:
        if (static_cast<unsigned char>(*p) > 1)
          return Status::parse_error("key column " + std::to_string(c) +
                                     " has a bool that is not 0/1");
        if (apply) col.append_bool(*p != 0);
        break;
      case KeyTag::kString: {
        const size_t len = get_u32_be(p);
        if (key.size() - pos < len)
          return Status::parse_error("key bytes end inside string key column " + std::to_string(c));
        if (apply) col.append_string(key.substr(pos, len));
        pos += len;
        break;
      }
      case KeyTag::kNull:
        break;
    }
  }
  if (pos != key.size()) return Status::parse_error("trailing bytes after the last key column");
  return Status::ok();
}

}  // namespace

void encode_key(const RecordBatch& batch, const std::vector<int>& key_columns, size_t row,
                std::string& out) {
  for (int ci : key_columns) {
    const Column& col = batch.columns[static_cast<size_t>(ci)];
    if (col.is_null(row)) {
      out.push_back(static_cast<char>(KeyTag::kNull));
      continue;
    }
    out.push_back(static_cast<char>(tag_of(col.type())));
    switch (col.type()) {
      case DataType::kInt64:
      case DataType::kTimestamp:
        put_u64_be(static_cast<uint64_t>(col.ints[row]) ^ kSignBit, out);
        break;
      case DataType::kFloat64:
        put_u64_be(double_to_ordered(col.doubles[row]), out);
        break;
      case DataType::kBool:
        out.push_back(col.bools[row] ? 1 : 0);
        break;
      case DataType::kString: {
        const std::string_view s = col.string_at(row);
        const uint32_t n = static_cast<uint32_t>(s.size());
        const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                             static_cast<char>(n >> 8), static_cast<char>(n)};
        out.append(len, 4);
        out.append(s.data(), s.size());
        break;
      }
    }
  }
}

Status decode_key(std::string_view key, std::vector<Column*>& columns) {
  for (Column* c : columns)
    if (c == nullptr) return Status::invalid("decode_key: null column");
  EDDY_RETURN_IF_ERROR(walk_key(key, columns, /*apply=*/false));
  return walk_key(key, columns, /*apply=*/true);
}

int32_t key_group_of_row(const RecordBatch& batch, const std::vector<int>& key_columns, size_t row,
                         int32_t max_parallelism) {
  uint64_t h = 0;
  bool first = true;
  for (int ci : key_columns) {
    const uint64_t v = hash_value(batch.columns[static_cast<size_t>(ci)], row);
    h = first ? v : hash_combine(h, v);
    first = false;
  }
  return key_group_for_hash(h, max_parallelism);
}

void key_groups_of_rows(const RecordBatch& batch, const std::vector<int>& key_columns,
                        int32_t max_parallelism, std::vector<int32_t>& out) {
  // hash_rows is the partitioner's own code: reusing it keeps the two in step.
  std::vector<uint64_t> hashes;
  hash_rows(batch, key_columns, hashes);
  out.resize(hashes.size());
  for (size_t r = 0; r < hashes.size(); ++r)
    out[r] = key_group_for_hash(hashes[r], max_parallelism);
}

}  // namespace eddy
