// Row hashing of key columns, a column at a time. The hash is stable across
// processes and runs (no std::hash), because key groups of snapshots depend on it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/record_batch.h"

namespace eddy {

uint64_t hash_int64(int64_t v);
uint64_t hash_double(double v);
uint64_t hash_bytes(std::string_view bytes);
inline uint64_t hash_combine(uint64_t seed, uint64_t h) {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

/// hashes[r] for every row of `batch`, over the columns `key_columns` in order.
/// NULL hashes as a fixed constant.
void hash_rows(const RecordBatch& batch, const std::vector<int>& key_columns,
               std::vector<uint64_t>& hashes);

}  // namespace eddy
