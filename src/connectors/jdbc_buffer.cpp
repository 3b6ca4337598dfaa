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

// Each field as "<length>:<bytes>": tuples may hold any byte, newlines too.
std::string JdbcBuffer::save() const {
  std::string out;
  auto field = [&](const std::string& s) { out.append(std::to_string(s.size())).append(":").append(s); };
  for (const auto& [key, change] : changes_) {
    field(key);
    field(change.upsert ? "U" : "D");
    field(change.tuple);
  }
  return out;
}

Status JdbcBuffer::load(const std::string& bytes) {
  size_t at = 0;
  auto field = [&](std::string& s) {
    const size_t colon = bytes.find(':', at);
    if (colon == std::string::npos || colon == at) return false;
    size_t n = 0;
    for (size_t i = at; i < colon; ++i) {
      if (bytes[i] < '0' || bytes[i] > '9') return false;
      n = n * 10 + static_cast<size_t>(bytes[i] - '0');
    }
    if (n > bytes.size() - colon - 1) return false;
    s = bytes.substr(colon + 1, n);
    at = colon + 1 + n;
    return true;
  };
  while (at < bytes.size()) {
    std::string key, kind, tuple;
    if (!field(key) || !field(kind) || !field(tuple) || (kind != "U" && kind != "D"))
      return Status::invalid("jdbc sink state: damaged buffered changes");
    changes_[key] = Change{kind == "U", std::move(tuple)};
    ++added_;
  }
  return Status::ok();
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
