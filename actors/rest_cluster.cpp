// REST: the cluster as a whole. /config, /overview, /jobs/overview,
// /taskmanagers and /taskmanagers/{tm}, and /metrics in Prometheus' format.
#include "actors/rest_routes.h"
#include "monitor/prometheus.h"

namespace eddy {
namespace {

bool running(const std::string& state) { return state == "RUNNING" || state == "CREATED" || state == "RESTARTING"; }

std::optional<std::vector<JobResult>> ask_jobs(RestContext& ctx, httplib::Response& res) {
  std::optional<std::vector<JobResult>> out;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.jm, kRestAskTimeout, list_atom::value)
      .receive([&](const std::vector<JobResult>& jobs) { out = jobs; },
               [&](caf::error& err) { reply_error(res, status_of(err), error_text(ctx.sys, err)); });
  return out;
}

ClusterFigures figures(const std::vector<TaskManagerInfo>& tms, const std::vector<JobResult>& jobs) {
  ClusterFigures c;
  c.task_managers = static_cast<int32_t>(tms.size());
  for (const auto& t : tms) {
    c.slots_total += t.slots;
    c.slots_available += t.free_slots;
  }
  for (const auto& j : jobs) {
    if (running(j.state)) ++c.jobs_running;
    else if (j.state == "FINISHED") ++c.jobs_finished;
    else if (j.state == "CANCELED") ++c.jobs_cancelled;
    else if (j.state == "FAILED") ++c.jobs_failed;
  }
  return c;
}

/// A task manager with Flink's field names, and eddy's earlier ones beside them.
Json task_manager_json(const TaskManagerInfo& t) {
  return Json{{"id", t.id},
              {"path", t.host.empty() ? t.name : t.host},
              {"dataPort", -1},
              {"jmxPort", -1},
              {"timeSinceLastHeartbeat", t.since_heartbeat_ms},
              {"slotsNumber", t.slots},
              {"freeSlots", t.free_slots},
              {"hardware", Json{{"cpuCores", 0}, {"physicalMemory", 0}, {"freeMemory", 0}, {"managedMemory", 0}}},
              {"blocked", false},
              {"name", t.name},
              {"host", t.host},
              {"slots", t.slots},
              {"free_slots", t.free_slots},
              {"since_heartbeat_ms", t.since_heartbeat_ms}};
}

void task_managers(RestContext& ctx, httplib::Response& res) {
  auto tms = ask_task_managers(ctx, res);
  if (!tms) return;
  Json list = Json::array();
  for (const auto& t : *tms) list.push_back(task_manager_json(t));
  reply(res, 200, Json{{"taskmanagers", list}});
}

void task_manager(RestContext& ctx, const std::string& which, httplib::Response& res) {
  auto tms = ask_task_managers(ctx, res);
  if (!tms) return;
  std::string known;
  for (const auto& t : *tms) {
    if (t.id == which || t.name == which) {
      Json j = task_manager_json(t);
      j["allocatedSlots"] = Json::array();
      j["metrics"] = Json::object();
      return reply(res, 200, j);
    }
    known += (known.empty() ? "" : ", ") + t.name + " (id " + t.id + ")";
  }
  reply_error(res, 404, "no task manager '" + which + "'; task managers: " + (known.empty() ? "none" : known));
}

void jobs_overview(RestContext& ctx, httplib::Response& res) {
  auto jobs = ask_jobs(ctx, res);
  if (!jobs) return;
  Json list = Json::array();
  for (const auto& j : *jobs) {
    httplib::Response ignored;  // a job that ends between the two asks is left out
    if (JobViewPtr v = ask_view(ctx, j.job_id, ignored)) list.push_back(job_overview_json(*v));
  }
  reply(res, 200, Json{{"jobs", list}});
}

/// GET /metrics: the job manager's, every running job's and their subtasks' metrics.
void prometheus(RestContext& ctx, httplib::Response& res) {
  auto tms = ask_task_managers(ctx, res);
  if (!tms) return;
  auto jobs = ask_jobs(ctx, res);
  if (!jobs) return;
  PrometheusText text(ctx.prometheus_prefix);
  add_cluster_metrics(text, figures(*tms, *jobs));
  for (const auto& j : *jobs) {
    if (!running(j.state)) continue;
    httplib::Response ignored;
    if (JobViewPtr v = ask_view(ctx, j.job_id, ignored)) add_job_metrics(text, *with_hosts(v, *tms));
  }
  res.status = 200;
  res.set_content(text.render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

void add_cluster_routes(httplib::Server& server, RestContext& ctx) {
  server.Get("/config", [](const httplib::Request&, httplib::Response& res) { reply(res, 200, config_json(3000)); });
  server.Get("/overview", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto tms = ask_task_managers(ctx, res);
    if (!tms) return;
    auto jobs = ask_jobs(ctx, res);
    if (jobs) reply(res, 200, overview_json(figures(*tms, *jobs)));
  });
  server.Get("/jobs/overview", [&ctx](const httplib::Request&, httplib::Response& res) { jobs_overview(ctx, res); });
  server.Get("/taskmanagers", [&ctx](const httplib::Request&, httplib::Response& res) { task_managers(ctx, res); });
  server.Get(R"(/taskmanagers/(.+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    task_manager(ctx, req.matches[1], res);
  });
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) { prometheus(ctx, res); });
}

}  // namespace eddy
