// The built-in rules' defaults and the file's settings over them (monitor/rules.h).
#include "monitor/rules.h"

namespace eddy {
namespace {

Rule builtin(const char* name, BuiltinRule kind, double threshold, int64_t for_ms, int64_t clear_ms,
             MonitorLevel level) {
  Rule r;
  r.timing = RuleTiming{name, level, for_ms, clear_ms, {RuleAction{RuleActionKind::kLog, ""}}};
  r.builtin = kind;
  r.threshold = threshold;
  return r;
}

}  // namespace

std::vector<Rule> builtin_rule_defaults() {
  constexpr int64_t s = 1000;
  return {
      // max / median of the skewed metric, held 30 s.
      builtin("TASK_MANAGER_OPERATOR_DATA_SKEW", BuiltinRule::kDataSkew, 2.0, 30 * s, 30 * s, MonitorLevel::kWarn),
      // a source's rate over the last minute below this share of its 5-minute median.
      builtin("TASK_MANAGER_SOURCE_THROUGHPUT_GRADUALLY_DECREASE", BuiltinRule::kSourceThroughputDecrease, 0.5,
              60 * s, 60 * s, MonitorLevel::kWarn),
      // this many failed checkpoints within the kept history (5 minutes).
      builtin("JOB_MANAGER_FAILED_CHECKPOINT_INCREASE", BuiltinRule::kFailedCheckpointIncrease, 1, 0, 0,
              MonitorLevel::kWarn),
      // this many task managers fewer than the most seen in the last 5 minutes.
      builtin("JOB_MANAGER_NUM_TASK_MANAGERS_DECREASE", BuiltinRule::kTaskManagersDecrease, 1, 0, 0,
              MonitorLevel::kFatal),
      // a vertex's backpressured ratio above this (Flink's "high"), held 30 s.
      builtin("BACKPRESSURE_HIGH", BuiltinRule::kBackpressureHigh, 0.5, 30 * s, 10 * s, MonitorLevel::kWarn),
      // the diagnosis' stall (its own stall_intervals are the wait).
      builtin("WATERMARK_STALLED", BuiltinRule::kWatermarkStalled, 0, 0, 0, MonitorLevel::kWarn),
      // this many restarts within the last minute.
      builtin("JOB_RESTARTED", BuiltinRule::kJobRestarted, 1, 0, 0, MonitorLevel::kWarn),
  };
}

std::vector<Rule> effective_rules(const MonitorSpec* spec) {
  if (spec && !spec->enabled) return {};
  std::vector<Rule> rules;
  for (Rule r : builtin_rule_defaults()) {
    if (spec && !spec->webhook.empty()) r.timing.actions.push_back(RuleAction{RuleActionKind::kWebhook, spec->webhook});
    bool enabled = true;
    if (spec)
      for (const auto& b : spec->builtins) {
        if (b.name != r.timing.name) continue;
        enabled = b.enabled;
        if (b.threshold) r.threshold = *b.threshold;
        if (b.for_ms) r.timing.for_ms = *b.for_ms;
        if (b.clear_ms) r.timing.clear_ms = *b.clear_ms;
        if (b.level) r.timing.level = *b.level;
        if (b.actions) r.timing.actions = *b.actions;
      }
    if (enabled) rules.push_back(std::move(r));
  }
  if (spec)
    for (const auto& f : spec->rules) {
      Rule r;
      r.timing = RuleTiming{f.name, f.level, f.for_ms, f.clear_ms, f.actions};
      r.spec = f;
      rules.push_back(std::move(r));
    }
  return rules;
}

}  // namespace eddy
