// Groups the rows of a batch by key, so a keyed operator looks its state up
// once per distinct key in the batch rather than once per row. Used by
// WindowAggregateOperator::process; reused across batches to keep its buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"

namespace eddy {

class KeyGrouper {
 public:
  /// Groups rows[0..n) of `batch` by their values in `key_columns`: each group
  /// gets the key's bytes (state/key_encoding.h) and key group. Without key
  /// columns every row is in one group with key "" and key group `global_key_group`.
  /// Groups are in the order of their first row; rows keep their order within a group.
  void group(const RecordBatch& batch, const std::vector<int>& key_columns,
             int32_t max_parallelism, int32_t global_key_group, const uint32_t* rows, size_t n);

  size_t num_groups() const { return group_key_group_.size(); }
  std::string_view key(size_t g) const {
    return std::string_view(keys_).substr(key_offsets_[g], key_offsets_[g + 1] - key_offsets_[g]);
  }
  int32_t key_group(size_t g) const { return group_key_group_[g]; }
  const uint32_t* rows(size_t g) const { return grouped_rows_.data() + row_offsets_[g]; }
  size_t row_count(size_t g) const { return row_offsets_[g + 1] - row_offsets_[g]; }

 private:
  void reset_table(size_t rows);

  std::vector<uint64_t> hashes_;          // per batch row
  std::string keys_;                      // the groups' key bytes, back to back
  std::vector<uint32_t> key_offsets_;     // num_groups + 1 offsets into keys_
  std::vector<uint64_t> group_hash_;      // per group
  std::vector<int32_t> group_key_group_;  // per group
  std::vector<uint32_t> row_group_;       // per input row k: its group
  std::vector<uint32_t> row_offsets_;     // num_groups + 1 offsets into grouped_rows_
  std::vector<uint32_t> grouped_rows_;    // the rows, group after group
  std::vector<uint32_t> slots_;           // open addressing: group + 1, 0 = empty
};

}  // namespace eddy
