// `eddy jobmanager`: the cluster's job manager process. Opens the rpc gate
// for task managers (the cluster handshake, then BASP over plain TCP or
// mutual TLS, reaching the gatekeeper), serves the REST API, and runs until
// SIGINT or SIGTERM.
#include <chrono>
#include <cstdio>
#include <thread>

#include "actors/cluster_node.h"
#include "actors/gatekeeper.h"
#include "actors/job_manager.h"
#include "actors/rest_server.h"
#include "actors/rpc_gate.h"
#include "cmd/cluster_options.h"
#include "cmd/commands.h"
#include "cmd/stop_signals.h"
#include "net/tcp_socket.h"

namespace eddy {
namespace {

/// Without TLS, the cluster handshake keeps out whoever lacks the secret, but
/// the links themselves (jobs, data) travel in clear text and can be taken over
/// by whoever sits on the path: say so loudly when the port is not loopback.
void warn_if_exposed(const std::string& rpc_host, bool tls) {
  if (tls || is_loopback_host(rpc_host)) return;
  std::fprintf(stderr,
               "eddy jobmanager: WARNING: the rpc port listens on %s without TLS.\n"
               "eddy jobmanager: WARNING: task managers must prove the cluster secret, but jobs, records and\n"
               "eddy jobmanager: WARNING: checkpoints cross the network in clear text, and anyone on the path can\n"
               "eddy jobmanager: WARNING: read them or take over a link. Configure tls: (see docs/cluster.md) or\n"
               "eddy jobmanager: WARNING: bind --rpc-bind to 127.0.0.1 on a single host.\n",
               rpc_host.empty() ? "every interface" : rpc_host.c_str());
}

}  // namespace

int run_jobmanager(const ClusterFlags& flags) {
  auto config = resolve_cluster_config(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "eddy jobmanager: %s\n", config.status().message().c_str());
    return kExitRefused;
  }
  const ClusterConfig& c = *config;
  if (c.secret.empty()) {
    std::fprintf(stderr, "eddy jobmanager: a cluster secret is needed, so that only your task managers can "
                         "join: set EDDY_CLUSTER_SECRET (or cluster.secret in --config) here and on every "
                         "task manager\n");
    return kExitRefused;
  }
  std::string rpc_host, rest_host;
  uint16_t rpc_port = 0, rest_port = 0;
  Status ok = split_host_port(c.rpc_bind, rpc_host, rpc_port);
  if (ok.is_ok()) ok = split_host_port(c.rest_bind, rest_host, rest_port);
  if (!ok.is_ok()) {
    std::fprintf(stderr, "eddy jobmanager: %s\n", ok.message().c_str());
    return kExitRefused;
  }
  install_stop_signals();
  auto cfg = make_cluster_node_config(c);
  auto sys = std::make_unique<caf::actor_system>(*cfg);
  JobManagerOptions options;
  options.cluster_mode = true;
  options.heartbeat_timeout_us = c.heartbeat_timeout_us;
  options.slot_request_timeout_us = c.slot_request_timeout_us;
  options.checkpoint_base = c.checkpoint_dir;
  options.start_checkpoint_runs = true;
  options.monitor = c.monitor;
  caf::actor jm = spawn_job_manager(*sys, options);
  caf::actor gatekeeper = spawn_gatekeeper(*sys, jm);
  int code = kExitOk;
  {
    RpcGateOptions gate_options;
    gate_options.secret = c.secret;
    gate_options.tls = c.tls_enabled();
    auto gate = RpcGate::open(*sys, gatekeeper, rpc_host, rpc_port, gate_options);
    auto rest = gate.ok() ? RestServer::start(*sys, jm, rest_options(c, rest_host, rest_port))
                          : Result<std::unique_ptr<RestServer>>(gate.status());
    if (!rest.ok()) {
      std::fprintf(stderr, "eddy jobmanager: %s\n", rest.status().message().c_str());
      code = kExitJobFailed;
    } else {
      std::fprintf(stderr, "eddy jobmanager: task managers connect to %s:%u (%s); REST API on %s\n",
                   rpc_host.empty() ? "0.0.0.0" : rpc_host.c_str(), (*gate)->port(),
                   c.tls_enabled() ? "cluster secret, then mutual TLS" : "cluster secret, plain TCP, no TLS configured",
                   (*rest)->describe().c_str());
      warn_if_exposed(rpc_host, c.tls_enabled());
      if (!c.checkpoint_dir.empty())
        std::fprintf(stderr, "eddy jobmanager: relative checkpoints.dir of jobs are taken under %s "
                             "(every host must see it at that path)\n", c.checkpoint_dir.c_str());
      while (stop_signal() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::fprintf(stderr, "eddy jobmanager: stopping\n");
    }
  }  // the REST server and the rpc gate stop before the actors
  caf::anon_send_exit(gatekeeper, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(jm, caf::exit_reason::user_shutdown);
  exit_if_stuck(code, 5);
  sys.reset();
  return code;
}

}  // namespace eddy
