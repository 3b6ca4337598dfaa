// JSON Lines reading and writing: one JSON object per line. JsonlParser
// (flat objects in one pass by jsonl_flat.cpp, the rest by simdjson
// On-Demand in jsonl_reader.cpp) is used by the file and Kafka readers,
// JsonlWriter (jsonl_format.cpp) by the file and print sinks.
//
// Reading: keys name schema columns (other keys and their values are
// ignored); a missing key or null is NULL; a key given twice, a value of the
// wrong JSON type, a line that is not one JSON object, or invalid JSON makes
// the record malformed. Types: int64 takes JSON integers (and numbers with an
// integral value, such as 3.0 or 1e3); float64 any number; bool true/false;
// string JSON strings; timestamp a number of epoch milliseconds or a string
// as core/time_util.h parses it. Blank lines are ignored. The value of a key
// not in the schema is checked fully in a flat line; in others it is skipped
// unread: simdjson checks that the whole line is valid UTF-8 with balanced
// brackets, not the numbers and literals inside it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/text_parser.h"
#include "connectors/value_text.h"

namespace eddy {

class JsonlLineDecoder;  // simdjson's parser and one line's decoding (jsonl_reader.cpp)
class JsonFlatDecoder;   // flat objects in one pass (jsonl_flat.h)

/// Parses JSON Lines into rows of a schema.
class JsonlParser : public TextParser {
 public:
  JsonlParser(SchemaPtr schema, OnError on_error);
  ~JsonlParser() override;

  Result<size_t> parse(std::string_view data, bool final, size_t max_rows,
                       BatchBuilder& out) override;

 private:
  /// Parses the `len` bytes at `line` into `out` (committed on success); false
  /// with `why` set when it is malformed (then nothing of it remains in `out`).
  /// `readable` bytes from `line` on may be read: when they leave less than
  /// SIMDJSON_PADDING past the line, the line is parsed from a padded copy.
  bool parse_line(const char* line, size_t len, size_t readable, BatchBuilder& out,
                  std::string& why);
  /// The fast path: whole lines through one simdjson document stream, up to
  /// the first line it cannot take alone; the bytes consumed.
  size_t parse_block(const char* data, size_t n, bool final, size_t max_rows, BatchBuilder& out);

  std::unique_ptr<JsonlLineDecoder> decoder_;
  std::unique_ptr<JsonFlatDecoder> flat_;
  std::vector<char> scratch_;  // a padded copy of a line at the end of the data
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
