// Key encoding for keyed state: the bytes that identify a key in a state
// backend, and the key group a row's key belongs to. Keyed operators call it
// per row before KeyedStateBackend::set_current_key; the hash partitioner
// upstream uses core/hashing.h, and key_group_of_row agrees with it exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// Appends a stable, type-tagged byte encoding of row `row`'s values in
/// `key_columns` to `out`. Equal keys <=> equal bytes; NULL is distinct from
/// every value; int64, timestamp and float64 values never collide.
///
/// Layout per column: one tag byte (KeyTag), then the value:
///   int64, timestamp: 8 bytes big-endian with the sign bit flipped,
///   float64: 8 bytes big-endian of the bits, transformed so memcmp orders them
///            numerically (-0.0 is written as 0.0, as core/hashing.h treats them as one key),
///   bool: 1 byte 0/1,  string: 4-byte big-endian length then the bytes,  NULL: tag only.
/// Fixed-width numbers compare under memcmp like the numbers do, which the
/// RocksDB backend can use for range scans over numeric keys.
void encode_key(const RecordBatch& batch, const std::vector<int>& key_columns, size_t row,
                std::string& out);

/// Decodes bytes written by encode_key, appending one value per key column to
/// `columns` (one Column per key column, in order, of the encoded types). A
/// malformed key or a type mismatch is an error Status and appends nothing.
Status decode_key(std::string_view key, std::vector<Column*>& columns);

/// The key group of row `row`: equals
/// key_group_for_hash(hash_rows(batch, key_columns)[row], max_parallelism),
/// i.e. the key group the hash partitioner routed the row by, without hashing
/// the whole batch.
int32_t key_group_of_row(const RecordBatch& batch, const std::vector<int>& key_columns, size_t row,
                         int32_t max_parallelism);

/// key_group_of_row for every row of `batch` (out is resized to num_rows).
void key_groups_of_rows(const RecordBatch& batch, const std::vector<int>& key_columns,
                        int32_t max_parallelism, std::vector<int32_t>& out);

/// The tag byte before each encoded value. Part of the snapshot format: never renumber.
enum class KeyTag : uint8_t {
  kNull = 0,
  kInt64 = 1,
  kFloat64 = 2,
  kBool = 3,
  kString = 4,
  kTimestamp = 5,
};

}  // namespace eddy
