// Prometheus text: names and label values escaped as the exposition format
// wants them; values printed so that Prometheus reads them back exactly.
#include "monitor/prometheus.h"

#include <cmath>
#include <cstdio>

#include "monitor/vertex_id.h"

namespace eddy {
namespace {

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "+Inf" : "-Inf";
  char buf[40];
  if (x == std::floor(x) && std::fabs(x) < 9.2e18) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
  else std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

/// The operator chained in `vertex` whose metrics `name` ("<operator>.<metric>") holds.
const LogicalNode* operator_of(const JobGraph& g, int vertex, const std::string& name) {
  for (int n : g.vertices[static_cast<size_t>(vertex)].nodes) {
    const LogicalNode& node = g.nodes[static_cast<size_t>(n)];
    if (name.size() > node.name.size() && name.compare(0, node.name.size(), node.name) == 0 &&
        name[node.name.size()] == '.')
      return &node;
  }
  return nullptr;
}

void add_subtask_metrics(PrometheusText& out, const JobView& job, int vertex, int32_t subtask) {
  const JobGraph& g = *job.graph;
  PromLabels task{{"job_id", job.id_text},
                  {"job_name", job.name},
                  {"task_id", vertex_id(g, vertex)},
                  {"task_name", g.vertices[static_cast<size_t>(vertex)].name},
                  {"subtask_index", std::to_string(subtask)},
                  {"task_attempt_num", std::to_string(job.attempt)}};
  if (static_cast<size_t>(subtask) < job.slots.size()) {
    task.emplace_back("tm_id", job.slots[static_cast<size_t>(subtask)].id);
    task.emplace_back("host", job.slots[static_cast<size_t>(subtask)].host);
  }
  for (const std::string& name : job.history->names(vertex)) {
    const auto value = job.history->value(vertex, subtask, name);
    if (!value) continue;
    if (is_subtask_metric(name)) {
      out.add("taskmanager_job_task", name, task, *value);
    } else if (const LogicalNode* op = operator_of(g, vertex, name)) {
      PromLabels labels = task;
      labels.emplace_back("operator_id", operator_id(op->name));
      labels.emplace_back("operator_name", op->name);
      out.add("taskmanager_job_task_operator", name.substr(op->name.size() + 1), std::move(labels), *value);
    }
  }
}

}  // namespace

std::string prometheus_name(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_')) c = '_';
  return out;
}

void PrometheusText::add(std::string_view scope, std::string_view metric, PromLabels labels, double value) {
  std::string name = prometheus_name(prefix_ + "_" + std::string(scope) + "_" + std::string(metric));
  for (auto& [k, v] : labels) k = prometheus_name(k);
  series_[name].push_back(Sample{std::move(labels), value});
}

std::string PrometheusText::render() const {
  std::string out;
  for (const auto& [name, samples] : series_) {
    out += "# HELP " + name + " " + name + " (eddy, as Flink's PrometheusReporter names it)\n";
    out += "# TYPE " + name + " gauge\n";
    for (const Sample& s : samples) {
      out += name;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i)
          out += (i ? "," : "") + s.labels[i].first + "=\"" + escape_label_value(s.labels[i].second) + "\"";
        out += '}';
      }
      out += ' ' + number(s.value) + '\n';
    }
  }
  return out;
}

void add_job_metrics(PrometheusText& out, const JobView& job) {
  const PromLabels labels{{"job_id", job.id_text}, {"job_name", job.name}};
  const CheckpointCounts& c = job.counts;
  const std::pair<const char*, double> values[] = {
      {"lastCheckpointDuration", static_cast<double>(c.last_duration_ms)},
      {"lastCheckpointSize", static_cast<double>(c.last_incremental_bytes)},
      {"lastCheckpointFullSize", static_cast<double>(c.last_full_bytes)},
      {"numberOfCompletedCheckpoints", static_cast<double>(c.completed)},
      {"numberOfFailedCheckpoints", static_cast<double>(c.failed)},
      {"numberOfInProgressCheckpoints", static_cast<double>(c.in_progress)},
      {"totalNumberOfCheckpoints", static_cast<double>(c.completed + c.failed + c.in_progress)},
      {"numRestarts", static_cast<double>(job.restarts)},
      {"uptime", static_cast<double>(job.end_ms < 0 ? job.now_ms - job.start_ms : 0)},
  };
  for (const auto& [name, value] : values) out.add("jobmanager_job", name, labels, value);
  if (!job.graph || !job.history) return;
  for (size_t v = 0; v < job.graph->vertices.size(); ++v)
    for (int32_t i = 0; i < job.history->subtasks(static_cast<int32_t>(v)); ++i)
      add_subtask_metrics(out, job, static_cast<int>(v), i);
}

void add_cluster_metrics(PrometheusText& out, const ClusterFigures& cluster) {
  out.add("jobmanager", "numRegisteredTaskManagers", {}, cluster.task_managers);
  out.add("jobmanager", "numRunningJobs", {}, cluster.jobs_running);
  out.add("jobmanager", "taskSlotsAvailable", {}, cluster.slots_available);
  out.add("jobmanager", "taskSlotsTotal", {}, cluster.slots_total);
}

}  // namespace eddy
