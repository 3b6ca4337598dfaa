// In-band events: what travels on a channel besides batches, in order with them
// (watermarks, checkpoint barriers, end of input). Produced and consumed by the
// subtask actor; queued by OutputRouter, encoded by net/wire.h.
#pragma once

#include <cstdint>

namespace eddy {

/// The kinds of in-band event. The numeric values are part of the wire format.
enum class EventKind : uint8_t {
  kWatermark = 1,
  kBarrier = 2,
  kEndOfInput = 3,
  kIdleStatus = 4,  // value 1: the channel is idle (not counted in watermarks); 0: active again
};

/// "watermark", "barrier", "end_of_input", "idle_status"; "unknown" for any other value.
const char* event_kind_name(EventKind kind);

/// One in-band event. `value` is the watermark in epoch ms for kWatermark, the
/// checkpoint id for kBarrier, 1 (idle) or 0 (active) for kIdleStatus, and
/// unused (0) for kEndOfInput.
struct StreamEvent {
  EventKind kind = EventKind::kWatermark;
  int64_t value = 0;

  bool operator==(const StreamEvent& o) const { return kind == o.kind && value == o.value; }
  bool operator!=(const StreamEvent& o) const { return !(*this == o); }
};

}  // namespace eddy
