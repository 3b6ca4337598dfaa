// Buffered changes of the jdbc sink (jdbc_buffer.h).
#include "connectors/jdbc_buffer.h"

namespace eddy {

Status JdbcBuffer::add(const RecordBatch& batch) {
  const size_t first = updating_ ? 1 : 0;
  for (size_t row = 0; row < batch.num_rows; ++row) {
    if (!updating_) {
      add_row(batch, row, first);
      continue;
    }
    const Column& op = batch.column(0);
    const std::string_view o = op.is_null(row) ? std::string_view() : op.string_at(row);
    if (o == "-U") continue;
    if (o != "+I" && o != "+U" && o != "-D")
      return Status::invalid("jdbc sink: a row's op is '" + std::string(o) + "', not +I, -U, +U or -D");
    if (o == "-D") {
      std::string key = key_of(batch, row, first);
      changes_[key] = Change{false, key};
      ++added_;
    } else {
      add_row(batch, row, first);
    }
  }
  return Status::ok();
}

void JdbcBuffer::add_row(const RecordBatch& batch, size_t row, size_t first) {
  std::string tuple = "(";
  for (size_t c = first; c < batch.columns.size(); ++c) {
    if (c > first) tuple += ',';
    append_sql_literal(tuple, fmt_, batch.column(c), row);
  }
  tuple += ')';
  ++added_;
  if (statements_.key().empty()) {
    rows_.push_back(std::move(tuple));
    return;
  }
  changes_[key_of(batch, row, first)] = Change{true, std::move(tuple)};
}

std::string JdbcBuffer::key_of(const RecordBatch& batch, size_t row, size_t first) {
  std::string key = "(";
  for (size_t i = 0; i < statements_.key().size(); ++i) {
    if (i) key += ',';
    append_sql_literal(key, fmt_, batch.column(first + statements_.key()[i]), row);
  }
  return key + ')';
}

std::vector<std::string> JdbcBuffer::take() {
  std::vector<std::string> out;
  if (!rows_.empty()) out.push_back(statements_.insert(rows_));
  std::vector<std::string> upserts, deletes;
  for (auto& [key, change] : changes_) (change.upsert ? upserts : deletes).push_back(std::move(change.tuple));
  if (!deletes.empty()) out.push_back(statements_.remove(deletes));
  if (!upserts.empty()) out.push_back(statements_.insert(upserts));
  rows_.clear();
  changes_.clear();
  added_ = 0;
  return out;
}

}  // namespace eddy
