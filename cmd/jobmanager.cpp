// `eddy jobmanager`: the cluster's job manager process. Publishes the
// job_manager actor for task managers (plain TCP or mutual TLS), serves the
// REST API, and runs until SIGINT or SIGTERM.
#include <chrono>
#include <cstdio>
#include <thread>

#include "actors/cluster_node.h"
#include "actors/job_manager.h"
#include "actors/rest_server.h"
#include "cmd/cluster_options.h"
#include "cmd/commands.h"
#include "cmd/stop_signals.h"

namespace eddy {

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
  options.require_secret = true;
  options.secret = c.secret;
  options.heartbeat_timeout_us = c.heartbeat_timeout_us;
  options.checkpoint_base = c.checkpoint_dir;
  options.clear_checkpoints_on_fresh_start = true;
  caf::actor jm = spawn_job_manager(*sys, options);
  int code = kExitOk;
  {
    auto published = publish_actor(*sys, jm, rpc_host, rpc_port, c.tls_enabled());
    auto rest = published.ok() ? RestServer::start(*sys, jm, rest_options(c, rest_host, rest_port))
                               : Result<std::unique_ptr<RestServer>>(published.status());
    if (!rest.ok()) {
      std::fprintf(stderr, "eddy jobmanager: %s\n", rest.status().message().c_str());
      code = kExitJobFailed;
    } else {
      std::fprintf(stderr, "eddy jobmanager: task managers connect to %s:%u (%s); REST API on %s\n",
                   rpc_host.empty() ? "0.0.0.0" : rpc_host.c_str(), *published,
                   c.tls_enabled() ? "mutual TLS" : "plain TCP, no TLS configured", (*rest)->describe().c_str());
      if (!c.checkpoint_dir.empty())
        std::fprintf(stderr, "eddy jobmanager: relative checkpoints.dir of jobs are taken under %s "
                             "(every host must see it at that path)\n", c.checkpoint_dir.c_str());
      while (stop_signal() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::fprintf(stderr, "eddy jobmanager: stopping\n");
    }
  }  // the REST server stops before the actors
  caf::anon_send_exit(jm, caf::exit_reason::user_shutdown);
  exit_if_stuck(code, 5);
  sys.reset();
  return code;
}

}  // namespace eddy
