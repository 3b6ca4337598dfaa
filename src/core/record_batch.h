// RecordBatch: the columnar unit of data between operators and subtasks, and
// BatchBuilder, which assembles one. A batch is immutable once shared: in-process
// it travels as a shared pointer, across processes as msgpack (src/net/wire.h).
#pragma once

#include <memory>
#include <vector>

#include "core/column.h"
#include "core/schema.h"

namespace eddy {

struct RecordBatch {
  SchemaPtr schema;
  std::vector<Column> columns;
  size_t num_rows = 0;

  const Column& column(size_t i) const { return columns[i]; }
  /// A new batch with rows `rows[0..n)` of this one, in that order.
  std::shared_ptr<RecordBatch> take(const uint32_t* rows, size_t n) const;
  /// Debug text: one line per row, values separated by " | ".
  std::string to_debug_string() const;
};

using RecordBatchPtr = std::shared_ptr<const RecordBatch>;

/// Empty columns for `schema`, one per field.
std::vector<Column> make_columns(const Schema& schema);

/// Accumulates rows into columns of a fixed schema; finish() hands out a batch
/// and leaves the builder empty for reuse.
class BatchBuilder {
 public:
  explicit BatchBuilder(SchemaPtr schema);

  const SchemaPtr& schema() const { return schema_; }
  size_t num_rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  Column& column(size_t i) { return columns_[i]; }
  /// Call after appending one value to every column by hand.
  void commit_rows(size_t n) { rows_ += n; }
  /// Appends rows `rows[0..n)` of `batch` (same schema).
  void append_selected(const RecordBatch& batch, const uint32_t* rows, size_t n);
  /// Appends all rows of `batch` (same schema).
  void append_all(const RecordBatch& batch);
  /// Drops the rows appended since the last finish(); used to undo a partly
  /// appended malformed record (`truncate_to(rows)` with the earlier count).
  void truncate_to(size_t rows);
  std::shared_ptr<RecordBatch> finish();

 private:
  SchemaPtr schema_;
  std::vector<Column> columns_;
  size_t rows_ = 0;
};

}  // namespace eddy
