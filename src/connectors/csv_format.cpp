// CSV record splitting, value conversion, header mapping and line formatting.
// The record rules are in csv_format.h; split_record and the boundary scanner
// must follow them identically, or file splits would cut records apart.
#include "connectors/csv_format.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/time_util.h"

namespace eddy {
namespace {

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int64(std::string_view s, int64_t& v) {
  if (s.size() > 1 && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_float64(std::string_view s, double& v) {
  if (s.size() > 1 && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool equals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool parse_bool(std::string_view s, bool& v) {
  if (equals_lower(s, "true")) v = true;
  else if (equals_lower(s, "false")) v = false;
  else return false;
  return true;
}

}  // namespace

// ---- CsvBoundaryScanner -------------------------------------------------------

size_t CsvBoundaryScanner::next_record_end(const char* d, size_t n, size_t i, int64_t& newlines) {
  while (i < n) {
    if (state_ == State::kQuoted) {  // jump to the next quote; newlines here are data
      const void* q = std::memchr(d + i, '"', n - i);
      const size_t stop = q ? static_cast<size_t>(static_cast<const char*>(q) - d) : n;
      newlines += std::count(d + i, d + stop, '\n');
      if (q == nullptr) return kNone;
      state_ = State::kQuoteInQuoted;
      i = stop + 1;
      continue;
    }
    if (state_ != State::kQuoteInQuoted) {  // the usual case: no quote before the newline
      const void* nl = std::memchr(d + i, '\n', n - i);
      if (nl != nullptr) {
        const size_t stop = static_cast<size_t>(static_cast<const char*>(nl) - d);
        if (std::memchr(d + i, '"', stop - i) == nullptr) {
          ++newlines;
          state_ = State::kFieldStart;
          return stop + 1;
        }
      }
    }
    // Byte by byte until the record ends or a quoted field begins.
    for (; i < n; ++i) {
      const char c = d[i];
      if (c == '\n' && state_ != State::kQuoted) {
        ++newlines;
        state_ = State::kFieldStart;
        return i + 1;
      }
      switch (state_) {
        case State::kFieldStart:
          state_ = c == '"' ? State::kQuoted : (c == ',' ? State::kFieldStart : State::kUnquoted);
          break;
        case State::kUnquoted:
          if (c == ',') state_ = State::kFieldStart;
          break;
        case State::kQuoteInQuoted:
          state_ = c == '"' ? State::kQuoted : (c == ',' ? State::kFieldStart : State::kUnquoted);
          break;
        case State::kQuoted: break;  // not reached: the loop leaves on entering kQuoted
      }
      if (state_ == State::kQuoted) {
        ++i;
        break;
      }
    }
  }
  return kNone;
}

// ---- CsvParser -----------------------------------------------------------------

CsvParser::CsvParser(SchemaPtr schema, OnError on_error)
    : TextParser(std::move(schema), on_error), expected_fields_(schema_->size()) {
  for (size_t c = 0; c < schema_->size(); ++c) field_to_column_.push_back(static_cast<int>(c));
}

CsvParser::QuotedEnd CsvParser::scan_quoted(const char* d, size_t n, bool final, size_t& q,
                                             FieldRef& f, int64_t& newlines) {
  f.quoted = true;
  const size_t content = ++q;
  size_t seg = q;  // start of the bytes not yet copied to scratch_
  for (;;) {
    const void* hit = q < n ? std::memchr(d + q, '"', n - q) : nullptr;
    if (hit == nullptr) {
      if (!final) return QuotedEnd::kIncomplete;
      // The quote never closes: the malformed record ends with the line the
      // quote opened on, and the next line is read as a record of its own.
      const void* nl = std::memchr(d + content, '\n', n - content);
      q = nl ? static_cast<size_t>(static_cast<const char*>(nl) - d) + 1 : n;
      newlines += nl ? 1 : 0;
      return QuotedEnd::kUnterminated;
    }
    const size_t i = static_cast<size_t>(static_cast<const char*>(hit) - d);
    if (i + 1 == n && !final) return QuotedEnd::kIncomplete;  // closing, or half of ""?
    if (i + 1 < n && d[i + 1] == '"') {                       // "" stands for one quote
      if (!f.in_scratch) {
        f.in_scratch = true;
        f.begin = scratch_.size();
      }
      scratch_.append(d + seg, i + 1 - seg);
      q = seg = i + 2;
      continue;
    }
    if (f.in_scratch) {
      scratch_.append(d + seg, i - seg);
      f.len = scratch_.size() - f.begin;
    } else {
      f.begin = seg;
      f.len = i - seg;
    }
    newlines += std::count(d + content, d + i, '\n');
    q = i + 1;
    return QuotedEnd::kClosed;
  }
}

bool CsvParser::split_record(const char* d, size_t n, size_t pos, bool final, RecordSpan& rec) {
  fields_.clear();
  scratch_.clear();
  rec = RecordSpan{};
  size_t q = pos;
  for (;;) {  // one field per iteration; q is at its first byte
    FieldRef f;
    if (q < n && d[q] == '"') {
      const QuotedEnd qe = scan_quoted(d, n, final, q, f, rec.newlines);
      if (qe == QuotedEnd::kIncomplete) return false;
      fields_.push_back(f);
      if (qe == QuotedEnd::kUnterminated) {
        rec.problem = "unterminated quoted field";
        rec.end = q;
        return true;
      }
      if (q < n && d[q] == '\r') {  // CRLF, or a CR that ends the input
        if (q + 1 == n) {
          if (!final) return false;
          ++q;
        } else if (d[q + 1] == '\n') {
          ++q;
        }
      }
      if (q < n && d[q] != ',' && d[q] != '\n') {
        rec.problem = "unexpected character after a closing quote";
        while (q < n && d[q] != ',' && d[q] != '\n') ++q;
        if (q == n && !final) return false;
      }
    } else {
      f.begin = q;
      while (q < n && d[q] != ',' && d[q] != '\n') ++q;
      if (q == n && !final) return false;
      f.len = q - f.begin;
      fields_.push_back(f);
    }
    if (q == n) {
      rec.end = n;
      break;
    }
    if (d[q] == ',') {
      ++q;
      continue;
    }
    ++rec.newlines;  // d[q] == '\n'
    rec.end = q + 1;
    break;
  }
  // The CR of a CRLF ending belongs to the line end, not to the last field.
  FieldRef& last = fields_.back();
  if (!last.quoted && last.len > 0 && d[last.begin + last.len - 1] == '\r') --last.len;
  return true;
}

bool CsvParser::blank_record() const {
  return fields_.size() == 1 && !fields_[0].quoted && fields_[0].len == 0;
}

Status CsvParser::map_header(const char* d, int64_t header_line) {
  std::vector<std::string_view> names;
  names.reserve(fields_.size());
  for (const FieldRef& f : fields_) names.push_back(trim_blanks(field_text(d, f)));
  std::vector<int> mapping(names.size(), -1);
  for (size_t c = 0; c < schema_->size(); ++c) {
    const std::string& want = schema_->field(c).name;
    auto it = std::find(names.begin(), names.end(), std::string_view(want));
    if (it == names.end()) {
      std::string listed;
      for (auto name : names) listed += (listed.empty() ? "" : ", ") + clip_for_message(name);
      return Status::parse_error(origin_ + ":" + std::to_string(header_line) +
                                 ": the header has no column '" + want + "' (header: " + listed +
                                 ")");
    }
    mapping[static_cast<size_t>(it - names.begin())] = static_cast<int>(c);
  }
  field_to_column_ = std::move(mapping);
  expected_fields_ = names.size();
  return Status::ok();
}

Result<bool> CsvParser::read_header(std::string_view data, bool final, size_t& consumed) {
  const char* d = data.data();
  const size_t n = data.size();
  size_t pos = 0;
  int64_t line = line_;  // line_ moves only once the outcome is known
  while (pos < n) {
    RecordSpan rec;
    if (!split_record(d, n, pos, final, rec)) return false;
    const int64_t record_line = line;
    line += rec.newlines;
    pos = rec.end;
    if (blank_record()) continue;
    if (rec.problem != nullptr)
      return Status::parse_error(origin_ + ":" + std::to_string(record_line) + ": header: " +
                                 rec.problem);
    EDDY_RETURN_IF_ERROR(map_header(d, record_line));
    line_ = line;
    consumed = pos;
    return true;
  }
  if (final) {
    line_ = line;
    consumed = pos;
  }
  return false;
}

bool CsvParser::append_record(const char* d, BatchBuilder& out, std::string& why) {
  for (size_t i = 0; i < fields_.size(); ++i) {
    const int c = field_to_column_[i];
    if (c < 0) continue;
    const FieldRef& f = fields_[i];
    Column& col = out.column(static_cast<size_t>(c));
    const std::string_view text = field_text(d, f);
    if (col.type() == DataType::kString) {
      if (text.empty() && !f.quoted) col.append_null();
      else col.append_string(text);
      continue;
    }
    const std::string_view v = trim_blanks(text);
    if (v.empty()) {
      col.append_null();
      continue;
    }
    bool ok = false;
    switch (col.type()) {
      case DataType::kInt64: {
        int64_t x = 0;
        if ((ok = parse_int64(v, x))) col.append_int(x);
        break;
      }
      case DataType::kFloat64: {
        double x = 0;
        if ((ok = parse_float64(v, x))) col.append_double(x);
        break;
      }
      case DataType::kBool: {
        bool x = false;
        if ((ok = parse_bool(v, x))) col.append_bool(x);
        break;
      }
      case DataType::kTimestamp: {
        auto ts = parse_timestamp_ms(v);
        if ((ok = ts.ok())) col.append_int(*ts);
        break;
      }
      case DataType::kString: break;  // handled above
    }
    if (!ok) {
      const Field& field = schema_->field(static_cast<size_t>(c));
      why = std::string("expected ") + type_name(field.type) + " for column '" + field.name +
            "', got '" + clip_for_message(text) + "'";
      return false;
    }
  }
  return true;
}

Result<size_t> CsvParser::parse(std::string_view data, bool final, size_t max_rows,
                                BatchBuilder& out) {
  const char* d = data.data();
  const size_t n = data.size();
  size_t pos = 0;
  std::string why;
  while (pos < n && out.num_rows() < max_rows) {
    RecordSpan rec;
    if (!split_record(d, n, pos, final, rec)) break;
    const int64_t line = line_;
    line_ += rec.newlines;
    pos = rec.end;
    if (blank_record()) continue;
    if (rec.problem != nullptr) {
      EDDY_RETURN_IF_ERROR(reject(line, rec.problem));
      continue;
    }
    if (fields_.size() != expected_fields_) {
      EDDY_RETURN_IF_ERROR(reject(line, "expected " + std::to_string(expected_fields_) +
                                            " fields, got " + std::to_string(fields_.size())));
      continue;
    }
    const size_t rows = out.num_rows();
    if (!append_record(d, out, why)) {
      out.truncate_to(rows);
      EDDY_RETURN_IF_ERROR(reject(line, why));
      continue;
    }
    out.commit_rows(1);
  }
  return pos;
}

// ---- CsvWriter -----------------------------------------------------------------

void CsvWriter::append_header(std::string& out) const {
  for (size_t c = 0; c < schema_->size(); ++c) {
    if (c > 0) out.push_back(',');
    append_csv_string(out, schema_->field(c).name);
  }
  out.push_back('\n');
}

void CsvWriter::append_rows(std::string& out, const RecordBatch& batch) {
  const size_t ncols = batch.columns.size();
  for (size_t r = 0; r < batch.num_rows; ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c > 0) out.push_back(',');
      fmt_.append_csv_value(out, batch.columns[c], r);
    }
    out.push_back('\n');
  }
}

}  // namespace eddy
