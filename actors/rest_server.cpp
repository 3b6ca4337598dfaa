#include "actors/rest_server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/job_manager.h"

namespace eddy {
namespace {

using json = nlohmann::json;
constexpr auto kAskTimeout = std::chrono::seconds(10);

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, json{{"error", message}});
}

json operator_json(const OperatorMetrics& m, int32_t parallelism) {
  json o{{"name", m.name},
         {"parallelism", parallelism},
         {"records_in", m.records_in},
         {"records_out", m.records_out},
         {"batches_in", m.batches_in},
         {"batches_out", m.batches_out},
         {"busy_ms", m.busy_ns / 1000000},
         {"skipped_records", m.skipped},
         {"late_records", m.late},
         {"windows_fired", m.windows_fired},
         {"keys_in_state", m.keys}};
  o["watermark"] = m.watermark == INT64_MIN ? json(nullptr) : json(m.watermark);
  return o;
}

json job_json(const JobResult& r, bool details) {
  json j{{"id", format_job_id(r.job_id)}, {"name", r.name}, {"state", r.state}};
  if (!details) return j;
  j["message"] = r.message;
  j["duration_ms"] = r.duration_us / 1000;
  json ops = json::array();
  for (size_t i = 0; i < r.metrics.size(); ++i)
    ops.push_back(operator_json(r.metrics[i], i < r.parallelism.size() ? r.parallelism[i] : 0));
  j["operators"] = ops;
  const CheckpointStats& c = r.checkpoints;
  j["checkpoints"] = json{{"completed", c.completed},
                          {"failed", c.failed},
                          {"restarts", c.restarts},
                          {"last_id", c.last_id},
                          {"avg_duration_ms", c.completed ? c.total_duration_us / c.completed / 1000 : 0},
                          {"max_duration_ms", c.max_duration_us / 1000},
                          {"last_full_bytes", c.last_full_bytes},
                          {"last_incremental_bytes", c.last_incremental_bytes},
                          {"max_alignment_ms", c.max_alignment_us / 1000},
                          {"restored_from", c.restored_from},
                          {"savepoint", c.savepoint_path}};
  return j;
}

/// HTTP status of a job manager error: a bad request (refused pipeline, no
/// such job) is the client's, anything else (timeouts) the server's.
int status_of(const caf::error& err) {
  return err == caf::sec::invalid_argument ? 400 : err == caf::sec::request_timeout ? 504 : 500;
}

}  // namespace

struct RestServer::Impl {
  caf::actor_system& sys;
  caf::actor jm;
  httplib::Server server;
  std::thread thread;

  Impl(caf::actor_system& s, caf::actor j) : sys(s), jm(std::move(j)) {}

  /// The job id of /jobs/{id}..., or 0 (and a 404 sent) when it is not one.
  uint64_t job_id(const httplib::Request& req, httplib::Response& res) {
    const std::string text = req.matches[1];
    const uint64_t id = parse_job_id(text);
    if (id == 0) reply_error(res, 404, "'" + text + "' is not a job id (16 hex digits, see GET /jobs)");
    return id;
  }

  void routes() {
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      reply(res, 200, json{{"service", "eddy job manager"},
                           {"endpoints", {"POST /jobs", "GET /jobs", "GET /jobs/{id}", "POST /jobs/{id}/cancel",
                                          "POST /jobs/{id}/savepoints", "GET /taskmanagers"}}});
    });
    server.Post("/jobs", [this](const httplib::Request& req, httplib::Response& res) { submit(req, res); });
    server.Get("/jobs", [this](const httplib::Request&, httplib::Response& res) {
      caf::scoped_actor self{sys};
      self->request(jm, kAskTimeout, list_atom::value)
          .receive(
              [&](const std::vector<JobResult>& jobs) {
                json list = json::array();
                for (const auto& j : jobs) list.push_back(job_json(j, false));
                reply(res, 200, json{{"jobs", list}});
              },
              [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
    });
    server.Get(R"(/jobs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const uint64_t id = job_id(req, res);
      if (id == 0) return;
      caf::scoped_actor self{sys};
      self->request(jm, kAskTimeout, metrics_atom::value, id)
          .receive([&](const JobResult& r) { reply(res, 200, job_json(r, true)); },
                   [&](caf::error& err) {
                     reply_error(res, err == caf::sec::invalid_argument ? 404 : status_of(err), error_text(sys, err));
                   });
    });
    server.Post(R"(/jobs/([^/]+)/cancel)", [this](const httplib::Request& req, httplib::Response& res) {
      const uint64_t id = job_id(req, res);
      if (id == 0) return;
      if (req.get_param_value("savepoint") == "true") return savepoint(id, true, res);
      caf::scoped_actor self{sys};
      self->request(jm, kAskTimeout, cancel_atom::value, id)
          .receive(
              [&](bool found) {
                if (found) reply(res, 202, json{{"id", format_job_id(id)}, {"canceling", true}});
                else reply_error(res, 404, "no running job " + format_job_id(id));
              },
              [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
    });
    server.Post(R"(/jobs/([^/]+)/savepoints)", [this](const httplib::Request& req, httplib::Response& res) {
      const uint64_t id = job_id(req, res);
      if (id != 0) savepoint(id, false, res);
    });
    server.Get("/taskmanagers", [this](const httplib::Request&, httplib::Response& res) {
      caf::scoped_actor self{sys};
      self->request(jm, kAskTimeout, tms_atom::value)
          .receive(
              [&](const std::vector<TaskManagerInfo>& tms) {
                json list = json::array();
                for (const auto& t : tms)
                  list.push_back(json{{"id", t.id},
                                      {"name", t.name},
                                      {"host", t.host},
                                      {"slots", t.slots},
                                      {"free_slots", t.free_slots},
                                      {"since_heartbeat_ms", t.since_heartbeat_ms}});
                reply(res, 200, json{{"taskmanagers", list}});
              },
              [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
    });
  }

  void submit(const httplib::Request& req, httplib::Response& res) {
    JobSubmission job;
    job.file_name = req.has_param("name") ? req.get_param_value("name") : "pipeline.yaml";
    job.text = req.body;
    job.restore_path = req.get_param_value("savepoint");
    job.wait_for_slots = true;
    if (req.has_param("parallelism")) {
      const std::string p = req.get_param_value("parallelism");
      if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(p) < 1 || std::stoi(p) > 32768)
        return reply_error(res, 400, "parallelism must be a number from 1 to 32768, got '" + p + "'");
      job.parallelism = std::stoi(p);
    }
    if (job.text.empty()) return reply_error(res, 400, "the body must hold the pipeline (YAML text)");
    caf::scoped_actor self{sys};
    self->request(jm, kAskTimeout, submit_atom::value, job, jm)
        .receive([&](uint64_t id) { reply(res, 200, json{{"id", format_job_id(id)}}); },
                 [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
  }

  void savepoint(uint64_t id, bool stop, httplib::Response& res) {
    caf::scoped_actor self{sys};
    // A savepoint takes as long as a checkpoint: the checkpoint timeout bounds it.
    self->request(jm, std::chrono::minutes(15), savepoint_atom::value, id, stop)
        .receive([&](const std::string& path) { reply(res, 200, json{{"id", format_job_id(id)}, {"path", path}}); },
                 [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
  }
};

Result<std::unique_ptr<RestServer>> RestServer::start(caf::actor_system& sys, caf::actor job_manager,
                                                      const std::string& host, uint16_t port) {
  auto impl = std::make_unique<Impl>(sys, std::move(job_manager));
  impl->routes();
  const std::string bind = host.empty() ? "0.0.0.0" : host;
  int bound = port;
  if (port == 0) {
    bound = impl->server.bind_to_any_port(bind);
  } else if (!impl->server.bind_to_port(bind, port)) {
    bound = -1;
  }
  if (bound <= 0)
    return Status::io_error("cannot serve the REST API on " + bind + ":" + std::to_string(port) +
                            " (is the port in use? pick another with --rest)");
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<RestServer>(new RestServer(std::move(impl), static_cast<uint16_t>(bound)));
}

RestServer::RestServer(std::unique_ptr<Impl> impl, uint16_t port) : impl_(std::move(impl)), port_(port) {}

RestServer::~RestServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace eddy
