// What the join operators share about their inputs' rows: which columns of an
// input are its key, payload and time; a row's key bytes and key group (the
// hash partitioner's); a row's payload as bytes (state/key_encoding.h, so the
// bytes decode back into columns); a changelog row's kind; and an arena that
// holds the row bytes of one output batch. Used by join_*_operator.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "operators/join_config.h"
#include "operators/operator.h"

namespace eddy {

/// One input of a join, as its operator reads it.
struct JoinSide {
  int input = kLeftInput;            // or kRightInput
  SchemaPtr schema;                  // as it arrives (with "op" first when updating)
  bool updating = false;             // column 0 is "op"
  std::vector<int> keys;             // join key columns, in key order
  std::vector<int> payload;          // every column but "op": what joined_schema holds
  /// The payload columns kept in state (indices into payload, ascending): those
  /// the residual or select read (all when select is empty). A row's state
  /// bytes hold only these, so columns nobody reads cost no memory.
  std::vector<int> stored;
  std::vector<int> stored_columns;   // the same as indices into schema
  int time_column = -1;              // interval and window joins
  bool outer = false;                // NULL-padded when it has no partner
};

/// The two sides of `config`, checked: key columns exist and have the same
/// types pairwise (their key bytes must be equal for equal keys), an updating
/// side starts with a string "op" column, payload types match joined_schema.
Result<std::pair<JoinSide, JoinSide>> join_sides(const JoinConfig& config);

/// The bytes kept in state for row `row` (its stored columns, encode_key), appended to `out`.
void join_row_bytes(const JoinSide& side, const RecordBatch& batch, size_t row, std::string& out);

/// The state key of row `row`: a flag byte (1: some key column is NULL, so the
/// row matches nothing) then the key columns' encode_key bytes.
void join_key_bytes(const JoinSide& side, const RecordBatch& batch, size_t row, std::string& out);
/// Whether state key bytes (join_key_bytes) hold a NULL key.
inline bool join_key_has_null(std::string_view key) { return !key.empty() && key[0] == 1; }

/// Whether a changelog row adds (+I, +U) or retracts (-U, -D) a row.
enum class RowChange { kAdd, kRetract };
/// The change of row `row` of `side` (kAdd for append-only inputs); an
/// unknown "op" value is an error.
Result<RowChange> row_change(const JoinSide& side, const RecordBatch& batch, size_t row);

/// Row bytes for one output batch: rows are added once and named by index,
/// so pairs can refer to them after the state they came from changed. A row
/// is copied in (add) or, when it lies in state that stays put until the batch
/// is out (SortedState/MapState::values_stay_put), referred to (refer).
class RowArena {
 public:
  static constexpr uint32_t kNull = UINT32_MAX;  // a NULL-padded side
  uint32_t add(std::string_view bytes) {
    rows_.push_back({nullptr, data_.size(), bytes.size()});
    data_.append(bytes.data(), bytes.size());
    return static_cast<uint32_t>(rows_.size() - 1);
  }
  uint32_t refer(std::string_view bytes) {
    rows_.push_back({bytes.data(), 0, bytes.size()});
    return static_cast<uint32_t>(rows_.size() - 1);
  }
  std::string_view get(uint32_t id) const {
    const Row& r = rows_[id];
    return std::string_view(r.at != nullptr ? r.at : data_.data() + r.offset, r.size);
  }
  size_t size() const { return rows_.size(); }
  void clear() {
    data_.clear();
    rows_.clear();
  }

 private:
  struct Row {
    const char* at;  // outside the arena, or nullptr: at offset in data_
    size_t offset, size;
  };
  std::string data_;
  std::vector<Row> rows_;
};

}  // namespace eddy
