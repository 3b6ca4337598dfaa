// KeyGrouper: hashes the key columns a column at a time (the partitioner's
// hash, so key groups agree with routing and with key_groups_of_rows), finds
// each row's group in an open-addressing table comparing key bytes, then
// lays the rows out group by group with a counting sort.
#include "operators/window_key_grouper.h"

#include "core/hashing.h"
#include "core/key_groups.h"
#include "state/key_encoding.h"

namespace eddy {

void KeyGrouper::reset_table(size_t rows) {
  size_t cap = 16;
  while (cap < rows * 2) cap <<= 1;
  slots_.assign(cap, 0);
}

void KeyGrouper::group(const RecordBatch& batch, const std::vector<int>& key_columns,
                       int32_t max_parallelism, int32_t global_key_group, const uint32_t* rows,
                       size_t n) {
  keys_.clear();
  key_offsets_.assign(1, 0);
  group_hash_.clear();
  group_key_group_.clear();
  row_offsets_.clear();
  grouped_rows_.assign(rows, rows + n);
  if (n == 0) {
    row_offsets_.push_back(0);
    return;
  }
  if (key_columns.empty()) {
    key_offsets_.push_back(0);
    group_key_group_.push_back(global_key_group);
    row_offsets_ = {0, static_cast<uint32_t>(n)};
    return;
  }
  hash_rows(batch, key_columns, hashes_);
  reset_table(n);
  const size_t mask = slots_.size() - 1;
  row_group_.resize(n);
  for (size_t k = 0; k < n; ++k) {
    const uint32_t row = rows[k];
    const uint64_t h = hashes_[row];
    const size_t mark = keys_.size();
    encode_key(batch, key_columns, row, keys_);  // tentatively a new group's key
    const std::string_view bytes(keys_.data() + mark, keys_.size() - mark);
    size_t slot = static_cast<size_t>(h) & mask;
    for (;;) {
      const uint32_t s = slots_[slot];
      if (s == 0) {  // a new key
        const uint32_t g = static_cast<uint32_t>(group_hash_.size());
        slots_[slot] = g + 1;
        group_hash_.push_back(h);
        group_key_group_.push_back(key_group_for_hash(h, max_parallelism));
        key_offsets_.push_back(static_cast<uint32_t>(keys_.size()));
        row_group_[k] = g;
        break;
      }
      const uint32_t g = s - 1;
      if (group_hash_[g] == h && key(g) == bytes) {
        keys_.resize(mark);  // seen before: drop the tentative copy
        row_group_[k] = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  // Counting sort of the rows by group, stable within a group.
  const size_t groups = group_hash_.size();
  row_offsets_.assign(groups + 1, 0);
  for (size_t k = 0; k < n; ++k) ++row_offsets_[row_group_[k] + 1];
  for (size_t g = 0; g < groups; ++g) row_offsets_[g + 1] += row_offsets_[g];
  std::vector<uint32_t>& cursor = slots_;  // the table is done: reuse its memory
  cursor.assign(row_offsets_.begin(), row_offsets_.end() - 1);
  for (size_t k = 0; k < n; ++k) grouped_rows_[cursor[row_group_[k]]++] = rows[k];
}

}  // namespace eddy
