// Watermark alignment (Flink's FLIP-182; Kuaishou's source speed control):
// the source coordinator keeps the latest watermark of each of its source
// subtasks and sets a limit, the least watermark of the active ones plus the
// allowed drift, that no subtask may read past. Without it a subtask that
// gets more CPU runs ahead in event time, and every downstream window keeps
// its records (more state, and slower firing) until the slowest catches up.
// Hosted by actors/source_coordinator.cpp; pure, unit-tested.
#pragma once

#include <cstdint>
#include <vector>

namespace eddy {

class WatermarkAlignment {
 public:
  /// `subtasks` source subtasks that may drift apart by `max_drift_ms` of event time.
  WatermarkAlignment(int32_t subtasks, int64_t max_drift_ms);

  /// Subtask `index` is at `watermark` (INT64_MIN: none yet); `active` when it
  /// reads a split and is not idle (an idle or finished one holds no one back).
  /// Out-of-range indices are ignored. Returns true when the limit changed.
  bool report(int32_t index, int64_t watermark, bool active);

  /// The watermark no subtask may read past: the least watermark of the active
  /// subtasks that have one, plus the drift; INT64_MAX while none has one.
  int64_t limit() const { return limit_; }

 private:
  struct Reported {
    int64_t watermark = INT64_MIN;
    bool active = false;
  };
  int64_t compute_limit() const;

  int64_t max_drift_ms_;
  std::vector<Reported> subtasks_;
  int64_t limit_ = INT64_MAX;
};

}  // namespace eddy
