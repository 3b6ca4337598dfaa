// TextWriter: dispatch to the CSV or JSONL writer, with a column check.
#include "connectors/text_writer.h"

namespace eddy {

TextWriter::TextWriter(FileFormat format, SchemaPtr schema)
    : format_(format), schema_(std::move(schema)) {
  if (format_ == FileFormat::kCsv) csv_ = std::make_unique<CsvWriter>(schema_);
  else jsonl_ = std::make_unique<JsonlWriter>(schema_);
}

void TextWriter::append_header(std::string& out) const {
  if (csv_) csv_->append_header(out);
}

Status TextWriter::append_rows(std::string& out, const RecordBatch& batch) {
  if (batch.columns.size() != schema_->size())
    return Status::internal("sink expected " + std::to_string(schema_->size()) +
                            " columns (" + schema_->to_string() + "), got a batch with " +
                            std::to_string(batch.columns.size()));
  for (size_t c = 0; c < batch.columns.size(); ++c)
    if (batch.columns[c].type() != schema_->field(c).type)
      return Status::internal("sink column '" + schema_->field(c).name + "' is " +
                              type_name(schema_->field(c).type) + ", got a batch with " +
                              type_name(batch.columns[c].type()));
  if (csv_) csv_->append_rows(out, batch);
  else jsonl_->append_rows(out, batch);
  return Status::ok();
}

}  // namespace eddy
