// CSV (RFC 4180) reading and writing: CsvParser (used by the file reader),
// CsvBoundaryScanner (used by the file enumerator to cut files at record
// starts) and CsvWriter (used by the file and print sinks).
//
// Record rules, shared by the parser and the scanner so splits and records
// always agree:
//  - a record ends at a '\n' outside quotes (LF or CRLF endings), or at the end
//    of the input; a line that is empty (or only "\r") is ignored;
//  - a field that starts with '"' is quoted: it runs to the next lone '"', with
//    "" standing for one quote, and may hold ',', CR and LF; after its closing
//    quote only ',' or the line end may follow, anything else makes the record
//    malformed;
//  - a quote that never closes (no lone '"' follows it before the end of the
//    input) makes its record malformed, and that record ends at the first '\n'
//    after the quote: under on_error: skip the next line is a record again.
//    The scanner never cuts after such a quote (it is inside a quoted field to
//    the end of the file), so every split still starts where a record starts;
//  - a '"' inside an unquoted field is an ordinary character;
//  - an unquoted empty field is NULL; a quoted empty field ("") is the empty
//    string for string columns and NULL for the others;
//  - non-string values may carry spaces or tabs around them; strings are kept
//    byte for byte.
// Line numbers count every '\n', quoted or not, and name the line a record
// starts on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/text_parser.h"
#include "connectors/value_text.h"

namespace eddy {

/// Finds record ends in a CSV byte stream fed in order, in pieces.
class CsvBoundaryScanner {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  /// Scans data[from, n) and returns the index just after the first '\n' that
  /// ends a record, or kNone when none does (the state carries over to the
  /// next call). Every '\n' passed is added to `newlines`.
  size_t next_record_end(const char* data, size_t n, size_t from, int64_t& newlines);

 private:
  enum class State : uint8_t { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state_ = State::kFieldStart;
};

/// Parses CSV records into rows of a schema. Columns are taken in schema
/// order; with a header, header names pick the fields (extra fields are
/// ignored, a schema column missing from the header is an error).
class CsvParser : public TextParser {
 public:
  CsvParser(SchemaPtr schema, OnError on_error);

  /// Reads the header (the first non-blank record) from the front of `data`
  /// and maps its names to schema columns. Returns true with `consumed` set to
  /// the bytes through the header, or false when `data` holds no whole record
  /// yet (when `final`: when the input has no record at all). A schema column
  /// missing from the header is an error whatever the on_error policy.
  Result<bool> read_header(std::string_view data, bool final, size_t& consumed);

  Result<size_t> parse(std::string_view data, bool final, size_t max_rows,
                       BatchBuilder& out) override;

 private:
  /// One field of the current record: bytes [begin, begin+len) of the input,
  /// or of scratch_ when it held "" escapes.
  struct FieldRef {
    size_t begin = 0;
    size_t len = 0;
    bool in_scratch = false;
    bool quoted = false;
  };
  /// Bounds and shape of the current record.
  struct RecordSpan {
    size_t end = 0;                   // index after the record (and its '\n')
    int64_t newlines = 0;             // '\n' bytes inside it, quoted or ending it
    const char* problem = nullptr;    // why its structure is malformed, if it is
  };

  enum class QuotedEnd { kClosed, kIncomplete, kUnterminated };
  /// Reads the quoted field whose opening quote is at d[q] into `f`, leaving q
  /// after its closing quote; counts the newlines inside it.
  QuotedEnd scan_quoted(const char* d, size_t n, bool final, size_t& q, FieldRef& f,
                        int64_t& newlines);
  /// Splits the record at data[pos..] into fields_; false when the record may
  /// continue past the end of the data (only when !final).
  bool split_record(const char* d, size_t n, size_t pos, bool final, RecordSpan& rec);
  std::string_view field_text(const char* d, const FieldRef& f) const {
    return f.in_scratch ? std::string_view(scratch_).substr(f.begin, f.len)
                        : std::string_view(d + f.begin, f.len);
  }
  bool blank_record() const;
  /// Maps header names to schema columns.
  Status map_header(const char* d, int64_t header_line);
  /// Appends the fields of the current record to `out`; on a bad value returns
  /// false with `why` set (values already appended are the caller's to undo).
  bool append_record(const char* d, BatchBuilder& out, std::string& why);

  size_t expected_fields_;
  std::vector<int> field_to_column_;  // per record field: its schema column, or -1
  std::vector<FieldRef> fields_;      // reused for every record
  std::string scratch_;               // unescaped quoted fields of the current record
};

/// Formats batches as CSV lines ("\n" endings), a row at a time.
class CsvWriter {
 public:
  explicit CsvWriter(SchemaPtr schema) : schema_(std::move(schema)) {}
  /// The column names, quoted when needed, and "\n".
  void append_header(std::string& out) const;
  /// One line per row of `batch` (which has this writer's column types).
  void append_rows(std::string& out, const RecordBatch& batch);

 private:
  SchemaPtr schema_;
  ValueFormatter fmt_;
};

}  // namespace eddy
