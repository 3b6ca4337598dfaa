// The smart monitor of one job: every metrics interval the job master hands
// it the metrics, the diagnosis and the cluster facts; it evaluates every rule
// (monitor/rules.h), updates the events (monitor/events.h) and returns the
// events opened or resolved, with the actions the job master then runs
// (log, webhook through monitor/webhook_sender.h, savepoint). CAF-free; owned
// by the job master.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "monitor/events.h"
#include "monitor/job_health.h"
#include "monitor/metric_view.h"
#include "monitor/rules.h"

namespace eddy {

/// What the job master knows of the cluster around the job.
struct ClusterFacts {
  int32_t task_managers = -1;  // registered task managers; -1: unknown
};

class RuleEvaluator {
 public:
  explicit RuleEvaluator(std::vector<Rule> rules, size_t keep_resolved = 200);

  std::vector<EventChange> evaluate(int64_t now_ms, const MetricView& metrics, const JobHealth& health,
                                    const ClusterFacts& facts);
  /// The job ended (`why`: "job finished", "job cancelled"...): open events resolve.
  std::vector<EventChange> finish(int64_t now_ms, const std::string& why);

  const EventLog& events() const { return log_; }
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  EventLog log_;
  std::deque<TimedValue> task_managers_;  // the last five minutes of counts
};

/// The diagnosis' status raised by open events: a FATAL event makes it fatal, a WARN one at least warn.
HealthStatus status_with_events(HealthStatus diagnosed, const EventLog& events);

}  // namespace eddy
