// The conditions of rules written in a `monitor:` section: a metric, folded
// over a vertex's subtasks (or per subtask, or the job's), against a
// threshold or a share of its own median over a window. Called by the RuleEvaluator.
#pragma once

#include <vector>

#include "monitor/events.h"
#include "monitor/metric_view.h"
#include "plan/monitor_spec.h"

namespace eddy {

/// The subjects `rule` holds for at `now_ms`.
std::vector<RuleHit> metric_rule_hits(const MonitorRuleSpec& rule, int64_t now_ms, const MetricView& metrics);

}  // namespace eddy
