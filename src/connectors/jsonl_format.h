// JSON Lines reading and writing: one JSON object per line. JsonlParser is
// used by the file reader, JsonlWriter by the file and print sinks.
//
// Reading: keys name schema columns (other keys and their values are
// ignored); a missing key or null is NULL; a key given twice, a value of the
// wrong JSON type, a line that is not one JSON object, or invalid JSON makes
// the record malformed. Types: int64 takes JSON integers (and numbers with an
// integral value, such as 3.0 or 1e3); float64 any number; bool true/false;
// string JSON strings; timestamp a number of epoch milliseconds or a string
// as core/time_util.h parses it. Blank lines are ignored.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/text_parser.h"
#include "connectors/value_text.h"

namespace eddy {

class JsonlRowHandler;  // the SAX handler that appends one object's values (jsonl_format.cpp)

/// Parses JSON Lines into rows of a schema.
class JsonlParser : public TextParser {
 public:
  JsonlParser(SchemaPtr schema, OnError on_error);
  ~JsonlParser() override;

  Result<size_t> parse(std::string_view data, bool final, size_t max_rows,
                       BatchBuilder& out) override;

 private:
  /// Parses one line into `out` (committed on success); false with `why` set
  /// when it is malformed (then nothing of it remains in `out`).
  bool parse_line(std::string_view line, BatchBuilder& out, std::string& why);

  std::unique_ptr<JsonlRowHandler> handler_;
};

/// Formats batches as JSON Lines: one object per row, keys in column order,
/// values as value_text.h writes them.
class JsonlWriter {
 public:
  explicit JsonlWriter(SchemaPtr schema);
  /// One line per row of `batch` (which has this writer's columns).
  void append_rows(std::string& out, const RecordBatch& batch);

 private:
  SchemaPtr schema_;
  std::vector<std::string> key_prefixes_;  // per column: `{"name":` or `,"name":`
  ValueFormatter fmt_;
};

}  // namespace eddy
