// The names and the condition test of the `monitor:` section
// (plan/monitor_spec.h); the reading is in monitor_spec_parser.cpp.
#include "plan/monitor_spec.h"

#include <cstdio>

#include "plan/restart_spec.h"

namespace eddy {

const char* monitor_level_name(MonitorLevel level) {
  switch (level) {
    case MonitorLevel::kInfo: return "INFO";
    case MonitorLevel::kWarn: return "WARN";
    case MonitorLevel::kFatal: return "FATAL";
  }
  return "WARN";
}

const char* rule_aggregation_name(RuleAggregation a) {
  switch (a) {
    case RuleAggregation::kMax: return "max";
    case RuleAggregation::kMin: return "min";
    case RuleAggregation::kAvg: return "avg";
    case RuleAggregation::kSum: return "sum";
    case RuleAggregation::kEach: return "each";
  }
  return "max";
}

const char* rule_comparison_text(RuleComparison c) {
  switch (c) {
    case RuleComparison::kGreater: return ">";
    case RuleComparison::kGreaterEqual: return ">=";
    case RuleComparison::kLess: return "<";
    case RuleComparison::kLessEqual: return "<=";
  }
  return ">";
}

const char* rule_action_name(RuleActionKind kind) {
  switch (kind) {
    case RuleActionKind::kLog: return "log";
    case RuleActionKind::kWebhook: return "webhook";
    case RuleActionKind::kSavepoint: return "savepoint";
  }
  return "log";
}

bool RuleCondition::holds(double value, double median) const {
  const double bound = against_median ? threshold * median : threshold;
  switch (op) {
    case RuleComparison::kGreater: return value > bound;
    case RuleComparison::kGreaterEqual: return value >= bound;
    case RuleComparison::kLess: return value < bound;
    case RuleComparison::kLessEqual: return value <= bound;
  }
  return false;
}

std::string RuleCondition::text() const {
  char number[32];
  std::snprintf(number, sizeof number, "%g", threshold);
  std::string t = std::string(rule_comparison_text(op)) + " " + number;
  if (against_median) t += " * median(" + duration_setting_text(median_window_ms * 1000) + ")";
  return t;
}

const std::vector<std::string>& builtin_monitor_rule_names() {
  static const std::vector<std::string> names = {
      "TASK_MANAGER_OPERATOR_DATA_SKEW", "TASK_MANAGER_SOURCE_THROUGHPUT_GRADUALLY_DECREASE",
      "JOB_MANAGER_FAILED_CHECKPOINT_INCREASE", "JOB_MANAGER_NUM_TASK_MANAGERS_DECREASE",
      "BACKPRESSURE_HIGH", "WATERMARK_STALLED", "JOB_RESTARTED"};
  return names;
}

const std::vector<std::string>& monitor_subtask_metric_names() {
  static const std::vector<std::string> names = {
      "numRecordsIn", "numRecordsOut", "numBytesIn", "numBytesOut",
      "numRecordsInPerSecond", "numRecordsOutPerSecond", "numBytesInPerSecond", "numBytesOutPerSecond",
      "numBatchesIn", "numBatchesOut",
      "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond",
      "accumulatedBusyTime", "accumulatedBackpressuredTime", "accumulatedIdleTime",
      "buffers.inPoolUsage", "buffers.outPoolUsage", "buffers.inputQueueLength", "buffers.outputQueueLength",
      "currentInputWatermark", "currentInput1Watermark", "currentInput2Watermark", "currentOutputWatermark",
      "currentEmitEventTimeLag", "numKeys", "stateSizeBytes",
      "numLateRecordsDropped", "numRecordsSkipped", "numWindowsFired",
      "checkpointAlignmentTime", "checkpointSyncDurationMs", "checkpointAsyncDurationMs", "checkpointSizeBytes",
      "lastCheckpointId"};
  return names;
}

const std::vector<std::string>& monitor_job_metric_names() {
  static const std::vector<std::string> names = {
      "lastCheckpointDuration", "lastCheckpointSize", "lastCheckpointFullSize", "numberOfCompletedCheckpoints",
      "numberOfFailedCheckpoints", "numberOfInProgressCheckpoints", "totalNumberOfCheckpoints", "numRestarts",
      "uptime"};
  return names;
}

}  // namespace eddy
