#include "runtime/watermark_alignment.h"

#include <algorithm>

namespace eddy {

WatermarkAlignment::WatermarkAlignment(int32_t subtasks, int64_t max_drift_ms)
    : max_drift_ms_(std::max<int64_t>(max_drift_ms, 0)), subtasks_(static_cast<size_t>(std::max(subtasks, 0))) {}

bool WatermarkAlignment::report(int32_t index, int64_t watermark, bool active) {
  if (index < 0 || static_cast<size_t>(index) >= subtasks_.size()) return false;
  Reported& r = subtasks_[static_cast<size_t>(index)];
  r.watermark = std::max(r.watermark, watermark);  // watermarks only rise
  r.active = active;
  const int64_t before = limit_;
  limit_ = compute_limit();
  return limit_ != before;
}

int64_t WatermarkAlignment::compute_limit() const {
  int64_t low = INT64_MAX;
  for (const Reported& r : subtasks_)
    if (r.active && r.watermark != INT64_MIN) low = std::min(low, r.watermark);
  if (low == INT64_MAX) return INT64_MAX;
  return low > INT64_MAX - max_drift_ms_ ? INT64_MAX : low + max_drift_ms_;
}

}  // namespace eddy
