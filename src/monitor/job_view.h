// JobView: what the REST API knows of one job when it answers a request, in
// one CAF-free value: the plan, state and times, which task manager runs
// which subtask, the checkpoint and failure histories the job master keeps,
// the summary counters, and the metric history. The job master builds it
// (actors/job_master.cpp); REST's JSON builders (rest_json.h) and the
// Prometheus renderer (prometheus.h) read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plan/job_graph.h"
#include "runtime/metric_history.h"
#include "runtime/metrics.h"

namespace eddy {

/// One checkpoint as Flink's checkpoint history shows it.
struct CheckpointRecord {
  int64_t id = 0;
  bool savepoint = false;
  bool completed = true;      // false: failed
  int64_t trigger_ms = 0;     // wall clock
  int64_t end_ms = 0;         // completed or failed at
  int64_t full_bytes = 0;     // state size
  int64_t incremental_bytes = 0;  // written for this checkpoint
  int64_t alignment_us = 0;   // longest alignment of a subtask
  std::string path;           // where it is (completed)
  std::string failure;        // why it failed
};

/// One failure of the job (Flink's exception history).
struct FailureRecord {
  int64_t time_ms = 0;
  std::string name;      // "record", "restore", "lost", ... (TaskFailure kind)
  std::string message;   // the failure, as the job's log tells it
  std::string task;      // the operator or vertex that failed; empty: the job
  std::string endpoint;  // the task manager that ran it, when known
};

/// The job's checkpoint counters (messages.h CheckpointStats, CAF-free).
struct CheckpointCounts {
  int64_t completed = 0, failed = 0, in_progress = 0;
  int64_t last_duration_ms = 0, last_full_bytes = 0, last_incremental_bytes = 0;
  std::string restored_from;
};

/// A task manager that runs subtasks of the job.
struct SlotOwner {
  std::string id;    // as GET /taskmanagers names it
  std::string name;  // "'tm1' at 10.0.0.7"
  std::string host;
};

struct JobView {
  uint64_t job_id = 0;
  std::string id_text;    // as users see it: 16 hex digits
  std::string name;
  std::string state;      // CREATED | RUNNING | RESTARTING | FINISHED | FAILED | CANCELED
  std::string message;    // why it failed, or what it waits for
  int64_t start_ms = 0;   // wall clock
  int64_t end_ms = -1;    // -1 while running
  int64_t now_ms = 0;
  JobGraphPtr graph;      // null when the job manager no longer keeps it
  int32_t attempt = 0;    // 0 on the first run, +1 per restart
  std::vector<SlotOwner> slots;  // slot i runs subtask i of every vertex
  /// [vertex][subtask]: Flink's task states (DEPLOYING, RUNNING, FINISHED, ...).
  std::vector<std::vector<std::string>> subtask_states;
  std::vector<OperatorMetrics> operators;  // per graph node, summed over subtasks
  CheckpointCounts counts;
  int32_t restarts = 0;
  std::vector<CheckpointRecord> checkpoints;  // oldest first, the last kCheckpointsKept
  std::vector<FailureRecord> failures;        // oldest first, the last kFailuresKept
  bool failures_truncated = false;            // older failures were dropped
  MetricHistoryPtr history;                   // null before any sample
  int64_t metrics_interval_ms = 1000;         // how often subtasks sample (metrics.interval)
};

using JobViewPtr = std::shared_ptr<const JobView>;

/// How much history the job master keeps (Flink's web.checkpoints.history is 10).
constexpr size_t kCheckpointsKept = 20;
constexpr size_t kFailuresKept = 20;

}  // namespace eddy
