// Conditions of a file's rules (monitor/metric_rules.h).
#include "monitor/metric_rules.h"

#include <algorithm>
#include <cstdio>

#include "monitor/skew.h"

namespace eddy {
namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

/// Checks the last value of `s` against the rule; the message says what was seen.
bool check(const MonitorRuleSpec& rule, int64_t now_ms, const std::vector<TimedValue>& s, const std::string& scope,
           std::string& message) {
  if (s.empty()) return false;
  const double value = s.back().value;
  double median = 0;
  if (rule.condition.against_median) {
    std::vector<double> values;
    for (const auto& p : since(s, now_ms - rule.condition.median_window_ms)) values.push_back(p.value);
    median = median_of(values);
  }
  if (!rule.condition.holds(value, median)) return false;
  message = rule.name + ": " + rule.metric + " (" + scope + ") is " + number(value) + ", " +
            rule.condition.text() + (rule.condition.against_median ? " = " + number(rule.condition.threshold * median) : "");
  return true;
}

}  // namespace

std::vector<RuleHit> metric_rule_hits(const MonitorRuleSpec& rule, int64_t now_ms, const MetricView& metrics) {
  std::vector<RuleHit> hits;
  std::string message;
  if (rule.job_metric) {
    if (check(rule, now_ms, metrics.job_series(rule.metric), "job", message))
      hits.push_back(RuleHit{-1, "", "", -1, message});
    return hits;
  }
  for (const auto& v : metrics.vertices()) {
    if (!rule.vertex.empty() && std::find(v.operators.begin(), v.operators.end(), rule.vertex) == v.operators.end())
      continue;
    std::vector<std::vector<TimedValue>> per_subtask;
    for (int32_t s = 0; s < metrics.subtasks(v.index); ++s) {
      per_subtask.push_back(metrics.series(v.index, s, rule.metric));
      if (rule.aggregation == RuleAggregation::kEach &&
          check(rule, now_ms, per_subtask.back(), v.name + " subtask " + std::to_string(s), message))
        hits.push_back(RuleHit{v.index, v.id, v.name, s, message});
    }
    if (rule.aggregation == RuleAggregation::kEach) continue;
    const char* how = rule_aggregation_name(rule.aggregation);
    if (check(rule, now_ms, fold_subtasks(per_subtask, how), std::string(how) + " over " + v.name, message))
      hits.push_back(RuleHit{v.index, v.id, v.name, -1, message});
  }
  return hits;
}

}  // namespace eddy
