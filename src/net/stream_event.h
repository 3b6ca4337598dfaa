// In-band events: what travels on a channel besides batches, in order with them
// (watermarks, checkpoint barriers, end of input). Produced and consumed by the
// subtask actor; queued by OutputRouter, encoded by net/wire.h.
#pragma once

#include <cstdint>

namespace eddy {

/// The kinds of in-band event. The numeric values are part of the wire format.
enum class EventKind : uint8_t { kWatermark = 1, kBarrier = 2, kEndOfInput = 3 };

/// "watermark", "barrier", "end_of_input"; "unknown" for any other value.
const char* event_kind_name(EventKind kind);

/// One in-band event. `value` is the watermark in epoch ms for kWatermark, the
/// checkpoint id for kBarrier, and unused (0) for kEndOfInput.
struct StreamEvent {
  EventKind kind = EventKind::kWatermark;
  int64_t value = 0;

  bool operator==(const StreamEvent& o) const { return kind == o.kind && value == o.value; }
  bool operator!=(const StreamEvent& o) const { return !(*this == o); }
};

}  // namespace eddy
