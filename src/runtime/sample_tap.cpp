// SampleTap: rendering tapped rows and the ring they live in.
#include "runtime/sample_tap.h"

#include <time.h>

#include <algorithm>

#include "connectors/value_text.h"

namespace eddy {

int64_t coarse_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

SampleTap::SampleTap(int32_t subtask, bool changelog, const SchemaPtr& schema, size_t capacity)
    : subtask_(subtask), changelog_(changelog), capacity_(std::max<size_t>(capacity, 1)) {
  if (schema) set_columns(*schema);
}

void SampleTap::set_columns(const Schema& schema) {
  columns_.clear();
  for (size_t c = changelog_ ? 1 : 0; c < schema.size(); ++c) columns_.push_back(schema.field(c).name);
}

void SampleTap::offer(const RecordBatch& batch, int64_t now_ms) {
  int64_t until = armed_until_.load(std::memory_order_relaxed);
  if (until != 0 && until <= now_ms) {  // expired: disarm, unless a read armed it again meanwhile
    armed_until_.compare_exchange_strong(until, 0, std::memory_order_relaxed);
    return;
  }
  if (until == 0 || batch.num_rows == 0) return;
  // Only the rows the ring can keep are rendered.
  const size_t first = batch.num_rows > capacity_ ? batch.num_rows - capacity_ : 0;
  const bool has_op = changelog_ && !batch.columns.empty() && batch.columns[0].type() == DataType::kString;
  std::vector<SampleRow> rows;
  rows.reserve(batch.num_rows - first);
  ValueFormatter formatter;
  for (size_t r = first; r < batch.num_rows; ++r) {
    SampleRow row;
    row.op = has_op && !batch.columns[0].is_null(r) ? std::string(batch.columns[0].string_at(r)) : "+I";
    row.subtask = subtask_;
    row.time_ms = now_ms;
    row.values_json = "[";
    for (size_t c = changelog_ ? 1 : 0; c < batch.columns.size(); ++c) {
      if (row.values_json.size() > 1) row.values_json += ',';
      formatter.append_json_value(row.values_json, batch.columns[c], r);
    }
    row.values_json += ']';
    rows.push_back(std::move(row));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (batch.schema && columns_.empty()) set_columns(*batch.schema);
  for (auto& row : rows) ring_.push_back(std::move(row));
  while (ring_.size() > capacity_) ring_.pop_front();
}

SampleRead SampleTap::read(int64_t now_ms, size_t rows) {
  armed_until_.store(now_ms + kArmedMs, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  SampleRead out;
  out.columns = columns_;
  const size_t n = std::min(rows, ring_.size());
  out.rows.assign(ring_.end() - static_cast<std::ptrdiff_t>(n), ring_.end());
  return out;
}

}  // namespace eddy
