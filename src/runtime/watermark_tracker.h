// WatermarkTracker: a subtask's input watermark, the minimum over its live input
// channels (not ended, not idle), never going backwards (docs/windows.md).
// Owned by a TaskRunner; pure bookkeeping, unit-tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "operators/operator.h"

namespace eddy {

class WatermarkTracker {
 public:
  explicit WatermarkTracker(int channels);

  /// A watermark arrived on `channel`. Returns the combined watermark when it advanced.
  std::optional<int64_t> on_watermark(int channel, int64_t watermark);
  /// The channel became idle (`idle`) or active again.
  std::optional<int64_t> on_idle(int channel, bool idle);
  /// The channel ended: it no longer holds the watermark back.
  std::optional<int64_t> on_finished(int channel);

  /// The combined watermark so far (kNoWatermark before any).
  int64_t current() const { return current_; }
  /// The last watermark `channel` sent (kNoWatermark before any), idle or not.
  int64_t channel_watermark(int channel) const {
    return channels_[static_cast<size_t>(channel)].watermark;
  }
  /// The channel said it is idle (and sent no watermark since).
  bool idle(int channel) const { return channels_[static_cast<size_t>(channel)].idle; }
  /// Every channel that has not ended is idle (and at least one has not ended).
  bool all_idle() const;

 private:
  struct Channel {
    int64_t watermark = kNoWatermark;
    bool idle = false;
    bool finished = false;
  };
  std::optional<int64_t> advance();

  std::vector<Channel> channels_;
  int64_t current_ = kNoWatermark;
};

}  // namespace eddy
