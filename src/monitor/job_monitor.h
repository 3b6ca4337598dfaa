// A job's monitor as the job master holds it: once per metrics interval it
// diagnoses the job from the MetricHistory, evaluates the rules, logs and
// posts the events that opened or resolved, and tells the job master how
// many savepoints the rules ask for. Keeps the latest JobHealth and the
// events for REST. CAF-free; owned by the job master (actors/job_master.cpp),
// which only forwards its ticks and requests.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "monitor/diagnosis.h"
#include "monitor/job_health.h"
#include "monitor/rule_evaluator.h"
#include "monitor/webhook_sender.h"
#include "plan/job_graph.h"
#include "runtime/metric_history.h"

namespace eddy {

class JobMonitor {
 public:
  /// `vertex_ids`: the vertices' REST ids by index (empty: the index as text);
  /// `log`: where the log action writes (the job manager's stderr).
  JobMonitor(JobGraphPtr graph, std::vector<std::string> vertex_ids, int64_t interval_ms, std::FILE* log = stderr);

  /// One interval: diagnosis, rules, actions. Returns the savepoints to trigger.
  int tick(int64_t now_ms, const MetricHistory& history, const ClusterFacts& facts);
  /// The job ended (`why`: "job finished"...): open events resolve and are
  /// told; waits at most `wait_ms` for their webhooks.
  void finish(int64_t now_ms, const std::string& why, int64_t wait_ms);

  /// The latest diagnosis, its status raised by open events; an empty one before the first tick.
  JobHealthPtr health() const { return health_; }
  std::string health_json() const;
  std::string events_json() const;
  WebhookCounts webhook_counts() const { return webhooks_.counts(); }

 private:
  int run(const std::vector<EventChange>& changes);

  JobGraphPtr graph_;
  std::vector<VertexShape> shapes_;
  int64_t interval_ms_;
  std::FILE* log_;
  DiagnosisOptions options_;
  RuleEvaluator rules_;
  JobHealthPtr health_;
  WebhookSender webhooks_;  // last: its thread stops before the rest goes
};

}  // namespace eddy
