// One evaluation of every rule (monitor/rule_evaluator.h).
#include "monitor/rule_evaluator.h"

#include "monitor/builtin_rules.h"
#include "monitor/metric_rules.h"

namespace eddy {

RuleEvaluator::RuleEvaluator(std::vector<Rule> rules, size_t keep_resolved)
    : rules_(std::move(rules)), log_(keep_resolved) {}

std::vector<EventChange> RuleEvaluator::evaluate(int64_t now_ms, const MetricView& metrics, const JobHealth& health,
                                                 const ClusterFacts& facts) {
  if (facts.task_managers >= 0) task_managers_.push_back(TimedValue{now_ms, static_cast<double>(facts.task_managers)});
  while (!task_managers_.empty() && task_managers_.front().time_ms < now_ms - 5 * 60 * 1000) task_managers_.pop_front();
  const std::vector<TimedValue> tms(task_managers_.begin(), task_managers_.end());
  std::vector<EventChange> changes;
  for (const auto& rule : rules_) {
    const auto hits = rule.builtin == BuiltinRule::kNone ? metric_rule_hits(rule.spec, now_ms, metrics)
                                                         : builtin_rule_hits(rule, now_ms, metrics, health, tms);
    log_.update(now_ms, rule.timing, hits, changes);
  }
  return changes;
}

std::vector<EventChange> RuleEvaluator::finish(int64_t now_ms, const std::string& why) {
  std::vector<EventChange> changes;
  log_.resolve_all(now_ms, why, changes);
  return changes;
}

HealthStatus status_with_events(HealthStatus diagnosed, const EventLog& events) {
  const auto worst = events.worst_open_level();
  if (worst == MonitorLevel::kFatal) return HealthStatus::kFatal;
  if (worst == MonitorLevel::kWarn && diagnosed == HealthStatus::kOk) return HealthStatus::kWarn;
  return diagnosed;
}

}  // namespace eddy
