// Window checks with positions: the operator decides what is too costly, this
// file decides which key of the pipeline file the refusal points at.
#include "plan/window_limits.h"

#include "operators/window_aggregate_operator.h"

namespace eddy {
namespace {

SourceLocation or_else(SourceLocation preferred, SourceLocation fallback) {
  return preferred.line > 0 ? preferred : fallback;
}

/// Sizes, slides, steps and gaps of at least 1 ms.
bool check_durations(const WindowText& w, std::vector<Diagnostic>& diags) {
  const bool sized = w.type == "tumbling" || w.type == "sliding" || w.type == "cumulate";
  if (sized && w.size_ms <= 0) {
    diags.push_back({or_else(w.size_loc, w.loc), "the window size must be at least 1ms"});
  } else if (w.type == "sliding" && w.slide_ms <= 0) {
    diags.push_back({or_else(w.slide_loc, w.loc), "the window slide must be at least 1ms"});
  } else if (w.type == "cumulate" && w.step_ms <= 0) {
    diags.push_back({or_else(w.step_loc, w.loc), "the window step must be at least 1ms"});
  } else if (w.type == "session" && w.gap_ms <= 0) {
    diags.push_back({or_else(w.gap_loc, w.loc), "the session gap must be at least 1ms"});
  } else {
    return !w.type.empty();
  }
  return false;
}

WindowSpec window_spec(const WindowText& w) {
  WindowSpec s;
  s.type = window_type(w.type);
  s.size_ms = w.size_ms;
  s.slide_ms = w.slide_ms;
  s.gap_ms = w.gap_ms;
  s.step_ms = w.step_ms;
  return s;
}

}  // namespace

WindowType window_type(const std::string& name) {
  if (name == "sliding") return WindowType::kSliding;
  if (name == "session") return WindowType::kSession;
  if (name == "cumulate") return WindowType::kCumulate;
  return WindowType::kTumbling;
}

bool check_window_limits(const OperatorSpec& op, const std::string& name, const SourceSpec* source,
                         std::vector<Diagnostic>& diags) {
  const WindowText& w = op.window;
  if (!check_durations(w, diags)) return false;
  const WindowSpec spec = window_spec(w);
  const std::string where = "window of '" + name + "': ";
  if (Status st = check_window_slices(spec); !st.is_ok()) {
    diags.push_back({or_else(w.type == "cumulate" ? w.step_loc : w.slide_loc, w.loc), where + st.message()});
    return false;
  }
  // On event time a key keeps its slices for size + allowed_lateness +
  // max_out_of_orderness; allowed_lateness does not apply on processing time.
  if (source == nullptr) return true;
  const int64_t lateness = op.allowed_lateness_ms;
  const int64_t disorder = source->event_time.max_out_of_orderness_ms;
  const std::string ooo = "the max_out_of_orderness of source '" + source->name.text + "'";
  const std::string horizon = lateness == 0 ? ooo
                              : disorder == 0 ? "allowed_lateness"
                                              : "allowed_lateness plus " + ooo;
  if (Status st = check_window_retention(spec, lateness + disorder, horizon); !st.is_ok()) {
    const SourceLocation at = lateness >= disorder ? op.allowed_lateness_loc
                                                   : source->event_time.max_out_of_orderness_loc;
    diags.push_back({or_else(at, w.loc), where + st.message()});
    return false;
  }
  return true;
}

}  // namespace eddy
