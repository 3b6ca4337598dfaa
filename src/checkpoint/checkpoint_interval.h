// When the next periodic checkpoint is due. Like Flink's checkpoint interval,
// it is the time between triggers: the next one comes `interval` after the
// last one started, or at once when that one took longer than the interval
// (at most one is in flight, so it waits for the last to end).
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace eddy {

/// How long to wait at `now` before triggering; `last`: when the last periodic
/// checkpoint was triggered (none yet: a whole interval from now).
inline std::chrono::microseconds next_checkpoint_wait(std::optional<std::chrono::steady_clock::time_point> last,
                                                      std::chrono::steady_clock::time_point now,
                                                      std::chrono::microseconds interval) {
  if (!last) return interval;
  const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(*last + interval - now);
  return std::max(wait, std::chrono::microseconds::zero());
}

}  // namespace eddy
