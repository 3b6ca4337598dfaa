// REST JSON of the cluster, jobs, plans, vertices, checkpoints and failures.
#include <algorithm>
#include <map>

#include "monitor/rest_json.h"
#include "monitor/vertex_id.h"

namespace eddy {
namespace {

int64_t duration_ms(const JobView& v) { return (v.end_ms >= 0 ? v.end_ms : v.now_ms) - v.start_ms; }

/// The task states Flink counts per vertex and job.
const char* const kTaskStates[] = {"CREATED",  "SCHEDULED", "DEPLOYING", "RUNNING",      "FINISHED",
                                   "CANCELING", "CANCELED", "FAILED",    "RECONCILING", "INITIALIZING"};

Json task_counts(const std::vector<std::string>& states) {
  Json t = Json::object();
  for (const char* s : kTaskStates) t[s] = 0;
  for (const auto& s : states) t[s] = t.value(s, 0) + 1;
  return t;
}

std::vector<std::string> vertex_states(const JobView& v, int vertex) {
  if (static_cast<size_t>(vertex) < v.subtask_states.size()) return v.subtask_states[static_cast<size_t>(vertex)];
  return {};
}

/// A subtask metric's latest value, or 0.
double metric_or_zero(const JobView& v, int vertex, int32_t subtask, const char* name) {
  if (!v.history) return 0;
  return v.history->value(vertex, subtask, name).value_or(0);
}

double vertex_sum(const JobView& v, int vertex, const char* name) {
  double sum = 0;
  const int32_t n = v.graph->vertices[static_cast<size_t>(vertex)].parallelism;
  for (int32_t i = 0; i < n; ++i) sum += metric_or_zero(v, vertex, i, name);
  return sum;
}

/// Flink's per-vertex `metrics` block of GET /jobs/{id}.
Json vertex_io_metrics(const JobView& v, int vertex) {
  const JobVertex& jv = v.graph->vertices[static_cast<size_t>(vertex)];
  const size_t first = static_cast<size_t>(jv.nodes.front()), last = static_cast<size_t>(jv.nodes.back());
  const bool complete = v.end_ms >= 0;
  const uint64_t in = first < v.operators.size() ? v.operators[first].records_in : 0;
  const uint64_t out = last < v.operators.size() ? v.operators[last].records_out : 0;
  return Json{{"read-bytes", static_cast<int64_t>(vertex_sum(v, vertex, "numBytesIn"))},
              {"read-bytes-complete", complete},
              {"write-bytes", static_cast<int64_t>(vertex_sum(v, vertex, "numBytesOut"))},
              {"write-bytes-complete", complete},
              {"read-records", in},
              {"read-records-complete", complete},
              {"write-records", out},
              {"write-records-complete", complete},
              {"accumulated-busy-time", vertex_sum(v, vertex, "accumulatedBusyTime")},
              {"accumulated-backpressured-time", vertex_sum(v, vertex, "accumulatedBackpressuredTime")},
              {"accumulated-idle-time", vertex_sum(v, vertex, "accumulatedIdleTime")}};
}

std::string vertex_status(const std::vector<std::string>& states, const std::string& job_state) {
  if (states.empty()) return job_state == "RUNNING" ? "CREATED" : job_state;
  if (std::all_of(states.begin(), states.end(), [&](const auto& s) { return s == states.front(); }))
    return states.front();
  return "RUNNING";  // some finished, some running
}

}  // namespace

const char* ship_strategy(EdgePartitioning p) {
  switch (p) {
    case EdgePartitioning::kForward: return "FORWARD";
    case EdgePartitioning::kRebalance: return "REBALANCE";
    case EdgePartitioning::kHash: return "HASH";
    case EdgePartitioning::kBroadcast: return "BROADCAST";
  }
  return "FORWARD";
}

Json config_json(int64_t refresh_interval_ms) {
  return Json{{"refresh-interval", refresh_interval_ms},
              {"timezone-name", "Coordinated Universal Time"},
              {"timezone-offset", 0},
              {"flink-version", std::string("eddy ") + EDDY_VERSION},
              {"flink-revision", "eddy"},
              {"features", Json{{"web-submit", false},
                                {"web-cancel", true},
                                {"web-rescale", false},
                                {"web-history", false},
                                {"eddy-sample", true},
                                {"eddy-stacks", true},
                                {"eddy-history", true}}}};
}

Json overview_json(const ClusterFigures& c) {
  return Json{{"taskmanagers", c.task_managers},
              {"slots-total", c.slots_total},
              {"slots-available", c.slots_available},
              {"jobs-running", c.jobs_running},
              {"jobs-finished", c.jobs_finished},
              {"jobs-cancelled", c.jobs_cancelled},
              {"jobs-failed", c.jobs_failed},
              {"flink-version", std::string("eddy ") + EDDY_VERSION},
              {"flink-commit", "eddy"}};
}

Json job_overview_json(const JobView& v) {
  std::vector<std::string> all;
  for (const auto& states : v.subtask_states) all.insert(all.end(), states.begin(), states.end());
  return Json{{"jid", v.id_text},
              {"name", v.name},
              {"state", v.state},
              {"start-time", v.start_ms},
              {"end-time", v.end_ms},
              {"duration", duration_ms(v)},
              {"last-modification", v.end_ms >= 0 ? v.end_ms : v.start_ms},
              {"tasks", task_counts(all)}};
}

Json job_details_json(const JobView& v) {
  Json j{{"jid", v.id_text},
         {"name", v.name},
         {"isStoppable", false},
         {"state", v.state},
         {"job-type", "STREAMING"},
         {"start-time", v.start_ms},
         {"end-time", v.end_ms},
         {"duration", duration_ms(v)},
         {"now", v.now_ms},
         {"timestamps", Json{{"CREATED", v.start_ms}}}};
  std::vector<std::string> all;
  Json vertices = Json::array();
  if (v.graph) {
    j["maxParallelism"] = v.graph->spec.max_parallelism;
    for (size_t i = 0; i < v.graph->vertices.size(); ++i) {
      const JobVertex& jv = v.graph->vertices[i];
      const auto states = vertex_states(v, static_cast<int>(i));
      all.insert(all.end(), states.begin(), states.end());
      vertices.push_back(Json{{"id", vertex_id(*v.graph, static_cast<int>(i))},
                              {"name", jv.name},
                              {"parallelism", jv.parallelism},
                              {"maxParallelism", v.graph->spec.max_parallelism},
                              {"status", vertex_status(states, v.state)},
                              {"start-time", v.start_ms},
                              {"end-time", v.end_ms},
                              {"duration", duration_ms(v)},
                              {"tasks", task_counts(states)},
                              {"metrics", vertex_io_metrics(v, static_cast<int>(i))}});
    }
    j["plan"] = plan_json(v)["plan"];
  }
  j["vertices"] = vertices;
  j["status-counts"] = task_counts(all);
  if (v.end_ms >= 0) j["timestamps"][v.state] = v.end_ms;
  return j;
}

Json plan_json(const JobView& v) {
  Json nodes = Json::array();
  const JobGraph& g = *v.graph;
  for (size_t i = 0; i < g.vertices.size(); ++i) {
    const JobVertex& jv = g.vertices[i];
    Json inputs = Json::array();
    int num = 0;
    for (int e : jv.inputs) {
      const JobEdge& edge = g.edges[static_cast<size_t>(e)];
      inputs.push_back(Json{{"num", num++},
                            {"id", vertex_id(g, edge.from_vertex)},
                            {"ship_strategy", ship_strategy(edge.partitioning)},
                            {"exchange", "pipelined_bounded"}});
    }
    const LogicalNode& head = g.nodes[static_cast<size_t>(jv.nodes.front())];
    const char* strategy = head.kind == NodeKind::kSource ? "Source" : head.kind == NodeKind::kSink ? "Sink" : "";
    nodes.push_back(Json{{"id", vertex_id(g, static_cast<int>(i))},
                         {"parallelism", jv.parallelism},
                         {"operator", strategy},
                         {"operator_strategy", strategy},
                         {"description", jv.name},
                         {"inputs", inputs},
                         {"optimizer_properties", Json::object()}});
  }
  return Json{{"plan", Json{{"jid", v.id_text}, {"name", v.name}, {"type", "STREAMING"}, {"nodes", nodes}}}};
}

Json vertex_json(const JobView& v, int vertex) {
  const JobVertex& jv = v.graph->vertices[static_cast<size_t>(vertex)];
  const auto states = vertex_states(v, vertex);
  Json subtasks = Json::array();
  for (int32_t i = 0; i < jv.parallelism; ++i) {
    const SlotOwner* owner = static_cast<size_t>(i) < v.slots.size() ? &v.slots[static_cast<size_t>(i)] : nullptr;
    const std::string state = static_cast<size_t>(i) < states.size() ? states[static_cast<size_t>(i)] : v.state;
    Json m{{"numRecordsIn", metric_or_zero(v, vertex, i, "numRecordsIn")},
           {"numRecordsOut", metric_or_zero(v, vertex, i, "numRecordsOut")},
           {"numBytesIn", metric_or_zero(v, vertex, i, "numBytesIn")},
           {"numBytesOut", metric_or_zero(v, vertex, i, "numBytesOut")},
           {"busyTimeMsPerSecond", metric_or_zero(v, vertex, i, "busyTimeMsPerSecond")},
           {"backPressuredTimeMsPerSecond", metric_or_zero(v, vertex, i, "backPressuredTimeMsPerSecond")},
           {"idleTimeMsPerSecond", metric_or_zero(v, vertex, i, "idleTimeMsPerSecond")}};
    subtasks.push_back(Json{{"subtask", i},
                            {"status", state},
                            {"attempt", v.attempt},
                            {"endpoint", owner ? owner->host : ""},
                            {"start-time", v.start_ms},
                            {"end-time", v.end_ms},
                            {"duration", duration_ms(v)},
                            {"metrics", m},
                            {"taskmanager-id", owner ? owner->id : ""},
                            {"status-duration", Json{{state, duration_ms(v)}}}});
  }
  return Json{{"id", vertex_id(*v.graph, vertex)},
              {"name", jv.name},
              {"parallelism", jv.parallelism},
              {"maxParallelism", v.graph->spec.max_parallelism},
              {"now", v.now_ms},
              {"subtasks", subtasks},
              {"aggregated", Json{{"metrics", vertex_io_metrics(v, vertex)}}}};
}

namespace {

Json checkpoint_json(const CheckpointRecord& c, int32_t subtasks) {
  return Json{{"className", "completed"},
              {"id", c.id},
              {"status", c.completed ? "COMPLETED" : "FAILED"},
              {"is_savepoint", c.savepoint},
              {"checkpoint_type", c.savepoint ? "SAVEPOINT" : "CHECKPOINT"},
              {"trigger_timestamp", c.trigger_ms},
              {"latest_ack_timestamp", c.end_ms},
              {"state_size", c.full_bytes},
              {"checkpointed_size", c.incremental_bytes},
              {"end_to_end_duration", c.end_ms - c.trigger_ms},
              {"alignment_buffered", 0},
              {"processed_data", 0},
              {"persisted_data", 0},
              {"num_subtasks", subtasks},
              {"num_acknowledged_subtasks", c.completed ? subtasks : 0},
              {"external_path", c.path},
              {"failure_message", c.failure},
              {"tasks", Json::object()}};
}

/// Flink's {min,max,avg,p50,...} of `values`.
Json stats_json(std::vector<int64_t> values) {
  if (values.empty()) return Json{{"min", 0}, {"max", 0}, {"avg", 0}, {"p50", 0}, {"p90", 0}, {"p95", 0},
                                  {"p99", 0}, {"p999", 0}};
  std::sort(values.begin(), values.end());
  int64_t sum = 0;
  for (int64_t x : values) sum += x;
  auto pct = [&](double p) { return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))]; };
  return Json{{"min", values.front()}, {"max", values.back()}, {"avg", sum / static_cast<int64_t>(values.size())},
              {"p50", pct(0.5)},      {"p90", pct(0.9)},      {"p95", pct(0.95)},
              {"p99", pct(0.99)},     {"p999", pct(0.999)}};
}

}  // namespace

Json checkpoints_json(const JobView& v) {
  int32_t subtasks = 0;
  if (v.graph)
    for (const auto& jv : v.graph->vertices) subtasks += jv.parallelism;
  Json history = Json::array();
  std::vector<int64_t> durations, sizes, checkpointed;
  Json latest_completed = nullptr, latest_savepoint = nullptr, latest_failed = nullptr;
  for (auto it = v.checkpoints.rbegin(); it != v.checkpoints.rend(); ++it) {  // newest first, as Flink
    Json c = checkpoint_json(*it, subtasks);
    if (it->completed) {
      durations.push_back(it->end_ms - it->trigger_ms);
      sizes.push_back(it->full_bytes);
      checkpointed.push_back(it->incremental_bytes);
      if (it->savepoint && latest_savepoint.is_null()) latest_savepoint = c;
      if (!it->savepoint && latest_completed.is_null()) latest_completed = c;
    } else if (latest_failed.is_null()) {
      latest_failed = c;
      latest_failed["failure_timestamp"] = it->end_ms;
    }
    history.push_back(std::move(c));
  }
  Json restored = nullptr;
  if (!v.counts.restored_from.empty())
    restored = Json{{"id", 0}, {"restore_timestamp", v.start_ms}, {"is_savepoint", true},
                    {"external_path", v.counts.restored_from}};
  const int64_t restored_count = v.counts.restored_from.empty() ? 0 : 1;
  return Json{{"counts", Json{{"restored", restored_count},
                              {"total", v.counts.completed + v.counts.failed + v.counts.in_progress},
                              {"in_progress", v.counts.in_progress},
                              {"completed", v.counts.completed},
                              {"failed", v.counts.failed}}},
              {"summary", Json{{"checkpointed_size", stats_json(checkpointed)},
                               {"state_size", stats_json(sizes)},
                               {"end_to_end_duration", stats_json(durations)},
                               {"alignment_buffered", stats_json({})},
                               {"processed_data", stats_json({})},
                               {"persisted_data", stats_json({})}}},
              {"latest", Json{{"completed", latest_completed},
                              {"savepoint", latest_savepoint},
                              {"failed", latest_failed},
                              {"restored", restored}}},
              {"history", history}};
}

Json exceptions_json(const JobView& v, size_t max_entries) {
  Json entries = Json::array();
  size_t n = 0;
  for (auto it = v.failures.rbegin(); it != v.failures.rend() && n < max_entries; ++it, ++n)  // newest first
    entries.push_back(Json{{"exceptionName", it->name},
                           {"stacktrace", it->message},
                           {"timestamp", it->time_ms},
                           {"taskName", it->task.empty() ? Json(nullptr) : Json(it->task)},
                           {"endpoint", it->endpoint.empty() ? Json(nullptr) : Json(it->endpoint)},
                           {"taskManagerId", it->endpoint.empty() ? Json(nullptr) : Json(it->endpoint)},
                           {"failureLabels", Json::object()},
                           {"concurrentExceptions", Json::array()}});
  return Json{{"exceptionHistory",
               Json{{"entries", entries}, {"truncated", v.failures_truncated || n < v.failures.size()}}}};
}

}  // namespace eddy
