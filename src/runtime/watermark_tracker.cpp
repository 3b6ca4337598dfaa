// WatermarkTracker: min over live channels, monotone.
#include "runtime/watermark_tracker.h"

#include <algorithm>

namespace eddy {

WatermarkTracker::WatermarkTracker(int channels) : channels_(static_cast<size_t>(channels)) {}

std::optional<int64_t> WatermarkTracker::advance() {
  bool any_live = false;
  int64_t low = kEndOfTimeWatermark;
  for (const auto& c : channels_) {
    if (c.finished || c.idle) continue;
    any_live = true;
    low = std::min(low, c.watermark);
  }
  // With no live channel (all idle or ended) nothing holds the watermark, but
  // nothing moves it either: ended inputs are handled as end of input.
  if (!any_live || low <= current_) return std::nullopt;
  current_ = low;
  return current_;
}

std::optional<int64_t> WatermarkTracker::on_watermark(int channel, int64_t watermark) {
  Channel& c = channels_[static_cast<size_t>(channel)];
  c.watermark = std::max(c.watermark, watermark);
  c.idle = false;  // a watermark is activity
  return advance();
}

std::optional<int64_t> WatermarkTracker::on_idle(int channel, bool idle) {
  channels_[static_cast<size_t>(channel)].idle = idle;
  return advance();
}

std::optional<int64_t> WatermarkTracker::on_finished(int channel) {
  channels_[static_cast<size_t>(channel)].finished = true;
  return advance();
}

bool WatermarkTracker::all_idle() const {
  bool any_open = false;
  for (const auto& c : channels_) {
    if (c.finished) continue;
    any_open = true;
    if (!c.idle) return false;
  }
  return any_open;
}

}  // namespace eddy
