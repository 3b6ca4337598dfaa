// The thresholds of the diagnosis (monitor/diagnosis.h), each with why it is
// where it is. Defaults serve every job; tests pass their own.
#pragma once

#include <cstdint>

namespace eddy {

struct DiagnosisOptions {
  // Bottleneck (monitor/bottleneck.h), Oceanus's rule: in-queue full, out-queue not.
  double in_queue_full = 0.9;       // inPoolUsage at or above: the input queue is full
  double out_queue_free = 0.5;      // outPoolUsage below: the output is not what holds it
  double busy_saturated = 0.9;      // busy ratio at or above: the subtask works all the time

  // Skew (monitor/skew.h): the hottest subtask against the median of its vertex.
  double skew_ratio = 2.0;             // max / median at or above flags
  double skew_min_records_per_s = 50;  // the vertex's input rate below this: too little to tell
  double skew_min_busy = 0.25;         // the hottest subtask's busy ratio below this: nobody is hurt
  double skew_min_state_bytes = 1 << 20;  // the largest state below this: too small to matter
  int32_t skew_key_groups = 3;         // hot key groups named at most
  double skew_key_group_share = 0.1;   // of the hot subtask's records, at least, for a key group to be named

  // Watermark stalls (monitor/watermark_stall.h).
  int32_t stall_intervals = 10;  // samples without the output watermark moving

  // Capacity: below this busy ratio the rate / busy estimate is noise.
  double capacity_min_busy = 0.05;
};

}  // namespace eddy
