// REST: a vertex's metrics by Flink name, their aggregates over subtasks,
// watermarks, backpressure, and eddy's history of them.
#include "actors/rest_routes.h"

namespace eddy {
namespace {

/// Runs `answer` with the job's view and the vertex the path names.
template <class Answer>
void with_vertex(RestContext& ctx, const httplib::Request& req, httplib::Response& res, Answer answer) {
  const uint64_t id = path_job_id(req, res);
  if (id == 0) return;
  JobViewPtr v = ask_view(ctx, id, res);
  if (!v) return;
  if (auto vertex = path_vertex(*v, req, res)) answer(*v, *vertex);
}

}  // namespace

void add_metric_routes(httplib::Server& server, RestContext& ctx) {
  const std::string vertex = R"(/jobs/([^/]+)/vertices/([^/]+))";
  server.Get(vertex + "/metrics", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_vertex(ctx, req, res, [&](const JobView& v, int x) {
      reply_result(res, vertex_metrics_json(v, x, req.get_param_value("get")));
    });
  });
  server.Get(vertex + "/subtasks/metrics", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_vertex(ctx, req, res, [&](const JobView& v, int x) {
      reply_result(res, subtask_metrics_json(v, x, req.get_param_value("get"), req.get_param_value("agg"),
                                             req.get_param_value("subtasks")));
    });
  });
  server.Get(vertex + "/watermarks", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_vertex(ctx, req, res, [&](const JobView& v, int x) { reply(res, 200, watermarks_json(v, x)); });
  });
  server.Get(vertex + "/backpressure", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_vertex(ctx, req, res, [&](const JobView& v, int x) { reply(res, 200, backpressure_json(v, x)); });
  });
  server.Get(vertex + "/history", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_vertex(ctx, req, res, [&](const JobView& v, int x) {
      reply_result(res, history_json(v, x, req.get_param_value("get")));
    });
  });
}

}  // namespace eddy
