// Stable 64-bit hashing (splitmix64 finalizer for fixed width, FNV-1a + finalizer for bytes).
#include "core/hashing.h"

#include <cstring>

namespace eddy {
namespace {
constexpr uint64_t kNullHash = 0x6a09e667f3bcc909ULL;

inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

uint64_t hash_int64(int64_t v) { return mix(static_cast<uint64_t>(v) + 0x9e3779b97f4a7c15ULL); }

uint64_t hash_double(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 are one key
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return mix(bits + 0x9e3779b97f4a7c15ULL);
}

uint64_t hash_bytes(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

void hash_rows(const RecordBatch& batch, const std::vector<int>& key_columns,
               std::vector<uint64_t>& hashes) {
  const size_t n = batch.num_rows;
  hashes.assign(n, 0);
  bool first = true;
  for (int ci : key_columns) {
    const Column& col = batch.columns[static_cast<size_t>(ci)];
    for (size_t r = 0; r < n; ++r) {
      uint64_t h;
      if (col.is_null(r)) {
        h = kNullHash;
      } else {
        switch (col.type()) {
          case DataType::kInt64:
          case DataType::kTimestamp: h = hash_int64(col.ints[r]); break;
          case DataType::kFloat64: h = hash_double(col.doubles[r]); break;
          case DataType::kBool: h = hash_int64(col.bools[r]); break;
          case DataType::kString: h = hash_bytes(col.string_at(r)); break;
          default: h = 0;
        }
      }
      hashes[r] = first ? h : hash_combine(hashes[r], h);
    }
    first = false;
  }
}

}  // namespace eddy
