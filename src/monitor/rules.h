// The rules a job's monitor evaluates: the built-in ones (named as in
// Tencent's smart monitor, on by default, each with a threshold, durations
// and a level) as the `monitor:` section tunes or disables them, then the
// section's own rules. Built by the job master's RuleEvaluator at start.
#pragma once

#include <string>
#include <vector>

#include "monitor/events.h"
#include "plan/monitor_spec.h"

namespace eddy {

enum class BuiltinRule {
  kNone,                       // a rule of the file
  kDataSkew,                   // TASK_MANAGER_OPERATOR_DATA_SKEW: the diagnosis' skew, max/median >= threshold
  kSourceThroughputDecrease,   // TASK_MANAGER_SOURCE_THROUGHPUT_GRADUALLY_DECREASE
  kFailedCheckpointIncrease,   // JOB_MANAGER_FAILED_CHECKPOINT_INCREASE
  kTaskManagersDecrease,       // JOB_MANAGER_NUM_TASK_MANAGERS_DECREASE
  kBackpressureHigh,           // BACKPRESSURE_HIGH
  kWatermarkStalled,           // WATERMARK_STALLED
  kJobRestarted,               // JOB_RESTARTED
};

struct Rule {
  RuleTiming timing;  // name, level, for, clear, actions
  BuiltinRule builtin = BuiltinRule::kNone;
  double threshold = 0;  // built-in rules' tunable (see builtin_rule_defaults)
  MonitorRuleSpec spec;  // rules of the file
};

/// The built-in rules with their defaults (threshold, for, clear, level; actions: log).
std::vector<Rule> builtin_rule_defaults();

/// The rules to evaluate for `spec` (null: no `monitor:` section): the
/// built-in ones minus those disabled, with the file's settings, then the
/// file's rules. Built-in rules also call monitor.webhook when it is set
/// and their actions are not given.
std::vector<Rule> effective_rules(const MonitorSpec* spec);

}  // namespace eddy
