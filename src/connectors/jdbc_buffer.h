// The rows a jdbc sink holds between flushes. Append-only without a key:
// rows in order, one multi-row INSERT. With a key: the last change of each
// key wins (+I/+U upsert, -D delete, -U dropped, as Flink's JDBC upsert sink
// buffers), so one upsert and one DELETE per flush stay correct: PostgreSQL
// refuses an upsert that touches a row twice.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/jdbc_statements.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

class JdbcBuffer {
 public:
  /// `updating`: the batches' first column is the changelog's op, the table's
  /// columns follow. `statements.key()` indexes the table's columns.
  JdbcBuffer(const JdbcStatements& statements, bool updating)
      : statements_(statements), updating_(updating) {}

  /// Adds every row; an op other than +I, -U, +U, -D is an error.
  Status add(const RecordBatch& batch);
  /// Changes added since the last take() (Flink's buffered record count).
  size_t size() const { return added_; }
  bool empty() const { return added_ == 0; }
  /// The statements that apply what is buffered (none when nothing is), and
  /// an empty buffer.
  std::vector<std::string> take();
  /// The keyed changes as bytes, for a checkpoint that carries them over
  /// (append-only rows are never carried); load() adds them back.
  std::string save() const;
  Status load(const std::string& bytes);

 private:
  void add_row(const RecordBatch& batch, size_t row, size_t first);
  std::string key_of(const RecordBatch& batch, size_t row, size_t first);

  const JdbcStatements& statements_;
  bool updating_;
  size_t added_ = 0;
  ValueFormatter fmt_;
  std::vector<std::string> rows_;  // no key: tuples in order
  struct Change {
    bool upsert = true;
    std::string tuple;  // the row (upsert) or its key (delete)
  };
  std::unordered_map<std::string, Change> changes_;  // by key tuple
};

}  // namespace eddy
