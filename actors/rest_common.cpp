// Answers, job manager requests and path parsing shared by the REST endpoint groups.
#include <memory>

#include "actors/job_manager.h"
#include "actors/rest_routes.h"
#include "monitor/vertex_id.h"

namespace eddy {

void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, Json{{"errors", Json::array({message})}, {"error", message}});
}

void reply_result(httplib::Response& res, const Result<Json>& r) {
  if (r.ok()) return reply(res, 200, *r);
  reply_error(res, r.status().code() == StatusCode::kNotFound ? 404 : 400, r.status().message());
}

int status_of(const caf::error& err) {
  if (is_job_error(err, JobError::kNoSuchJob)) return 404;
  if (is_job_error(err, JobError::kJobEnded)) return 409;
  return err == caf::sec::invalid_argument ? 400 : err == caf::sec::request_timeout ? 504 : 500;
}

uint64_t path_job_id(const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches[1];
  const uint64_t id = parse_job_id(text);
  if (id == 0) reply_error(res, 404, "'" + text + "' is not a job id (16 hex digits, see GET /jobs)");
  return id;
}

JobViewPtr ask_view(RestContext& ctx, uint64_t id, httplib::Response& res) {
  JobViewPtr out;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.jm, kRestAskTimeout, view_atom::value, id)
      .receive([&](const JobViewPtr& v) { out = v; },
               [&](caf::error& err) { reply_error(res, status_of(err), error_text(ctx.sys, err)); });
  return out;
}

std::optional<int> path_vertex(const JobView& v, const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches[2];
  if (!v.graph) {
    reply_error(res, 404, "job " + v.id_text + " has ended and its plan is no longer kept");
    return std::nullopt;
  }
  auto found = find_vertex(*v.graph, text);
  if (!found) reply_error(res, 404, "no vertex '" + text + "' in job " + v.id_text + "; vertices: " + list_vertices(*v.graph));
  return found;
}

std::optional<std::vector<TaskManagerInfo>> ask_task_managers(RestContext& ctx, httplib::Response& res) {
  std::optional<std::vector<TaskManagerInfo>> out;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.jm, kRestAskTimeout, tms_atom::value)
      .receive([&](const std::vector<TaskManagerInfo>& tms) { out = tms; },
               [&](caf::error& err) { reply_error(res, status_of(err), error_text(ctx.sys, err)); });
  return out;
}

JobViewPtr with_hosts(const JobViewPtr& v, const std::vector<TaskManagerInfo>& tms) {
  auto copy = std::make_shared<JobView>(*v);
  for (auto& slot : copy->slots)
    for (const auto& tm : tms)
      if (tm.id == slot.id) slot.host = tm.host.empty() ? "localhost" : tm.host;
  return copy;
}

}  // namespace eddy
