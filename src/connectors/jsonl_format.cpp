// JSON Lines parsing through nlohmann's SAX interface (values go straight into
// the builder's columns, no DOM per line) and formatting into one buffer.
#include "connectors/jsonl_format.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/time_util.h"

namespace eddy {

/// Receives the SAX events of one line and appends the top-level object's
/// values to the builder; every handler returns false (stopping the parse)
/// with `why` set as soon as the line is known to be malformed.
class JsonlRowHandler {
 public:
  using json = nlohmann::json;

  explicit JsonlRowHandler(const Schema& schema) : schema_(schema), seen_(schema.size(), 0) {}

  void begin(BatchBuilder* out) {
    out_ = out;
    depth_ = 0;
    col_ = -1;
    std::fill(seen_.begin(), seen_.end(), 0);
    why.clear();
  }
  /// After a successful parse: absent keys are NULL.
  void fill_missing() {
    for (size_t c = 0; c < seen_.size(); ++c)
      if (!seen_[c]) out_->column(c).append_null();
  }

  std::string why;

  // ---- SAX events (nlohmann::json_sax's signatures) ----
  bool null() {
    int c;
    if (!value_target(c)) return false;
    if (c >= 0) out_->column(static_cast<size_t>(c)).append_null();
    return true;
  }
  bool boolean(bool v) {
    int c;
    if (!value_target(c)) return false;
    if (c < 0) return true;
    if (type_of(c) != DataType::kBool) return type_error(c, v ? "true" : "false");
    out_->column(static_cast<size_t>(c)).append_bool(v);
    return true;
  }
  bool number_integer(json::number_integer_t v) {
    int c;
    if (!value_target(c)) return false;
    return c < 0 || append_integer(c, v);
  }
  bool number_unsigned(json::number_unsigned_t v) {
    int c;
    if (!value_target(c)) return false;
    if (c < 0) return true;
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return append_integer(c, static_cast<int64_t>(v));
    if (type_of(c) == DataType::kFloat64) {
      out_->column(static_cast<size_t>(c)).append_double(static_cast<double>(v));
      return true;
    }
    return type_error(c, std::to_string(v) + " (out of range)");
  }
  bool number_float(json::number_float_t v, const json::string_t& text) {
    int c;
    if (!value_target(c)) return false;
    if (c < 0) return true;
    Column& col = out_->column(static_cast<size_t>(c));
    if (col.type() == DataType::kFloat64) {
      col.append_double(v);
      return true;
    }
    // An integral number written as 3.0 or 1e3 still fits an integer column.
    if (is_integer_backed(col.type()) && v >= -9.2233720368547758e18 &&
        v < 9.2233720368547758e18 && static_cast<double>(static_cast<int64_t>(v)) == v) {
      col.append_int(static_cast<int64_t>(v));
      return true;
    }
    return type_error(c, text);
  }
  bool string(json::string_t& s) {
    int c;
    if (!value_target(c)) return false;
    if (c < 0) return true;
    Column& col = out_->column(static_cast<size_t>(c));
    if (col.type() == DataType::kString) {
      col.append_string(s);
      return true;
    }
    if (col.type() == DataType::kTimestamp) {
      auto ts = parse_timestamp_ms(s);
      if (ts.ok()) {
        col.append_int(*ts);
        return true;
      }
    }
    return type_error(c, "\"" + clip_for_message(s) + "\"");
  }
  bool binary(json::binary_t&) {
    why = "unexpected binary value";
    return false;
  }
  bool start_object(std::size_t) {
    if (depth_ == 1 && col_ >= 0) return type_error(col_, "an object");
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) {
      why = "expected a JSON object, got an array";
      return false;
    }
    if (depth_ == 1 && col_ >= 0) return type_error(col_, "an array");
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool key(json::string_t& k) {
    if (depth_ != 1) return true;  // inside an ignored nested value
    col_ = lookup(k);
    if (col_ >= 0 && seen_[static_cast<size_t>(col_)]) {
      why = "key '" + clip_for_message(k) + "' appears twice";
      return false;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& ex) {
    why = describe_parse_error(ex.what());
    return false;
  }

  /// "invalid JSON at column 8: syntax error ..." from nlohmann's message,
  /// without its "[json.exception...]" tag and its own line number (always 1).
  static std::string describe_parse_error(std::string_view what) {
    const size_t tag = what.find("] ");
    if (tag != std::string_view::npos) what.remove_prefix(tag + 2);
    constexpr std::string_view kPrefix = "parse error at line 1, ";
    if (what.substr(0, kPrefix.size()) == kPrefix) {
      what.remove_prefix(kPrefix.size());
      return "invalid JSON at " + std::string(what);
    }
    return "invalid JSON: " + std::string(what);
  }

 private:
  // Where a value event goes: column c, or -1 when its key is not in the
  // schema (or it is nested in an ignored value). A bare top-level value is an error.
  bool value_target(int& c) {
    if (depth_ == 0) {
      why = "expected a JSON object";
      return false;
    }
    c = depth_ == 1 ? col_ : -1;
    if (c >= 0) seen_[static_cast<size_t>(c)] = 1;
    return true;
  }
  DataType type_of(int c) const { return schema_.field(static_cast<size_t>(c)).type; }
  bool append_integer(int c, int64_t v) {
    Column& col = out_->column(static_cast<size_t>(c));
    if (is_integer_backed(col.type())) col.append_int(v);
    else if (col.type() == DataType::kFloat64) col.append_double(static_cast<double>(v));
    else return type_error(c, std::to_string(v));
    return true;
  }
  bool type_error(int c, const std::string& got) {
    const Field& f = schema_.field(static_cast<size_t>(c));
    why = std::string("expected ") + type_name(f.type) + " for column '" + f.name + "', got " + got;
    return false;
  }
  // Keys usually come in schema order, so the column after the last match is tried first.
  int lookup(const std::string& k) {
    const size_t n = schema_.size();
    const size_t hint = static_cast<size_t>(last_match_ + 1) < n ? static_cast<size_t>(last_match_ + 1) : 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t c = (hint + i) % n;
      if (schema_.field(c).name == k) {
        last_match_ = static_cast<int>(c);
        return static_cast<int>(c);
      }
    }
    return -1;
  }

  const Schema& schema_;
  BatchBuilder* out_ = nullptr;
  std::vector<uint8_t> seen_;  // per column: has this line given it a value
  int depth_ = 0;              // 1 inside the top-level object
  int col_ = -1;               // column of the last top-level key, or -1
  int last_match_ = -1;
};

// ---- JsonlParser -----------------------------------------------------------------

JsonlParser::JsonlParser(SchemaPtr schema, OnError on_error)
    : TextParser(std::move(schema), on_error),
      handler_(std::make_unique<JsonlRowHandler>(*schema_)) {}

JsonlParser::~JsonlParser() = default;

bool JsonlParser::parse_line(std::string_view line, BatchBuilder& out, std::string& why) {
  const size_t rows = out.num_rows();
  handler_->begin(&out);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(line.data(), line.data() + line.size(), handler_.get());
  } catch (const std::exception& e) {  // the SAX parser reports through the handler; belt and braces
    handler_->why = JsonlRowHandler::describe_parse_error(e.what());
  }
  if (ok) {
    handler_->fill_missing();
    out.commit_rows(1);
    return true;
  }
  out.truncate_to(rows);
  why = handler_->why.empty() ? "invalid JSON" : handler_->why;
  return false;
}

Result<size_t> JsonlParser::parse(std::string_view data, bool final, size_t max_rows,
                                  BatchBuilder& out) {
  const char* d = data.data();
  const size_t n = data.size();
  size_t pos = 0;
  std::string why;
  while (pos < n && out.num_rows() < max_rows) {
    const void* nl = std::memchr(d + pos, '\n', n - pos);
    if (nl == nullptr && !final) break;
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - d) : n;
    const std::string_view line(d + pos, end - pos);
    const int64_t line_no = line_;
    if (nl != nullptr) ++line_;
    pos = nl ? end + 1 : n;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (!parse_line(line, out, why)) EDDY_RETURN_IF_ERROR(reject(line_no, why));
  }
  return pos;
}

// ---- JsonlWriter -----------------------------------------------------------------

JsonlWriter::JsonlWriter(SchemaPtr schema) : schema_(std::move(schema)) {
  for (size_t c = 0; c < schema_->size(); ++c) {
    std::string prefix(c == 0 ? "{" : ",");
    append_json_string(prefix, schema_->field(c).name);
    prefix.push_back(':');
    key_prefixes_.push_back(std::move(prefix));
  }
}

void JsonlWriter::append_rows(std::string& out, const RecordBatch& batch) {
  const size_t ncols = batch.columns.size();
  for (size_t r = 0; r < batch.num_rows; ++r) {
    if (ncols == 0) out.push_back('{');
    for (size_t c = 0; c < ncols; ++c) {
      out.append(key_prefixes_[c]);
      fmt_.append_json_value(out, batch.columns[c], r);
    }
    out.append("}\n", 2);
  }
}

}  // namespace eddy
