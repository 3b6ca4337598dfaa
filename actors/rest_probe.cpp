// REST: what a vertex's subtasks emit and do right now, asked of the task
// managers that run them (through the job manager and the job master):
// .../sample (the last rows, from the subtasks' sample taps) and .../stacks
// (activity and native stack of each subtask's thread); and the job master's
// monitor: /jobs/{id}/health and /jobs/{id}/events (JSON it renders itself).
#include "actors/rest_routes.h"
#include "runtime/sample_tap.h"

namespace eddy {
namespace {

/// Asks the job manager for the parts of every task manager running `vertex`.
template <class... Ts>
std::optional<std::vector<std::string>> ask_parts(RestContext& ctx, httplib::Response& res,
                                                  std::chrono::seconds timeout, Ts... xs) {
  std::optional<std::vector<std::string>> out;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.jm, timeout, xs...)
      .receive([&](const std::vector<std::string>& parts) { out = parts; },
               [&](caf::error& err) { reply_error(res, status_of(err), error_text(ctx.sys, err)); });
  return out;
}

/// The vertex of a running job the path names; nullopt with the error sent.
std::optional<int> running_vertex(RestContext& ctx, const httplib::Request& req, httplib::Response& res,
                                  uint64_t& id) {
  id = path_job_id(req, res);
  if (id == 0) return std::nullopt;
  JobViewPtr v = ask_view(ctx, id, res);
  if (!v) return std::nullopt;
  return path_vertex(*v, req, res);
}

}  // namespace

/// Answers with the JSON text the job master's monitor renders for `what` (health_atom or events_atom).
template <class Atom>
void monitor_json(RestContext& ctx, const httplib::Request& req, httplib::Response& res, Atom what) {
  const uint64_t id = path_job_id(req, res);
  if (id == 0) return;
  caf::scoped_actor self{ctx.sys};
  self->request(ctx.jm, kRestAskTimeout, what, id)
      .receive(
          [&](const std::string& text) {
            Json j = Json::parse(text, nullptr, false);
            if (j.is_discarded()) reply_error(res, 500, "the job master's monitor answered with something that is not JSON");
            else reply(res, 200, j);
          },
          [&](caf::error& err) { reply_error(res, status_of(err), error_text(ctx.sys, err)); });
}

void add_probe_routes(httplib::Server& server, RestContext& ctx) {
  server.Get(R"(/jobs/([^/]+)/health)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    monitor_json(ctx, req, res, health_atom::value);
  });
  server.Get(R"(/jobs/([^/]+)/events)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    monitor_json(ctx, req, res, events_atom::value);
  });
  const std::string vertex = R"(/jobs/([^/]+)/vertices/([^/]+))";
  server.Get(vertex + "/sample", [&ctx](const httplib::Request& req, httplib::Response& res) {
    size_t rows = 20;
    const std::string text = req.get_param_value("rows");
    if (!text.empty()) {
      if (text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0)
        return reply_error(res, 400, "rows must be a number from 1 to " + std::to_string(SampleTap::kDefaultCapacity) +
                                         ", got '" + text + "'");
      rows = std::min<size_t>(std::stoul(text), SampleTap::kDefaultCapacity);
    }
    uint64_t id = 0;
    auto v = running_vertex(ctx, req, res, id);
    if (!v) return;
    auto parts = ask_parts(ctx, res, std::chrono::seconds(8), sample_atom::value, id, static_cast<int32_t>(*v),
                           static_cast<int32_t>(rows));
    if (parts) reply(res, 200, merge_samples(*parts, rows));
  });
  server.Get(vertex + "/stacks", [&ctx](const httplib::Request& req, httplib::Response& res) {
    uint64_t id = 0;
    auto v = running_vertex(ctx, req, res, id);
    if (!v) return;
    auto parts = ask_parts(ctx, res, std::chrono::seconds(20), stacks_atom::value, id, static_cast<int32_t>(*v));
    if (parts) reply(res, 200, merge_stacks(*parts));
  });
}

}  // namespace eddy
