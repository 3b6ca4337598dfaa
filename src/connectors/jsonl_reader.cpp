// JSON Lines parsing with simdjson's On-Demand API: each line is indexed with
// SIMD instructions and its values go straight into the builder's columns (no
// DOM, no std::string per value). Lines are parsed in place in the caller's
// buffer; only a line too close to its end for simdjson's padding (it reads up
// to SIMDJSON_PADDING bytes past a document) is copied into a padded scratch.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "connectors/jsonl_format.h"
#include "connectors/jsonl_flat.h"
#include "connectors/timestamp_text_cache.h"

namespace eddy {

// simdjson's stage 1 (finding the structure with SIMD) is chosen for this CPU
// at run time inside the library; this code (stage 2) is the portable build.
namespace od = simdjson::ondemand;

/// Decodes one line's object into the builder; every step returns false with
/// `why` set as soon as the line is known to be malformed.
class JsonlLineDecoder {
 public:
  explicit JsonlLineDecoder(const Schema& schema) : schema_(schema), seen_(schema.size(), 0) {}

  /// Parses `line` (readable for SIMDJSON_PADDING bytes past its end) and
  /// appends one value or NULL to every column; false leaves them partly appended.
  bool decode(const char* line, size_t len, BatchBuilder& out, std::string& why) {
    out_ = &out;
    why_ = &why;
    base_ = line;
    std::fill(seen_.begin(), seen_.end(), 0);
    const simdjson::padded_string_view padded(line, len, len + simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (auto err = parser_.iterate(padded).get(doc)) return invalid(err, static_cast<od::document*>(nullptr));
    if (!decode_object(doc)) return false;
    const char* trailing = nullptr;  // past the object: at the end, simdjson has no location
    if (doc.current_location().get(trailing) == simdjson::SUCCESS)
      return invalid(simdjson::TRAILING_CONTENT, &doc);
    for (size_t c = 0; c < seen_.size(); ++c)
      if (!seen_[c]) out.column(c).append_null();
    return true;
  }

  /// Decodes the documents of `block` (whole lines, `readable` bytes from
  /// its start may be read) with one simdjson document stream, a row each,
  /// while every document is alone on its line. Returns the bytes of the
  /// lines decoded (rows committed to `out`, `lines` counts their '\n's);
  /// it stops before the first line that is malformed, holds anything but
  /// one document, or is cut, for the caller to parse alone.
  size_t decode_many(const char* block, size_t len, size_t readable, BatchBuilder& out, int64_t& lines);

 private:
  template <class Doc>
  bool decode_object(Doc& doc) {
    od::json_type type;
    if (auto err = doc.type().get(type)) return invalid(err, &doc);
    if (type == od::json_type::array) return fail("expected a JSON object, got an array");
    if (type != od::json_type::object) return fail("expected a JSON object");
    od::object obj;
    if (auto err = doc.get_object().get(obj)) return invalid(err, &doc);
    for (auto field_result : obj) {
      od::field field;
      if (auto err = std::move(field_result).get(field)) return invalid(err, &doc);
      const char* raw = field.key().raw();
      int c = expected_key(raw);
      if (c < 0) {
        std::string_view key = plain_key(raw);
        if (key.data() == nullptr && field.unescaped_key().get(key) != simdjson::SUCCESS)
          return invalid(simdjson::STRING_ERROR, &doc);
        c = lookup(key);
      }
      if (c < 0) continue;  // an unknown key: its value is skipped
      if (seen_[static_cast<size_t>(c)])
        return fail("key '" + clip_for_message(schema_.field(static_cast<size_t>(c)).name) + "' appears twice");
      seen_[static_cast<size_t>(c)] = 1;
      if (!decode_value(field.value(), static_cast<size_t>(c), doc)) return false;
    }
    return true;
  }

  // The key as it stands in the line when it has no escapes (the common case:
  // no copy), else a null view and the caller unescapes it.
  static std::string_view plain_key(const char* raw) {
    const char* p = raw;
    while (*p != '"' && *p != '\\') ++p;  // the closing quote is there: the line is valid
    return *p == '"' ? std::string_view(raw, static_cast<size_t>(p - raw)) : std::string_view();
  }

  template <class Doc>
  bool decode_value(od::value v, size_t c, Doc& doc) {
    // The common case first: the value has the column's own JSON type, read
    // without asking its type. simdjson moves past a value only when a get_*
    // succeeds, so anything else (null, another type, a number out of range)
    // goes the general way below, which reads it from its start.
    Column& col = out_->column(c);
    switch (col.type()) {
      case DataType::kInt64: {
        int64_t i;
        if (v.get_int64().get(i) == simdjson::SUCCESS) {
          col.append_int(i);
          return true;
        }
        break;
      }
      case DataType::kFloat64: {
        double d;
        if (read_double(v, d) == simdjson::SUCCESS) {
          col.append_double(d);
          return true;
        }
        break;
      }
      case DataType::kString: {
        std::string_view sv;
        if (v.get_string().get(sv) == simdjson::SUCCESS) {
          col.append_string(sv);
          return true;
        }
        break;
      }
      case DataType::kBool: {
        bool b;
        if (v.get_bool().get(b) == simdjson::SUCCESS) {
          col.append_bool(b);
          return true;
        }
        break;
      }
      case DataType::kTimestamp: {  // text as time_util.h reads it; numbers (epoch ms) the general way
        std::string_view sv;
        if (v.get_string().get(sv) != simdjson::SUCCESS) break;  // not a string: nothing was read
        int64_t ms;  // a string was read: it is a timestamp or the record is malformed
        if (!timestamps_.parse(sv, ms)) return type_error(c, "\"" + clip_for_message(sv) + "\"");
        col.append_int(ms);
        return true;
      }
    }
    return decode_any(v, c, doc);
  }

  template <class Doc>
  bool decode_any(od::value v, size_t c, Doc& doc) {
    od::json_type type;
    if (auto err = v.type().get(type)) return invalid(err, &doc);
    Column& col = out_->column(c);
    switch (type) {
      case od::json_type::null: {
        bool is_null = false;
        if (auto err = v.is_null().get(is_null)) return invalid(err, &doc);
        if (!is_null) return invalid(simdjson::N_ATOM_ERROR, &doc);
        col.append_null();
        return true;
      }
      case od::json_type::number: return decode_number(v, col, c, doc);
      case od::json_type::string: return decode_string(v, col, c, doc);
      case od::json_type::boolean: {
        bool b;
        if (auto err = v.get_bool().get(b)) return invalid(err, &doc);
        if (col.type() != DataType::kBool) return type_error(c, b ? "true" : "false");
        col.append_bool(b);
        return true;
      }
      case od::json_type::object: return type_error(c, "an object");
      case od::json_type::array: return type_error(c, "an array");
    }
    return invalid(simdjson::TAPE_ERROR, &doc);
  }

  template <class Doc>
  bool decode_number(od::value& v, Column& col, size_t c, Doc& doc) {
    if (is_integer_backed(col.type())) {
      int64_t i;
      if (!v.get_int64().get(i)) {
        col.append_int(i);
        return true;
      }
      return decode_non_int64(v, col, c, doc);
    }
    if (col.type() == DataType::kFloat64) {
      double d;
      if (auto err = read_double(v, d)) return invalid(err, &doc);
      col.append_double(d);
      return true;
    }
    return type_error(c, token(v));
  }

  // An integer column given a fraction, an exponent or an integer past int64:
  // an integral value such as 3.0 or 1e3 still fits.
  template <class Doc>
  bool decode_non_int64(od::value& v, Column& col, size_t c, Doc& doc) {
    od::number_type kind;
    if (auto err = v.get_number_type().get(kind)) return invalid(err, &doc);
    if (kind != od::number_type::floating_point_number)
      return type_error(c, token(v) + " (out of range)");
    double d;
    if (auto err = read_double(v, d)) return invalid(err, &doc);
    if (d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 &&
        static_cast<double>(static_cast<int64_t>(d)) == d) {
      col.append_int(static_cast<int64_t>(d));
      return true;
    }
    return type_error(c, token(v));
  }

  template <class Doc>
  bool decode_string(od::value& v, Column& col, size_t c, Doc& doc) {
    std::string_view s;
    if (auto err = v.get_string().get(s)) return invalid(err, &doc);
    if (col.type() == DataType::kString) {
      col.append_string(s);
      return true;
    }
    if (col.type() == DataType::kTimestamp) {
      int64_t ms;
      if (timestamps_.parse(s, ms)) {
        col.append_int(ms);
        return true;
      }
    }
    return type_error(c, "\"" + clip_for_message(s) + "\"");
  }

  // simdjson 3.0's On-Demand reads a number with more than 19 digits after
  // "0." wrong (they wrap around 2^64: 0.30000000000000004441 comes back as
  // 0.1155...); a number that long is read again from its text.
  static simdjson::error_code read_double(od::value& v, double& d) {
    std::string_view text = v.raw_json_token();  // before get_double moves past it
    if (auto err = v.get_double().get(d)) return err;
    if (text.size() > 20) {
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
      double exact;
      auto r = std::from_chars(text.data(), text.data() + text.size(), exact);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) d = exact;
    }
    return simdjson::SUCCESS;
  }

  // The number's text as written, for a message.
  static std::string token(od::value& v) {
    std::string_view t = v.raw_json_token();
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r' || t.back() == '\n'))
      t.remove_suffix(1);
    return clip_for_message(t);
  }

  // "invalid JSON at column 6: <simdjson's words>"; the column is where the
  // parse stood (1-based), when simdjson can tell.
  template <class Doc>
  bool invalid(simdjson::error_code err, Doc* doc) {
    const char* at = nullptr;
    if (doc != nullptr && doc->current_location().get(at) == simdjson::SUCCESS && at != nullptr)
      return fail("invalid JSON at column " + std::to_string(at - base_ + 1) + ": " +
                  simdjson::error_message(err));
    return fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  bool type_error(size_t c, const std::string& got) {
    const Field& f = schema_.field(c);
    return fail(std::string("expected ") + type_name(f.type) + " for column '" + f.name + "', got " + got);
  }
  bool fail(std::string why) {
    *why_ = std::move(why);
    return false;
  }

  // The column after the last match when `raw` (a key's text after its
  // opening quote) is exactly its name; -1 otherwise. Records of one source
  // mostly list their keys in one order, so this check usually settles it.
  // A name no longer than the padding past the line never makes it read past that.
  int expected_key(const char* raw) {
    const size_t c = static_cast<size_t>(last_match_ + 1) < schema_.size() ? static_cast<size_t>(last_match_ + 1) : 0;
    const std::string& name = schema_.field(c).name;
    const size_t len = name.size();
    if (len >= simdjson::SIMDJSON_PADDING / 2) return -1;
    for (size_t i = 0; i < len; ++i)  // names are short: a loop beats a call to memcmp
      if (raw[i] != name[i]) return -1;
    if (raw[len] != '"') return -1;
    last_match_ = static_cast<int>(c);
    return static_cast<int>(c);
  }

  // Keys usually come in schema order, so the column after the last match is tried first.
  int lookup(std::string_view k) {
    const size_t n = schema_.size();
    const size_t hint = static_cast<size_t>(last_match_ + 1) < n ? static_cast<size_t>(last_match_ + 1) : 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t c = hint + i < n ? hint + i : hint + i - n;
      if (schema_.field(c).name == k) {
        last_match_ = static_cast<int>(c);
        return static_cast<int>(c);
      }
    }
    return -1;
  }

  const Schema& schema_;
  od::parser parser_;

  TimestampTextCache timestamps_;
  std::vector<uint8_t> seen_;  // per column: has this line given it a value
  BatchBuilder* out_ = nullptr;
  std::string* why_ = nullptr;
  const char* base_ = nullptr;  // the line's first byte, for error columns
  int last_match_ = -1;
};

namespace {

bool blank(const char* b, const char* e) {
  for (; b < e; ++b)
    if (*b != ' ' && *b != '\t' && *b != '\r') return false;
  return true;
}

bool blank_lines(const char* b, const char* e) {
  for (; b < e; ++b)
    if (*b != ' ' && *b != '\t' && *b != '\r' && *b != '\n') return false;
  return true;
}

}  // namespace

size_t JsonlLineDecoder::decode_many(const char* block, size_t len, size_t readable, BatchBuilder& out,
                                     int64_t& lines) {
  // The parser's buffers grow to the largest block seen (several bytes per
  // input byte); a power of two keeps them from growing by a little each time.
  // A small floor, as a Kafka subtask holds a parser per partition.
  constexpr size_t kMinBatch = 64 << 10;
  if (readable < len + simdjson::SIMDJSON_PADDING) return 0;  // the caller pads; never read past
  // One parser per thread, shared by every decoder on it (a Kafka subtask has
  // one per partition): a block is decoded whole within this call, and the
  // parser's buffers are several bytes per input byte, faulted in once.
  thread_local od::parser many_parser;
  many_parser.threaded = false;  // one batch per block: no look-ahead thread
  od::document_stream stream;
  size_t batch = kMinBatch;
  while (batch <= len) batch *= 2;
  if (many_parser.iterate_many(block, len, batch).get(stream)) return 0;
  std::string why;
  why_ = &why;
  out_ = &out;
  base_ = block;
  const char* const end = block + len;
  const char* line = block;     // the first line not yet decoded
  const char* last = nullptr;   // the line of the last row decoded
  int64_t last_lines = 0;       // `lines` before it
  // Trouble: a line without its own document (one that ran on over two lines
  // looks like this from the next), two on a line, an error. The last row is
  // undone as well, as its document may be the one that ran on, and the
  // line-at-a-time parse takes over from its line.
  auto trouble = [&]() -> size_t {
    if (last == nullptr) return static_cast<size_t>(line - block);
    out.truncate_to(out.num_rows() - 1);
    lines = last_lines;
    return static_cast<size_t>(last - block);
  };
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    od::document_reference doc;
    if ((*it).get(doc) != simdjson::SUCCESS) return trouble();
    const char* start = block + it.current_index();
    const char* nl = static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
    while (nl != nullptr && nl < start && blank(line, nl)) {  // blank lines: passed over
      line = nl + 1;
      ++lines;
      nl = static_cast<const char*>(std::memchr(line, '\n', static_cast<size_t>(end - line)));
    }
    const char* line_end = nl ? nl : end;
    if (start < line || start >= line_end || !blank(line, start)) return trouble();
    const size_t rows = out.num_rows();
    std::fill(seen_.begin(), seen_.end(), 0);
    if (!decode_object(doc)) {
      out.truncate_to(rows);
      return trouble();
    }
    const char* next = nullptr;  // the next document's first byte, if any
    if (doc.current_location().get(next) == simdjson::SUCCESS && next != nullptr && next < line_end) {
      out.truncate_to(rows);
      return trouble();
    }
    for (size_t c = 0; c < seen_.size(); ++c)
      if (!seen_[c]) out.column(c).append_null();
    out.commit_rows(1);
    last = line;
    last_lines = lines;
    line = nl ? nl + 1 : end;
    if (nl) ++lines;
  }
  // What follows the last document must be blank lines only.
  if (stream.truncated_bytes() != 0 || !blank_lines(line, end)) return trouble();
  return static_cast<size_t>(line - block);
}

// ---- JsonlParser -----------------------------------------------------------------

JsonlParser::JsonlParser(SchemaPtr schema, OnError on_error)
    : TextParser(std::move(schema), on_error),
      decoder_(std::make_unique<JsonlLineDecoder>(*schema_)),
      flat_(std::make_unique<JsonFlatDecoder>(*schema_)) {}

JsonlParser::~JsonlParser() = default;

bool JsonlParser::parse_line(const char* line, size_t len, size_t readable, BatchBuilder& out,
                             std::string& why) {
  if (readable < len + simdjson::SIMDJSON_PADDING) {  // too near the buffer's end: parse a padded copy
    if (scratch_.size() < len + simdjson::SIMDJSON_PADDING) scratch_.resize(len + simdjson::SIMDJSON_PADDING);
    std::memcpy(scratch_.data(), line, len);
    line = scratch_.data();
  }
  const size_t rows = out.num_rows();
  if (decoder_->decode(line, len, out, why)) {
    out.commit_rows(1);
    return true;
  }
  out.truncate_to(rows);
  return false;
}

Result<size_t> JsonlParser::parse(std::string_view data, bool final, size_t max_rows,
                                  BatchBuilder& out) {
  const char* d = data.data();
  const size_t n = data.size();
  size_t pos = 0;
  std::string why;
  // Whole lines end at the last '\n': the flat path reads no further.
  const void* last_nl = flat_->usable() ? memrchr(d, '\n', n) : nullptr;
  const char* lines_end = last_nl ? static_cast<const char*>(last_nl) + 1 : d;
  while (pos < n && out.num_rows() < max_rows) {
    if (d + pos < lines_end) {  // flat objects first; simdjson from the first line that is not
      int64_t lines = 0;
      pos = static_cast<size_t>(flat_->decode_lines(d + pos, lines_end, max_rows, out, lines) - d);
      line_ += lines;
      if (pos >= n || out.num_rows() >= max_rows) break;
    }
    pos += parse_block(d + pos, n - pos, final, max_rows, out);
    if (pos >= n || out.num_rows() >= max_rows) break;
    // One line alone: the one the block stopped at (malformed, or cut).
    const void* nl = std::memchr(d + pos, '\n', n - pos);
    if (nl == nullptr && !final) break;
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - d) : n;
    const std::string_view line(d + pos, end - pos);
    const int64_t line_no = line_;
    if (nl != nullptr) ++line_;
    const size_t readable = n - pos;
    pos = nl ? end + 1 : n;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!parse_line(line.data(), line.size(), readable, out, why))
      EDDY_RETURN_IF_ERROR(reject(line_no, why));
  }
  return pos;
}

// The whole lines at the front of `data`, at most as many as `out` has room
// for, through one document stream; the bytes decoded.
size_t JsonlParser::parse_block(const char* d, size_t n, bool final, size_t max_rows, BatchBuilder& out) {
  size_t room = max_rows - out.num_rows(), len = 0;
  while (room > 0 && len < n) {
    const void* nl = std::memchr(d + len, '\n', n - len);
    if (nl == nullptr) {
      if (final) len = n;
      break;
    }
    len = static_cast<size_t>(static_cast<const char*>(nl) - d) + 1;
    --room;
  }
  if (len == 0) return 0;
  const char* block = d;
  if (n - len < simdjson::SIMDJSON_PADDING) {  // too near the buffer's end: a padded copy
    if (scratch_.size() < len + simdjson::SIMDJSON_PADDING) scratch_.resize(len + simdjson::SIMDJSON_PADDING);
    std::memcpy(scratch_.data(), d, len);
    block = scratch_.data();
  }
  int64_t lines = 0;
  const size_t done = decoder_->decode_many(block, len, block == d ? n : len + simdjson::SIMDJSON_PADDING, out, lines);
  line_ += lines;
  return done;
}

}  // namespace eddy
