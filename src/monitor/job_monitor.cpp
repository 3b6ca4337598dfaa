// The job master's monitor (monitor/job_monitor.h).
#include "monitor/job_monitor.h"

#include "monitor/health_json.h"
#include "monitor/history_input.h"
#include "plan/monitor_spec.h"

namespace eddy {
namespace {

/// Samples of a subtask the diagnosis reads: enough for a watermark stall.
size_t series_points(const DiagnosisOptions& o) { return static_cast<size_t>(o.stall_intervals) + 2; }

}  // namespace

JobMonitor::JobMonitor(JobGraphPtr graph, std::vector<std::string> vertex_ids, int64_t interval_ms, std::FILE* log)
    : graph_(std::move(graph)),
      shapes_(vertex_shapes(*graph_, vertex_ids)),
      interval_ms_(interval_ms),
      log_(log),
      rules_(effective_rules(graph_->spec.monitor.get()),
             graph_->spec.monitor ? static_cast<size_t>(graph_->spec.monitor->keep_resolved) : 200),
      health_(std::make_shared<const JobHealth>()) {}

int JobMonitor::tick(int64_t now_ms, const MetricHistory& history, const ClusterFacts& facts) {
  JobHealth h = diagnose(job_input_from_history(history, *graph_, shapes_, now_ms, interval_ms_,
                                                series_points(options_)),
                         options_);
  const HistoryMetricView view(history, shapes_);
  const int savepoints = run(rules_.evaluate(now_ms, view, h, facts));
  h.status = status_with_events(h.status, rules_.events());
  health_ = std::make_shared<const JobHealth>(std::move(h));
  return savepoints;
}

void JobMonitor::finish(int64_t now_ms, const std::string& why, int64_t wait_ms) {
  run(rules_.finish(now_ms, why));
  webhooks_.drain(wait_ms);
}

int JobMonitor::run(const std::vector<EventChange>& changes) {
  int savepoints = 0;
  for (const auto& c : changes)
    for (const auto& a : c.actions) switch (a.kind) {
        case RuleActionKind::kLog:
          std::fprintf(log_, "eddy: job '%s': %s\n", graph_->spec.name.c_str(), event_log_line(c).c_str());
          break;
        case RuleActionKind::kWebhook: webhooks_.post(a.url, event_json(c.event)); break;
        case RuleActionKind::kSavepoint: ++savepoints; break;
      }
  return savepoints;
}

std::string JobMonitor::health_json() const { return eddy::health_json(*health_); }

std::string JobMonitor::events_json() const { return eddy::events_json(rules_.events().events()); }

}  // namespace eddy
