// SQL text of the jdbc sink (jdbc_statements.h).
#include "connectors/jdbc_statements.h"

#include <cmath>

namespace eddy {

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out.append(c == '"' ? "\"\"" : std::string(1, c));
  return out + "\"";
}

std::string quote_table_name(const std::string& name) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t dot = name.find('.', at);
    out += quote_identifier(name.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
    if (dot == std::string::npos) return out;
    out += '.';
    at = dot + 1;
  }
}

void append_sql_literal(std::string& out, ValueFormatter& fmt, const Column& col, size_t row) {
  if (col.is_null(row)) {
    out += "NULL";
    return;
  }
  switch (col.type()) {
    case DataType::kInt64: append_int64_text(out, col.ints[row]); return;
    case DataType::kFloat64: {
      const double v = col.doubles[row];
      if (std::isfinite(v)) return append_float64_text(out, v);
      out += std::isnan(v) ? "'NaN'::float8" : v > 0 ? "'Infinity'::float8" : "'-Infinity'::float8";
      return;
    }
    case DataType::kBool: out += col.bools[row] ? "TRUE" : "FALSE"; return;
    case DataType::kString: {
      out += '\'';
      for (char c : col.string_at(row)) out.append(c == '\'' ? "''" : std::string(1, c));
      out += '\'';
      return;
    }
    case DataType::kTimestamp:
      out += '\'';
      fmt.append_timestamp(out, col.ints[row]);
      out += "'::timestamp";
      return;
  }
}

JdbcStatements::JdbcStatements(std::string table, std::vector<std::string> columns, std::vector<size_t> key)
    : table_(quote_table_name(table)), key_(std::move(key)) {
  std::string list;
  for (const auto& c : columns) {
    columns_.push_back(quote_identifier(c));
    list += (list.empty() ? "" : ", ") + columns_.back();
  }
  insert_head_ = "INSERT INTO " + table_ + " (" + list + ") VALUES ";
  if (key_.empty()) return;
  std::vector<bool> in_key(columns_.size(), false);
  for (size_t k : key_) {
    in_key[k] = true;
    key_list_ += (key_list_.empty() ? "" : ", ") + columns_[k];
  }
  std::string set;
  for (size_t i = 0; i < columns_.size(); ++i)
    if (!in_key[i]) set += (set.empty() ? "" : ", ") + columns_[i] + " = EXCLUDED." + columns_[i];
  upsert_tail_ = " ON CONFLICT (" + key_list_ + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

std::string JdbcStatements::insert(const std::vector<std::string>& tuples) const {
  std::string out = insert_head_;
  for (size_t i = 0; i < tuples.size(); ++i) out.append(i ? ", " : "").append(tuples[i]);
  return out + upsert_tail_;
}

std::string JdbcStatements::remove(const std::vector<std::string>& keys) const {
  std::string out = "DELETE FROM " + table_ + " WHERE (" + key_list_ + ") IN (";
  for (size_t i = 0; i < keys.size(); ++i) out.append(i ? ", " : "").append(keys[i]);
  return out + ")";
}

std::string JdbcStatements::probe() const {
  std::string list;
  for (const auto& c : columns_) list += (list.empty() ? "" : ", ") + c;
  return "SELECT " + list + " FROM " + table_ + " WHERE FALSE";
}

}  // namespace eddy
