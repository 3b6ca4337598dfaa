// TextParser: what the file reader (file_source.cpp) drives to turn buffered
// text into rows, whatever the format; CsvParser and JsonlParser implement it.
// Knows the input's name and line numbers so every error says file:line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/connector_config.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// Parses whole records of text into a BatchBuilder of a fixed schema.
class TextParser {
 public:
  TextParser(SchemaPtr schema, OnError on_error)
      : schema_(std::move(schema)), on_error_(on_error) {}
  virtual ~TextParser() = default;

  /// Names the input in error messages ("data/bids.csv") and sets the 1-based
  /// line number of the first byte of the next data given to parse().
  void set_origin(std::string name, int64_t line) {
    origin_ = std::move(name);
    line_ = line;
  }
  const std::string& origin() const { return origin_; }
  /// Line number of the next byte to parse.
  int64_t line() const { return line_; }

  /// Parses whole records from the front of `data` into `out`, stopping when
  /// `out` holds `max_rows` rows or no whole record is left. A record that may
  /// continue past the end of `data` is left alone unless `final` (the end of
  /// `data` is the end of the input). Returns the bytes consumed. A malformed
  /// record fails with "<origin>:<line>: <what>" under OnError::kFail and is
  /// dropped and counted under OnError::kSkip. Blank lines are ignored.
  virtual Result<size_t> parse(std::string_view data, bool final, size_t max_rows,
                               BatchBuilder& out) = 0;

  /// Malformed records dropped under OnError::kSkip so far.
  uint64_t skipped_records() const { return skipped_; }
  const SchemaPtr& schema() const { return schema_; }

 protected:
  /// The record at `line` is malformed because of `what`: an error under
  /// kFail, counted (and Status::ok()) under kSkip.
  Status reject(int64_t line, const std::string& what) {
    if (on_error_ == OnError::kSkip) {
      ++skipped_;
      return Status::ok();
    }
    return Status::parse_error(origin_ + ":" + std::to_string(line) + ": " + what);
  }

  SchemaPtr schema_;
  OnError on_error_;
  std::string origin_ = "<input>";
  int64_t line_ = 1;
  uint64_t skipped_ = 0;
};

/// A value cut to at most 60 bytes for an error message.
inline std::string clip_for_message(std::string_view v) {
  constexpr size_t kMax = 60;
  return v.size() <= kMax ? std::string(v) : std::string(v.substr(0, kMax)) + "...";
}

}  // namespace eddy
