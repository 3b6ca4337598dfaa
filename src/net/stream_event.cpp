// Names of in-band event kinds, for logs and test messages.
#include "net/stream_event.h"

namespace eddy {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kWatermark: return "watermark";
    case EventKind::kBarrier: return "barrier";
    case EventKind::kEndOfInput: return "end_of_input";
    case EventKind::kIdleStatus: return "idle_status";
  }
  return "unknown";
}

}  // namespace eddy
