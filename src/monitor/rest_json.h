// The REST API's JSON, built from a JobView without the actors: Flink's
// paths and field names where Flink has the endpoint (docs/monitoring.md,
// ../shared/notes/flink-rest-and-metrics.md), eddy's own below them.
// actors/rest_*.cpp call these and only move bytes. A NotFound Status is a
// 404 whose message names what exists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "monitor/job_view.h"
#include "runtime/sample_tap.h"
#include "runtime/subtask_registry.h"

namespace eddy {

using Json = nlohmann::json;

/// Cluster-wide figures for GET /overview and the Prometheus text.
struct ClusterFigures {
  int32_t task_managers = 0;
  int32_t slots_total = 0;
  int32_t slots_available = 0;
  int32_t jobs_running = 0, jobs_finished = 0, jobs_cancelled = 0, jobs_failed = 0;
};

// -- rest_json_job.cpp: the cluster, jobs, plan, vertices, checkpoints, failures ----
Json config_json(int64_t refresh_interval_ms);
Json overview_json(const ClusterFigures& c);
/// One row of GET /jobs/overview.
Json job_overview_json(const JobView& v);
/// GET /jobs/{id}'s Flink fields (the server adds eddy's summary beside them).
Json job_details_json(const JobView& v);
Json plan_json(const JobView& v);
Json vertex_json(const JobView& v, int vertex);
Json checkpoints_json(const JobView& v);
Json exceptions_json(const JobView& v, size_t max_entries);
/// "FORWARD", "REBALANCE", "HASH", "BROADCAST".
const char* ship_strategy(EdgePartitioning p);

// -- rest_json_metrics.cpp: metrics by Flink name ------------------------------------
/// Splits "a,b,c" (empty parts dropped).
std::vector<std::string> split_list(const std::string& text);
/// GET .../metrics: without `get`, [{id}] of every metric; with it, [{id,value}].
Result<Json> vertex_metrics_json(const JobView& v, int vertex, const std::string& get);
/// GET .../subtasks/metrics?get=&agg=&subtasks=: [{id,min,max,avg,sum,skew}].
Result<Json> subtask_metrics_json(const JobView& v, int vertex, const std::string& get, const std::string& agg,
                                  const std::string& subtasks);
Json watermarks_json(const JobView& v, int vertex);
/// Levels from backPressuredTimeMsPerSecond as Flink's (monitor/job_health.h: ok <= 0.10 < low <= 0.50 < high).
Json backpressure_json(const JobView& v, int vertex);
/// eddy: GET .../history?get=a,b: the kept points of each metric per subtask.
Result<Json> history_json(const JobView& v, int vertex, const std::string& get);

// -- rest_json_probe.cpp: stacks and samples, gathered from task managers -------------
/// One subtask's answer to a stacks request, as a task manager builds it.
struct SubtaskStack {
  SubtaskActivityView activity;
  std::vector<std::string> frames;
  std::string error;  // the stack could not be taken (the thread did not answer)
};
/// A task manager's part of GET .../stacks: {"subtasks":[...]}, as text.
std::string stacks_part(const std::vector<SubtaskStack>& stacks);
/// A task manager's part of GET .../sample: {"columns":[...],"rows":[...]}, as text.
std::string sample_part(const std::vector<SampleRead>& reads);
/// The parts of every task manager, merged; subtasks in order.
Json merge_stacks(const std::vector<std::string>& parts);
/// Merged, newest `rows` rows in time order.
Json merge_samples(const std::vector<std::string>& parts, size_t rows);

}  // namespace eddy
