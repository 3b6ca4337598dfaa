// The planner's checks of a window's shape and cost (docs/windows.md,
// "Limits"): positive durations, then the operator's slice limits, each
// refusal placed at the key that sets the offending value (size, slide, step, gap,
// allowed_lateness, or the source's max_out_of_orderness). Called by
// job_graph.cpp while planning a window aggregate.
#pragma once

#include <string>
#include <vector>

#include "operators/window_config.h"
#include "plan/pipeline_spec.h"

namespace eddy {

/// The engine's type of a pipeline file's window `type` (one the parser accepted).
WindowType window_type(const std::string& name);

/// Checks the window of operator `op` (named `name`); `source` is the source
/// whose event time reaches it, or null on processing time. Appends located
/// diagnostics and returns false when the window is refused.
bool check_window_limits(const OperatorSpec& op, const std::string& name, const SourceSpec* source,
                         std::vector<Diagnostic>& diags);

}  // namespace eddy
