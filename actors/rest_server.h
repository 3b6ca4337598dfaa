// The job manager's REST API (cpp-httplib, JSON), served from threads of its
// own that ask the job_manager actor. Endpoints (docs/cluster.md, README):
//   POST /jobs                    pipeline YAML in the body -> {"id": ...}
//   GET  /jobs                    every job with its state
//   GET  /jobs/{id}               state, per-operator metrics, checkpoints
//   POST /jobs/{id}/cancel        ?savepoint=true stops with a savepoint
//   POST /jobs/{id}/savepoints    -> {"path": ...}
//   GET  /taskmanagers            live task managers and their slots
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.h"
#include "core/status.h"

namespace eddy {

class RestServer {
 public:
  /// Binds host:port (port 0: any free port) and serves until destroyed.
  static Result<std::unique_ptr<RestServer>> start(caf::actor_system& sys, caf::actor job_manager,
                                                   const std::string& host, uint16_t port);
  ~RestServer();
  uint16_t port() const { return port_; }

  struct Impl;

 private:
  explicit RestServer(std::unique_ptr<Impl> impl, uint16_t port);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace eddy
