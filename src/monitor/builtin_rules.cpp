// Conditions of the built-in rules (monitor/builtin_rules.h).
#include "monitor/builtin_rules.h"

#include <algorithm>
#include <cmath>

#include "monitor/skew.h"

namespace eddy {
namespace {

std::string integer(double x) { return std::to_string(static_cast<int64_t>(std::llround(x))); }

RuleHit vertex_hit(const VertexHealth& v, int32_t subtask, std::string message) {
  return RuleHit{v.index, v.id, v.name, subtask, std::move(message)};
}

/// How much a cumulative job counter grew since `from_ms` (0 without points).
double growth_since(const std::vector<TimedValue>& s, int64_t from_ms) {
  if (s.empty()) return 0;
  double base = s.front().value;  // the last point at or before from_ms, else the first
  for (const auto& p : s)
    if (p.time_ms <= from_ms) base = p.value;
  return s.back().value - base;
}

std::vector<RuleHit> throughput_hits(const Rule& rule, int64_t now_ms, const MetricView& metrics) {
  std::vector<RuleHit> hits;
  for (const auto& v : metrics.vertices()) {
    if (!v.source) continue;
    std::vector<std::vector<TimedValue>> per_subtask;
    for (int32_t s = 0; s < metrics.subtasks(v.index); ++s)
      per_subtask.push_back(metrics.series(v.index, s, "numRecordsOutPerSecond"));
    const auto total = fold_subtasks(per_subtask, "sum");
    std::vector<double> all, last_minute;
    for (const auto& p : since(total, now_ms - 5 * 60 * 1000)) all.push_back(p.value);
    for (const auto& p : since(total, now_ms - 60 * 1000)) last_minute.push_back(p.value);
    if (last_minute.empty() || last_minute.size() == all.size()) continue;  // no older minutes to compare with
    const double median = median_of(all);
    double recent = 0;
    for (double x : last_minute) recent += x;
    recent /= static_cast<double>(last_minute.size());
    if (median < kThroughputMinRecordsPerSecond || recent >= rule.threshold * median) continue;
    hits.push_back(RuleHit{v.index, v.id, v.name, -1,
                           "source " + v.name + " emits " + integer(recent) + " records/s over the last minute, " +
                               "median " + integer(median) + " over five minutes"});
  }
  return hits;
}

std::vector<RuleHit> vertex_rule_hits(const Rule& rule, const JobHealth& health) {
  std::vector<RuleHit> hits;
  for (const auto& v : health.vertices) {
    if (rule.builtin == BuiltinRule::kDataSkew && v.skew && v.skew->ratio >= rule.threshold)
      hits.push_back(vertex_hit(v, v.skew->subtask, "operator data skew: " + v.skew->message));
    if (rule.builtin == BuiltinRule::kBackpressureHigh && v.backpressured_ratio > rule.threshold)
      hits.push_back(vertex_hit(v, -1, v.name + " is backpressured " + integer(v.backpressured_ratio * 100) +
                                           "% of the time"));
    if (rule.builtin == BuiltinRule::kWatermarkStalled && v.watermark_stall)
      hits.push_back(vertex_hit(v, v.watermark_stall->subtask, v.watermark_stall->message));
  }
  return hits;
}

}  // namespace

std::vector<RuleHit> builtin_rule_hits(const Rule& rule, int64_t now_ms, const MetricView& metrics,
                                       const JobHealth& health, const std::vector<TimedValue>& task_managers) {
  switch (rule.builtin) {
    case BuiltinRule::kNone: return {};
    case BuiltinRule::kDataSkew:
    case BuiltinRule::kBackpressureHigh:
    case BuiltinRule::kWatermarkStalled: return vertex_rule_hits(rule, health);
    case BuiltinRule::kSourceThroughputDecrease: return throughput_hits(rule, now_ms, metrics);
    case BuiltinRule::kFailedCheckpointIncrease: {
      const double failed = growth_since(metrics.job_series("numberOfFailedCheckpoints"), now_ms - 5 * 60 * 1000);
      if (failed < rule.threshold) return {};
      return {RuleHit{-1, "", "", -1, integer(failed) + " checkpoints failed in the last five minutes"}};
    }
    case BuiltinRule::kJobRestarted: {
      const double restarts = growth_since(metrics.job_series("numRestarts"), now_ms - 60 * 1000);
      if (restarts < rule.threshold) return {};
      return {RuleHit{-1, "", "", -1, "the job restarted " + integer(restarts) + " times in the last minute"}};
    }
    case BuiltinRule::kTaskManagersDecrease: {
      if (task_managers.empty()) return {};
      double most = 0;
      for (const auto& p : task_managers) most = std::max(most, p.value);
      const double now = task_managers.back().value;
      if (most - now < rule.threshold) return {};
      return {RuleHit{-1, "", "", -1, "task managers went down from " + integer(most) + " to " + integer(now) +
                                          " in the last five minutes"}};
    }
  }
  return {};
}

}  // namespace eddy
