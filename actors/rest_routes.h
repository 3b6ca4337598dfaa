// What the REST server's endpoint groups share (actors/rest_*.cpp): how they
// answer, ask the job manager, and read a path's job and vertex. The server
// (rest_server.cpp) routes; each group adds its endpoints:
//   rest_cluster.cpp  /config, /overview, /jobs/overview, /taskmanagers/{tm}, /metrics (Prometheus)
//   rest_jobs.cpp     /jobs/{id}/plan, /vertices/{vid}, /checkpoints, /exceptions
//   rest_metrics.cpp  /jobs/{id}/vertices/{vid}/metrics, subtasks/metrics, watermarks, backpressure, history
//   rest_probe.cpp    /jobs/{id}/vertices/{vid}/sample and /stacks, /jobs/{id}/health and /events
// JSON is built by the CAF-free functions of monitor/rest_json.h.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/messages.h"
#include "monitor/rest_json.h"

namespace eddy {

constexpr auto kRestAskTimeout = std::chrono::seconds(10);

struct RestContext {
  caf::actor_system& sys;
  caf::actor jm;
  std::string prometheus_prefix = "flink";  // metrics.prometheus.prefix
};

void reply(httplib::Response& res, int status, const Json& body);
/// Every error: {"errors": [message]} as Flink's REST API, and "error" with the same text as before.
void reply_error(httplib::Response& res, int status, const std::string& message);
/// A builder's result: the JSON, or 404 (NotFound) / 400 with its message.
void reply_result(httplib::Response& res, const Result<Json>& r);
/// HTTP status of a job manager error (404 unknown job, 409 ended, 400, 504, 500).
int status_of(const caf::error& err);

/// The job id of the path's first group, or 0 (and a 404 sent) when it is not one.
uint64_t path_job_id(const httplib::Request& req, httplib::Response& res);
/// The job's view; null (and the error sent) when it cannot be had.
JobViewPtr ask_view(RestContext& ctx, uint64_t id, httplib::Response& res);
/// The vertex the path's second group names (id, index or operator); nullopt
/// and a 404 naming the vertices when none; a job without a plan is a 404 too.
std::optional<int> path_vertex(const JobView& v, const httplib::Request& req, httplib::Response& res);
/// The live task managers; empty (and the error sent) when the job manager did not answer.
std::optional<std::vector<TaskManagerInfo>> ask_task_managers(RestContext& ctx, httplib::Response& res);
/// `v` with each slot's host filled in from `tms`.
JobViewPtr with_hosts(const JobViewPtr& v, const std::vector<TaskManagerInfo>& tms);

void add_cluster_routes(httplib::Server& server, RestContext& ctx);
void add_job_routes(httplib::Server& server, RestContext& ctx);
void add_metric_routes(httplib::Server& server, RestContext& ctx);
void add_probe_routes(httplib::Server& server, RestContext& ctx);

}  // namespace eddy
