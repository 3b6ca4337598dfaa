// RecordBatch helpers and BatchBuilder.
#include "core/record_batch.h"

#include <string>

namespace eddy {

std::vector<Column> make_columns(const Schema& schema) {
  std::vector<Column> cols;
  cols.reserve(schema.size());
  for (const auto& f : schema.fields()) cols.emplace_back(f.type);
  return cols;
}

std::shared_ptr<RecordBatch> RecordBatch::take(const uint32_t* rows, size_t n) const {
  auto out = std::make_shared<RecordBatch>();
  out->schema = schema;
  out->columns = make_columns(*schema);
  for (size_t c = 0; c < columns.size(); ++c) out->columns[c].append_selected(columns[c], rows, n);
  out->num_rows = n;
  return out;
}

std::string RecordBatch::to_debug_string() const {
  std::string out;
  for (size_t r = 0; r < num_rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out += " | ";
      const Column& col = columns[c];
      if (col.is_null(r)) {
        out += "NULL";
        continue;
      }
      switch (col.type()) {
        case DataType::kInt64:
        case DataType::kTimestamp: out += std::to_string(col.ints[r]); break;
        case DataType::kFloat64: out += std::to_string(col.doubles[r]); break;
        case DataType::kBool: out += col.bools[r] ? "true" : "false"; break;
        case DataType::kString: out += std::string(col.string_at(r)); break;
      }
    }
    out += '\n';
  }
  return out;
}

BatchBuilder::BatchBuilder(SchemaPtr schema) : schema_(std::move(schema)) {
  columns_ = make_columns(*schema_);
}

void BatchBuilder::append_selected(const RecordBatch& batch, const uint32_t* rows, size_t n) {
  for (size_t c = 0; c < columns_.size(); ++c) columns_[c].append_selected(batch.columns[c], rows, n);
  rows_ += n;
}

void BatchBuilder::append_all(const RecordBatch& batch) {
  for (size_t c = 0; c < columns_.size(); ++c) columns_[c].append_all(batch.columns[c]);
  rows_ += batch.num_rows;
}

void BatchBuilder::truncate_to(size_t rows) {
  for (auto& col : columns_) {
    switch (col.type()) {
      case DataType::kInt64:
      case DataType::kTimestamp: col.ints.resize(rows); break;
      case DataType::kFloat64: col.doubles.resize(rows); break;
      case DataType::kBool: col.bools.resize(rows); break;
      case DataType::kString:
        col.offsets.resize(rows + 1);
        col.chars.resize(col.offsets[rows]);
        break;
    }
    if (!col.valid.empty()) col.valid.resize(rows);
  }
  rows_ = rows;
}

std::shared_ptr<RecordBatch> BatchBuilder::finish() {
  auto out = std::make_shared<RecordBatch>();
  out->schema = schema_;
  out->num_rows = rows_;
  out->columns = std::move(columns_);
  columns_ = make_columns(*schema_);
  for (auto& c : columns_) c.reserve(rows_);
  rows_ = 0;
  return out;
}

}  // namespace eddy
