// The conditions of the built-in rules (monitor/rules.h names them and gives
// their defaults): most read the diagnosis (JobHealth), the throughput,
// checkpoint and restart rules read metric series, the task manager rule the
// counts the job master passes in. Called by the RuleEvaluator.
#pragma once

#include <vector>

#include "monitor/events.h"
#include "monitor/job_health.h"
#include "monitor/metric_view.h"
#include "monitor/rules.h"

namespace eddy {

/// A source's rate below this over its median is not worth a warning.
constexpr double kThroughputMinRecordsPerSecond = 10;

/// The subjects built-in `rule` holds for at `now_ms`. `task_managers`: the
/// counts seen over the last five minutes, oldest first.
std::vector<RuleHit> builtin_rule_hits(const Rule& rule, int64_t now_ms, const MetricView& metrics,
                                       const JobHealth& health, const std::vector<TimedValue>& task_managers);

}  // namespace eddy
