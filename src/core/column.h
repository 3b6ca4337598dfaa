// Column: one typed vector of a RecordBatch, with an optional null mask.
// Operators read columns whole (vectorized evaluation); builders append.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"

namespace eddy {

/// One column of values. Exactly one value vector is used, chosen by `type`:
///   int64, timestamp -> ints;  float64 -> doubles;  bool -> bools (0/1);
///   string -> offsets (size() + 1 entries) into chars.
/// `valid` is empty when no value is NULL; otherwise one byte per row, 1 = not NULL.
/// The byte-per-row mask is a deliberate choice over a bit mask: evaluation
/// loops stay branch-free and simple, and most columns carry no mask at all.
class Column {
 public:
  Column() = default;
  explicit Column(DataType type) : type_(type) {
    if (type == DataType::kString) offsets.push_back(0);
  }

  DataType type() const { return type_; }
  size_t size() const;
  bool has_nulls() const { return !valid.empty(); }
  bool is_null(size_t row) const { return !valid.empty() && valid[row] == 0; }
  std::string_view string_at(size_t row) const {
    return std::string_view(chars.data() + offsets[row], offsets[row + 1] - offsets[row]);
  }

  void reserve(size_t rows);
  void append_int(int64_t v) { ints.push_back(v); mark_valid(); }
  void append_double(double v) { doubles.push_back(v); mark_valid(); }
  void append_bool(bool v) { bools.push_back(v ? 1 : 0); mark_valid(); }
  void append_string(std::string_view v) {
    chars.append(v.data(), v.size());
    offsets.push_back(static_cast<uint32_t>(chars.size()));
    mark_valid();
  }
  /// Appends a NULL (a zero/empty placeholder value plus a 0 in the mask).
  void append_null();
  /// Appends row `row` of `other` (same type), NULL-ness included.
  void append_from(const Column& other, size_t row);
  /// Appends the rows `rows[0..n)` of `other` (same type), in that order.
  void append_selected(const Column& other, const uint32_t* rows, size_t n);
  /// Appends every row of `other` (same type).
  void append_all(const Column& other);
  /// Drops values and mask, keeping the type and capacity.
  void clear();

  /// Makes the mask explicit (all valid so far) so a NULL can be recorded.
  void materialize_mask();

  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> bools;
  std::vector<uint32_t> offsets;
  std::string chars;
  std::vector<uint8_t> valid;

 private:
  void mark_valid() {
    if (!valid.empty()) valid.push_back(1);
  }
  DataType type_ = DataType::kInt64;
};

}  // namespace eddy
