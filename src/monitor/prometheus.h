// GET /metrics: the cluster's metrics in Prometheus' text format, named as
// Flink's PrometheusReporter names them so existing dashboards work:
// <prefix>_<scope>_<metric>, scope one of jobmanager, jobmanager_job,
// taskmanager_job_task, taskmanager_job_task_operator; labels are Flink's
// scope variables (job_id, job_name, task_id, task_name, subtask_index,
// tm_id, host, operator_id, operator_name); characters outside
// [a-zA-Z0-9:_] become '_'; every series is a gauge. CAF-free: the REST
// server gathers the JobViews and renders them here.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "monitor/job_view.h"
#include "monitor/rest_json.h"

namespace eddy {

using PromLabels = std::vector<std::pair<std::string, std::string>>;

/// `s` with every character outside [a-zA-Z0-9:_] replaced by '_'.
std::string prometheus_name(std::string_view s);

/// Collects samples and writes them grouped by name, each name with one
/// "# HELP" and one "# TYPE ... gauge" line.
class PrometheusText {
 public:
  explicit PrometheusText(std::string prefix) : prefix_(std::move(prefix)) {}
  /// One sample of `<prefix>_<scope>_<metric>`.
  void add(std::string_view scope, std::string_view metric, PromLabels labels, double value);
  std::string render() const;

 private:
  struct Sample {
    PromLabels labels;
    double value;
  };
  std::string prefix_;
  std::map<std::string, std::vector<Sample>> series_;
};

/// Adds a job's metrics: jobmanager_job from its counters and, from its
/// metric history, taskmanager_job_task and taskmanager_job_task_operator.
void add_job_metrics(PrometheusText& out, const JobView& job);
/// Adds the jobmanager scope: task managers, running jobs, slots.
void add_cluster_metrics(PrometheusText& out, const ClusterFigures& cluster);

}  // namespace eddy
