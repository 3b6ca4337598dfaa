// REST: one job's plan, vertices, checkpoints and failures, as Flink's REST API shows them.
#include "actors/rest_routes.h"

namespace eddy {
namespace {

/// Runs `answer` with the job's view, and the vertex when the path has one.
template <class Answer>
void with_view(RestContext& ctx, const httplib::Request& req, httplib::Response& res, Answer answer) {
  const uint64_t id = path_job_id(req, res);
  if (id == 0) return;
  if (JobViewPtr v = ask_view(ctx, id, res)) answer(*v);
}

}  // namespace

void add_job_routes(httplib::Server& server, RestContext& ctx) {
  server.Get(R"(/jobs/([^/]+)/plan)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_view(ctx, req, res, [&](const JobView& v) {
      if (!v.graph) return reply_error(res, 404, "job " + v.id_text + " has ended and its plan is no longer kept");
      reply(res, 200, plan_json(v));
    });
  });
  server.Get(R"(/jobs/([^/]+)/vertices/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const uint64_t id = path_job_id(req, res);
    if (id == 0) return;
    JobViewPtr v = ask_view(ctx, id, res);
    if (!v) return;
    auto vertex = path_vertex(*v, req, res);
    if (!vertex) return;
    auto tms = ask_task_managers(ctx, res);
    if (tms) reply(res, 200, vertex_json(*with_hosts(v, *tms), *vertex));
  });
  server.Get(R"(/jobs/([^/]+)/checkpoints)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    with_view(ctx, req, res, [&](const JobView& v) { reply(res, 200, checkpoints_json(v)); });
  });
  server.Get(R"(/jobs/([^/]+)/exceptions)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    size_t most = kFailuresKept;
    const std::string max = req.get_param_value("maxExceptions");
    if (!max.empty()) {
      if (max.size() > 6 || max.find_first_not_of("0123456789") != std::string::npos)
        return reply_error(res, 400, "maxExceptions must be a number, got '" + max + "'");
      most = std::stoul(max);
    }
    with_view(ctx, req, res, [&](const JobView& v) { reply(res, 200, exceptions_json(v, most)); });
  });
}

}  // namespace eddy
