// MonitorSpec: the `monitor:` section of a pipeline file (docs/pipelines.md,
// docs/monitoring.md "Rules and events"): rules over metrics that open events,
// and settings of the built-in rules. Read by monitor_spec_parser.cpp (called
// by pipeline_parser.cpp); evaluated by the job master's rule evaluator
// (src/monitor/rule_evaluator.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"

namespace YAML {
class Node;
}

namespace eddy {

/// An event's level, as Tencent's smart monitor grades them.
enum class MonitorLevel { kInfo, kWarn, kFatal };
const char* monitor_level_name(MonitorLevel level);

/// How a rule folds a vertex's subtasks into one value: or `each` subtask on its own.
enum class RuleAggregation { kMax, kMin, kAvg, kSum, kEach };
const char* rule_aggregation_name(RuleAggregation a);

enum class RuleComparison { kGreater, kGreaterEqual, kLess, kLessEqual };
const char* rule_comparison_text(RuleComparison c);

/// `condition:` "> 0.5" (a threshold) or "< 0.5 * median(5m)" (a trend: the
/// value against the median of the same value over a window).
struct RuleCondition {
  RuleComparison op = RuleComparison::kGreater;
  double threshold = 0;
  bool against_median = false;
  int64_t median_window_ms = 5 * 60 * 1000;
  /// True when `value` satisfies it; `median` only read for a trend.
  bool holds(double value, double median) const;
  std::string text() const;  // "> 0.5", "< 0.5 * median(5m)"
};

enum class RuleActionKind { kLog, kWebhook, kSavepoint };
const char* rule_action_name(RuleActionKind kind);

struct RuleAction {
  RuleActionKind kind = RuleActionKind::kLog;
  std::string url;  // webhooks: where the event is POSTed
};

/// A rule of the file's `rules:` list.
struct MonitorRuleSpec {
  std::string name;
  SourceLocation loc;
  std::string metric;       // a subtask or job metric of docs/monitoring.md
  bool job_metric = false;  // a job metric: one value for the job, no vertex
  std::string vertex;       // an operator's name: only its vertex; empty: every vertex
  RuleAggregation aggregation = RuleAggregation::kMax;
  RuleCondition condition;
  int64_t for_ms = 0;    // the condition holds this long before an event opens
  int64_t clear_ms = 0;  // and fails this long before it resolves (hysteresis); 0: one interval
  MonitorLevel level = MonitorLevel::kWarn;
  std::vector<RuleAction> actions;  // default: log
};

/// `builtin: {NAME: {...}}`: a built-in rule turned off or tuned.
struct BuiltinRuleSetting {
  std::string name;
  SourceLocation loc;
  bool enabled = true;
  std::optional<double> threshold;
  std::optional<int64_t> for_ms;
  std::optional<int64_t> clear_ms;
  std::optional<MonitorLevel> level;
  std::optional<std::vector<RuleAction>> actions;
};

struct MonitorSpec {
  bool present = false;  // the file has a `monitor:` section
  bool enabled = true;   // `enabled: false` turns every rule off, built-in ones too
  std::string webhook;   // the URL of actions written as plain `webhook`
  int32_t keep_resolved = 200;  // resolved events kept for /events
  std::vector<MonitorRuleSpec> rules;
  std::vector<BuiltinRuleSetting> builtins;
};

/// The built-in rules' names (src/monitor/builtin_rules.h defines them).
const std::vector<std::string>& builtin_monitor_rule_names();

/// The metric names a rule may name: docs/monitoring.md's subtask metrics,
/// then its job and cluster metrics (the monitor's tests check them against
/// runtime/metric_history.h's is_subtask_metric and is_job_metric).
const std::vector<std::string>& monitor_subtask_metric_names();
const std::vector<std::string>& monitor_job_metric_names();

/// Reads a `monitor:` section into spec.monitor (set even when the section
/// has errors), with a Diagnostic at the
/// position of each wrong key or value. Called after sources, operators and
/// sinks are read: a rule's `vertex` must name one of them.
void read_monitor(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags);

/// Reads the `monitor:` section of a cluster config: the rules and built-in
/// settings of every job whose pipeline has no section of its own. Its rules
/// name no vertex (they apply to every job's vertices).
std::shared_ptr<const MonitorSpec> read_cluster_monitor(const YAML::Node& node, std::vector<Diagnostic>& diags);

}  // namespace eddy
