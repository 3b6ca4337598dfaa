// SplitWatermarks: the minimum over live splits, each max event time minus the
// out-of-orderness, saturating at the bottom of int64.
#include "runtime/split_watermarks.h"

#include <algorithm>

#include "operators/operator.h"

namespace eddy {

int64_t max_event_time(const Column& times, size_t rows) {
  int64_t high = INT64_MIN;
  if (!times.has_nulls()) {
    for (size_t r = 0; r < rows; ++r) high = std::max(high, times.ints[r]);
  } else {
    for (size_t r = 0; r < rows; ++r)
      if (!times.is_null(r)) high = std::max(high, times.ints[r]);
  }
  return high;
}

SplitWatermarks::SplitWatermarks(int64_t out_of_orderness_ms, int64_t idle_timeout_ns)
    : out_of_orderness_ms_(out_of_orderness_ms), idle_timeout_ns_(idle_timeout_ns), current_(kNoWatermark) {}

void SplitWatermarks::add(int64_t now_ns) { splits_.push_back(SplitState{kNoWatermark, now_ns, false}); }

void SplitWatermarks::remove(size_t i) {
  splits_.erase(splits_.begin() + static_cast<std::ptrdiff_t>(i));
}

void SplitWatermarks::on_records(size_t i, int64_t max_ts, int64_t now_ns) {
  SplitState& s = splits_[i];
  s.max_ts = std::max(s.max_ts, max_ts);
  s.last_records_ns = now_ns;
  s.idle = false;
}

bool SplitWatermarks::on_nothing_read(size_t i, int64_t now_ns) {
  SplitState& s = splits_[i];
  if (idle_timeout_ns_ <= 0 || s.idle || now_ns - s.last_records_ns < idle_timeout_ns_) return false;
  s.idle = true;
  return true;
}

std::optional<int64_t> SplitWatermarks::advance() {
  bool any_live = false;
  int64_t low = INT64_MAX;
  for (const SplitState& s : splits_) {
    if (s.idle) continue;
    any_live = true;
    low = std::min(low, s.max_ts);
  }
  if (!any_live || low == kNoWatermark) return std::nullopt;
  // An event time near the start of int64 (read from the data) must not wrap
  // the watermark around to the far future.
  const int64_t w = low < kNoWatermark + 1 + out_of_orderness_ms_ ? kNoWatermark + 1
                                                                  : low - out_of_orderness_ms_;
  if (w <= current_) return std::nullopt;
  current_ = w;
  return w;
}

bool SplitWatermarks::all_idle() const {
  if (splits_.empty()) return false;
  for (const SplitState& s : splits_)
    if (!s.idle) return false;
  return true;
}

int64_t SplitWatermarks::next_idle_ns() const {
  if (idle_timeout_ns_ <= 0) return INT64_MAX;
  int64_t next = INT64_MAX;
  for (const SplitState& s : splits_)
    if (!s.idle) next = std::min(next, s.last_records_ns + idle_timeout_ns_);
  return next;
}

}  // namespace eddy
