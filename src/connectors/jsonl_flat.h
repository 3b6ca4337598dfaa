// The JSON Lines fast path for the records most streams carry: one flat
// object per line (numbers, strings without escapes, true/false/null), read
// in a single pass straight into the columns. Whatever it does not take
// (escapes, nested values, a number of the wrong kind, any malformed line) it
// leaves to simdjson (jsonl_reader.cpp), which decodes it or says what is
// wrong, so a line decodes the same either way.
#pragma once

#include <cstdint>
#include <vector>

#include "connectors/timestamp_text_cache.h"
#include "core/record_batch.h"
#include "core/schema.h"

namespace eddy {

class JsonFlatDecoder {
 public:
  explicit JsonFlatDecoder(const Schema& schema);

  /// False when the schema's names rule the fast path out (a name with a
  /// quote, a backslash or a control character).
  bool usable() const { return usable_; }

  /// Decodes whole lines from `p` on, each ended by '\n', while they are flat
  /// objects (or blank), up to `max_rows` rows in `out`. `end` is one past the
  /// last '\n' the caller found: no line runs past it. Returns where it
  /// stopped: at `end`, or at the first line it leaves to the general parser.
  /// `lines` counts the '\n's passed.
  const char* decode_lines(const char* p, const char* end, size_t max_rows, BatchBuilder& out,
                           int64_t& lines);

 private:
  bool decode_line(const char*& p, BatchBuilder& out);
  bool decode_value(const char*& p, int column, BatchBuilder& out);
  int column_of_key(const char*& p);

  const Schema& schema_;
  std::vector<DataType> types_;
  std::vector<uint32_t> seen_;  // per column: the line number that gave it a value
  uint32_t line_tag_ = 0;
  int last_match_ = -1;
  bool usable_ = true;
  TimestampTextCache timestamps_;
};

}  // namespace eddy
