// The SQL text the jdbc sink sends to PostgreSQL: quoted identifiers, values
// as literals, and the multi-row INSERT, upsert and DELETE of one flush.
// Pure text building, unit-tested without a server.
#pragma once

#include <string>
#include <vector>

#include "connectors/value_text.h"
#include "core/column.h"

namespace eddy {

/// `"name"` with '"' doubled; `schema.table` quotes each part.
std::string quote_identifier(const std::string& name);
std::string quote_table_name(const std::string& name);

/// Appends row `row` of `col` as a PostgreSQL literal: NULL, digits, floats
/// (non-finite ones as 'NaN'::float8...), TRUE/FALSE, '...' with ' doubled,
/// timestamps as '...'::timestamp.
void append_sql_literal(std::string& out, ValueFormatter& fmt, const Column& col, size_t row);

/// The statements of one table: built once, used for every flush.
class JdbcStatements {
 public:
  /// `key` holds indices into `columns`; empty: plain INSERTs.
  JdbcStatements(std::string table, std::vector<std::string> columns, std::vector<size_t> key);

  /// INSERT INTO t (cols) VALUES tuple, tuple... — tuples as "(v1,v2)".
  /// With a key: ON CONFLICT (key) DO UPDATE SET col = EXCLUDED.col for the
  /// other columns (DO NOTHING when every column is in the key).
  std::string insert(const std::vector<std::string>& tuples) const;
  /// DELETE FROM t WHERE (key) IN (tuple, ...) — tuples of key values.
  std::string remove(const std::vector<std::string>& keys) const;
  /// SELECT of no rows that fails when the table or a column is missing.
  std::string probe() const;
  const std::vector<size_t>& key() const { return key_; }

 private:
  std::string table_;
  std::vector<std::string> columns_;  // quoted
  std::vector<size_t> key_;
  std::string insert_head_, upsert_tail_, key_list_;
};

}  // namespace eddy
