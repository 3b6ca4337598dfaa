// expression_failure: the first failing row by bisection (a prefix of the
// batch fails exactly when it holds a row that fails: expressions are
// evaluated row by row in meaning), then the message.
#include "operators/expression_failure.h"

#include <charconv>
#include <numeric>
#include <vector>

#include "core/time_util.h"

namespace eddy {
namespace {

constexpr size_t kMaxRowText = 300;
constexpr size_t kMaxValueText = 60;

void append_value(std::string& out, const Column& col, size_t row) {
  if (col.is_null(row)) {
    out += "NULL";
    return;
  }
  switch (col.type()) {
    case DataType::kInt64: out += std::to_string(col.ints[row]); break;
    case DataType::kTimestamp: out += "'" + format_timestamp_ms(col.ints[row]) + "'"; break;
    case DataType::kBool: out += col.bools[row] ? "true" : "false"; break;
    case DataType::kFloat64: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, col.doubles[row]);
      out.append(buf, ec == std::errc() ? end : buf);
      break;
    }
    case DataType::kString: {
      const std::string_view s = col.string_at(row);
      out += "'" + std::string(s.substr(0, kMaxValueText)) + (s.size() > kMaxValueText ? "...'" : "'");
      break;
    }
  }
}

/// Whether evaluating `expr` over rows [0, n) of `batch` fails.
bool prefix_fails(const CompiledExpr& expr, const RecordBatch& batch, const std::vector<uint32_t>& rows, size_t n) {
  auto prefix = batch.take(rows.data(), n);
  return !expr.evaluate(*prefix).ok();
}

/// The first row of `batch` on which `expr` fails, or batch.num_rows if none does alone.
size_t first_failing_row(const CompiledExpr& expr, const RecordBatch& batch) {
  std::vector<uint32_t> rows(batch.num_rows);
  std::iota(rows.begin(), rows.end(), 0u);
  size_t lo = 0, hi = batch.num_rows;  // the first failing row is in [lo, hi), if any
  if (hi == 0 || !prefix_fails(expr, batch, rows, hi)) return batch.num_rows;
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    if (prefix_fails(expr, batch, rows, mid)) hi = mid;
    else lo = mid;
  }
  return lo;
}

}  // namespace

std::string describe_row(const RecordBatch& batch, size_t row) {
  std::string out;
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    if (c > 0) out += ", ";
    out += (batch.schema && c < batch.schema->size() ? batch.schema->field(c).name : "?") + "=";
    append_value(out, batch.columns[c], row);
    if (out.size() > kMaxRowText) return out.substr(0, kMaxRowText) + "...";
  }
  return out;
}

Status expression_failure(const Status& error, const CompiledExpr& expr, const std::string& what,
                          const std::string& sql, const RecordBatch& batch) {
  if (error.code() != StatusCode::kInvalidArgument) return error;
  std::string message = what + (sql.empty() ? "" : " (" + sql + ")") + ": ";
  const auto row = static_cast<uint32_t>(first_failing_row(expr, batch));
  if (row == batch.num_rows) return Status::invalid(message + error.message());
  // That row's own error: the batch's may be another row's (another part of the expression ran first).
  auto alone = expr.evaluate(*batch.take(&row, 1));
  message += alone.ok() ? error.message() : alone.status().message();
  return Status::invalid(message + ", on the record " + describe_row(batch, row));
}

}  // namespace eddy
