// The job manager's REST API (cpp-httplib, JSON), served from threads of its
// own that ask the job_manager actor; `eddy local --web-ui` serves the same.
// Monitoring endpoints (Flink's, and eddy's sample, stacks and history) are
// in docs/monitoring.md and actors/rest_routes.h. Endpoints of docs/cluster.md:
//   POST /jobs                    pipeline YAML in the body -> {"id": ...}
//   GET  /jobs                    every job with its state
//   GET  /jobs/{id}               state, per-operator metrics, checkpoints
//   POST /jobs/{id}/cancel        ?savepoint=true stops with a savepoint
//   POST /jobs/{id}/savepoints    -> {"path": ...}
//   GET  /taskmanagers            live task managers and their slots
// Every error is JSON {"errors": ["..."], "error": "..."}. Requests are bounded in size and time
// (rest_connection.h); a bearer token and TLS are optional (rest_security.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.h"
#include "actors/rest_connection.h"
#include "core/status.h"
#include "plan/cluster_config.h"

namespace eddy {

/// How the REST API is served. The defaults are those of docs/cluster.md.
struct RestOptions {
  std::string host = "127.0.0.1";  // bind address; "" or 0.0.0.0: every interface
  uint16_t port = 8081;            // 0: any free port
  size_t max_body = 4u << 20;      // largest request body (rest.max_body)
  std::string token;               // non-empty: every request needs "Authorization: Bearer <token>"
  std::string tls_certificate;     // with tls_key: serve https
  std::string tls_key;
  std::string tls_passphrase;      // of an encrypted tls_key
  size_t threads = 128;            // most worker threads (8 at start); a connection holds one while open
  ConnectionLimits limits;         // timeouts; max_request_bytes is derived from max_body
  std::string prometheus_prefix = "flink";  // GET /metrics: metrics.prometheus.prefix
};

/// The REST options a job manager's config asks for, bound to host:port.
RestOptions rest_options(const ClusterConfig& c, const std::string& host, uint16_t port);

class RestServer {
 public:
  /// Binds and serves until destroyed. Warns on stderr when a non-loopback
  /// address is served without a token, or a token without TLS.
  static Result<std::unique_ptr<RestServer>> start(caf::actor_system& sys, caf::actor job_manager,
                                                   const RestOptions& options);
  ~RestServer();
  uint16_t port() const { return port_; }
  /// "http(s)://HOST:PORT", and whether a token is needed, for the start-up line.
  std::string describe() const;

  struct Impl;

 private:
  explicit RestServer(std::unique_ptr<Impl> impl, uint16_t port);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace eddy
