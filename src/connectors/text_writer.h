// TextWriter: formats batches as CSV or JSONL lines, whichever a sink's config
// names. Used by the file and print sinks; holds the per-writer formatter state.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector_config.h"
#include "connectors/csv_format.h"
#include "connectors/jsonl_format.h"

namespace eddy {

/// Appends rows of one schema as text lines in one format.
class TextWriter {
 public:
  TextWriter(FileFormat format, SchemaPtr schema);

  FileFormat format() const { return format_; }
  /// ".csv" or ".jsonl".
  const char* extension() const { return format_ == FileFormat::kCsv ? ".csv" : ".jsonl"; }
  /// CSV: the line of column names; JSONL: nothing.
  void append_header(std::string& out) const;
  /// One line per row. Fails when `batch` does not have this writer's columns.
  Status append_rows(std::string& out, const RecordBatch& batch);

 private:
  FileFormat format_;
  SchemaPtr schema_;
  std::unique_ptr<CsvWriter> csv_;      // when format_ is kCsv
  std::unique_ptr<JsonlWriter> jsonl_;  // when format_ is kJsonl
};

}  // namespace eddy
