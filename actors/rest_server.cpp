#include "actors/rest_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "actors/job_manager.h"
#include "actors/rest_routes.h"
#include "actors/rest_security.h"
#include "net/tcp_socket.h"
#include "actors/rest_thread_pool.h"
#include "actors/rest_web_ui.h"

namespace eddy {
namespace {

using json = nlohmann::json;
constexpr auto kAskTimeout = std::chrono::seconds(10);

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
  if (m.lookup_hits + m.lookup_misses + m.lookup_timeouts > 0) {  // lookup joins against a server
    o["lookup_cache_hits"] = m.lookup_hits;
    o["lookup_cache_misses"] = m.lookup_misses;
    o["lookup_timeouts"] = m.lookup_timeouts;
    o["lookup_null_rows"] = m.lookup_null_rows;
  }
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

/// The endpoints and the methods each takes (GET /api lists them; a known
/// path asked with another method gets a 405 that names these).
struct Route {
  const char* pattern;  // a regular expression over the whole path
  const char* shown;    // as GET / shows it
  const char* methods;
};
const Route kRoutes[] = {
    {"/api", "/api", "GET"},
    {"/config", "/config", "GET"},
    {"/overview", "/overview", "GET"},
    {"/metrics", "/metrics", "GET"},
    {"/jobs", "/jobs", "GET, POST"},
    {"/jobs/overview", "/jobs/overview", "GET"},
    {"/jobs/[^/]+", "/jobs/{id}", "GET"},
    {"/jobs/[^/]+/cancel", "/jobs/{id}/cancel", "POST"},
    {"/jobs/[^/]+/savepoints", "/jobs/{id}/savepoints", "POST"},
    {"/jobs/[^/]+/plan", "/jobs/{id}/plan", "GET"},
    {"/jobs/[^/]+/checkpoints", "/jobs/{id}/checkpoints", "GET"},
    {"/jobs/[^/]+/exceptions", "/jobs/{id}/exceptions", "GET"},
    {"/jobs/[^/]+/health", "/jobs/{id}/health", "GET"},
    {"/jobs/[^/]+/events", "/jobs/{id}/events", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+", "/jobs/{id}/vertices/{vid}", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/metrics", "/jobs/{id}/vertices/{vid}/metrics", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/subtasks/metrics", "/jobs/{id}/vertices/{vid}/subtasks/metrics", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/watermarks", "/jobs/{id}/vertices/{vid}/watermarks", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/backpressure", "/jobs/{id}/vertices/{vid}/backpressure", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/history", "/jobs/{id}/vertices/{vid}/history", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/sample", "/jobs/{id}/vertices/{vid}/sample", "GET"},
    {"/jobs/[^/]+/vertices/[^/]+/stacks", "/jobs/{id}/vertices/{vid}/stacks", "GET"},
    {"/taskmanagers", "/taskmanagers", "GET"},
    {"/taskmanagers/.+", "/taskmanagers/{tm}", "GET"},
};

/// The route `path` is, if any.
const Route* route_of(const std::string& path) {
  for (const Route& r : kRoutes)
    if (std::regex_match(path, std::regex(r.pattern))) return &r;
  return nullptr;
}

/// "4 MiB", "512 KiB" or "1000 bytes".
std::string size_text(size_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string too_large_text(size_t max_body) {
  return "the request body is larger than this REST API accepts (" + size_text(max_body) +
         ", rest.max_body in the job manager's --config). A pipeline file is a few KiB: check that this is "
         "the right file; if it is, raise rest.max_body";
}

std::string timeout_text(const ConnectionLimits& l) {
  return "the request did not arrive within " + std::to_string(l.request_timeout.count() / 1000) +
         " s, or paused for more than " + std::to_string(l.read_timeout.count() / 1000) +
         " s: send the whole request at once";
}

/// The message of an error that cpp-httplib answered itself (no body yet).
std::string library_error_text(const httplib::Request& req, int status, size_t max_body) {
  switch (status) {
    case 404: return "no endpoint " + req.method + " " + req.path + " (GET /api lists the endpoints)";
    case 413: return too_large_text(max_body);
    case 414: return "the request line is too long (at most 8192 bytes)";
    case 400: return "malformed HTTP request";
    default: return "the request was refused (HTTP " + std::to_string(status) + ")";
  }
}

/// Answers with an error and closes the connection after it: the request's
/// body, if any, was not read.
void reject(httplib::Response& res, int status, const std::string& message) {
  reply_error(res, status, message);
  res.set_header("Connection", "close");
  if (ConnectionState* c = current_connection()) c->close_after_response = true;
}

}  // namespace

RestOptions rest_options(const ClusterConfig& c, const std::string& host, uint16_t port) {
  RestOptions o;
  o.host = host;
  o.port = port;
  o.max_body = static_cast<size_t>(c.rest_max_body);
  o.token = c.rest_token;
  o.tls_certificate = c.rest_tls_certificate;
  o.tls_key = c.rest_tls_key;
  o.tls_passphrase = c.rest_tls_passphrase;
  o.prometheus_prefix = c.prometheus_prefix;
  return o;
}

struct RestServer::Impl {
  caf::actor_system& sys;
  caf::actor jm;
  RestOptions options;
  BoundedServer server;
  RestContext ctx;  // what the endpoint groups (rest_routes.h) share
  std::thread thread;

  Impl(caf::actor_system& s, caf::actor j, RestOptions o, TlsContext tls)
      : sys(s), jm(std::move(j)), options(std::move(o)), server(options.limits, std::move(tls)),
        ctx{sys, jm, options.prometheus_prefix} {}

  /// Every answer is JSON, and a request that may not be served is refused
  /// before its body is read.
  void guards() {
    const size_t threads = options.threads;
    server.new_task_queue = [threads] { return new GrowingThreadPool(std::min<size_t>(8, threads), threads); };
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return admit(req, res);
    });
    // curl sends "Expect: 100-continue" before a body over 1 MiB: refuse before it sends the body.
    server.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
      return admit(req, res) == httplib::Server::HandlerResponse::Handled ? res.status : 100;
    });
    server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                         httplib::Response& res) {
      // Handled in every case: cpp-httplib then sets Content-Length, also on the
      // Expect: 100-continue path (which skips it otherwise).
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Handled;  // already our JSON error
      const ConnectionState* c = current_connection();
      const ReadFailure failure = c != nullptr ? c->failure : ReadFailure::kNone;
      if (failure == ReadFailure::kTimeout) reject(res, 408, timeout_text(options.limits));
      else if (failure == ReadFailure::kTooLarge) reject(res, 413, too_large_text(options.max_body));
      else if (res.status == 404 && route_of(req.path) != nullptr) method_not_allowed(req, res);
      else if (res.status == 404) reply_error(res, 404, library_error_text(req, 404, options.max_body));
      else reject(res, res.status, library_error_text(req, res.status, options.max_body));  // the stream is unsure
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      reject(res, 500, "internal error: " + what);
    });
  }

  /// 405 for a known path asked with a method it does not take; the body, if
  /// any, was not read, so the connection closes after the answer.
  static void method_not_allowed(const httplib::Request& req, httplib::Response& res) {
    const Route* r = route_of(req.path);
    res.set_header("Allow", r->methods);
    reject(res, 405, req.method + " is not allowed on " + r->shown + "; it takes " + r->methods);
  }

  /// The checks every request passes before it is routed: the bearer token,
  /// and a declared body within rest.max_body.
  httplib::Server::HandlerResponse admit(const httplib::Request& req, httplib::Response& res) {
    using R = httplib::Server::HandlerResponse;
    if (!options.token.empty() && !bearer_token_matches(req.get_header_value("Authorization"), options.token)) {
      const bool presented = req.has_header("Authorization");
      res.set_header("WWW-Authenticate", presented ? R"(Bearer realm="eddy", error="invalid_token")"
                                                   : R"(Bearer realm="eddy")");
      reject(res, 401, presented ? "the bearer token is not this job manager's (compare EDDY_REST_TOKEN here "
                                   "and on the job manager)"
                                 : "this REST API needs a bearer token: send 'Authorization: Bearer TOKEN' "
                                   "(eddy commands send EDDY_REST_TOKEN)");
      return R::Handled;
    }
    const std::string length = req.get_header_value("Content-Length");
    if (length.empty() && !req.has_header("Transfer-Encoding")) {
      if (ConnectionState* c = current_connection()) c->no_body = true;
    }
    if (!length.empty() && (length.size() > 18 || std::strtoull(length.c_str(), nullptr, 10) > options.max_body)) {
      reject(res, 413, too_large_text(options.max_body));
      return R::Handled;
    }
    return R::Unhandled;
  }

  uint64_t job_id(const httplib::Request& req, httplib::Response& res) { return path_job_id(req, res); }

  void routes() {
    // Fixed paths before the patterns that would take them (/jobs/overview before /jobs/{id}).
    add_cluster_routes(server, ctx);
    add_job_routes(server, ctx);
    add_metric_routes(server, ctx);
    add_probe_routes(server, ctx);
    add_web_ui_routes(server);  // "/" and the UI's assets
    server.Get("/api", [](const httplib::Request&, httplib::Response& res) {
      json endpoints = json::array();
      for (const Route& r : kRoutes) {
        if (std::string(r.shown) == "/api") continue;
        std::stringstream methods(r.methods);
        for (std::string m; std::getline(methods >> std::ws, m, ',');) endpoints.push_back(m + " " + r.shown);
      }
      reply(res, 200, json{{"service", "eddy job manager"}, {"endpoints", endpoints}});
    });
    server.Post("/jobs", [this](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) { submit(req, res, reader); });
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
                   [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
      if (res.status != 200) return;
      httplib::Response ignored;  // eddy's summary stands alone if the view cannot be had
      if (JobViewPtr v = ask_view(ctx, id, ignored)) {
        json j = json::parse(res.body);
        const json state = j["state"];  // the two asks may straddle the job's end: the summary's state stands
        j.update(job_details_json(*v));
        j["state"] = state;
        reply(res, 200, j);
      }
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
                else reply_error(res, 404, "no job with id " + format_job_id(id));
              },
              [&](caf::error& err) { reply_error(res, status_of(err), error_text(sys, err)); });
    });
    server.Post(R"(/jobs/([^/]+)/savepoints)", [this](const httplib::Request& req, httplib::Response& res) {
      const uint64_t id = job_id(req, res);
      if (id != 0) savepoint(id, false, res);
    });
  }

  /// Reads the pipeline of POST /jobs whatever the content type: the raw body
  /// (curl --data-binary labels it a form; it is not parsed as one here), or
  /// the first part of a multipart form (curl -F file=@job.yaml), whose file
  /// name names the job. False, with the error answered, when it cannot.
  bool read_pipeline(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                     JobSubmission& job) {
    bool too_large = false;
    auto append = [&](const char* data, size_t n) {
      if (job.text.size() + n > options.max_body) return !(too_large = true);
      job.text.append(data, n);
      return true;
    };
    bool ok = false;
    if (req.is_multipart_form_data()) {
      size_t parts = 0;
      ok = reader(
          [&](const httplib::MultipartFormData& part) {
            if (++parts == 1 && !part.filename.empty() && !req.has_param("name")) job.file_name = part.filename;
            return true;
          },
          [&](const char* data, size_t n) { return parts > 1 || append(data, n); });
    } else {
      ok = reader(append);
    }
    if (ok) return true;
    const ConnectionState* c = current_connection();
    const ReadFailure failure = c != nullptr ? c->failure : ReadFailure::kNone;
    if (too_large || res.status == 413 || failure == ReadFailure::kTooLarge)
      reject(res, 413, too_large_text(options.max_body));
    else if (failure == ReadFailure::kTimeout) reject(res, 408, timeout_text(options.limits));
    else reject(res, 400, "the request body could not be read (a malformed chunked or multipart body?)");
    return false;
  }

  void submit(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    JobSubmission job;
    job.file_name = req.has_param("name") ? req.get_param_value("name") : "pipeline.yaml";
    if (!read_pipeline(req, res, reader, job)) return;
    job.restore_path = req.get_param_value("savepoint");
    job.wait_for_slots = true;
    if (req.has_param("parallelism")) {
      const std::string p = req.get_param_value("parallelism");
      if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(p) < 1 || std::stoi(p) > 32768)
        return reply_error(res, 400, "parallelism must be a number from 1 to 32768, got '" + p + "'");
      job.parallelism = std::stoi(p);
    }
    if (req.has_param("allowNonRestoredState")) {  // as Flink's REST API names it
      const std::string a = req.get_param_value("allowNonRestoredState");
      if (a != "true" && a != "false")
        return reply_error(res, 400, "allowNonRestoredState must be true or false, got '" + a + "'");
      job.allow_non_restored_state = a == "true";
    }
    if (job.text.empty()) return reply_error(res, 400, "the body must hold the pipeline (YAML text)");
    caf::scoped_actor self{sys};
    self->request(jm, kAskTimeout, submit_atom::value, job, jm)
        .receive(
            [&](const JobAccepted& accepted) {
              json body{{"id", format_job_id(accepted.id)}};
              if (!accepted.notes.empty()) body["notes"] = accepted.notes;
              reply(res, 200, body);
            },
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

namespace {

/// What an operator should know before a REST API is reachable by others.
void warn_if_exposed(const RestOptions& o, int port) {
  if (is_loopback_host(o.host)) return;
  const std::string where = (o.host.empty() ? "0.0.0.0" : o.host) + ":" + std::to_string(port);
  if (o.token.empty())
    std::fprintf(stderr,
                 "eddy jobmanager: WARNING: the REST API on %s is open to other hosts WITHOUT A TOKEN: anyone who "
                 "can connect can submit jobs (which read and write files as this user), cancel them and take "
                 "savepoints. Set EDDY_REST_TOKEN (or rest.token), serve https (rest.tls.certificate, "
                 "rest.tls.key), or bind --rest 127.0.0.1:PORT\n",
                 where.c_str());
  else if (o.tls_certificate.empty())
    std::fprintf(stderr,
                 "eddy jobmanager: WARNING: the REST API on %s is open to other hosts over plain http: its "
                 "token and pipelines cross the network in clear. Serve https (rest.tls.certificate, "
                 "rest.tls.key)\n",
                 where.c_str());
}

}  // namespace

Result<std::unique_ptr<RestServer>> RestServer::start(caf::actor_system& sys, caf::actor job_manager,
                                                      const RestOptions& options) {
  RestOptions o = options;
  o.limits.max_request_bytes = o.max_body + (64u << 10);  // the body, and room for the request line and headers
  TlsContext tls(nullptr, SSL_CTX_free);
  if (!o.tls_certificate.empty() || !o.tls_key.empty()) {
    auto loaded = load_server_tls(o.tls_certificate, o.tls_key, o.tls_passphrase);
    if (!loaded.ok()) return loaded.status();
    tls = std::move(loaded).value();
  }
  auto impl = std::make_unique<Impl>(sys, std::move(job_manager), o, std::move(tls));
  impl->server.set_payload_max_length(o.max_body);
  impl->guards();
  impl->routes();
  const std::string bind = o.host.empty() ? "0.0.0.0" : o.host;
  int bound = o.port;
  if (o.port == 0) {
    bound = impl->server.bind_to_any_port(bind);
  } else if (!impl->server.bind_to_port(bind, o.port)) {
    bound = -1;
  }
  if (bound <= 0)
    return Status::io_error("cannot serve the REST API on " + bind + ":" + std::to_string(o.port) +
                            " (is the port in use? pick another with --rest)");
  impl->server.widen_backlog(512);  // capped by net.core.somaxconn
  warn_if_exposed(o, bound);
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<RestServer>(new RestServer(std::move(impl), static_cast<uint16_t>(bound)));
}

RestServer::RestServer(std::unique_ptr<Impl> impl, uint16_t port) : impl_(std::move(impl)), port_(port) {}

RestServer::~RestServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string RestServer::describe() const {
  const RestOptions& o = impl_->options;
  std::string host = o.host.empty() ? "0.0.0.0" : o.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->server.tls() ? "https://" : "http://") + host + ":" + std::to_string(port_) +
         (o.token.empty() ? "" : " (bearer token required)");
}

}  // namespace eddy
